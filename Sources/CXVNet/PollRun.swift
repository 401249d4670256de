import CXVCore
import Foundation

/// How cxv-poll waits and how often it tries again.
public struct PollSettings: Sendable {
    public var interval: Duration = .seconds(2)
    public var maxInterval: Duration = .seconds(30)
    /// Per job, from the first poll to a terminal status.
    public var timeout: Duration = .seconds(600)
    /// Re-uploads of one chunk (after a transient FAILED, or without its refused rows).
    public var retries = 3

    public init() {}
}

/// Control totals of cxv-poll.
public struct PollTally: Sendable {
    public var chunks = 0, completed = 0, failed = 0, rejects = 0, retries = 0
    /// Of `failed`, the chunks whose requests exhausted their retries.
    public var gaveUp = 0

    public init() {}

    /// Chunks were followed, none completed, and some could not reach the service: exit 69.
    public var serviceUnavailable: Bool { gaveUp > 0 && completed == 0 }

    func record(requests: Int, throttled: Int, requestRetries: Int, tokens: Int, elapsed: Duration) -> [UInt8] {
        tallyRecord(stage: "poll", ["chunks": chunks, "completed": completed, "failed": failed, "gave_up": gaveUp, "rejects": rejects,
                                    "retries": retries, "requests": requests, "throttled": throttled,
                                    "request_retries": requestRetries, "tokens": tokens,
                                    "elapsed_ms": Int(elapsed.milliseconds)])
    }
}

/// The cxv-poll pipeline: every submitted job polled at once, each with its own
/// backoff; rows the server refused become `import` rejects and the chunk is sent
/// again without them; a transient FAILED is sent again unchanged.
public final class PollRun {
    private let client: ImportClient
    private let settings: PollSettings
    private let output: SharedOutput
    private let policy: InvalidLinePolicy
    private let counts = Counts()

    public init(client: ImportClient, settings: PollSettings, output: SharedOutput, policy: InvalidLinePolicy) {
        self.client = client
        self.settings = settings
        self.output = output
        self.policy = policy
    }

    public var tally: PollTally { counts.tally }

    /// Told the tally each time it changes, for a progress line; set before `run`.
    public var progress: (@Sendable (PollTally) -> Void)? {
        get { counts.observer }
        set { counts.observer = newValue }
    }

    /// The tally, added to by each chunk's task as it finishes.
    private final class Counts: @unchecked Sendable {
        private let lock = NSLock()  // guards `value`
        private var value = PollTally()
        var observer: (@Sendable (PollTally) -> Void)?
        var tally: PollTally { lock.withLock { value } }
        func add(_ body: (inout PollTally) -> Void) {
            lock.withLock {
                body(&value)
                observer?(value)
            }
        }
    }

    struct Finished: Sendable {
        var lines: [[UInt8]]
        var completed: Bool
        /// Failed because the service could not be reached within the retries.
        var gaveUp = false
        var rejects: Int
        var retries: Int
    }

