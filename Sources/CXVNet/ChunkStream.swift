import CXVCore

/// The reading loop of the network stages: every input in order, chunk records
/// handed to `chunk` (which may await), every other line written on at once;
/// no new record is taken once `stop` is requested.
func forEachChunk(inputs: [String], maxLineBytes: Int, policy: InvalidLinePolicy, output: SharedOutput,
                  stop: StopRequest, _ chunk: (ChunkRecord) async throws -> Void) async throws {
    enum Item {
        case through([UInt8])
        case chunk(ChunkRecord)
    }
    for path in inputs.isEmpty ? ["-"] : inputs {
        var reader = RecordReader(source: try InputSource(path: path), maxLineBytes: maxLineBytes, owns: { $0 == .chunk })
        let source = reader.sourceName
        while stop.requested == nil, let item = try reader.next({ item throws -> Item in
            switch item {
            case let .record(record) where record.kind == .chunk:
                do {
                    return .chunk(try ChunkRecord(record.bytes))
                } catch let error as JSONError {
                    throw error.at(source, line: record.line)
                }
            case let .record(record): return .through(Array(record.bytes) + [0x0A])
            case let .invalid(invalid): return .through(try policy.reject(for: invalid, source: source))
            }
        }) {
            switch item {
            case let .through(bytes): try output.write(bytes)
            case let .chunk(record): try await chunk(record)
            }
        }
    }
}
