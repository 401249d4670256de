import CXVAPI
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
    /// On SIGINT/SIGTERM, ask the server to cancel the jobs still running (call-lists can).
    public var cancelOnStop = false

    public init() {}
}

/// Control totals of cxv-poll.
public struct PollTally: Sendable {
    public var chunks = 0, completed = 0, failed = 0, rejects = 0, retries = 0
    /// Of `failed`, the chunks whose requests exhausted their retries.
    public var gaveUp = 0
    /// Call-lists: the list's counts after the last job, and before the run's first upload
    /// (from cxv-upload's tally, when it came through this stage).
    public var listAfter: ListCounts?
    public var listBefore: ListCounts?

    public init() {}

    /// Chunks were followed, none completed, and some could not reach the service: exit 69.
    public var serviceUnavailable: Bool { gaveUp > 0 && completed == 0 }

    func record(requests: Int, throttled: Int, requestRetries: Int, tokens: Int, elapsed: Duration) -> [UInt8] {
        var list = listAfter?.tallyFields("after") ?? []
        if let after = listAfter, let before = listBefore {
            list += ListCounts(total: after.total - before.total, valid: after.valid - before.valid,
                               invalid: after.invalid - before.invalid).tallyFields("added")
        }
        return tallyRecord(stage: "poll", ["chunks": chunks, "completed": completed, "failed": failed, "gave_up": gaveUp,
                                           "rejects": rejects, "retries": retries, "requests": requests, "throttled": throttled,
                                           "request_retries": requestRetries, "tokens": tokens,
                                           "elapsed_ms": Int(elapsed.milliseconds)], more: list)
    }
}

/// The cxv-poll pipeline: every submitted job polled at once, each with its own
/// backoff; rows the server refused become `import` rejects and the chunk is sent
/// again without them; a transient FAILED is sent again unchanged (where the API retries).
public final class PollRun {
    private let sessions: SessionOpener
    private let settings: PollSettings
    private let output: SharedOutput
    private let policy: InvalidLinePolicy
    private let counts = Counts()
    private let log: @Sendable (String) -> Void

