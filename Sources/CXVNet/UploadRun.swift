import CXVAPI
import CXVCore
import Foundation

/// Control totals of cxv-upload.
public struct UploadTally: Sendable {
    public var chunks = 0, submitted = 0, failed = 0, resumed = 0, dryRun = 0
    /// Chunks split in two after a 413; their halves are counted as chunks of their own in
    /// `submitted`, `failed` and `resumed`.
    public var split = 0
    /// Of `failed`, the chunks that exhausted their retries (not refused by the server).
    public var gaveUp = 0
    /// Call-lists: the list's counts before the first upload of the run (kept in the journal across re-runs).
    public var listBefore: ListCounts?

    public init() {}

    /// Chunks were to be sent, none was, and some could not reach the service: exit 69.
    public var serviceUnavailable: Bool { gaveUp > 0 && submitted == 0 }

    func record(requests: Int, throttled: Int, retries: Int, tokens: Int, elapsed: Duration) -> [UInt8] {
        tallyRecord(stage: "upload", ["chunks": chunks, "submitted": submitted, "failed": failed, "gave_up": gaveUp, "resumed": resumed, "split": split,
                                      "dry_run": dryRun, "requests": requests, "throttled": throttled,
                                      "retries": retries, "tokens": tokens, "elapsed_ms": Int(elapsed.milliseconds)],
                    more: listBefore?.tallyFields("before") ?? [])
    }
}

/// The cxv-upload pipeline: every built or compressed chunk sent through its API's profile (up
/// to `concurrency` at once) and written on as `submitted` or `failed` as each finishes; every
/// other record passes through at once.
public final class UploadRun {
    private let sessions: SessionOpener
    private let callList: CallListProfile.UploadSettings?
    private var profile: (any ImportProfile)?
    private let dryRun: Bool
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

    /// `dryRun` describes the requests on stderr and sends nothing (`sessions` then opens none).
    /// `callList` says where call-list chunks go; without it such a chunk is a configuration error.
    public init(sessions: SessionOpener, callList: CallListProfile.UploadSettings?, dryRun: Bool, journal: UploadJournal?,
                concurrency: Int, output: SharedOutput, policy: InvalidLinePolicy, log: @escaping @Sendable (String) -> Void) {
        self.sessions = sessions
        self.callList = callList
        self.dryRun = dryRun
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
        try await sessions.start()
        try await withThrowingTaskGroup(of: [Outcome].self) { group in
            group.addStopWatcher(stop)
            var inFlight = 0
            do {
                try await forEachChunk(inputs: inputs, maxLineBytes: maxLineBytes, policy: policy, output: output, stop: stop) { chunk in
                    guard chunk.chunkState?.awaitsUpload == true else {
                        try output.write(chunk.line)
                        return
                    }
                    tally.chunks += 1
                    let (uploader, key) = try await prepare(chunk)
                    if let ready = try await resumeOrDescribe(chunk, key: key, uploader: uploader) {
                        try output.write(ready)
                        return
                    }
                    if inFlight >= concurrency, let outcomes = try await group.next() {
                        outcomes.forEach(count)
                        inFlight -= 1
                    }
                    guard let uploader else { return }  // a dry run: described above, never sent
                    let (journal, output, list, log) = (journal, output, callList?.listID, log)
                    group.addTask {
                        // Written on as soon as it is done, whatever the others are doing.
                        do {
                            let sent = try await UploadRun.upload(chunk, key: key, uploader: uploader, list: list,
                                                                  journal: journal, log: log)
                            try output.write(lines: sent.map(\.line).filter { !$0.isEmpty })
                            return sent.map(\.outcome)
                        } catch is CancellationError {
                            try output.write(chunk.line)
                            return [.cancelled]
                        }
                    }
                    inFlight += 1
                }
            } catch is StopGraceExpired {  // the reading loop waited for a slot past the grace
                group.cancelAll()
            }
            try await group.collect(inFlight) { $0.forEach(count) }
        }
        if let signal = stop.requested { throw Stopped(signal: signal) }
        let client = try await sessions.finish()?.client
        let counters = client?.counters
        try output.write(tally.record(requests: await counters?.requests ?? 0, throttled: await counters?.throttled ?? 0,
                                      retries: await counters?.retries ?? 0, tokens: await client?.tokens.fetched ?? 0,
                                      elapsed: ContinuousClock.now - started))
    }

    enum Outcome {
        case submitted, refused, gaveUp
        /// A half of a chunk split on an earlier run, whose job the journal knows.
        case resumed
        /// Split in two after a 413; its halves have outcomes of their own.
        case split
        /// Stopped before an answer; written back as it came.
        case cancelled
    }

    private func count(_ outcome: Outcome) {
        switch outcome {
        case .submitted: tally.submitted += 1
        case .resumed:
            tally.resumed += 1
            tally.submitted += 1
        case .split: tally.split += 1
        case .refused: tally.failed += 1
        case .gaveUp:
            tally.failed += 1
            tally.gaveUp += 1
        case .cancelled:
            break
        }
    }

