/// A chunk's CSV as rows: to name the rows a server refused, to send a chunk again without
/// them, and to split a chunk the server finds too large.
public struct ChunkTable {
    public let header: [String]
    public let rows: [[String]]

    public init(_ csv: [UInt8]) throws {
        var reader = CSVReader(source: InputSource(name: "chunk", bytes: csv), maxRowBytes: max(1 << 20, csv.count))
        var batch = RowBatch()
        while try reader.readRow(into: &batch) {}
        let all = batch.rows.map { batch.strings(of: $0) }
        header = all.first ?? []
        rows = Array(all.dropFirst())
    }

    /// Data row `row` (1-based, as a server counts) as a JSON object of header name → value.
    public func recordJSON(_ row: Int) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        for (name, value) in zip(header, rows[row - 1]) {
            w.key(name)
            w.string(value)
        }
        w.endObject()
        return w.bytes
    }

    /// The header and the rows at `indexes` (0-based), as CSV.
    public func csv(rows indexes: some Sequence<Int>) -> [UInt8] {
        let writer = CSVWriter()
        var out = WriteBuffer()
        writer.appendRow(header, to: &out)
        for index in indexes { writer.appendRow(rows[index], to: &out) }
        return out.array
    }
}

extension ChunkRecord {
    /// Which half of which half a chunk is, once split ("1", "2", "1.2"); nil for a whole chunk.
    public var part: String? { string("part") }

    /// The chunk's name in messages and reports: its seq, and its part once split ("4.1.2").
    public var label: String { ChunkRecord.label(seq: seq, part: part) }

    public static func label(seq: Int, part: String?) -> String { part.map { "\(seq).\($0)" } ?? "\(seq)" }

    /// The chunk in two by rows, for a server that answered 413: each half carries its rows'
    /// `lines`, `files` and `records`, its CSV compressed as this chunk's was (with its own
    /// `sha256`, so its own idempotency key and journal entry), and its `part` one level deeper.
    /// nil for a chunk of one row, which cannot be split.
    public func halves(level: Int32 = 6) throws -> (ChunkRecord, ChunkRecord)? {
        let table = try ChunkTable(try csv())
        guard table.rows.count > 1 else { return nil }
        let lines = (value("lines")?.arrayValue ?? []).compactMap(\.intValue)
        let files = value("files")?.arrayValue?.map { $0.stringValue ?? "" }
        let records = elements("records")
        let compressed = try payload().gzip
        let middle = (table.rows.count + 1) / 2
        func half(_ rows: Range<Int>, _ number: Int) throws -> ChunkRecord {
            var half = self
            half.set("part", string: part.map { "\($0).\(number)" } ?? "\(number)")
            half.set("count", int: rows.count)
            half.set("lines") { w in
                w.beginArray()
                for i in rows where i < lines.count { w.int(lines[i]) }
                w.endArray()
            }
            if let files {
                half.set("files") { w in
                    w.beginArray()
                    for i in rows where i < files.count { w.string(files[i]) }
                    w.endArray()
                }
            }
            if let records {
                half.set("records") { w in
                    w.beginArray()
                    for i in rows where i < records.count { records[i].withUnsafeBytes { w.raw($0) } }
                    w.endArray()
                }
            }
            let csv = table.csv(rows: rows)
            if compressed {
                let gz = try csv.withUnsafeBytes { (b) throws(GzipError) in try Gzip.compress(b, level: level) }
                half.set("gzip") { w in
                    w.unescapedString(count: Base64.encodedCount(gz.count)) { out in gz.withUnsafeBytes { Base64.encode($0, into: out) } }
                }
                half.set("sha256", string: csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) })
                half.set("bytes") { w in
                    w.beginObject()
                    w.key("csv"); w.int(csv.count)
                    w.key("gzip"); w.int(gz.count)
                    w.endObject()
                }
            } else {
                half.set("csv") { w in csv.withUnsafeBytes { w.string(utf8: $0) } }
            }
            return half
        }
        return (try half(0..<middle, 1), try half(middle..<table.rows.count, 2))
    }
}
