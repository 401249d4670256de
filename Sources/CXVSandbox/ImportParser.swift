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

/// The rows of one upload as the server stores them: the four fields of every row in one
/// byte array, each followed by one separator byte as in a RowBatch, so a thousand rows
/// are three arrays, not four thousand Strings.
public struct ImportRows: Sendable, RandomAccessCollection {
    private var bytes: [UInt8] = []
    /// The end of each field in `bytes`, four a row (32 bits: one upload is far below 4 GiB).
    private var ends: [UInt32] = []
    /// Each row's PhoneNormalizer.key, for counting distinct numbers.
    public private(set) var phoneKeys: [UInt64] = []

    public init() {}

    /// Room for the rows of a CSV of `bytes` bytes, so reading one never regrows.
    init(capacityFor bytes: Int) {
        self.bytes.reserveCapacity(bytes)
        ends.reserveCapacity(bytes / 8)
        phoneKeys.reserveCapacity(bytes / 32)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { phoneKeys.count }

    public subscript(row: Int) -> ImportRow {
        func field(_ i: Int) -> String {
            let index = row * 4 + i
            return String(decoding: bytes[(index == 0 ? 0 : Int(ends[index - 1]) + 1)..<Int(ends[index])], as: UTF8.self)
        }
        return ImportRow(phoneNumber: field(0), firstName: field(1), lastName: field(2), email: field(3))
    }

    /// Appends the first four fields of `row` (field 0 an E.164 number), which lie in order
    /// in `storage`, the bytes of `batch`, with their separators: one copy a row.
    mutating func append(_ row: RowBatch.Row, of batch: RowBatch, storage: UnsafeRawBufferPointer) {
        let phone = batch.fieldRange(row.firstField)
        let base = bytes.count - phone.lowerBound
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: storage[phone.lowerBound...batch.fieldEnds[row.firstField + 3]]))
        for i in 0..<4 { ends.append(UInt32(base + batch.fieldEnds[row.firstField + i])) }
        phoneKeys.append(PhoneNormalizer.key(UnsafeRawBufferPointer(rebasing: storage[phone])))
    }

}

/// A readable upload: the rows that can be stored, and a message per row that cannot.
public struct ParsedImport: Sendable {
    public var rows = ImportRows()
    /// `row N: …`, N the 1-based data row (header not counted).
    public var rowErrors: [String] = []
    /// Data rows read, good and bad.
    public var dataRows = 0
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
    public static let requiredHeader = ["phone_number", "first_name", "last_name", "email"]

    /// `body` as received; `gzip` when it came with `Content-Encoding: gzip`.
    public static func parse(body: [UInt8], gzip: Bool, maxDecompressed: Int) throws(ImportError) -> ParsedImport {
        var csv = body
        if gzip {
            let inflated = body.withUnsafeBytes { raw in
                Result { () throws(GzipError) in try Gzip.decompress(raw, limit: maxDecompressed) }
            }
            switch inflated {
            case let .success(bytes):
                csv = bytes
            // GzipError carries only its message; the limit's is the one that means "too large".
            case let .failure(error) where error.description.hasPrefix("decompresses to more than"):
                throw .tooLarge("the gzip body \(error.description)")
            case let .failure(error):
                throw .unreadable("Content-Encoding is gzip but the body is \(error.description)")
            }
        } else if body.starts(with: [0x1F, 0x8B]) {
            throw .unreadable("the body looks gzip'd but came without Content-Encoding: gzip")
        }
        return try parseCSV(csv)
    }

    static func parseCSV(_ csv: [UInt8]) throws(ImportError) -> ParsedImport {
        var reader = CSVReader(source: InputSource(name: "upload", bytes: csv))
        var batch = RowBatch()
        batch.reserveCapacity(forCSVBytes: csv.count)
        var result = ParsedImport()
        result.rows = ImportRows(capacityFor: csv.count)
        var headerCount: Int?
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
                if let problem = header.problem { throw .unreadable("header row: \(describe(problem))") }
                let names = batch.strings(of: header)
                guard Array(names.prefix(requiredHeader.count)) == requiredHeader else {
                    throw .unreadable("the header row must start with \(requiredHeader.joined(separator: ",")); got \(names.joined(separator: ",").prefix(200))")
                }
                headerCount = names.count
                rows = rows.dropFirst()
            }
            // Whole-body problems first (they refuse the upload), then each row stored or refused.
            for (number, row) in zip((result.dataRows + 1)..., rows) {
                if let problem = row.problem { throw .unreadable("row \(number): \(describe(problem))") }
                guard row.fieldCount == headerCount else {
                    throw .unreadable("row \(number): \(row.fieldCount) fields where the header has \(headerCount ?? 0)")
                }
            }
            batch.storage.withUnsafeBytes { storage in
                for row in rows {
                    result.dataRows += 1
                    if PhoneNormalizer.isE164(UnsafeRawBufferPointer(rebasing: storage[batch.fieldRange(row.firstField)])) {
                        result.rows.append(row, of: batch, storage: storage)
                    } else {
                        result.rowErrors.append("row \(result.dataRows): phone_number must be in E.164 format")
                    }
                }
            }
        }
        guard headerCount != nil else {
            throw .unreadable("the body is empty: expected a header row \(requiredHeader.joined(separator: ","))")
        }
        return result
    }

    private static func describe(_ problem: CSVProblem) -> String {
        switch problem {
        case .unterminatedQuote: return "a quoted field is never closed"
        case .textAfterQuote: return "text after a closing quote"
        case let .tooLong(limit): return "longer than \(limit) bytes"
        case let .notAnObject(message): return message
        }
    }
}