    public init(sessions: SessionOpener, settings: PollSettings, output: SharedOutput, policy: InvalidLinePolicy,
                log: @escaping @Sendable (String) -> Void) {
        self.sessions = sessions
        self.log = log
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

    /// The tally, added to by each chunk's task as it finishes, and the jobs a stop cut off.
    private final class Counts: @unchecked Sendable {
        private let lock = NSLock()  // guards `value`, `cutOff` and `watcher`
        private var value = PollTally()
        private var cutOff: [(ChunkRecord, JobTracker)] = []
        private var watcher: (@Sendable (PollTally) -> Void)?
        var observer: (@Sendable (PollTally) -> Void)? {
            get { lock.withLock { watcher } }
            set { lock.withLock { watcher = newValue } }
        }
        var tally: PollTally { lock.withLock { value } }
        func add(_ body: (inout PollTally) -> Void) {
            lock.withLock {
                body(&value)
                watcher?(value)
            }
        }
        func stopped(_ chunk: ChunkRecord, _ job: JobTracker) { lock.withLock { cutOff.append((chunk, job)) } }
        func takeCutOff() -> [(ChunkRecord, JobTracker)] { lock.withLock { defer { cutOff = [] }; return cutOff } }
    }

    /// Which job a chunk's task is following now (a re-send replaces it), for a stop to cancel.
    final class JobTracker: @unchecked Sendable {
        private let lock = NSLock()  // guards `job`
        private var job: String
        let uploader: ChunkUploader
        init(_ job: String, uploader: ChunkUploader) {
            self.job = job
            self.uploader = uploader
        }
        var current: String {
            get { lock.withLock { job } }
            set { lock.withLock { job = newValue } }
        }
    }

    /// The profile a submitted chunk's job is followed with (a call-list chunk's list is in its job).
    static func profile(for chunk: ChunkRecord, list: String?, api: ImportAPI) throws -> any ImportProfile {
        do {
            return try api.profile(callList: list.map { CallListProfile.UploadSettings(listID: $0) })
        } catch {
            throw CXVError.data(source: "chunk \(chunk.label)", line: 0, message: "\(error.description) (its job names no list)")
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
    /// again) or, with `cancelOnStop`, cancelled on the server and written as failed; no tally
    /// is written, and `Stopped` is thrown.
    public func run(inputs: [String], maxLineBytes: Int, stop: StopRequest = StopRequest()) async throws {
        let started = ContinuousClock.now
        let (sessions, settings, output, counts, policy) = (sessions, settings, output, counts, policy)
        try await sessions.start()
        let lists = ListsSeen()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addStopWatcher(stop)
            group.addTask {
                // A job's task is let go as it finishes, so memory follows the jobs in flight,
                // not the jobs read: kept until the end, they grew cxv-poll by about 30 KB a job.
                try await withThrowingDiscardingTaskGroup { jobs in
                    try await forEachChunk(inputs: inputs, maxLineBytes: maxLineBytes, policy: policy, output: output, stop: stop,
                                           passing: { lists.notice(passing: $0) }) { chunk in
                        guard chunk.chunkState == .submitted else {
                            try output.write(chunk.line)
                            return
                        }
                        let (api, session) = try await sessions.session(for: chunk)
                        let job = chunk.value("job")  // read once: its id, and under call-lists its list
                        let list = job?["list"]?.stringValue
                        let profile = try PollRun.profile(for: chunk, list: list, api: api)
                        guard let session else { return }
                        if profile.listCounts() != nil, let list {
                            lists.use(list, profile: profile)
                        }
                        counts.add { $0.chunks += 1 }
                        let tracker = JobTracker(job?["id"]?.stringValue ?? "",
                                                 uploader: ChunkUploader(client: session.client, profile: profile))
                        jobs.addTask {
                            // Written as soon as it is settled, whatever the others are doing.
                            let done: Finished
                            do {
                                done = try await PollRun.settle(chunk, job: tracker, settings: settings)
                            } catch is CancellationError {
                                counts.add { $0.chunks -= 1 }
                                if settings.cancelOnStop { counts.stopped(chunk, tracker) } else { try output.write(chunk.line) }
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
        if let signal = stop.requested {
            try await cancelCutOff(signal: signal)
            throw Stopped(signal: signal)
        }
        let client = try await sessions.finish()?.client
        if let (list, profile) = lists.used, let client {
            // Every job is settled by now: a list that cannot be read costs the verdict, not the run's output.
            do {
                let after = try await client.listCounts(profile: profile, list: list)
                counts.add { tally in
                    tally.listAfter = after
                    tally.listBefore = lists.before
                }
            } catch let error as CancellationError {
                throw error
            } catch {
                log("the counts of list \(list) could not be read after the last job, so the report has no list verdict: \(error)")
            }
        }
        try output.write(tally.record(requests: await client?.counters.requests ?? 0, throttled: await client?.counters.throttled ?? 0,
                                      requestRetries: await client?.counters.retries ?? 0, tokens: await client?.tokens.fetched ?? 0,
                                      elapsed: ContinuousClock.now - started))
    }

    /// `--cancel-on-stop`: each job a stop cut off is cancelled on the server (said on stderr) and its
    /// chunk written as failed, so the report counts its contacts; a job that cannot be cancelled is
    /// written back as it came, to be polled again.
    private func cancelCutOff(signal: Int32) async throws {
        for (chunk, tracker) in counts.takeCutOff() {
            let job = tracker.current
            let refusal: String?
            do {
                refusal = try await tracker.uploader.client.cancel(job, profile: tracker.uploader.profile)
            } catch {
                refusal = "\(error)"
            }
            if let refusal {
                log("chunk \(chunk.label): job \(job) still running, not cancelled: \(refusal)")
                try output.write(chunk.line)
                continue
            }
            log("chunk \(chunk.label): cancelled job \(job) on \(Stopped(signal: signal).name)")
            let finished = PollRun.done(chunk, state: .failed, errors: ["job \(job) cancelled by cxv-poll on \(Stopped(signal: signal).name)"],
                                        processed: 0, retries: 0, rejects: [])
            try output.write(lines: finished.lines)
        }
    }

    /// The calling list the run's chunks load, and its counts before the run (from cxv-upload's tally).
    final class ListsSeen: @unchecked Sendable {
        private let lock = NSLock()  // guards both
        private var list: (String, any ImportProfile)?
        private var counts: ListCounts?

        func use(_ id: String, profile: any ImportProfile) { lock.withLock { if list == nil { list = (id, profile) } } }
        var used: (String, any ImportProfile)? { lock.withLock { list } }
        var before: ListCounts? { lock.withLock { counts } }

        /// Looks for cxv-upload's tally among lines passed through.
        func notice(passing bytes: [UInt8]) {
            let marker = Array(#"{"kind":"tally","stage":"upload""#.utf8)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                if end - start > marker.count, bytes[start..<start + marker.count].elementsEqual(marker),
                   let tally = bytes[start..<end].withUnsafeBytes({ try? JSONValue.parse($0) }),
                   let total = tally["list_total_before"]?.intValue, let valid = tally["list_valid_before"]?.intValue,
                   let invalid = tally["list_invalid_before"]?.intValue {
                    lock.withLock { counts = ListCounts(total: total, valid: valid, invalid: invalid) }
                }
                start = end + 1
            }
        }
    }

    /// Follows one chunk's job (and the jobs that replace it) to the end.
    static func settle(_ original: ChunkRecord, job tracker: JobTracker, settings: PollSettings) async throws -> Finished {
        let (client, profile) = (tracker.uploader.client, tracker.uploader.profile)
        var chunk = original
        var remaining = RemainingRows(chunk)
        var jobId = tracker.current
        var rejects: [[UInt8]] = []
        var retries = 0
        var everyRowRefused = false
        while true {
            let status: JobStatus
            switch try await wait(for: jobId, client: client, profile: profile, settings: settings) {
            case let .success(terminal): status = terminal
            case let .failure(reason):
                var finished = done(chunk, state: .failed, errors: try await giveUp(jobId, reason: reason, client: client, profile: profile),
                                    processed: 0, retries: retries, rejects: rejects)
                finished.gaveUp = reason.unavailable
                return finished
            }
            let refused = status.rowErrors
            if !refused.isEmpty {
                rejects += try remaining.rejects(for: refused)
                // A failed job is sent again without the rows it refused.
                if status.state == .failed { everyRowRefused = try remaining.drop(refused) }
            }
            switch status.state {
            case .completed:
                // A contract that does not count (call-lists) processed what it was sent.
                return done(chunk, state: .completed, errors: status.errors, processed: status.recordsProcessed ?? chunk.count,
                            retries: retries, rejects: rejects)
            case .cancelled:
                return done(chunk, state: .failed, errors: status.errors, processed: 0, retries: retries, rejects: rejects)
            case .failed where !profile.retriesFailedJobs:
                return done(chunk, state: .failed, errors: status.errors + ["job \(jobId) \(status.statusText)"], processed: 0,
                            retries: retries, rejects: rejects)
            case .failed, .running:
                break
            }
            // FAILED: send again, without the refused rows or (transient) as it was, with a new key.
            guard retries < settings.retries, !everyRowRefused else {
                let reason = everyRowRefused ? "every row was refused" : "still FAILED after \(retries) retries"
                return done(chunk, state: .failed, errors: status.errors + [reason], processed: 0, retries: retries, rejects: rejects)
            }
            retries += 1
            if refused.isEmpty {
                try await Transport.sleep(for: min(settings.maxInterval, settings.interval * (1 << min(retries - 1, 10))))
            }
            let (result, key) = try await tracker.uploader.resend(csv: try remaining.csv(), seq: chunk.seq,
                                                                  count: remaining.count, resend: retries)
            switch result {
            case let .created(newJob, _):
                jobId = newJob
                tracker.current = newJob
                chunk.set("job") { w in
                    w.beginObject()
                    w.key("id"); w.string(newJob)
                    w.key("key"); w.string(key)
                    w.endObject()
                }
            case let .refused(_, message, _):
                return done(chunk, state: .failed, errors: ["re-upload refused: \(message)"], processed: 0, retries: retries, rejects: rejects)
            case let .gaveUp(reason, _):
                var finished = done(chunk, state: .failed, errors: ["re-upload: \(reason)"], processed: 0, retries: retries, rejects: rejects)
                finished.gaveUp = true
                return finished
            }
        }
    }

    /// The errors of a job given up on. One the server can cancel is cancelled, so that it
    /// cannot complete behind the report's back.
    static func giveUp(_ jobId: String, reason: PollFailure, client: ImportClient,
                       profile: any ImportProfile) async throws -> [String] {
        guard reason.timedOut, profile.cancel(jobId) != nil else { return [reason.message] }
        let refusal: String?
        do {
            refusal = try await client.cancel(jobId, profile: profile)
        } catch let error as CancellationError {
            throw error
        } catch {
            refusal = "\(error)"
        }
        return [reason.message, refusal.map { "could not cancel job \(jobId): \($0)" } ?? "job \(jobId) cancelled"]
    }

    /// The rows of a chunk still to be sent, narrowed after each job that fails refusing rows;
    /// read from the chunk only when a job refuses rows, which most never do.
    struct RemainingRows {
        private let chunk: ChunkRecord
        private var narrowed: (csv: [UInt8], lines: [Int], records: [[UInt8]], files: [String])?

        init(_ chunk: ChunkRecord) { self.chunk = chunk }

        var count: Int { narrowed?.lines.count ?? chunk.count }

        func csv() throws -> [UInt8] { try narrowed?.csv ?? chunk.csv() }

        /// The rows as sent, their source lines, their rows as read (if the contacts carried
        /// them) and files, each in the order of the CSV the server numbered.
        private func rows() throws -> (table: ChunkTable, lines: [Int], records: [[UInt8]], files: [String]) {
            if let narrowed { return (try ChunkTable(narrowed.csv), narrowed.lines, narrowed.records, narrowed.files) }
            return (try ChunkTable(try chunk.csv()), (chunk.value("lines")?.arrayValue ?? []).compactMap(\.intValue),
                    chunk.elements("records") ?? [], (chunk.value("files")?.arrayValue ?? []).map { $0.stringValue ?? "" })
        }

        /// A reject of each refused row (by its 1-based number in the CSV sent), with its source line.
        func rejects(for refused: [JobStatus.RowError]) throws -> [[UInt8]] {
            let (table, lines, records, files) = try rows()
            return refused.filter { $0.row <= table.rows.count }.map { refusal in
                let i = refusal.row - 1
                let read = i < records.count && records[i] != Array("null".utf8) ? records[i] : nil
                return importReject(seq: chunk.seq, part: chunk.part, line: i < lines.count ? lines[i] : 0,
                                    file: i < files.count && !files[i].isEmpty ? files[i] : nil,
                                    message: refusal.message, record: read ?? table.recordJSON(refusal.row))
            }
        }

        /// Leaves the refused rows out of what is sent next; true when that leaves none.
        mutating func drop(_ refused: [JobStatus.RowError]) throws -> Bool {
            let (table, lines, records, files) = try rows()
            let bad = Set(refused.map(\.row))
            func kept<T>(_ items: [T]) -> [T] { items.enumerated().filter { !bad.contains($0.offset + 1) }.map(\.element) }
            narrowed = (table.csv(rows: table.rows.indices.filter { !bad.contains($0 + 1) }), kept(lines), kept(records), kept(files))
            return (1...max(1, table.rows.count)).allSatisfy(bad.contains)
        }
    }

    struct PollFailure: Error {
        let message: String
        /// The requests exhausted their retries, as opposed to an answer that ends the job.
        var unavailable = false
        /// The job did not finish within the timeout.
        var timedOut = false
    }

    /// Polls until the job is terminal: from `interval`, doubling to `maxInterval`, within `timeout`.
    static func wait(for jobId: String, client: ImportClient, profile: any ImportProfile,
                     settings: PollSettings) async throws -> Result<JobStatus, PollFailure> {
        let started = ContinuousClock.now
        var delay = settings.interval
        var last = "no answer"
        while true {
            try await Transport.sleep(for: delay)
            switch try await client.status(of: jobId, profile: profile) {
            case let .status(status) where status.state.isTerminal:
                return .success(status)
            case let .status(status):
                last = profile.defines(status: status.statusText)
                    ? status.statusText : "\(status.statusText), a status the API does not define"
            case .unknownJob:
                return .failure(PollFailure(message: "job \(jobId) is unknown to the server (404)"))
            case let .gaveUp(reason):
                return .failure(PollFailure(message: reason, unavailable: true))
            }
            guard ContinuousClock.now - started < settings.timeout else {
                return .failure(PollFailure(message: "job \(jobId) not finished after \(settings.timeout) (last status: \(last))",
                                            timedOut: true))
            }
            delay = min(settings.maxInterval, delay * 2)
        }
    }

    static func done(_ chunk: ChunkRecord, state: ChunkState, errors: [String], processed: Int, retries: Int,
                     rejects: [[UInt8]]) -> Finished {
        var chunk = chunk
        chunk.set(state: state)
        chunk.set("records_processed", int: processed)
        chunk.set("errors") { w in
            w.beginArray()
            for error in errors { w.string(error) }
            w.endArray()
        }
        chunk.set("retries", int: retries)
        chunk.set("finished_at") { $0.seconds(Date().timeIntervalSince1970) }
        return Finished(lines: rejects + [chunk.line], completed: state == .completed, rejects: rejects.count, retries: retries)
    }

    /// A row the server refused; `record` is its JSON object.
    static func importReject(seq: Int, part: String?, line: Int, file: String?, message: String, record: [UInt8]) -> [UInt8] {
        var w = JSONWriter()
        w.beginReject(stage: "import", line: line, file: file,
                      errors: [ValidationError(field: "", code: "refused_by_server", message: message)])
        w.key("seq"); w.int(seq)
        if let part { w.key("part"); w.string(part) }
        w.key("record")
        record.withUnsafeBytes { w.raw($0) }
        w.endObject()
        w.endRecord()
        return w.bytes
    }
}
