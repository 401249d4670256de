/// Which import contract a chunk is written for: the chunk record's `api` member (absent
/// means contacts-import), set by cxv-chunk and read by every later stage. What each
/// contract takes of a chunk, its CSV columns and its limits, is here so the offline
/// stages can shape chunks for it; how it is spoken over HTTP is CXVAPI's.
public enum ImportAPI: String, Sendable, CaseIterable {
    /// The tutorial's `/api/v2/contacts/import` (the default).
    case contactsImport = "contacts-import"
    /// CXone's Admin API calling lists.
    case callLists = "call-lists"

    public static let environmentVariable = "CXONE_API"

    /// From an option (nil when not given), else `CXONE_API`, else contacts-import.
    public static func resolve(_ option: String?, environment: [String: String]) throws(CXVError) -> ImportAPI {
        guard let text = option ?? environment[environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return .contactsImport
        }
        guard let api = ImportAPI(rawValue: text) else {
            let origin = option == nil ? "\(environmentVariable)=\(text)" : "--api \(text)"
            throw .usage("\(origin): expected \(allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return api
    }

    /// The columns every chunk CSV starts with, in order; `--columns` adds after them.
    public var columns: [String] {
        switch self {
        case .contactsImport: return ["phone_number", "first_name", "last_name", "email"]
        case .callLists: return ["external_id", "phone_number", "first_name", "last_name", "email"]
        }
    }

    /// Every record needs an external id: the list's key.
    public var requiresExternalID: Bool { self == .callLists }

    /// The server names the rows it refuses; a calling list only counts them.
    public var namesRefusedRows: Bool { self == .contactsImport }

    /// What the server takes at most.
    public var limits: APILimits {
        switch self {
        case .contactsImport: return APILimits(rows: nil, bytes: nil, recordCharacters: nil)
        // CXone's help pages: a file at most 256 MB and 500,000 records, a record 512 characters.
        case .callLists: return APILimits(rows: 500_000, bytes: 256_000_000, recordCharacters: 512)
        }
    }
}

/// A contract's limits on one upload; nil where it sets none.
public struct APILimits: Sendable, Equatable {
    public var rows: Int?
    public var bytes: Int?
    /// Unicode characters of one record as written in the CSV row (its line ending not counted).
    public var recordCharacters: Int?
}
