import CXVCore
import CXVInput

/// The rules of cxv-validate: phone_number required and E.164 (after
/// normalisation), the `required` name fields present, email well formed when given.
public struct ValidationRules: Sendable {
    public var required: Set<ContactField>
    public var phone: PhoneNormalizer

    public init(required: Set<ContactField> = [.firstName, .lastName], phone: PhoneNormalizer) {
        self.required = required.union([.phoneNumber])
        self.phone = phone
    }
}

/// A batch after validation: its records encoded in input order, each with the
/// phone key the sequential pass needs for dedupe and suppression.
public struct ValidatedBatch: Sendable {
    public struct Entry: Sendable {
        /// End of this row's record in `output` (it starts where the previous one ends).
        public var end: Int
        /// The normalised number's key for a contact; nil for a reject.
        public var phoneKey: UInt64?
    }

    public var rows: RowBatch
    public var output: [UInt8]
    public var entries: [Entry]
}

/// The keys of a contact record, encoded once.
private enum Keys {
    static let kind = JSONWriter.EncodedKey("kind")
    static let line = JSONWriter.EncodedKey("line")
    static let file = JSONWriter.EncodedKey("file")
    static let fields = ContactField.allCases.map { JSONWriter.EncodedKey($0.name) }
}

/// One row's values of the contact fields, without a heap allocation per row.
private struct FieldValues {
    private var phone, first, last, email, externalID: UnsafeRawBufferPointer?

    subscript(index: Int) -> UnsafeRawBufferPointer? {
        get {
            switch index {
            case 0: return phone
            case 1: return first
            case 2: return last
            case 3: return email
            default: return externalID
            }
        }
        set {
            switch index {
            case 0: phone = newValue
            case 1: first = newValue
            case 2: last = newValue
            case 3: email = newValue
            default: externalID = newValue
            }
        }
    }
}

/// Validates and encodes rows; pure, so batches run on every core at once.
public struct Validator: Sendable {
    public let rules: ValidationRules
    public let map: HeaderMap
    /// Named in each record when cxv-validate reads more than one file.
    public let file: String?
    /// The CSV header's width; rows of another width are rejected.
    public let width: Int
    /// Whether a contact carries its row as read (`record`), as a reject always does.
    public let keepsRows: Bool
    /// `rules.required` by field index, so the hot path does no hashing.
    private let required: [Bool]

    public init(rules: ValidationRules, map: HeaderMap, file: String?, keepsRows: Bool = false) {
        self.rules = rules
        self.map = map
        self.file = file
        self.keepsRows = keepsRows
        self.width = map.header.count
        self.required = ContactField.allCases.map { rules.required.contains($0) }
    }

    /// A byte no name, number or address holds (NUL and the other C0 controls but tab and
    /// line breaks, which quoted fields may carry, and DEL): CXone and C-based tools choke on them.
    static func controlByte(in value: UnsafeRawBufferPointer) -> UInt8? {
        for byte in value where byte < 0x20 || byte == 0x7F {
            if byte != 0x09 && byte != 0x0A && byte != 0x0D { return byte }
        }
        return nil
    }

    /// ASCII white space and no-break spaces, trimmed from both ends.
    public static func trimmed(_ s: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lo = 0, hi = s.count
        while lo < hi {
            let b = s[lo]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { lo += 1 }
            else if b == 0xC2, lo + 1 < hi, s[lo + 1] == 0xA0 { lo += 2 }
            else { break }
        }
        while hi > lo {
            let b = s[hi - 1]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { hi -= 1 }
            else if b == 0xA0, hi - 2 >= lo, s[hi - 2] == 0xC2 { hi -= 2 }
            else { break }
        }
        return UnsafeRawBufferPointer(rebasing: s[lo..<hi])
    }

