/// What a stage does with an input line that is not a record (docs/design.md §2):
/// stop with status 65 naming the line, or, with `--skip-invalid`, emit a reject.
public struct InvalidLinePolicy: Sendable {
    public let stage: String
    public let skip: Bool

    public init(stage: String, skip: Bool) {
        self.stage = stage
        self.skip = skip
    }

    /// The reject to write for `invalid`, or the error that ends the stage.
    public func reject(for invalid: InvalidRecord, source: String) throws -> [UInt8] {
        guard skip else {
            throw CXVError.data(source: source, line: invalid.line,
                                message: "not a JSON object with a string \"kind\" (\(invalid.reason)); --skip-invalid turns such lines into rejects")
        }
        var w = JSONWriter()
        let error = ValidationError(field: "", code: "invalid_record", message: "not a JSON object with a string \"kind\": \(invalid.reason)")
        w.beginReject(stage: stage, lineKey: "input_line", line: invalid.line, file: nil, errors: [error])
        w.key("raw"); w.string(String(decoding: invalid.bytes.prefix(4096), as: UTF8.self))
        w.endObject()
        w.endRecord()
        return w.bytes
    }
}

/// The loop of a stage that handles records one at a time: every input in
/// order, each record offered to `handle`; what it declines is copied through
/// byte for byte, at once. `handle` gets the record and the name of its input.
public func forEachRecord(
    inputs: [String],
    maxLineBytes: Int,
    policy: InvalidLinePolicy,
    output: OutputSink,
    owns: @escaping (RecordKind) -> Bool,
    handle: (RawRecord, String) throws -> Void
) throws {
    for path in inputs.isEmpty ? ["-"] : inputs {
        var reader = RecordReader(source: try InputSource(path: path), maxLineBytes: maxLineBytes, owns: owns)
        let source = reader.sourceName
        while let _ = try reader.next({ item -> Void in
            switch item {
            case let .record(record):
                if owns(record.kind) {
                    try handle(record, source)
                } else {
                    try output.write(record.bytes)
                    try output.write(newline)
                }
            case let .invalid(invalid):
                try output.write(try policy.reject(for: invalid, source: source))
            }
        }) {}
    }
}

private let newline: [UInt8] = [0x0A]

extension JSONError {
    /// This error as a stage's data error at `line` of `source`.
    public func at(_ source: String, line: Int) -> CXVError {
        .data(source: source, line: line, message: description)
    }
}
