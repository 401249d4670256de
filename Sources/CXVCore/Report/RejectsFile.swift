/// The `--rejects` CSV: every rejected contact's original columns plus `error`,
/// ready to fix and feed back to cxv-validate. Rows are spooled to a temporary
/// file first, since the columns are known only at the end.
public final class RejectsFile {
    private let path: String
    private let spool: OutputSink
    private let spoolPath: String
    private var columns: [String] = []
    private var index: [String: Int] = [:]
    public private(set) var count = 0

    public init(path: String) throws {
        self.path = path
        spoolPath = "\(path).spool"
        spool = try OutputSink(path: spoolPath)
    }

    func add(record: [(String, String)], error: String) throws {
        var w = JSONWriter()
        w.beginArray()
        for (name, value) in record {
            if index[name] == nil {
                index[name] = columns.count
                columns.append(name)
            }
            w.int(index[name]!)
            w.string(value)
        }
        w.string(error)
        w.endArray()
        w.endRecord()
        try spool.write(w.bytes)
        count += 1
    }

    func write() throws {
        try spool.commit()
        defer { unlinkFile(spoolPath) }
        let out = try OutputSink(path: path)
        let csv = CSVWriter()
        var bytes = WriteBuffer()
        csv.appendRow(columns + ["error"], to: &bytes)
        try bytes.withUnsafeBytes { try out.write($0) }
        var lines = LineReader(source: try InputSource(path: spoolPath))
        let width = columns.count
        while let row = try lines.next({ line -> [String] in
            var fields = [String](repeating: "", count: width + 1)
            guard case let .array(items)? = try? JSONValue.parse(line) else { return fields }
            var i = 0
            while i + 1 < items.count {
                if let column = items[i].intValue { fields[column] = items[i + 1].stringValue ?? "" }
                i += 2
            }
            fields[width] = items.last?.stringValue ?? ""
            return fields
        }) {
            bytes.removeAll()
            csv.appendRow(row, to: &bytes)
            try bytes.withUnsafeBytes { try out.write($0) }
        }
        try out.commit()
    }
}

#if canImport(Glibc)
import Glibc
#endif

private func unlinkFile(_ path: String) {
    unlink(path)
}
