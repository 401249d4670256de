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

    public var record: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("tally")
        w.key("stage"); w.string("chunk")
        w.key("contacts"); w.int(contacts)
        w.key("chunks"); w.int(chunks)
        w.key("rows"); w.int(rows)
        w.key("rejects"); w.int(rejects)
        w.endObject()
        w.endRecord()
        return w.bytes
    }
}

/// Groups contact records into `built` chunks: import CSV with
/// `phone_number,first_name,last_name,email` (plus `columns` taken from `extra`),
/// `lines[i]` naming the source line of data row i+1. A row is never split; a
/// row that alone exceeds the byte cap becomes a reject.
public struct ChunkBuilder {
    public let limits: ChunkLimits
    public let columns: [String]
    private let writer = CSVWriter()
    private let header: [UInt8]

    private var csv: [UInt8] = []
    private var lines: [Int] = []
    private var files: [String?] = []
    private var row: [UInt8] = []
    private var values: [[UInt8]]
    private var nextSeq = 1
    public private(set) var tally = ChunkTally()

    public init(limits: ChunkLimits, columns: [String] = []) {
        self.limits = limits
        self.columns = columns
        var header: [UInt8] = []
        writer.appendRow(ContactField.allCases.map(\.name) + columns, to: &header)
        self.header = header
        values = Array(repeating: [], count: 4 + columns.count)
        csv.reserveCapacity(1 << 16)
    }

    /// Adds one contact record; returns what to write now (a finished chunk, a reject, or nothing).
    public mutating func add(_ record: RawRecord, source: String) throws -> [UInt8] {
        tally.contacts += 1
        var line = 0
        var file: String?
        for i in values.indices { values[i].removeAll(keepingCapacity: true) }
        var hasPhone = false
        do throws(JSONError) {
            var scanner = JSONScanner(record.bytes)
            try scanner.readObjectKeys { (key, s) throws(JSONError) in
                if JSONScanner.equals(key, "phone_number") {
                    hasPhone = true
                    try ChunkBuilder.readString(&s, into: &values[0])
                } else if JSONScanner.equals(key, "first_name") {
                    try ChunkBuilder.readString(&s, into: &values[1])
                } else if JSONScanner.equals(key, "last_name") {
                    try ChunkBuilder.readString(&s, into: &values[2])
                } else if JSONScanner.equals(key, "email") {
                    try ChunkBuilder.readString(&s, into: &values[3])
                } else if JSONScanner.equals(key, "line") {
                    line = try s.readInt()
                } else if JSONScanner.equals(key, "file") {
                    file = try s.readString()
                } else if JSONScanner.equals(key, "extra"), !columns.isEmpty {
                    try s.readObject { (name, s) throws(JSONError) in
                        if let index = columns.firstIndex(of: name) {
                            try ChunkBuilder.readString(&s, into: &values[4 + index])
                        } else {
                            try s.skipValue(depth: 2)
                        }
                    }
                } else {
                    try s.skipValue(depth: 1)
                }
            }
            try scanner.expectEnd()
        } catch {
            throw error.at(source, line: record.line)
        }
        guard hasPhone else {
            throw CXVError.data(source: source == "-" ? "stdin" : source, line: record.line, message: "contact has no phone_number")
        }
        row.removeAll(keepingCapacity: true)
        for (i, value) in values.enumerated() {
            if i > 0 { row.append(writer.delimiter) }
            value.withUnsafeBytes { writer.appendField($0, to: &row) }
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
        if lines.isEmpty { csv.append(contentsOf: header) }
        csv.append(contentsOf: row)
        lines.append(line)
        files.append(file)
        if lines.count >= limits.rows {
            out += finishChunk()
        }
        return out
    }

    /// The last, partial chunk (if any) and the tally.
    public mutating func finish() -> [UInt8] {
        var out = lines.isEmpty ? [] : finishChunk()
        out += tally.record
        return out
    }

    private mutating func finishChunk() -> [UInt8] {
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
        w.key("csv"); w.string(utf8: csv)
        w.endObject()
        w.endRecord()
        tally.chunks += 1
        tally.rows += lines.count
        nextSeq += 1
        csv.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        files.removeAll(keepingCapacity: true)
        return w.bytes
    }

    private func tooLarge(line: Int, file: String?) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("reject")
        w.key("stage"); w.string("chunk")
        w.key("line"); w.int(line)
        if let file { w.key("file"); w.string(file) }
        w.key("errors")
        w.beginArray()
        w.beginObject()
        w.key("field"); w.string("")
        w.key("code"); w.string("too_large")
        w.key("message"); w.string("row is \(row.count) bytes of CSV, over the chunk cap of \(limits.bytes) bytes with the header; raise --max-bytes")
        w.endObject()
        w.endArray()
        w.key("record")
        w.beginObject()
        for (i, name) in (ContactField.allCases.map(\.name) + columns).enumerated() {
            w.key(name)
            w.string(utf8: values[i])
        }
        w.endObject()
        w.endObject()
        w.endRecord()
        return w.bytes
    }

    /// A string value's unescaped UTF-8; null reads as empty, numbers as their text.
    static func readString(_ s: inout JSONScanner, into out: inout [UInt8]) throws(JSONError) {
        switch s.peekNonWhitespace() {
        case UInt8(ascii: "\""):
            if let raw = try s.readStringRaw(into: &out) { out.append(contentsOf: raw) }
        default:
            switch try s.readValue(depth: 1) {
            case .null: break
            case let .number(text): out.append(contentsOf: text.utf8)
            default: throw s.fail("expected a string")
            }
        }
    }
}
