import CXVCore
import Foundation

/// The reading loop of the network stages: every input in order, chunk records
/// handed to `chunk` (which may await), every other line written on at once;
/// no new record is taken once `stop` is requested. `passing` sees the lines written on (whole
/// lines, several at a time), for a stage that reads an earlier stage's tally.
func forEachChunk(inputs: [String], maxLineBytes: Int, policy: InvalidLinePolicy, output: SharedOutput,
                  stop: StopRequest, passing: (([UInt8]) -> Void)? = nil,
                  _ chunk: (ChunkRecord) async throws -> Void) async throws {
    let records = ReadAhead(inputs: inputs, maxLineBytes: maxLineBytes, policy: policy)
    defer { records.close() }
    while stop.requested == nil, let item = try await records.next() {
        switch item {
        case let .through(bytes):
            passing?(bytes)
            try output.write(bytes)
        case let .chunk(record): try await chunk(record)
        }
    }
}

/// A line of a network stage's input: a chunk to work on, or bytes to write on as they are.
enum StreamItem: Sendable {
    case through([UInt8])
    case chunk(ChunkRecord)
}

/// Reads the inputs on a thread of its own, a few records ahead. A read(2) that waits
/// for a slow upstream must not hold one of the few threads the requests run on:
/// when it did, cxv-upload and cxv-poll ran their network work on one thread of two.
final class ReadAhead: @unchecked Sendable {
    private let items: AsyncThrowingStream<StreamItem, Error>
    private var iterator: AsyncThrowingStream<StreamItem, Error>.AsyncIterator
    private let room: Room

    init(inputs: [String], maxLineBytes: Int, policy: InvalidLinePolicy, depth: Int = 16) {
        let (items, continuation) = AsyncThrowingStream.makeStream(of: StreamItem.self)
        let room = Room(depth)
        let thread = Thread {
            // Lines passed through are sent on together while more are already read, one write for
            // many (a reject a line: ten times as many lines as chunks), and at once when the next would wait.
            var through: [UInt8] = []
            func send(_ item: StreamItem) -> Bool {
                guard room.take() else { return false }
                continuation.yield(item)
                return true
            }
            func sendThrough() -> Bool {
                defer { through = [] }
                return through.isEmpty || send(.through(through))
            }
            do {
                inputs: for path in inputs.isEmpty ? ["-"] : inputs {
                    var reader = RecordReader(source: try InputSource(path: path), maxLineBytes: maxLineBytes, owns: { $0 == .chunk })
                    let source = reader.sourceName
                    while let chunk = try reader.next({ item throws -> ChunkRecord? in
                        switch item {
                        case let .record(record) where record.kind == .chunk:
                            do {
                                return try ChunkRecord(record.bytes)
                            } catch let error as JSONError {
                                throw error.at(source, line: record.line)
                            }
                        case let .record(record):
                            through.append(contentsOf: record.bytes)
                            through.append(0x0A)
                        case let .invalid(invalid):
                            through.append(contentsOf: try policy.reject(for: invalid, source: source))
                        }
                        return nil
                    }) {
                        if chunk != nil || through.count >= 1 << 18 || !reader.hasBufferedLine() {
                            guard sendThrough() else { break inputs }
                        }
                        if let chunk, !send(.chunk(chunk)) { break inputs }
                    }
                    guard sendThrough() else { break inputs }
                }
                continuation.finish()
            } catch {
                _ = sendThrough()  // what was read before the error still goes on
                continuation.finish(throwing: error)
            }
        }
        thread.stackSize = 8 << 20  // the JSON scanner recurses, up to its depth limit
        thread.start()
        self.items = items
        iterator = items.makeAsyncIterator()
        self.room = room
    }

    /// The next line, or nil at the end of the last input. One consumer at a time.
    func next() async throws -> StreamItem? {
        let item = try await iterator.next()
        room.give()
        return item
    }

    /// No more reading: the thread ends at its next record (or when its read returns).
    func close() {
        room.close()
    }

    /// Places for records read ahead: the reading thread takes one per record and waits
    /// while there are none; the reader gives one back per record it takes.
    final class Room: @unchecked Sendable {
        private let condition = NSCondition()  // guards `free` and `closed`
        private var free: Int
        private var closed = false

        init(_ free: Int) { self.free = free }

        /// False once closed: stop reading.
        func take() -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while free == 0 && !closed { condition.wait() }
            free -= 1
            return !closed
        }

        func give() {
            condition.lock()
            free += 1
            condition.signal()
            condition.unlock()
        }

        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// How long a stopped stage lets its in-flight requests finish before cancelling them.
let stopGrace: Duration = .milliseconds(500)

/// Thrown by the stop watcher: the grace after a stop is over.
struct StopGraceExpired: Error {}

extension ThrowingTaskGroup where Failure == any Error {
    /// A child that throws `StopGraceExpired` once `stop` has been requested for `stopGrace`:
    /// the stage then cancels its work, so SIGINT ends it promptly even while requests
    /// hang or jobs wait. Cancel the group to end it when the work ends first.
    mutating func addStopWatcher(_ stop: StopRequest) {
        addTask {
            while stop.requested == nil { try await Transport.sleep(for: .milliseconds(50)) }
            try await Transport.sleep(for: stopGrace)
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
