import CXVCore

/// The header of an input whose rows are positional: its names and the line they are on.
public struct HeaderRow: Equatable, Sendable {
    public let line: Int
    public let names: [String]
}

/// Another reading of an input's header, and the option that selects it: for the message
/// when the header read lacks a column (`--delimiter ';'`, `--sheet Contacts`).
public struct AlternativeHeader: Equatable, Sendable {
    public let option: String
    public let names: [String]
}

/// Rows of an input, whatever its format: the header first (for formats whose rows are
/// positional), then batches of rows, each row carrying its line in the file.
public protocol RowSource: AnyObject {
    /// What diagnostics call this input: the path, or `stdin`.
    var name: String { get }
    /// Reads the header; nil when every row names its own fields (NDJSON). Call once, first.
    func readHeader() throws -> HeaderRow?
    /// Other readings of the header that the input offers.
    func alternativeHeaders() -> [AlternativeHeader]
    /// Calls `body` with the rows after the header, in batches of at most `maxRows` rows.
    func forEachBatch(maxRows: Int, _ body: (RowBatch) throws -> Void) throws
}

/// Rows of a CSV input, split by the CSV reader.
final class CSVRows: RowSource {
    private var reader: CSVReader
    private let delimiter: UInt8
    /// The input's first bytes as UTF-8, for the other readings of the header.
    private let head: [UInt8]
    private let decoding: DecodingNotice

    init(source: Lookahead, delimiter: UInt8, head: [UInt8], maxRowBytes: Int, decoding: DecodingNotice) {
        reader = CSVReader(source: source, delimiter: delimiter, maxRowBytes: maxRowBytes)
        self.delimiter = delimiter
        self.head = head
        self.decoding = decoding
    }

    var name: String { reader.sourceName }

    func readHeader() throws -> HeaderRow? {
        var first = RowBatch()
        guard try reader.readRow(into: &first) else {
            // An empty export is a broken one, not an empty call list (that has a header).
            throw CXVError.data(source: name, line: 1, message: "no header row: the input is empty")
        }
        let row = first.rows[0]
        if let problem = row.problem {
            throw CXVError.data(source: name, line: row.line, message: "header row: \(problem.message)")
        }
        return HeaderRow(line: row.line, names: first.strings(of: row))
    }

    func alternativeHeaders() -> [AlternativeHeader] {
        DialectSniffer.candidates.filter { $0 != delimiter }.map {
            AlternativeHeader(option: "--delimiter \(DialectSniffer.describe($0, quoted: false))",
                              names: DialectSniffer.header(in: head, delimiter: $0))
        }
    }

    func forEachBatch(maxRows: Int, _ body: (RowBatch) throws -> Void) throws {
        while true {
            var batch = RowBatch()
            guard try reader.read(into: &batch, maxRows: maxRows) else { break }
            try body(batch)
        }
        decoding.report()
    }
}

/// Rows of an NDJSON input: one JSON object of scalar values a line, which names its fields.
final class NDJSONRows: RowSource {
    private var reader: LineReader
    private let decoding: DecodingNotice

    init(source: Lookahead, maxRowBytes: Int, decoding: DecodingNotice) {
        reader = LineReader(source: source, maxLineBytes: maxRowBytes)
        self.decoding = decoding
    }

    var name: String { reader.sourceName }

    func readHeader() throws -> HeaderRow? { nil }

    func alternativeHeaders() -> [AlternativeHeader] { [] }

    func forEachBatch(maxRows: Int, _ body: (RowBatch) throws -> Void) throws {
        while true {
            var batch = RowBatch()
            while batch.rows.count < maxRows, let line = try reader.next({ Array($0) }) {
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                NDJSONRows.append(line, number: reader.lineNumber, to: &batch)
            }
            if batch.isEmpty { break }
            try body(batch)
        }
        decoding.report()
    }

    /// One line as a keyed row, or as a row with a problem when it is not an object of scalars.
    static func append(_ line: [UInt8], number: Int, to batch: inout RowBatch) {
        line.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            var members: [(String, String)] = []
            do throws(JSONError) {
                scanner.skipWhitespace()
                guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.fail("not a JSON object") }
                try scanner.readObject { (key, s) throws(JSONError) in
                    // Which of two values a reader keeps is undefined in JSON: refuse to guess.
                    if members.contains(where: { $0.0 == key }) { throw s.fail("duplicate key \"\(key)\"") }
                    switch try s.readValue(depth: 1) {
                    case let .string(text): members.append((key, text))
                    case let .number(text): members.append((key, text))
                    case let .bool(b): members.append((key, b ? "true" : "false"))
                    case .null: members.append((key, ""))
                    case .array, .object: throw s.fail("\"\(key)\" holds an array or object")
                    }
                }
                try scanner.expectEnd()
                batch.appendKeyed(members, line: number)
            } catch {
                batch.appendProblem(.notAnObject(error.description), raw: Array(line.prefix(4096)), line: number)
            }
        }
    }
}
