/// A CSV of rows given back to the user: `--rejects` (what to fix and feed back to
/// cxv-validate) and `--imported` (what went in, and by which job). Each row has its original
/// columns, the union of all rows' in the order first seen, then the file's own columns.
/// Rows are spooled to an unnamed file, since the columns are known only at the end; a row
/// added with a key can be withdrawn by it until then (an imported row the server refused).
public final class RowsFile {
    /// Which row of which chunk: a source line is unique within a chunk, given its file.
    public struct Key: Hashable, Sendable {
        public var seq: Int
        public var line: Int
        public var file: String?

        public init(seq: Int, line: Int, file: String?) {
            self.seq = seq
            self.line = line
            self.file = file
        }
    }

    private let path: String
    private let spool: OutputSink
    /// The columns this file adds after the rows' own.
    private let trailing: [String]
    private var columns: [String] = []
    private var index: [String: Int] = [:]
    private var withdrawn: Set<Key> = []
    /// Whether each trailing column is written: an optional one (source_file, from a single
    /// input) only once a row has a value in it.
    private var used: [Bool]

    public init(path: String, trailing: [String], optional: Set<String> = []) throws {
        self.path = path
        self.trailing = trailing
        used = trailing.map { !optional.contains($0) }
        spool = try OutputSink(path: "\(path).spool")  // never committed: only read back
    }

    /// `--rejects`: each rejected contact with `error`, where and why.
    public static func rejects(path: String) throws -> RowsFile {
        try RowsFile(path: path, trailing: ["error"])
    }

    /// `--imported`: each imported contact with its source line, and the chunk and job that carried it.
    public static func imported(path: String) throws -> RowsFile {
        try RowsFile(path: path, trailing: ["source_line", "source_file", "chunk_seq", "job_id"], optional: ["source_file"])
    }

    /// One row: `record` as read, then one value for each trailing column.
    func add(record: [(String, String)], trailing values: [String], key: Key? = nil) throws {
        precondition(values.count == trailing.count, "a row of \(path) needs \(trailing.count) trailing values")
        var w = JSONWriter()
        w.beginArray()
        if let key {
            w.beginArray()
            w.int(key.seq); w.int(key.line); w.string(key.file ?? "")
            w.endArray()
        } else {
            w.null()
        }
        w.beginArray()
        for (name, value) in record {
            if index[name] == nil {
                index[name] = columns.count
                columns.append(name)
            }
            w.int(index[name]!)
            w.string(value)
        }
        w.endArray()
        for (t, value) in values.enumerated() {
            w.string(value)
            if !value.isEmpty { used[t] = true }
        }
        w.endArray()
        w.endRecord()
        try naming(path) { try spool.write(w.bytes) }
    }

    /// Leaves out the row added with `key`, wherever it is in the file.
    func withdraw(_ key: Key) {
        withdrawn.insert(key)
    }

    /// Writes the CSV; returns how many rows it holds.
    @discardableResult
    func write() throws -> Int {
        let spooled = try naming(path) { try spool.readBack() }
        let out = try OutputSink(path: path)
        let csv = CSVWriter()
        var bytes = WriteBuffer()
        let width = columns.count
        let keep = Array(0..<width) + trailing.indices.filter { used[$0] }.map { width + $0 }
        csv.appendRow(keep.map { $0 < width ? columns[$0] : trailing[$0 - width] }, to: &bytes)
        var count = 0
        var lines = LineReader(source: spooled)
        let withdrawn = self.withdrawn
        while let row = try lines.next({ line -> [String]? in
            guard case let .array(parts)? = try? JSONValue.parse(line), parts.count == 2 + trailing.count,
                  case let .array(cells) = parts[1] else { return [String](repeating: "", count: width + trailing.count) }
            if case let .array(key) = parts[0], key.count == 3,
               withdrawn.contains(Key(seq: key[0].intValue ?? 0, line: key[1].intValue ?? 0,
                                      file: key[2].stringValue.flatMap { $0.isEmpty ? nil : $0 })) {
                return nil
            }
            var fields = [String](repeating: "", count: width + trailing.count)
            var i = 0
            while i + 1 < cells.count {
                if let column = cells[i].intValue { fields[column] = cells[i + 1].stringValue ?? "" }
                i += 2
            }
            for t in trailing.indices { fields[width + t] = parts[2 + t].stringValue ?? "" }
            return fields
        }) {
            guard let row else { continue }  // withdrawn
            csv.appendRow(keep.map { row[$0] }, to: &bytes)
            count += 1
            if bytes.count >= 1 << 16 {
                try bytes.withUnsafeBytes { try out.write($0) }
                bytes.removeAll()
            }
        }
        try bytes.withUnsafeBytes { try out.write($0) }
        try out.commit()
        return count
    }
}

/// `body`, its spool's I/O errors told as errors of the file the user named.
private func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let CXVError.io(_, reason) {
        throw CXVError.io(path: path, reason: reason)
    }
}
