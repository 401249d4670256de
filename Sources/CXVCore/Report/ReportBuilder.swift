/// Reads a finished stream into a `Report`, and spools every contact for the `--rejects`
/// CSV (rejected, or in a failed chunk) or the `--imported` one.
public struct ReportBuilder {
    public private(set) var report = Report()
    private let rejects: RowsFile?
    private let imported: RowsFile?
    /// Told where the count stands after each record, for a live line.
    public var progress: ((ReportProgress) -> Void)?

    public init(rejects: RowsFile?, imported: RowsFile? = nil) {
        self.rejects = rejects
        self.imported = imported
    }

    public mutating func run(inputs: [String], maxLineBytes: Int, policy: InvalidLinePolicy) throws {
        for path in inputs.isEmpty ? ["-"] : inputs {
            var reader = RecordReader(source: try InputSource(path: path), maxLineBytes: maxLineBytes, owns: { _ in true })
            let source = reader.sourceName
            while let _ = try reader.next({ item -> Void in
                switch item {
                case let .record(record):
                    do {
                        try add(record)
                    } catch let error as JSONError {
                        throw error.at(source, line: record.line)
                    }
                case let .invalid(invalid):
                    _ = try policy.reject(for: invalid, source: source)  // throws unless --skip-invalid
                    report.invalidLines += 1
                }
                progress?(report.progress)
            }) {}
        }
    }

    mutating func add(_ record: RawRecord) throws {
        var scanner = JSONScanner(record.bytes)
        switch record.kind {
        case .tally:
            var stage = ""
            var numbers: [String: Int] = [:]
            try scanner.readObject { (key, s) throws(JSONError) in
                switch try s.readValue(depth: 1) {
                case let .string(text) where key == "stage": stage = text
                case let .string(text) where key == "mode": numbers["mode"] = text.isEmpty ? 0 : 1
                case let .number(text): numbers[key] = Int(text) ?? 0
                default: break
                }
            }
            report.tallies.add(stage: stage, counts: numbers)
        case .contact:
            try scanner.skipValue()
            report.unchunkedContacts += 1
            report.stagesSeen.insert(.validate)
        case .reject:
            try addReject(&scanner)
        case .chunk:
            try addChunk(&scanner, line: record.bytes)
        case .other:
            try scanner.skipValue()
        }
        try scanner.expectEnd()
    }

    private mutating func addReject(_ scanner: inout JSONScanner) throws {
        var stage = "", line = 0, file: String?, raw: String?, seq: Int?, part: String?
        var codes: [String] = [], messages: [String] = []
        var record: [(String, String)] = []
        var isInvalidLine = false
        try scanner.readObject { (key, s) throws(JSONError) in
            switch key {
            case "stage": stage = try s.readString()
            case "line": line = try s.readInt()
            case "input_line": isInvalidLine = true; try s.skipValue(depth: 1)
            case "file": file = try s.readString()
            case "seq": seq = try s.readInt()
            case "part": part = try s.readString()
            case "raw": raw = try s.readString()
            case "errors":
                try s.readArray { (s) throws(JSONError) in
                    let error = try s.readValue(depth: 2)
                    codes.append(error["code"]?.stringValue ?? "")
                    messages.append(error["message"]?.stringValue ?? "")
                }
            case "record": record = try ReportBuilder.readRow(&s, depth: 1)
            default: try s.skipValue(depth: 1)
            }
        }
        if isInvalidLine {
            report.invalidLines += 1
            return
        }
        if let ran = Stage(rawValue: stage) { report.stagesSeen.insert(ran) }
        report.rejectsByStage[stage, default: 0] += 1
        if stage == "import", let seq {
            report.importRejectsByChunk[ChunkRecord.label(seq: seq, part: part), default: 0] += 1
            // Refused after all: not imported, and not in its chunk's rows if the chunk failed.
            let key = RowsFile.Key(seq: seq, line: line, file: file)
            imported?.withdraw(key)
            rejects?.withdraw(key)
        }
        for code in Set(codes) {
            let key = RejectCode(stage: stage, code: code)
            var entry = report.rejectCodes[key] ?? (0, [])
            entry.count += 1
            if entry.lines.count < 5 { entry.lines.append(line) }
            report.rejectCodes[key] = entry
        }
        var error = "\(file.map { "\($0):" } ?? "line ")\(line): \(messages.joined(separator: "; "))"
        if record.isEmpty, let raw { error += " (row as read: \(raw))" }
        try rejects?.add(record: record, trailing: [error])
    }

    /// A row as read (a `record` member): column name → its text.
    static func readRow(_ s: inout JSONScanner, depth: Int) throws(JSONError) -> [(String, String)] {
        var row: [(String, String)] = []
        try s.readObject { (name, s) throws(JSONError) in
            switch try s.readValue(depth: depth + 1) {
            case let .string(text): row.append((name, text))
            case let .number(text): row.append((name, text))
            case .null: row.append((name, ""))
            case let other: row.append((name, other.text))
            }
        }
        return row
    }

