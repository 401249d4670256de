/// The contact fields cxv knows, in the order a contact record writes them. Not a chunk's
/// header: that is its API's (`ImportAPI.columns`), and contacts-import has no external_id.
public enum ContactField: Int, CaseIterable, Sendable {
    case phoneNumber, firstName, lastName, email
    /// A calling list's key for the contact (`--api call-lists`).
    case externalID

    public var name: String {
        switch self {
        case .phoneNumber: return "phone_number"
        case .firstName: return "first_name"
        case .lastName: return "last_name"
        case .email: return "email"
        case .externalID: return "external_id"
        }
    }

    public init?(name: String) {
        guard let field = ContactField.allCases.first(where: { $0.name == name }) else { return nil }
        self = field
    }

    /// Header spellings read as this field, compared lowercased with only letters and digits kept.
    var aliases: Set<String> {
        switch self {
        case .phoneNumber:
            return ["phonenumber", "phone", "phoneno", "telephone", "telephonenumber", "tel", "mobile",
                    "mobilephone", "mobilenumber", "cell", "cellphone", "msisdn", "number", "contactnumber"]
        case .firstName: return ["firstname", "first", "givenname", "forename", "fname"]
        case .lastName: return ["lastname", "last", "surname", "familyname", "lname"]
        case .email: return ["email", "emailaddress", "mail"]
        // Not a bare "id": exports name their own row ids so, and a list keyed on one would be wrong.
        case .externalID: return ["externalid", "extid", "externalidentifier"]
        }
    }

    static func loosely(_ header: String) -> String {
        String(String.UnicodeScalarView(header.lowercased().unicodeScalars.filter {
            ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9")
        }))
    }
}

/// What each input column (or NDJSON key) is: a contact field or an extra kept under `extra`.
public struct HeaderMap: Sendable {
    public enum Role: Equatable, Sendable {
        case field(ContactField)
        case extra(String)
    }

    /// `--map field=Header` pairs: exact header names that win over loose matching.
    public let overrides: [ContactField: String]
    /// For CSV: the role of each column, by position.
    public private(set) var roles: [Role] = []
    public private(set) var header: [String] = []
    /// The header's names made unique (`Notes`, `Notes_2`): the keys of a reject's `record`.
    public private(set) var recordKeys: [String] = []
    /// Warnings worth a line on stderr (duplicate columns and the like).
    public private(set) var warnings: [String] = []

    public init(overrides: [ContactField: String]) {
        self.overrides = overrides
    }

    /// Parses `field=Header` arguments of `--map`.
    public static func parseOverrides(_ pairs: [String]) throws -> [ContactField: String] {
        var result: [ContactField: String] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), let field = ContactField(name: String(pair[..<eq])) else {
                throw CXVError.usage("--map \(pair): expected FIELD=HEADER with FIELD one of \(ContactField.allCases.map(\.name).joined(separator: ", "))")
            }
            result[field] = String(pair[pair.index(after: eq)...])
        }
        return result
    }

    /// The role of a single name, for keyed (NDJSON) input.
    public func role(of name: String) -> Role {
        for (field, header) in overrides where header == name { return .field(field) }
        let loose = ContactField.loosely(name)
        for field in ContactField.allCases where overrides[field] == nil && field.aliases.contains(loose) {
            return .field(field)
        }
        return .extra(name)
    }

    /// Assigns roles to a CSV header. The first column to match a field takes it;
    /// a later one is kept as an extra, with a warning.
    public mutating func bind(header: [String], source: String) throws {
        self.header = header
        var seen: Set<String> = []
        var nextSuffix: [String: Int] = [:]  // per name, so 10,000 equal names stay linear
        recordKeys = header.enumerated().map { index, name in
            var key = name.isEmpty ? "column_\(index + 1)" : name
            while seen.contains(key) {
                let n = nextSuffix[name, default: 2]
                nextSuffix[name] = n + 1
                key = "\(name)_\(n)"
            }
            seen.insert(key)
            return key
        }
        for (field, name) in overrides where !header.contains(name) {
            throw CXVError.usage("--map \(field.name)=\(name): \(source) has no column \"\(name)\" (columns: \(header.joined(separator: ", ")))")
        }
        var taken: [ContactField: Int] = [:]
        roles = header.enumerated().map { index, name in
            if case let .field(field) = role(of: name) {
                if let first = taken[field] {
                    warnings.append("\(source): columns \(first + 1) and \(index + 1) both read as \(field.name); using column \(first + 1), keeping \"\(name)\" under extra")
                } else {
                    taken[field] = index
                    return .field(field)
                }
            }
            return .extra(recordKeys[index])
        }
    }

    public func hasColumn(for field: ContactField) -> Bool {
        roles.contains(.field(field))
    }
}
