import CXVCore
import Foundation

/// Control totals of cxv-upload.
public struct UploadTally: Sendable {
    public var chunks = 0, submitted = 0, failed = 0, resumed = 0, dryRun = 0
    /// Of `failed`, the chunks that exhausted their retries (not refused by the server).
    public var gaveUp = 0

    public init() {}

    /// Chunks were to be sent, none was, and some could not reach the service: exit 69.
    public var serviceUnavailable: Bool { gaveUp > 0 && submitted == 0 }

    func record(requests: Int, throttled: Int, retries: Int, tokens: Int, elapsed: Duration) -> [UInt8] {
        tallyRecord(stage: "upload", ["chunks": chunks, "submitted": submitted, "failed": failed, "gave_up": gaveUp, "resumed": resumed,
                                      "dry_run": dryRun, "requests": requests, "throttled": throttled,
                                      "retries": retries, "tokens": tokens, "elapsed_ms": Int(elapsed.milliseconds)])
    }
}

/// The cxv-upload pipeline: every built or compressed chunk POSTed (up to
/// `concurrency` at once) and written on as `submitted` or `failed` as each
/// finishes; every other record passes through at once.
public final class UploadRun {
    private let client: ImportClient?
    private let journal: UploadJournal?
    private let concurrency: Int
    private let output: SharedOutput
    private let policy: InvalidLinePolicy
    private let log: @Sendable (String) -> Void
    public private(set) var tally = UploadTally() {
        didSet { progress?(tally) }
    }
    /// Told the tally each time it changes, for a progress line.
    public var progress: (@Sendable (UploadTally) -> Void)?

    /// `client` nil is a dry run: the requests are described on stderr, nothing is sent.
    public init(client: ImportClient?, journal: UploadJournal?, concurrency: Int, output: SharedOutput,
                policy: InvalidLinePolicy, log: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.journal = journal
        self.concurrency = concurrency
        self.output = output
        self.policy = policy
        self.log = log
    }

    /// Reads `inputs` to the end, or until `stop` is requested: then what is in flight
    /// gets half a second to finish and is cancelled after that (a cancelled chunk is written
    /// back as it came, unjournaled, so a re-run sends it again under the same key),
    /// no tally is written, and `Stopped` is thrown.
    public func run(inputs: [String], maxLineBytes: Int, stop: StopRequest = StopRequest()) async throws {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addStopWatcher(stop)
            var inFlight = 0
            do {
                try await forEachChunk(inputs: inputs, maxLineBytes: maxLineBytes, policy: policy, output: output, stop: stop) { chunk in
                    guard chunk.state == "built" || chunk.state == "compressed" else {
                        try output.write(chunk.line)
                        return
                    }
                    tally.chunks += 1
                    if let ready = try await resumeOrDescribe(chunk) {
                        try output.write(ready)
                        return
                    }
                    if inFlight >= concurrency, let outcome = try await group.next() {
                        count(outcome)
                        inFlight -= 1
                    }
                    let (client, journal, output) = (client!, journal, output)
                    group.addTask {
                        // Written on as soon as it is done, whatever the others are doing.
                        do {
                            let (outcome, line) = try await UploadRun.upload(chunk, client: client, journal: journal)
                            try output.write(line)
                            return outcome
                        } catch is CancellationError {
                            try output.write(chunk.line)
                            return .cancelled
                        }
                    }
                    inFlight += 1
                }
            } catch is StopGraceExpired {  // the reading loop waited for a slot past the grace
                group.cancelAll()
            }
            try await group.collect(inFlight, count)
        }
        if let signal = stop.requested { throw Stopped(signal: signal) }
        let counters = client?.counters
        try output.write(tally.record(requests: await counters?.requests ?? 0, throttled: await counters?.throttled ?? 0,
                                      retries: await counters?.retries ?? 0, tokens: await client?.tokens.fetched ?? 0,
                                      elapsed: ContinuousClock.now - started))
    }

    enum Outcome {
        case submitted, refused, gaveUp
        /// Stopped before an answer; written back as it came.
        case cancelled
    }

    private func count(_ outcome: Outcome) {
        switch outcome {
        case .submitted: tally.submitted += 1
        case .refused: tally.failed += 1
        case .gaveUp:
            tally.failed += 1
            tally.gaveUp += 1
        case .cancelled:
            break
        }
    }

    /// A chunk the journal knows (re-emitted without a request), or a dry run's description; nil to upload.
    private func resumeOrDescribe(_ chunk: ChunkRecord) async throws -> [UInt8]? {
        let key = try UploadRun.idempotencyKey(chunk)
        if let job = await journal?.job(for: key) {
            tally.resumed += 1
            tally.submitted += 1
            return UploadRun.submitted(chunk, job: job, attempts: 0, key: key)
        }
        guard client != nil else {
            let (body, gzip) = try chunk.payload()
            log("dry run: POST /api/v2/contacts/import  seq \(chunk.seq), \(chunk.count) contacts, \(body.count) bytes\(gzip ? " gzip" : ""), Idempotency-Key \(key)")
            tally.dryRun += 1
            return chunk.line
        }
        return nil
    }

    /// The payload's sha256 (DESIGN §3): the chunk's `sha256` when cxv-gzip set it.
    static func idempotencyKey(_ chunk: ChunkRecord) throws -> String {
        if let sha = chunk.string("sha256") { return sha }
        return try chunk.csv().withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
    }

    static func upload(_ chunk: ChunkRecord, client: ImportClient, journal: UploadJournal?) async throws -> (Outcome, line: [UInt8]) {
        let key = try idempotencyKey(chunk)
        let (body, gzip) = try chunk.payload()
        switch try await client.upload(body, gzip: gzip, idempotencyKey: key) {
        case let .created(job, attempts):
            try await journal?.record(.init(key: key, seq: chunk.seq, job: job))
            return (.submitted, submitted(chunk, job: job, attempts: attempts, key: key))
        case let .refused(_, message, attempts):
            return (.refused, failed(chunk, reason: "the import refused the chunk: \(message)", attempts: attempts))
        case let .gaveUp(reason, attempts):
            return (.gaveUp, failed(chunk, reason: reason, attempts: attempts))
        }
    }

    static func submitted(_ chunk: ChunkRecord, job: String, attempts: Int, key: String) -> [UInt8] {
        var chunk = chunk
        chunk.set("state", string: "submitted")
        chunk.set("job") { w in
            w.beginObject()
            w.key("id"); w.string(job)
            w.key("attempts"); w.int(attempts)
            w.key("key"); w.string(key)
            w.endObject()
        }
        return chunk.line
    }

    static func failed(_ chunk: ChunkRecord, reason: String, attempts: Int) -> [UInt8] {
        var chunk = chunk
        chunk.set("state", string: "failed")
        chunk.set("errors") { w in
            w.beginArray()
            w.string(reason)
            w.endArray()
        }
        chunk.set("upload_attempts", int: attempts)
        return chunk.line
    }
}