    /// The chunk's uploader (nil in a dry run) and key. The first call-list chunk of a run reads the
    /// list's counts first: a list CXone does not know stops the run (78) before anything is sent.
    private func prepare(_ chunk: ChunkRecord) async throws -> (ChunkUploader?, String) {
        let (api, session) = try await sessions.session(for: chunk)
        let profile: any ImportProfile
        if let known = self.profile {
            profile = known
            // Each chunk is an upload of its own: an overwrite by each would leave only the last chunk's records.
            if profile.uploadReplacesTheList {
                throw CXVError.config("chunk \(chunk.label): --force-overwrite replaces the whole list with each upload, and this run has more than one chunk; "
                                      + "re-chunk into one (cxv-chunk --size, --max-bytes) or drop --force-overwrite")
            }
        } else {
            do {
                profile = try api.profile(callList: callList)
            } catch {
                throw CXVError.config("chunk \(chunk.label): \(error.description)")
            }
            self.profile = profile
            if let session, let list = callList?.listID, profile.listCounts() != nil {
                if let before = await journal?.listBefore(list) {
                    tally.listBefore = before
                } else {
                    tally.listBefore = try await session.client.listCounts(profile: profile, list: list)
                    if let before = tally.listBefore { try await journal?.record(list: list, before: before) }
                }
            }
        }
        return (session.map { ChunkUploader(client: $0.client, profile: profile) }, try ChunkUploader.key(of: chunk))
    }

    /// A chunk the journal knows (re-emitted without a request), or a dry run's description; nil to upload.
    private func resumeOrDescribe(_ chunk: ChunkRecord, key: String, uploader: ChunkUploader?) async throws -> [UInt8]? {
        if let entry = await journal?.entry(for: key) {
            tally.resumed += 1
            tally.submitted += 1
            return UploadRun.submitted(chunk, job: entry.job, attempts: 0, key: key, list: callList?.listID,
                                       at: entry.at ?? Date().timeIntervalSince1970)
        }
        guard dryRun, let profile else { return nil }
        log("dry run: \(try ChunkUploader.request(for: chunk, key: key, profile: profile).summary)")
        tally.dryRun += 1
        return chunk.line
    }

    /// Sends one chunk; a chunk the server finds too large (413) is sent as two halves
    /// instead, each split again as it must be, down to one row. Returns a line for each chunk
    /// or half, in order.
    static func upload(_ chunk: ChunkRecord, key: String, uploader: ChunkUploader, list: String?, journal: UploadJournal?,
                       log: @escaping @Sendable (String) -> Void) async throws -> [(outcome: Outcome, line: [UInt8])] {
        let list = uploader.profile.listCounts() == nil ? nil : list
        // Split on an earlier run: its halves are what the journal knows.
        if await journal?.wasSplit(key) == true {
            return try await uploadHalves(of: chunk, uploader: uploader, list: list, journal: journal, log: log)
        }
        switch try await uploader.upload(chunk, key: key) {
        case let .created(job, attempts):
            let at = Date().timeIntervalSince1970
            try await journal?.record(.init(key: key, seq: chunk.seq, job: job, at: at))
            return [(.submitted, submitted(chunk, job: job, attempts: attempts, key: key, list: list, at: at))]
        case let .refused(status, message, _) where status == 413 && chunk.count > 1:
            log("chunk \(chunk.label): too large for the server (\(message)): splitting its \(chunk.count) rows in two")
            try await journal?.recordSplit(key)
            return try await uploadHalves(of: chunk, uploader: uploader, list: list, journal: journal, log: log)
        case let .refused(_, message, attempts):
            return [(.refused, failed(chunk, reason: "the import refused the chunk: \(message)", attempts: attempts))]
        case let .gaveUp(reason, attempts):
            return [(.gaveUp, failed(chunk, reason: reason, attempts: attempts))]
        }
    }

    private static func uploadHalves(of chunk: ChunkRecord, uploader: ChunkUploader, list: String?, journal: UploadJournal?,
                                     log: @escaping @Sendable (String) -> Void) async throws -> [(outcome: Outcome, line: [UInt8])] {
        guard let (first, second) = try chunk.halves() else {
            return [(.refused, failed(chunk, reason: "the import refused the chunk as too large, and it has one row", attempts: 0))]
        }
        var sent: [(outcome: Outcome, line: [UInt8])] = [(.split, [])]
        for half in [first, second] {
            let key = try ChunkUploader.key(of: half)
            if let entry = await journal?.entry(for: key) {
                sent.append((.resumed, submitted(half, job: entry.job, attempts: 0, key: key, list: list,
                                                 at: entry.at ?? Date().timeIntervalSince1970)))
            } else {
                sent += try await upload(half, key: key, uploader: uploader, list: list, journal: journal, log: log)
            }
        }
        return sent
    }

    /// `list`: the calling list the job loads, which cxv-poll reads the counts of; `at`: when
    /// the job was made (seconds since 1970), which the report times the chunk from.
    static func submitted(_ chunk: ChunkRecord, job: String, attempts: Int, key: String, list: String?,
                          at: Double) -> [UInt8] {
        var chunk = chunk
        chunk.set(state: .submitted)
        chunk.set("submitted_at") { $0.seconds(at) }
        chunk.set("job") { w in
            w.beginObject()
            w.key("id"); w.string(job)
            w.key("attempts"); w.int(attempts)
            w.key("key"); w.string(key)
            if let list { w.key("list"); w.string(list) }
            w.endObject()
        }
        return chunk.line
    }

    static func failed(_ chunk: ChunkRecord, reason: String, attempts: Int) -> [UInt8] {
        var chunk = chunk
        chunk.set(state: .failed)
        chunk.set("errors") { w in
            w.beginArray()
            w.string(reason)
            w.endArray()
        }
        chunk.set("upload_attempts", int: attempts)
        return chunk.line
    }
}
