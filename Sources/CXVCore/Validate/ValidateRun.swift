/// What cxv-validate reads.
public enum InputFormat: String, CaseIterable, Sendable {
    case csv, ndjson, auto
}

/// Everything cxv-validate is told, checked by the command before the run.
public struct ValidateOptions: Sendable {
    public var format: InputFormat = .auto
    /// nil: sniffed from the first lines of each CSV input (DialectSniffer).
    public var delimiter: UInt8?
    /// An iconv name (windows-1252, …) the input is read as; nil: UTF-8, or UTF-16 by its BOM.
    public var encoding: String?
    public var overrides: [ContactField: String] = [:]
    public var rules: ValidationRules
    public var dedupe = false
    public var suppressPath: String?
    public var jobs = 1
    public var maxRowBytes = 1 << 20
    public var batchRows = 2048

    public init(rules: ValidationRules) {
        self.rules = rules
    }
}

/// Control totals of one cxv-validate run.
public struct ValidateTally: Equatable, Sendable {
    public var read = 0
    public var contacts = 0
    public var rejects = 0

    public init() {}

    public var record: [UInt8] {
        tallyRecord(stage: "validate", ["read": read, "contacts": contacts, "rejects": rejects])
    }
}

/// The cxv-validate pipeline: read rows, validate them on every core, then — in
/// input order — dedupe, suppress and write.
public final class ValidateRun {
    private let options: ValidateOptions
    private let output: OutputSink
    private let warn: (String) -> Void
    private let info: (String) -> Void
    private var seen: [UInt64: (line: Int, file: String?)] = [:]
    private var suppressed: Set<UInt64> = []
    public private(set) var tally = ValidateTally()
    /// Told the tally after each batch written, for a progress line.
    public var progress: ((ValidateTally) -> Void)?

    public init(options: ValidateOptions, output: OutputSink, warn: @escaping (String) -> Void,
                info: @escaping (String) -> Void = { _ in }) throws {
        self.options = options
        self.output = output
        self.warn = warn
        self.info = info
        if let path = options.suppressPath { try loadSuppressionList(path) }
    }

    /// A do-not-call list: one number a line, normalised like the input; `#` comments.
    private func loadSuppressionList(_ path: String) throws {
        var lines = LineReader(source: try InputSource(path: path), maxLineBytes: 4096)
        var unreadable = 0
        while let _ = try lines.next({ line -> Void in
            let text = Validator.trimmed(line)
            guard !text.isEmpty, text.first != UInt8(ascii: "#") else { return }
            var e164: [UInt8] = []
            if options.rules.phone.normalize(text, into: &e164) == .valid {
                suppressed.insert(e164.withUnsafeBytes { PhoneNormalizer.key($0) })
            } else {
                unreadable += 1
            }
        }) {}
        if unreadable > 0 {
            warn("\(path): \(unreadable) line(s) are not phone numbers and suppress nothing")
        }
    }

    public func run(inputs: [String]) throws {
        let paths = inputs.isEmpty ? ["-"] : inputs
        for path in paths {
            let source = try InputSource(path: path)
            try validate(source, file: paths.count > 1 ? path : nil)
        }
        try output.write(tally.record)
    }

