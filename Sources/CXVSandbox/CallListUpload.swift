// Reads a call-list upload (docs/design.md §3b): the JSON body's required fields, its base64 CSV file, and the records in it.
import CXVCore
import Foundation

/// One record of a call-list file, read through the list's field mapping.
public struct CallListRecord: Sendable, Equatable {
    public var externalID: String
    public var phoneNumber: String
    public var firstName: String
    public var lastName: String
    public var email: String
    /// A phone number in E.164, and a row within the contract's characters.
    public var isValid: Bool
}

/// A readable upload's records.
public struct CallListUpload: Sendable {
    /// The records with an external id, in file order: a later one of an id replaces an earlier one.
    public internal(set) var keyed: [CallListRecord] = []
    /// Records without an external id: invalid, and held by no list.
    public internal(set) var unkeyed = 0

    public var recordCount: Int { keyed.count + unkeyed }
}

/// Reads uploads the way CXone's calling-list API does: a body it cannot use is refused whole
/// (400, or 413 past a limit); a record it cannot use is counted invalid.
public enum CallListParser {
    /// The list's field mapping: the contract's columns, found by header name; other columns are kept
    /// in the row (they count towards its length) but not read.
    static let mapping = ImportAPI.callLists.columns
    /// The columns every file must have: the external id (the list's key) and the phone number.
    static let required = mapping.prefix(2)

    /// `body` as received; `limits` are the contract's (lowered by tests).
    public static func parse(body: [UInt8], limits: APILimits) throws(ImportError) -> CallListUpload {
        let file = try listFile(body: body, limits: limits)
        return try records(file: file, limits: limits)
    }

    /// The decoded file of a body whose fields are all there and of their types.
    static func listFile(body: [UInt8], limits: APILimits) throws(ImportError) -> [UInt8] {
        guard let members = JSONValue.object(body) else {
            throw .unreadable("the body is not a JSON object: send {\"listFile\": base64, \"fileName\", \"forceOverwrite\", \"expirationDate\", \"startSkill\", \"sendEmail\"}")
        }
        var fields = FieldCheck(members)
        let file = fields.string("listFile")
        fields.string("fileName")
        fields.bool("forceOverwrite")
        fields.date("expirationDate")
        fields.bool("startSkill")
        fields.bool("sendEmail")
        fields.optional("skillId", allowsNumber: true)
        fields.optional("defaultTimeZone", allowsNumber: false)
        guard fields.problems.isEmpty, var file else { throw .unreadable(fields.problems.joined(separator: "; ")) }
        let byteLimit = limits.bytes ?? .max
        // Base64 is 4 characters for 3 bytes: far past the limit is refused before it is decoded.
        if file.utf8.count / 4 * 3 - 2 > byteLimit { throw tooLarge(bytes: file.utf8.count / 4 * 3, limit: byteLimit) }
        guard let csv = file.withUTF8({ Base64.decode(UnsafeRawBufferPointer($0)) }) else {
            throw .unreadable("listFile is not base64 (RFC 4648, padded, no line breaks)")
        }
        if csv.count > byteLimit { throw tooLarge(bytes: csv.count, limit: byteLimit) }
        guard csv.withUnsafeBytes({ JSONScanner.isValidUTF8($0) }) else {
            throw .unreadable("listFile is not UTF-8 text: a call-list file must be UTF-8 CSV")
        }
        return csv
    }

    private static func tooLarge(bytes: Int, limit: Int) -> ImportError {
        .tooLarge("listFile decodes to \(bytes) bytes, over the limit of \(limit) bytes of a call-list file: send smaller files")
    }