    public func validate(_ rows: RowBatch) -> ValidatedBatch {
        var writer = JSONWriter(capacity: rows.storage.count * 2 + rows.rows.count * 96)
        var entries: [ValidatedBatch.Entry] = []
        entries.reserveCapacity(rows.rows.count)
        var phone: [UInt8] = []
        phone.reserveCapacity(24)
        rows.storage.withUnsafeBytes { storage in
            for row in rows.rows {
                let key = encode(row, of: rows, storage: storage, phone: &phone, into: &writer)
                entries.append(.init(end: writer.count, phoneKey: key))
            }
        }
        return ValidatedBatch(rows: rows, output: writer.bytes, entries: entries)
    }

    private func field(_ i: Int, _ rows: RowBatch, _ storage: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[rows.fieldRange(i)])
    }

    /// Encodes one row as a contact (returning its phone key) or a reject (returning nil).
    private func encode(_ row: RowBatch.Row, of rows: RowBatch, storage: UnsafeRawBufferPointer,
                        phone: inout [UInt8], into writer: inout JSONWriter) -> UInt64? {
        if let problem = row.problem {
            writeReject(row, of: rows, storage: storage, errors: [Validator.error(for: problem)], into: &writer)
            return nil
        }
        if !row.keyed, row.fieldCount != width {
            let error = ValidationError(field: "", code: "field_count",
                                        message: "expected \(width) fields as in the header, found \(row.fieldCount)")
            writeReject(row, of: rows, storage: storage, errors: [error], into: &writer)
            return nil
        }
        var values = FieldValues()
        var extras: [(String, UnsafeRawBufferPointer)] = []
        var errors = gather(row, of: rows, storage: storage, values: &values, extras: &extras)
        phone.removeAll(keepingCapacity: true)
        if errors.isEmpty { errors = check(values, phone: &phone) }
        guard errors.isEmpty else {
            writeReject(row, of: rows, storage: storage, errors: errors, into: &writer)
            return nil
        }
        writeContact(row, of: rows, storage: storage, values: values, extras: extras, phone: phone, into: &writer)
        return phone.withUnsafeBytes { E164.key($0) }
    }

    /// The row's fields and extras, trimmed; a value that is not UTF-8 or holds a control
    /// character is an error instead.
    private func gather(_ row: RowBatch.Row, of rows: RowBatch, storage: UnsafeRawBufferPointer,
                        values: inout FieldValues, extras: inout [(String, UnsafeRawBufferPointer)]) -> [ValidationError] {
        var errors: [ValidationError] = []
        for column in 0..<(row.keyed ? row.fieldCount / 2 : row.fieldCount) {
            let role: HeaderMap.Role
            let value: UnsafeRawBufferPointer
            if row.keyed {
                let name = String(decoding: field(row.firstField + 2 * column, rows, storage), as: UTF8.self)
                role = map.role(of: name)
                value = field(row.firstField + 2 * column + 1, rows, storage)
            } else {
                role = map.roles[column]
                value = field(row.firstField + column, rows, storage)
            }
            if !JSONScanner.isValidUTF8(value) {
                errors.append(.init(field: role.name, code: "invalid_utf8", message: "\(role.name) is not valid UTF-8"))
                continue
            }
            if let byte = Validator.controlByte(in: value) {
                let hex = String(byte, radix: 16, uppercase: true)
                errors.append(.init(field: role.name, code: "control_character",
                                    message: "\(role.name) holds a control character (0x\(hex.count < 2 ? "0" : "")\(hex)); remove it"))
                continue
            }
            switch role {
            case let .field(f):
                if values[f.rawValue] == nil { values[f.rawValue] = Validator.trimmed(value) }
            case let .extra(name):
                extras.append((name, Validator.trimmed(value)))
            }
        }
        return errors
    }

    /// The rules: the phone number normalised into `phone`, required fields, the email's syntax.
    private func check(_ values: FieldValues, phone: inout [UInt8]) -> [ValidationError] {
        var errors: [ValidationError] = []
        switch rules.phone.normalize(values[0] ?? UnsafeRawBufferPointer(start: nil, count: 0), into: &phone) {
        case .valid: break
        case .missing:
            errors.append(.init(field: "phone_number", code: "required", message: "phone_number is required"))
        case let .notE164(hint):
            errors.append(.init(field: "phone_number", code: "not_e164",
                                message: "phone_number must be in E.164 format (\(hint))"))
        case .invalidForCountry:
            errors.append(.init(field: "phone_number", code: "invalid_number",
                                message: "phone_number is not a valid number for its country"))
        }
        for field in ContactField.allCases.dropFirst() where required[field.rawValue] {
            if (values[field.rawValue]?.count ?? 0) == 0 {
                errors.append(.init(field: field.name, code: "required", message: "\(field.name) is required"))
            }
        }
        if let email = values[ContactField.email.rawValue], !email.isEmpty, !EmailSyntax.isValid(email) {
            errors.append(.init(field: "email", code: "invalid_email", message: "email is not a valid address"))
        }
        return errors
    }

    private func writeContact(_ row: RowBatch.Row, of rows: RowBatch, storage: UnsafeRawBufferPointer, values: FieldValues,
                              extras: [(String, UnsafeRawBufferPointer)], phone: [UInt8], into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key(Keys.kind); writer.string("contact")
        writer.key(Keys.line); writer.int(row.line)
        if let file { writer.key(Keys.file); writer.string(file) }
        phone.withUnsafeBytes { writer.key(Keys.fields[0]); writer.string(utf8: $0) }
        for field in 1...3 {
            if let value = values[field], !value.isEmpty || field != ContactField.email.rawValue {
                writer.key(Keys.fields[field])
                writer.string(utf8: value)
            }
        }
        // Absent when empty: cxv-chunk then names the missing id instead of keying a list on "".
        if let id = values[ContactField.externalID.rawValue], !id.isEmpty {
            writer.key(Keys.fields[ContactField.externalID.rawValue])
            writer.string(utf8: id)
        }
        if !extras.isEmpty {
            writer.key("extra")
            writer.beginObject()
            for (name, value) in extras {
                writer.key(name)
                writer.string(utf8: value)
            }
            writer.endObject()
        }
        if keepsRows { writeRecord(row, of: rows, storage: storage, into: &writer) }
        writer.endObject()
        writer.endRecord()
    }

    public static func error(for problem: RowProblem) -> ValidationError {
        .init(field: "", code: problem.code, message: problem.message)
    }

    /// Encodes a reject for `row`, with `record` holding the row as read.
    public func writeReject(_ row: RowBatch.Row, of rows: RowBatch, storage: UnsafeRawBufferPointer,
                            errors: [ValidationError], into writer: inout JSONWriter) {
        writer.beginReject(stage: "validate", line: row.line, file: file, errors: errors)
        writeRecord(row, of: rows, storage: storage, into: &writer)
        if row.problem != nil {
            writer.key("raw")
            writer.string(String(decoding: row.raw, as: UTF8.self))
        }
        writer.endObject()
        writer.endRecord()
    }

    /// `"record"`: the row as read, by its header's names, so a rejects file or an imported
    /// file can give a row back as the user wrote it.
    private func writeRecord(_ row: RowBatch.Row, of rows: RowBatch, storage: UnsafeRawBufferPointer,
                             into writer: inout JSONWriter) {
        writer.key("record")
        writer.beginObject()
        if row.keyed {
            for i in stride(from: 0, to: row.fieldCount, by: 2) {
                writer.key(String(decoding: field(row.firstField + i, rows, storage), as: UTF8.self))
                writer.string(String(decoding: field(row.firstField + i + 1, rows, storage), as: UTF8.self))
            }
        } else {
            for i in 0..<row.fieldCount {
                writer.key(i < map.recordKeys.count ? map.recordKeys[i] : "column_\(i + 1)")
                let value = field(row.firstField + i, rows, storage)
                if JSONScanner.isValidUTF8(value) {
                    writer.string(utf8: value)
                } else {
                    writer.string(String(decoding: value, as: UTF8.self))  // U+FFFD marks the bad bytes
                }
            }
        }
        writer.endObject()
    }
}
