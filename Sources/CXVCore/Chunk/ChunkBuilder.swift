/// Limits of a chunk: rows, and bytes of CSV (header included).
public struct ChunkLimits: Sendable {
    public var rows: Int
    public var bytes: Int

    public init(rows: Int = 1000, bytes: Int = 8 << 20) {
        self.rows = rows
        self.bytes = bytes
    }
}

/// Control totals of cxv-chunk.
public struct ChunkTally: Equatable, Sendable {
    public var contacts = 0
    public var chunks = 0
    public var rows = 0
    public var rejects = 0

    public init() {}

    public var record: [UInt8] {
        tallyRecord(stage: "chunk", ["contacts": contacts, "chunks": chunks, "rows": rows, "rejects": rejects])
    }
}

/// Groups contact records into `built` chunks: import CSV with
/// `phone_number,first_name,last_name,email` (plus `columns` taken from `extra`),
/// `lines[i]` naming the source line of data row i+1. A row is never split; a
/// row that alone exceeds the byte cap becomes a reject.
public final class ChunkBuilder {
    public let limits: ChunkLimits
    public let columns: [String]
    private let writer = CSVWriter()
    private let header: [UInt8]

    private var csv = WriteBuffer(capacity: 1 << 16)
    private var row = WriteBuffer(capacity: 1024)
    private var lines: [Int] = []
    private var files: [String?] = []
    /// Where each column's value of the current contact is: in the record itself
    /// (no escapes, the usual case) or unescaped into `unescaped`.
    private enum Value {
        case none
        case inRecord(UnsafeRawBufferPointer)
        case unescaped(Range<Int>)
    }
    private var values: [Value]
    private var unescaped = WriteBuffer(capacity: 256)
    private var scratch: [UInt8] = []
    private var nextSeq = 1
    public private(set) var tally = ChunkTally()

    public init(limits: ChunkLimits, columns: [String] = []) {
        self.limits = limits
        self.columns = columns
        var header = WriteBuffer()
        writer.appendRow(ImportAPI.contactsImport.columns + columns, to: &header)
        self.header = header.array
        values = Array(repeating: .none, count: 4 + columns.count)
    }