    /// The records of a UTF-8 CSV file, by the list's field mapping.
    static func records(file: [UInt8], limits: APILimits) throws(ImportError) -> CallListUpload {
        var reader = CSVReader(source: InputSource.body(name: "listFile", bytes: file))
        var batch = RowBatch()
        var upload = CallListUpload()
        var columns: [Int?] = []  // where each mapped column is in the file, by mapping order
        var headerCount = 0
        var row = WriteBuffer(capacity: 1024)
        while true {
            batch.removeAll()
            let more: Bool
            do {
                more = try reader.read(into: &batch, maxRows: 4096)
            } catch {
                throw .unreadable("listFile could not be read: \(error)")  // in memory, so not expected
            }
            guard more else { break }
            var rows = batch.rows[...]
            if columns.isEmpty, let header = rows.first {
                if let problem = header.problem { throw .unreadable("listFile's header row: \(problem.summary)") }
                let names = batch.strings(of: header)
                columns = mapping.map { names.firstIndex(of: $0) }
                let missing = zip(mapping, columns).filter { required.contains($0.0) && $0.1 == nil }.map(\.0)
                guard missing.isEmpty else {
                    throw .unreadable("listFile's header has no \(missing.joined(separator: " or ")) column; the list's field mapping reads \(mapping.joined(separator: ", ")) by header name; got \(names.joined(separator: ",").prefix(200))")
                }
                headerCount = names.count
                rows = rows.dropFirst()
            }
            for each in rows {
                if let maxRows = limits.rows, upload.recordCount >= maxRows {
                    throw .tooLarge("listFile has more than \(maxRows) records, the limit of a call-list file: send smaller files")
                }
                guard each.problem == nil else {
                    upload.unkeyed += 1  // not CSV: no external id can be read from it
                    continue
                }
                let field = { (column: Int) -> String in
                    guard let index = columns[column], index < each.fieldCount else { return "" }
                    return String(decoding: batch.storage[batch.fieldRange(each.firstField + index)], as: UTF8.self)
                }
                let externalID = field(0)
                guard !externalID.isEmpty else {
                    upload.unkeyed += 1
                    continue
                }
                let phone = field(1)
                var valid = each.fieldCount == headerCount && phone.utf8.withContiguousStorageIfAvailable {
                    E164.matches(UnsafeRawBufferPointer($0))
                } == true
                if valid, let maxCharacters = limits.recordCharacters {
                    valid = characters(of: each, in: batch, buffer: &row) <= maxCharacters
                }
                upload.keyed.append(CallListRecord(externalID: externalID, phoneNumber: phone, firstName: field(2),
                                                   lastName: field(3), email: field(4), isValid: valid))
            }
        }
        guard !columns.isEmpty else {
            throw .unreadable("listFile is empty: expected a header row with \(required.joined(separator: " and ")) columns")
        }
        return upload
    }

    /// The Unicode characters of a record written as a CSV row, its line ending not counted: the
    /// fields as CSVWriter quotes them (the way cxv-chunk writes them), separated by commas.
    static func characters(of each: RowBatch.Row, in batch: RowBatch, buffer: inout WriteBuffer) -> Int {
        buffer.removeAll()
        let writer = CSVWriter()
        batch.storage.withUnsafeBytes { storage in
            for index in 0..<each.fieldCount {
                if index > 0 { buffer.append(writer.delimiter) }
                writer.appendField(UnsafeRawBufferPointer(rebasing: storage[batch.fieldRange(each.firstField + index)]), to: &buffer)
            }
        }
        // Every byte but a UTF-8 continuation byte starts a character.
        return buffer.withUnsafeBytes { $0.reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 } }
    }
}

/// The required and optional fields of an upload's body, checked one by one; every problem is named.
private struct FieldCheck {
    let members: JSONValue
    var problems: [String] = []

    init(_ members: JSONValue) {
        self.members = members
    }

    @discardableResult
    mutating func string(_ name: String) -> String? {
        switch members[name] {
        case let .string(text)?: return text
        case nil: problems.append("\(name) is missing: it is required")
        default: problems.append("\(name) must be a string")
        }
        return nil
    }

    mutating func bool(_ name: String) {
        switch members[name] {
        case .bool?: return
        case nil: problems.append("\(name) is missing: it is required (true or false)")
        default: problems.append("\(name) must be true or false")
        }
    }

    mutating func date(_ name: String) {
        guard let text = string(name) else { return }
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if (try? plain.parse(text)) == nil, (try? fractional.parse(text)) == nil {
            problems.append("\(name) must be an ISO-8601 date and time, e.g. 2030-01-31T00:00:00Z; got \(text.prefix(40))")
        }
    }

    mutating func optional(_ name: String, allowsNumber: Bool) {
        switch members[name] {
        case nil, .null?, .string?: return
        case .number? where allowsNumber: return
        default: problems.append("\(name) must be a \(allowsNumber ? "string or a number" : "string")")
        }
    }
}
