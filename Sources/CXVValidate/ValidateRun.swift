import CXVCore
import CXVInput

/// Everything cxv-validate is told, checked by the command before the run.
public struct ValidateOptions: Sendable {
    /// How the inputs are read: format, delimiter, encoding (unset: sniffed).
    public var reading = ReadOptions()
    public var overrides: [ContactField: String] = [:]
    public var rules: ValidationRules
    public var dedupe = false
    /// Contacts carry their rows as read (`record`), for cxv-report's row files.
    public var keepRows = false
    public var suppressPath: String?
    public var jobs = 1
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
    /// Each number kept under --dedupe → where it first came: its input's index in `seenFiles`
    /// (the top 16 bits) and its line (the rest). 16 bytes a number in the table; a tuple with
    /// the file's name took 32, and this table is what grows with the input.
    private var seen: [UInt64: UInt64] = [:]
    private var seenFiles: [String?] = []
    private var suppressed: Set<UInt64> = []
    public private(set) var tally = ValidateTally()
    /// Told the tally after each batch written, for a progress line.
    public var progress: ((ValidateTally) -> Void)?

    private static let lineMask: UInt64 = 1 << 48 - 1

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
                suppressed.insert(e164.withUnsafeBytes { E164.key($0) })
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
        let notices = InputNotices(warn: warn, info: info)
        for path in paths {
            let overrides = options.overrides
            let rows = try InputSniffer.open(path, options: options.reading, notices: notices) { names in
                // A header is one with a phone column: a workbook's cover sheet has none.
                var map = HeaderMap(overrides: overrides)
                return (try? map.bind(header: names, source: path)) != nil && map.hasColumn(for: .phoneNumber)
            }
            try validate(rows, file: paths.count > 1 ? path : nil)
        }
        try output.write(tally.record)
    }

    private func validate(_ rows: any RowSource, file: String?) throws {
        var map = HeaderMap(overrides: options.overrides)
        if let header = try rows.readHeader() {
            try map.bind(header: header.names, source: rows.name, line: header.line)
            map.warnings.forEach(warn)
            try checkColumns(map, of: rows, line: header.line)
        }
        let validator = Validator(rules: options.rules, map: map, file: file, keepsRows: options.keepRows)
        let batchRows = options.batchRows
        try process(validator) { submit in try rows.forEachBatch(maxRows: batchRows, submit) }
    }

    /// A field the rules require must have a column, or every row would be rejected for it.
    private func checkColumns(_ map: HeaderMap, of rows: any RowSource, line: Int) throws {
        for field in options.rules.required.sorted(by: { $0.rawValue < $1.rawValue }) where !map.hasColumn(for: field) {
            var hint = "map a column with --map \(field.name)=COLUMN"
            if field != .phoneNumber { hint += ", or drop it from --require" }
            // Read another way (another delimiter, another sheet), does the header have the column?
            if let other = rows.alternativeHeaders().first(where: { $0.names.contains { map.role(of: $0) == .field(field) } }) {
                hint = "with \(other.option) it reads as \(other.names.joined(separator: ", ")); or \(hint)"
            }
            throw CXVError.data(source: rows.name, line: line,
                                message: "no column reads as \(field.name) in the header (\(map.header.joined(separator: ", "))); \(hint)")
        }
    }

    private func process(_ validator: Validator, feed: ((RowBatch) throws -> Void) throws -> Void) throws {
        let needsPass = options.dedupe || !suppressed.isEmpty
        try orderedParallelMap(width: options.jobs, feed: feed, transform: { validator.validate($0) }) { batch in
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
                            let line = first & ValidateRun.lineMask
                            let place = seenFiles[Int(first >> 48)].map { "\($0):\(line)" } ?? "line \(line)"
                            error = .init(field: "phone_number", code: "duplicate",
                                          message: "phone_number duplicates \(place)")
                        } else {
                            if seenFiles.isEmpty || seenFiles.last != validator.file { seenFiles.append(validator.file) }
                            seen[key] = UInt64(seenFiles.count - 1) << 48 | UInt64(row.line)
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
