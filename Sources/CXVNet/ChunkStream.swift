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

/// How long a stopped stage lets its in-flight requests finish before cancelling them.
let stopGrace: Duration = .seconds(1)

/// Thrown by the stop watcher: the grace after a stop is over.
struct StopGraceExpired: Error {}

extension ThrowingTaskGroup where Failure == any Error {
    /// A child that throws `StopGraceExpired` once `stop` has been requested for `stopGrace`:
    /// the stage then cancels its work, so SIGINT ends it promptly even while requests
    /// hang or jobs wait. Cancel the group to end it when the work ends first.
    mutating func addStopWatcher(_ stop: StopRequest) {
        addTask {
            while stop.requested == nil { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: stopGrace)
            throw StopGraceExpired()
        }
    }

    /// Collects `pending` results with `collect`; if the stop grace runs out first, cancels
    /// what is left and collects what the cancelled tasks still return.
    mutating func collect(_ pending: Int, _ collect: (ChildTaskResult) -> Void) async throws {
        var pending = pending
        do {
            while pending > 0, let result = try await next() {
                collect(result)
                pending -= 1
            }
        } catch is StopGraceExpired {
            cancelAll()
            while pending > 0 {
                // After a stop, a task's own error (a closed output) ends only that task.
                guard let result = try? await next() else { pending -= 1; continue }
                collect(result)
                pending -= 1
            }
        }
        cancelAll()  // the watcher
    }
}
