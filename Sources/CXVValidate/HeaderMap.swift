import CXVCore
import CXVInput

/// How input headers name each contact field: the loose matching cxv-validate binds columns by.
extension ContactField {
    /// Header spellings read as this field, compared lowercased with only letters and digits kept.
    var aliases: Set<String> {
        switch self {
        case .phoneNumber:
            return ["phonenumber", "phone", "phoneno", "telephone", "telephonenumber", "tel", "mobile",
                    "mobilephone", "mobilenumber", "cell", "cellphone", "msisdn", "number", "contactnumber",
                    "contactphonenumber", "contactphone", "phone1", "primaryphone"]
        case .firstName: return ["firstname", "first", "givenname", "forename", "fname"]
        case .lastName: return ["lastname", "last", "surname", "familyname", "lname"]
        case .email: return ["email", "emailaddress", "mail"]
        // Not a bare "id": exports name their own row ids so, and a list keyed on one would be wrong.
        case .externalID: return ["externalid", "extid", "externalidentifier", "accountid", "customerid"]
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

        /// What errors call the column: the field's name, or the header's for an extra.
        public var name: String {
            switch self {
            case let .field(f): return f.name
            case let .extra(n): return n
            }
        }
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

    /// Assigns roles to a CSV header whose row is `line` of `source`. Two columns of different
    /// names that read as one field are an error that names the `--map` settling it; a repeated
    /// name is read from its first column, the later kept as an extra, with a warning.
    public mutating func bind(header: [String], source: String, line: Int = 1) throws {
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
        var roles: [Role] = []
        for (index, name) in header.enumerated() {
            guard case let .field(field) = role(of: name) else {
                roles.append(.extra(recordKeys[index]))
                continue
            }
            guard let first = taken[field] else {
                taken[field] = index
                roles.append(.field(field))
                continue
            }
            let firstName = header[first]
            guard firstName == name else {
                throw CXVError.data(source: source, line: line, message: "columns \(first + 1) (\(firstName)) and \(index + 1) (\(name)) both read as \(field.name): say which with --map \(field.name)=\(ShellWord.quoted(firstName)) or --map \(field.name)=\(ShellWord.quoted(name))")
            }
            warnings.append("\(source): columns \(first + 1) and \(index + 1) both read as \(field.name); using column \(first + 1), keeping \"\(name)\" under extra")
            roles.append(.extra(recordKeys[index]))
        }
        self.roles = roles
    }

    public func hasColumn(for field: ContactField) -> Bool {
        roles.contains(.field(field))
    }
}