    private mutating func addChunk(_ scanner: inout JSONScanner, line: UnsafeRawBufferPointer) throws {
        var state = "", count = 0, seq = 0, processed: Int?, retries = 0, api = ImportAPI.contactsImport.rawValue
        var errors: [String] = []
        // Read only for the row files: which rows, as read, and the job that carried them.
        let wantsRows = rejects != nil || imported != nil
        var lines: [Int] = [], files: [String] = [], rows: [[(String, String)]?] = []
        var job: String?, submittedAt: Double?, finishedAt: Double?, part: String?
        try scanner.readObject { (key, s) throws(JSONError) in
            switch key {
            case "lines" where wantsRows:
                try s.readArray { (s) throws(JSONError) in lines.append(try s.readInt()) }
            case "files" where wantsRows:
                try s.readArray { (s) throws(JSONError) in files.append(try s.readString()) }
            case "records" where wantsRows:
                try s.readArray { (s) throws(JSONError) in
                    if s.peekNonWhitespace() == UInt8(ascii: "{") {
                        rows.append(try ReportBuilder.readRow(&s, depth: 2))
                    } else {
                        _ = try s.skipValue(depth: 2)  // null: a contact that carried no row
                        rows.append(nil)
                    }
                }
            case "job":
                if case let .string(id)? = try s.readValue(depth: 1)["id"] { job = id }
            case "part": part = try s.readString()
            case "submitted_at": submittedAt = Double(try s.readValue(depth: 1).numberText ?? "")
            case "finished_at": finishedAt = Double(try s.readValue(depth: 1).numberText ?? "")
            case "state": state = try s.readString()
            case "count": count = try s.readInt()
            case "seq": seq = try s.readInt()
            case "records_processed": processed = try s.readInt()
            case "retries": retries = try s.readInt()
            case "api": api = try s.readString()
            case "errors":
                try s.readArray { (s) throws(JSONError) in
                    if case let .string(text) = try s.readValue(depth: 2) { errors.append(text) }
                }
            default: try s.skipValue(depth: 1)
            }
        }
        report.retries += retries
        report.apis.insert(api)
        let label = ChunkRecord.label(seq: seq, part: part)
        // No rows as read (no --keep-rows): the rows as sent, from the chunk's own CSV.
        if wantsRows, rows.isEmpty, !lines.isEmpty, ChunkState(rawValue: state)?.isFinal == true {
            let table = try ChunkTable(try ChunkRecord(line).csv())
            rows = table.rows.map { Array(zip(table.header, $0)) }
        }
        if let known = ChunkState(rawValue: state), job != nil || known == .failed {
            report.chunkResults.append(ChunkResult(seq: seq, part: part, job: job, state: known, rows: count, retries: retries,
                                                   seconds: submittedAt.flatMap { start in finishedAt.map { $0 - start } }))
        }
        switch ChunkState(rawValue: state) {
        case .built:
            report.chunks.built += 1; report.rows.built += count
            report.stagesSeen.insert(.chunk)
        case .compressed:
            report.chunks.compressed += 1; report.rows.compressed += count
            report.stagesSeen.formUnion([.chunk, .gzip])
        case .submitted:
            report.chunks.submitted += 1; report.rows.submitted += count
            report.stagesSeen.formUnion([.chunk, .upload])
        case .completed:
            report.chunks.completed += 1; report.rows.completed += count
            report.recordsProcessed += processed ?? count
            report.stagesSeen.formUnion([.chunk, .upload, .poll])
            for (i, line) in lines.enumerated() {
                let file = i < files.count && !files[i].isEmpty ? files[i] : nil
                try imported?.add(record: i < rows.count ? rows[i] ?? [] : [],
                                  trailing: [String(line), file ?? "", String(seq), job ?? ""],
                                  key: RowsFile.Key(seq: seq, line: line, file: file))
            }
        case .failed:
            report.chunks.failed += 1; report.rows.failed += count
            report.failedChunks.insert(label)
            report.stagesSeen.insert(.chunk)
            let reason = "chunk \(label) failed: \(errors.isEmpty ? "no reason given" : errors.joined(separator: "; "))"
            report.chunkErrors.append("C" + reason.dropFirst())
            // Its rows go back with the rejects, to be sent again.
            for (i, line) in lines.enumerated() {
                let file = i < files.count && !files[i].isEmpty ? files[i] : nil
                try rejects?.add(record: i < rows.count ? rows[i] ?? [] : [],
                                 trailing: ["\(file.map { "\($0):" } ?? "line ")\(line): \(reason)"],
                                 key: RowsFile.Key(seq: seq, line: line, file: file))
            }
        case nil:
            throw JSONError(offset: 0, reason: "chunk \(seq) has unknown state \"\(state)\"")
        }
    }

    /// Writes the `--rejects` and `--imported` CSVs, if asked for.
    public func finish() throws {
        try rejects?.write()
        try imported?.write()
    }
}