    /// Adds one contact record; returns what to write now (a finished chunk, a reject, or nothing).
    public func add(_ record: RawRecord, source: String) throws -> [UInt8] {
        tally.contacts += 1
        var line = 0
        var file: String?
        for i in values.indices { values[i] = .none }
        unescaped.removeAll()
        var hasPhone = false
        var kinds = 0
        do throws(JSONError) {
            var scanner = JSONScanner(record.bytes)
            var members = try scanner.beginMembers()
            // A field given twice: which value a reader keeps is undefined in JSON, so refuse to guess.
            func once(_ index: Int, _ name: String) throws(JSONError) {
                if case .none = values[index] { return }
                throw scanner.fail("duplicate key \"\(name)\"")
            }
            while let key = try scanner.nextKey(&members) {
                if key.is("phone_number") {
                    try once(0, "phone_number")
                    hasPhone = true
                    values[0] = try readString(&scanner)
                } else if key.is("first_name") {
                    try once(1, "first_name")
                    values[1] = try readString(&scanner)
                } else if key.is("last_name") {
                    try once(2, "last_name")
                    values[2] = try readString(&scanner)
                } else if key.is("email") {
                    try once(3, "email")
                    values[3] = try readString(&scanner)
                } else if key.is("kind") {
                    kinds += 1
                    if kinds > 1 { throw scanner.fail("duplicate key \"kind\"") }
                    try scanner.skipValue(depth: 1)
                } else if key.is("line") {
                    line = try scanner.readInt()
                } else if key.is("file") {
                    file = try scanner.readString()
                } else if key.is("extra"), !columns.isEmpty {
                    var extras = try scanner.beginMembers()
                    while let name = try scanner.nextKey(&extras) {
                        if let index = columns.firstIndex(of: name.string) {
                            values[4 + index] = try readString(&scanner)
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    }
                } else {
                    try scanner.skipValue(depth: 1)
                }
            }
            try scanner.expectEnd()
        } catch {
            throw error.at(source, line: record.line)
        }
        guard hasPhone else {
            throw CXVError.data(source: source == "-" ? "stdin" : source, line: record.line, message: "contact has no phone_number")
        }
        row.removeAll()
        unescaped.withUnsafeBytes { owned in
            for (i, value) in values.enumerated() {
                if i > 0 { row.append(writer.delimiter) }
                writer.appendField(ChunkBuilder.bytes(of: value, owned), to: &row)
            }
        }
        row.append(0x0A)

        if header.count + row.count > limits.bytes {
            tally.rejects += 1
            return tooLarge(line: line, file: file)
        }
        var out: [UInt8] = []
        if !lines.isEmpty && csv.count + row.count > limits.bytes {
            out = finishChunk()
        }
        if lines.isEmpty { csv.append(header) }
        row.withUnsafeBytes { csv.append($0) }
        lines.append(line)
        files.append(file)
        if lines.count >= limits.rows {
            out += finishChunk()
        }
        return out
    }

    private static func bytes(of value: Value, _ owned: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        switch value {
        case .none: return UnsafeRawBufferPointer(start: nil, count: 0)
        case let .inRecord(bytes): return bytes
        case let .unescaped(range): return UnsafeRawBufferPointer(rebasing: owned[range])
        }
    }

    /// The last, partial chunk (if any) and the tally.
    public func finish() -> [UInt8] {
        var out = lines.isEmpty ? [] : finishChunk()
        out += tally.record
        return out
    }

    private func finishChunk() -> [UInt8] {
        var w = JSONWriter(capacity: csv.count + csv.count / 8 + lines.count * 8 + 128)
        w.beginObject()
        w.key("kind"); w.string("chunk")
        w.key("state"); w.string("built")
        w.key("seq"); w.int(nextSeq)
        w.key("count"); w.int(lines.count)
        w.key("lines")
        w.beginArray()
        for line in lines { w.int(line) }
        w.endArray()
        if files.contains(where: { $0 != nil }) {
            w.key("files")
            w.beginArray()
            for file in files { w.string(file ?? "") }
            w.endArray()
        }
        w.key("csv")
        csv.withUnsafeBytes { w.string(utf8: $0) }
        w.endObject()
        w.endRecord()
        tally.chunks += 1
        tally.rows += lines.count
        nextSeq += 1
        csv.removeAll()
        lines.removeAll(keepingCapacity: true)
        files.removeAll(keepingCapacity: true)
        return w.bytes
    }

    private func tooLarge(line: Int, file: String?) -> [UInt8] {
        var w = JSONWriter()
        let message = "row is \(row.count) bytes of CSV, over the chunk cap of \(limits.bytes) bytes with the header; raise --max-bytes"
        w.beginReject(stage: "chunk", line: line, file: file, errors: [ValidationError(field: "", code: "too_large", message: message)])
        w.key("record")
        w.beginObject()
        unescaped.withUnsafeBytes { owned in
            for (i, name) in (ImportAPI.contactsImport.columns + columns).enumerated() {
                w.key(name)
                w.string(utf8: ChunkBuilder.bytes(of: values[i], owned))
            }
        }
        w.endObject()
        w.endObject()
        w.endRecord()
        return w.bytes
    }

    /// A string value, where it lies; null reads as empty, numbers as their text.
    private func readString(_ s: inout JSONScanner) throws(JSONError) -> Value {
        scratch.removeAll(keepingCapacity: true)
        switch s.peekNonWhitespace() {
        case UInt8(ascii: "\""):
            if let raw = try s.readStringRaw(into: &scratch) { return .inRecord(raw) }
        default:
            switch try s.readValue(depth: 1) {
            case .null: return .none
            case let .number(text): scratch.append(contentsOf: text.utf8)
            default: throw s.fail("expected a string")
            }
        }
        let start = unescaped.count
        unescaped.append(scratch)
        return .unescaped(start..<unescaped.count)
    }
}