    /// Reads `inputs` to the end, or until `stop` is requested: then jobs in flight get half
    /// a second to settle, the rest are written back as they came (so a re-run polls them
    /// again), no tally is written, and `Stopped` is thrown.
    public func run(inputs: [String], maxLineBytes: Int, stop: StopRequest = StopRequest()) async throws {
        let started = ContinuousClock.now
        let (client, settings, output, counts, policy) = (client, settings, output, counts, policy)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addStopWatcher(stop)
            group.addTask {
                // A job's task is let go as it finishes, so memory follows the jobs in flight,
                // not the jobs read: kept until the end, they grew cxv-poll by about 30 KB a job.
                try await withThrowingDiscardingTaskGroup { jobs in
                    try await forEachChunk(inputs: inputs, maxLineBytes: maxLineBytes, policy: policy, output: output, stop: stop) { chunk in
                        guard chunk.state == "submitted" else {
                            try output.write(chunk.line)
                            return
                        }
                        counts.add { $0.chunks += 1 }
                        jobs.addTask {
                            // Written as soon as it is settled, whatever the others are doing.
                            let done: Finished
                            do {
                                done = try await PollRun.settle(chunk, client: client, settings: settings)
                            } catch is CancellationError {
                                counts.add { $0.chunks -= 1 }
                                try output.write(chunk.line)
                                return
                            }
                            counts.add { tally in
                                if done.completed { tally.completed += 1 } else { tally.failed += 1 }
                                if done.gaveUp { tally.gaveUp += 1 }
                                tally.rejects += done.rejects
                                tally.retries += done.retries
                            }
                            try output.write(lines: done.lines)
                        }
                    }
                }
            }
            try await group.collect(1) { _ in }  // the reading and its jobs; the stop watcher is cancelled
        }
        if let signal = stop.requested { throw Stopped(signal: signal) }
        try output.write(tally.record(requests: await client.counters.requests, throttled: await client.counters.throttled,
                                      requestRetries: await client.counters.retries, tokens: await client.tokens.fetched,
                                      elapsed: ContinuousClock.now - started))
    }

    /// Follows one chunk's job (and the jobs that replace it) to the end.
    static func settle(_ original: ChunkRecord, client: ImportClient, settings: PollSettings) async throws -> Finished {
        var chunk = original
        // The line map and the CSV are read only if a job fails or refuses rows: most chunks never need them.
        var linesIfRead: [Int]?
        var csvIfRead: [UInt8]?
        func csv() throws -> [UInt8] {
            if let csvIfRead { return csvIfRead }
            let read = try chunk.csv()
            csvIfRead = read
            return read
        }
        var jobId = chunk.value("job")?["id"]?.stringValue ?? ""
        var rejects: [[UInt8]] = []
        var retries = 0
        var everyRowRefused = false
        while true {
            let status: JobStatus
            switch try await wait(for: jobId, client: client, settings: settings) {
            case let .success(terminal): status = terminal
            case let .failure(reason):
                var finished = done(chunk, state: "failed", errors: [reason.message], processed: 0, retries: retries, rejects: rejects)
                finished.gaveUp = reason.unavailable
                return finished
            }
            let refused = status.rowErrors
            if !refused.isEmpty {
                let table = try CSVTable(try csv())
                let lines = linesIfRead ?? (chunk.value("lines")?.arrayValue ?? []).compactMap(\.intValue)
                for (row, message) in refused where row <= table.rows.count {
                    rejects.append(importReject(seq: chunk.seq, line: row <= lines.count ? lines[row - 1] : 0,
                                                message: message, record: table.record(row)))
                }
                if status.state == .failed {
                    let bad = Set(refused.map(\.row))
                    csvIfRead = table.csv(without: bad)
                    linesIfRead = lines.enumerated().filter { !bad.contains($0.offset + 1) }.map(\.element)
                    everyRowRefused = (1...max(1, table.rows.count)).allSatisfy(bad.contains)
                }
            }
            if status.state == .completed {
                return done(chunk, state: "completed", errors: status.errors, processed: status.recordsProcessed,
                            retries: retries, rejects: rejects)
            }
            // FAILED: send again, without the refused rows or (transient) as it was, with a new key.
            guard retries < settings.retries, !everyRowRefused else {
                let reason = everyRowRefused ? "every row was refused" : "still FAILED after \(retries) retries"
                return done(chunk, state: "failed", errors: status.errors + [reason], processed: 0, retries: retries, rejects: rejects)
            }
            retries += 1
            if refused.isEmpty {
                try await Transport.sleep(for: min(settings.maxInterval, settings.interval * (1 << min(retries - 1, 10))))
            }
            let payload = try csv()
            let body = try payload.withUnsafeBytes { (b) throws(GzipError) in try Gzip.compress(b) }
            let key = payload.withUnsafeBytes { ChunkCompressor.sha256Hex($0) } + "-retry-\(retries)"
            switch try await client.upload(body, gzip: true, idempotencyKey: key) {
            case let .created(newJob, _):
                jobId = newJob
                chunk.set("job") { w in
                    w.beginObject()
                    w.key("id"); w.string(newJob)
                    w.key("key"); w.string(key)
                    w.endObject()
                }
            case let .refused(_, message, _):
                return done(chunk, state: "failed", errors: ["re-upload refused: \(message)"], processed: 0, retries: retries, rejects: rejects)
            case let .gaveUp(reason, _):
                var finished = done(chunk, state: "failed", errors: ["re-upload: \(reason)"], processed: 0, retries: retries, rejects: rejects)
                finished.gaveUp = true
                return finished
            }
        }
    }

    struct PollFailure: Error {
        let message: String
        /// The requests exhausted their retries, as opposed to an answer that ends the job.
        var unavailable = false
    }

    /// Polls until the job is terminal: from `interval`, doubling to `maxInterval`, within `timeout`.
    static func wait(for jobId: String, client: ImportClient, settings: PollSettings) async throws -> Result<JobStatus, PollFailure> {
        let started = ContinuousClock.now
        var delay = settings.interval
        var last = "no answer"
        while true {
            try await Transport.sleep(for: delay)
            switch try await client.status(of: jobId) {
            case let .status(status) where status.state.isTerminal:
                return .success(status)
            case let .status(status):
                last = JobStatus.State(rawValue: status.statusText) == nil
                    ? "\(status.statusText), a status the API does not define" : status.statusText
            case .unknownJob:
                return .failure(PollFailure(message: "job \(jobId) is unknown to the server (404)"))
            case let .gaveUp(reason):
                return .failure(PollFailure(message: reason, unavailable: true))
            }
            guard ContinuousClock.now - started < settings.timeout else {
                return .failure(PollFailure(message: "job \(jobId) not finished after \(settings.timeout) (last status: \(last))"))
            }
            delay = min(settings.maxInterval, delay * 2)
        }
    }

    static func done(_ chunk: ChunkRecord, state: String, errors: [String], processed: Int, retries: Int,
                     rejects: [[UInt8]]) -> Finished {
        var chunk = chunk
        chunk.set("state", string: state)
        chunk.set("records_processed", int: processed)
        chunk.set("errors") { w in
            w.beginArray()
            for error in errors { w.string(error) }
            w.endArray()
        }
        chunk.set("retries", int: retries)
        return Finished(lines: rejects + [chunk.line], completed: state == "completed", rejects: rejects.count, retries: retries)
    }

    static func importReject(seq: Int, line: Int, message: String, record: [(String, String)]) -> [UInt8] {
        var w = JSONWriter()
        w.beginReject(stage: "import", line: line, file: nil,
                      errors: [ValidationError(field: "", code: "refused_by_server", message: message)])
        w.key("seq"); w.int(seq)
        w.key("record")
        w.beginObject()
        for (name, value) in record {
            w.key(name)
            w.string(value)
        }
        w.endObject()
        w.endObject()
        w.endRecord()
        return w.bytes
    }
}

/// A chunk's CSV as rows, to name refused rows and to write the chunk again without them.
struct CSVTable {
    let header: [String]
    let rows: [[String]]

    init(_ csv: [UInt8]) throws {
        var reader = CSVReader(source: InputSource(name: "chunk", bytes: csv), maxRowBytes: max(1 << 20, csv.count))
        var batch = RowBatch()
        while try reader.readRow(into: &batch) {}
        let all = batch.rows.map { batch.strings(of: $0) }
        header = all.first ?? []
        rows = Array(all.dropFirst())
    }

    /// Data row `row` (1-based) as header name → value.
    func record(_ row: Int) -> [(String, String)] {
        Array(zip(header, rows[row - 1]))
    }

    func csv(without refused: Set<Int>) -> [UInt8] {
        let writer = CSVWriter()
        var out = WriteBuffer()
        writer.appendRow(header, to: &out)
        for (index, row) in rows.enumerated() where !refused.contains(index + 1) {
            writer.appendRow(row, to: &out)
        }
        return out.array
    }
}
