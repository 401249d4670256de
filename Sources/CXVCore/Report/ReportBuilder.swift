/// Reads a finished stream into a `Report`, and spools every rejected contact
/// for the `--rejects` CSV.
public struct ReportBuilder {
    public private(set) var report = Report()
    private let rejects: RejectsFile?
    /// Told where the count stands after each record, for a live line.
    public var progress: ((ReportProgress) -> Void)?

    public init(rejects: RejectsFile?) {
        self.rejects = rejects
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
            report.tallies[stage, default: [:]].merge(numbers, uniquingKeysWith: +)
        case .contact:
            try scanner.skipValue()
            report.unchunkedContacts += 1
            report.stagesSeen.insert("validate")
        case .reject:
            try addReject(&scanner)
        case .chunk:
            try addChunk(&scanner)
        case .other:
            try scanner.skipValue()
        }
        try scanner.expectEnd()
    }

    private mutating func addReject(_ scanner: inout JSONScanner) throws {
        var stage = "", line = 0, file: String?, raw: String?, seq: Int?
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
            case "raw": raw = try s.readString()
            case "errors":
                try s.readArray { (s) throws(JSONError) in
                    let error = try s.readValue(depth: 2)
                    codes.append(error["code"]?.stringValue ?? "")
                    messages.append(error["message"]?.stringValue ?? "")
                }
            case "record":
                try s.readObject { (name, s) throws(JSONError) in
                    switch try s.readValue(depth: 2) {
                    case let .string(text): record.append((name, text))
                    case let .number(text): record.append((name, text))
                    case .null: record.append((name, ""))
                    case let other: record.append((name, other.text))
                    }
                }
            default: try s.skipValue(depth: 1)
            }
        }
        if isInvalidLine {
            report.invalidLines += 1
            return
        }
        report.stagesSeen.insert(stage)
        report.rejectsByStage[stage, default: 0] += 1
        if stage == "import", let seq { report.importRejectsBySeq[seq, default: 0] += 1 }
        for code in Set(codes) {
            var entry = report.rejectCodes["\(stage) \(code)"] ?? (0, [])
            entry.count += 1
            if entry.lines.count < 5 { entry.lines.append(line) }
            report.rejectCodes["\(stage) \(code)"] = entry
        }
        var error = "\(file.map { "\($0):" } ?? "line ")\(line): \(messages.joined(separator: "; "))"
        if record.isEmpty, let raw { error += " (row as read: \(raw))" }
        try rejects?.add(record: record, error: error)
    }

    private mutating func addChunk(_ scanner: inout JSONScanner) throws {
        var state = "", count = 0, seq = 0, processed: Int?, retries = 0, api = ImportAPI.contactsImport.rawValue
        var errors: [String] = []
        try scanner.readObject { (key, s) throws(JSONError) in
            switch key {
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
        switch ChunkState(rawValue: state) {
        case .built:
            report.chunks.built += 1; report.rows.built += count
            report.stagesSeen.insert("chunk")
        case .compressed:
            report.chunks.compressed += 1; report.rows.compressed += count
            report.stagesSeen.formUnion(["chunk", "gzip"])
        case .submitted:
            report.chunks.submitted += 1; report.rows.submitted += count
            report.stagesSeen.formUnion(["chunk", "upload"])
        case .completed:
            report.chunks.completed += 1; report.rows.completed += count
            report.recordsProcessed += processed ?? count
            report.stagesSeen.formUnion(["chunk", "upload", "poll"])
        case .failed:
            report.chunks.failed += 1; report.rows.failed += count
            report.failedSeqs.insert(seq)
            report.stagesSeen.insert("chunk")
            report.chunkErrors.append("Chunk \(seq) failed: \(errors.isEmpty ? "no reason given" : errors.joined(separator: "; "))")
        case nil:
            throw JSONError(offset: 0, reason: "chunk \(seq) has unknown state \"\(state)\"")
        }
    }

    /// Writes the `--rejects` CSV, if asked for.
    public func finish() throws {
        try rejects?.write()
    }
}
