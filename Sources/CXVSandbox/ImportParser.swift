import CXVCore

/// One data row of an upload, as the server stores it.
public struct ImportRow: Sendable, Equatable {
    public var phoneNumber: String
    public var firstName: String
    public var lastName: String
    public var email: String

    public init(phoneNumber: String, firstName: String, lastName: String, email: String) {
        self.phoneNumber = phoneNumber
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
    }
}

/// A readable upload: the body as received, a key for each row that can be stored, and a
/// message for each row that cannot. The rows themselves are read again from the body when
/// asked (GET /sandbox/contacts): copying them out as uploads arrived cost a fifth of the
/// server's CPU, mostly in first touches of memory, for rows that are seldom read back.
public struct ParsedImport: Sendable {
    let body: [UInt8]
    let gzip: Bool
    /// E164.key of each row that can be stored, in order: distinct numbers are counted from these.
    public internal(set) var phoneKeys: [UInt64] = []
    /// `row N: …`, N the 1-based data row (header not counted).
    public internal(set) var rowErrors: [String] = []
    /// Data rows read, good and bad.
    public internal(set) var dataRows = 0

    /// Rows that can be stored.
    public var storableCount: Int { phoneKeys.count }

    /// The rows that can be stored, read again from the body.
    public func rows() -> [ImportRow] {
        var rows: [ImportRow] = []
        rows.reserveCapacity(storableCount)
        do {
            try ImportParser.forEachRow(body: body, gzip: gzip, maxDecompressed: .max) { _, fields in
                guard E164.matches(fields.bytes(0)) else { return }
                rows.append(ImportRow(phoneNumber: fields.string(0), firstName: fields.string(1),
                                      lastName: fields.string(2), email: fields.string(3)))
            }
        } catch {
            preconditionFailure("an upload that was read once did not read again: \(error)")
        }
        return rows
    }
}

/// Why an upload was refused before any job was made.
public enum ImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400: a body the server cannot read.
    case unreadable(String)
    /// 413: the body expands beyond what the server accepts.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .unreadable(message), let .tooLarge(message): return message
        }
    }
}

/// Reads an uploaded CSV the way the import API does: whole-body problems are
/// errors (400), bad phone numbers are row errors the job reports.
public enum ImportParser {
    /// `body` as received; `gzip` when it came with `Content-Encoding: gzip`.
    public static func parse(body: [UInt8], gzip: Bool, maxDecompressed: Int) throws(ImportError) -> ParsedImport {
        var upload = ParsedImport(body: body, gzip: gzip)
        try forEachRow(body: body, gzip: gzip, maxDecompressed: maxDecompressed) { number, fields in
            upload.dataRows = number
            let phone = fields.bytes(0)
            if E164.matches(phone) {
                upload.phoneKeys.append(E164.key(phone))
            } else {
                upload.rowErrors.append("row \(number): phone_number must be in E.164 format")
            }
        }
        return upload
    }

    /// The fields of one data row, in place in the batch they were read into (by pointers: a
    /// copy of the batch a row cost a retain and a release of each of its arrays).
    struct RowFields {
        let storage: UnsafeRawBufferPointer
        let fieldEnds: UnsafeBufferPointer<Int>
        let firstField: Int

        func bytes(_ field: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: storage[RowBatch.fieldRange(firstField + field, in: fieldEnds)])
        }

        func string(_ field: Int) -> String { String(decoding: bytes(field), as: UTF8.self) }
    }

    /// Reads an upload, handing each data row (numbered from 1) to `row`. A row that makes the
    /// whole body unreadable throws before any row of its batch is handed over, and callers
    /// drop what they gathered when it throws: a refused upload leaves nothing behind.
    static func forEachRow(body: [UInt8], gzip: Bool, maxDecompressed: Int,
                           _ row: (Int, RowFields) -> Void) throws(ImportError) {
        var csv = body
        if gzip {
            let inflated = body.withUnsafeBytes { raw in
                Result { () throws(GzipError) in try Gzip.decompress(raw, limit: maxDecompressed) }
            }
            switch inflated {
            case let .success(bytes):
                csv = bytes
            case let .failure(error) where error.overLimit:
                throw .tooLarge("the gzip body \(error.description)")
            case let .failure(error):
                throw .unreadable("Content-Encoding is gzip but the body is \(error.description)")
            }
        } else if body.starts(with: [0x1F, 0x8B]) {
            throw .unreadable("the body looks gzip'd but came without Content-Encoding: gzip")
        }
        let columns = ImportAPI.contactsImport.columns  // every header starts with them
        var reader = CSVReader(source: InputSource.body(name: "upload", bytes: csv))
        var batch = RowBatch()
        batch.reserveCapacity(forCSVBytes: csv.count)
        var headerCount: Int?
        var dataRows = 0
        while true {
            batch.removeAll()
            let more: Bool
            do {
                more = try reader.read(into: &batch, maxRows: 4096)
            } catch {
                throw .unreadable("the body could not be read: \(error)")  // in memory, so not expected
            }
            guard more else { break }
            var rows = batch.rows[...]
            if headerCount == nil, let header = rows.first {
                if let problem = header.problem { throw .unreadable("header row: \(problem.summary)") }
                let names = batch.strings(of: header)
                guard Array(names.prefix(columns.count)) == columns else {
                    throw .unreadable("the header row must start with \(columns.joined(separator: ",")); got \(names.joined(separator: ",").prefix(200))")
                }
                headerCount = names.count
                rows = rows.dropFirst()
            }
            for (number, each) in zip((dataRows + 1)..., rows) {
                if let problem = each.problem { throw .unreadable("row \(number): \(problem.summary)") }
                guard each.fieldCount == headerCount else {
                    throw .unreadable("row \(number): \(each.fieldCount) fields where the header has \(headerCount ?? 0)")
                }
            }
            batch.storage.withUnsafeBytes { storage in
                batch.fieldEnds.withUnsafeBufferPointer { fieldEnds in
                    for each in rows {
                        dataRows += 1
                        row(dataRows, RowFields(storage: storage, fieldEnds: fieldEnds, firstField: each.firstField))
                    }
                }
            }
        }
        guard headerCount != nil else {
            throw .unreadable("the body is empty: expected a header row \(columns.joined(separator: ","))")
        }
    }
}