    private func format(of source: InputSource) throws -> InputFormat {
        if options.format != .auto { return options.format }
        let name = source.name.lowercased()
        if name.hasSuffix(".ndjson") || name.hasSuffix(".jsonl") { return .ndjson }
        if name.hasSuffix(".csv") { return .csv }
        let head = try source.peek(64)
        let first = head.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }.first
        return first == UInt8(ascii: "{") ? .ndjson : .csv
    }

    private func validate(_ source: InputSource, file: String?) throws {
        if let encoding = options.encoding {
            try source.decode(from: encoding)
        } else {
            // UTF-16 declares itself (Excel's "Unicode Text"); a UTF-8 BOM is the CSV reader's to skip.
            let bom = try source.peek(4)
            if bom.starts(with: [0xFF, 0xFE]), !bom.starts(with: [0xFF, 0xFE, 0, 0]) { try source.decode(from: "UTF-16LE") }
            if bom.starts(with: [0xFE, 0xFF]) { try source.decode(from: "UTF-16BE") }
        }
        defer {
            if let decoding = source.decoding, decoding.replaced > 0 {
                warn("\(source.name): \(decoding.replaced) byte(s) are not \(decoding.encoding) and were read as U+FFFD")
            }
        }
        var map = HeaderMap(overrides: options.overrides)
        switch try format(of: source) {
        case .ndjson:
            var reader = LineReader(source: source, maxLineBytes: options.maxRowBytes)
            let validator = Validator(rules: options.rules, map: map, file: file)
            let batchRows = options.batchRows
            try process(validator) { () throws -> RowBatch? in
                var batch = RowBatch()
                while batch.rows.count < batchRows, let line = try reader.next({ Array($0) }) {
                    guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                    ValidateRun.appendNDJSON(line, number: reader.lineNumber, to: &batch)
                }
                return batch.isEmpty ? nil : batch
            }
        case .csv, .auto:
            // The head is read before the reader starts, for the sniffer and for the hint of a missing column.
            let sample = 64 << 10
            let head = try source.peek(sample)
            if source.decoding == nil, !ValidateRun.isUTF8(head, cut: head.count == sample) {
                // Rows with such bytes are rejected one by one; say once what would read them.
                warn("\(source.name): not UTF-8; rows with such bytes are rejected as invalid_utf8. A file saved by Excel on Windows is read with --encoding windows-1252 (or iso-8859-1, iso-8859-15)")
            }
            let delimiter: UInt8
            if let forced = options.delimiter {
                delimiter = forced
            } else {
                delimiter = DialectSniffer.delimiter(in: head, complete: head.count < sample) ?? UInt8(ascii: ",")
                info("\(source.name): fields separated by \(ValidateRun.describe(delimiter)), found in the first lines (--delimiter sets it)")
            }
            var reader = CSVReader(source: source, delimiter: delimiter, maxRowBytes: options.maxRowBytes)
            var first = RowBatch()
            guard try reader.readRow(into: &first) else {
                // An empty export is a broken one, not an empty call list (that has a header).
                throw CXVError.data(source: source.name, line: 1, message: "no header row: the input is empty")
            }
            let headerRow = first.rows[0]
            if let problem = headerRow.problem {
                throw CXVError.data(source: source.name, line: headerRow.line,
                                    message: "header row: \(Validator.error(for: problem).message)")
            }
            try map.bind(header: first.strings(of: headerRow), source: source.name, line: headerRow.line)
            map.warnings.forEach(warn)
            try checkColumns(map, source: source.name, line: headerRow.line, head: head, delimiter: delimiter)
            let validator = Validator(rules: options.rules, map: map, file: file)
            let batchRows = options.batchRows
            try process(validator) { () throws -> RowBatch? in
                var batch = RowBatch()
                return try reader.read(into: &batch, maxRows: batchRows) ? batch : nil
            }
        }
    }

    /// A field the rules require must have a column, or every row would be rejected for it.
    private func checkColumns(_ map: HeaderMap, source: String, line: Int, head: [UInt8], delimiter: UInt8) throws {
        for field in options.rules.required.sorted(by: { $0.rawValue < $1.rawValue }) where !map.hasColumn(for: field) {
            var hint = "map a column with --map \(field.name)=COLUMN"
            if field != .phoneNumber { hint += ", or drop it from --require" }
            // Split by another delimiter, does the header have the column?
            for other in DialectSniffer.candidates where other != delimiter {
                let names = DialectSniffer.header(in: head, delimiter: other)
                if names.contains(where: { map.role(of: $0) == .field(field) }) {
                    hint = "with --delimiter \(ValidateRun.describe(other, quoted: false)) it reads as \(names.joined(separator: ", ")); or \(hint)"
                    break
                }
            }
            throw CXVError.data(source: source, line: line,
                                message: "no column reads as \(field.name) in the header (\(map.header.joined(separator: ", "))); \(hint)")
        }
    }

    /// Is `sample` UTF-8, up to its last line break when `cut` (it may end inside a character)?
    static func isUTF8(_ sample: [UInt8], cut: Bool) -> Bool {
        let end = cut ? (sample.lastIndex(of: 0x0A) ?? 0) : sample.count
        return sample.withUnsafeBytes { JSONScanner.isValidUTF8(UnsafeRawBufferPointer(rebasing: $0[..<end])) }
    }

    /// A delimiter as a person names it: ';' or tab.
    static func describe(_ delimiter: UInt8, quoted: Bool = true) -> String {
        if delimiter == UInt8(ascii: "\t") { return "tab" }
        let character = String(UnicodeScalar(delimiter))
        return quoted || delimiter == UInt8(ascii: "|") || delimiter == UInt8(ascii: ";") ? "'\(character)'" : character
    }

    private static func appendNDJSON(_ line: [UInt8], number: Int, to batch: inout RowBatch) {
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

    private func process(_ validator: Validator, produce: () throws -> RowBatch?) throws {
        let needsPass = options.dedupe || !suppressed.isEmpty
        try orderedParallelMap(width: options.jobs, produce: produce, transform: { validator.validate($0) }) { batch in
            tally.read += batch.entries.count
            defer { progress?(tally) }
            guard needsPass else {
                for entry in batch.entries {
                    if entry.phoneKey == nil { tally.rejects += 1 } else { tally.contacts += 1 }
                }
                try output.write(batch.output)
                return
            }
            try emitChecked(batch, validator: validator)
        }
    }

    /// Writes a batch record by record, turning duplicates and suppressed numbers into rejects.
    private func emitChecked(_ batch: ValidatedBatch, validator: Validator) throws {
        try batch.output.withUnsafeBytes { output in
            try batch.rows.storage.withUnsafeBytes { storage in
                var start = 0
                for (index, entry) in batch.entries.enumerated() {
                    defer { start = entry.end }
                    guard let key = entry.phoneKey else {
                        tally.rejects += 1
                        try self.output.write(UnsafeRawBufferPointer(rebasing: output[start..<entry.end]))
                        continue
                    }
                    let row = batch.rows.rows[index]
                    var error: ValidationError?
                    if suppressed.contains(key) {
                        error = .init(field: "phone_number", code: "suppressed",
                                      message: "phone_number is on the suppression list \(options.suppressPath ?? "")")
                    } else if options.dedupe {
                        if let first = seen[key] {
                            let place = first.file.map { "\($0):\(first.line)" } ?? "line \(first.line)"
                            error = .init(field: "phone_number", code: "duplicate",
                                          message: "phone_number duplicates \(place)")
                        } else {
                            seen[key] = (row.line, validator.file)
                        }
                    }
                    if let error {
                        var writer = JSONWriter()
                        validator.writeReject(row, of: batch.rows, storage: storage, errors: [error], into: &writer)
                        tally.rejects += 1
                        try self.output.write(writer.bytes)
                    } else {
                        tally.contacts += 1
                        try self.output.write(UnsafeRawBufferPointer(rebasing: output[start..<entry.end]))
                    }
                }
            }
        }
    }
}
