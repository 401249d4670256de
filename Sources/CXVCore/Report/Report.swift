/// The stages of a full run, in pipeline order.

/// What cxv-report's live line shows: contacts read (so far, until validate's tally
/// arrives), rejected, and chunks not yet back, completed and failed.
public struct ReportProgress: Sendable {
    public var read = 0, rejected = 0
    /// Chunks cxv-chunk made that have not come back; nil until its tally arrives.
    public var inFlight: Int?
    public var completed = 0, failed = 0

    public init(read: Int = 0, rejected: Int = 0, inFlight: Int? = nil, completed: Int = 0, failed: Int = 0) {
        (self.read, self.rejected, self.inFlight, self.completed, self.failed) = (read, rejected, inFlight, completed, failed)
    }
}

/// Everything cxv-report learns from a stream, and the accounting of docs/design.md §2:
/// read = imported + rejected (validate, chunk, import) + in failed chunks + not submitted.
/// Where and why rows were rejected: the stage that rejected them and the error's code.
public struct RejectCode: Hashable, Comparable, Sendable {
    public var stage: String
    public var code: String

    public static func < (a: RejectCode, b: RejectCode) -> Bool { (a.stage, a.code) < (b.stage, b.code) }
}

/// One chunk's fate, for `--format json`: its job, its rows, and how long the server took.
public struct ChunkResult: Sendable, Equatable {
    public var seq: Int
    /// Which half, for a chunk split after a 413 ("1", "2.1").
    public var part: String?
    public var job: String?
    public var state: ChunkState
    public var rows: Int
    public var retries: Int
    /// From the first upload to the job's end, when both times are in the stream.
    public var seconds: Double?
}

public struct Report: Sendable {
    public struct ChunkCounts: Equatable, Sendable {
        public var built = 0, compressed = 0, submitted = 0, completed = 0, failed = 0
        public var total: Int { built + compressed + submitted + completed + failed }
    }

    public var tallies = Tallies()
    public var chunks = ChunkCounts()
    /// Contacts in chunks, by the chunk's state.
    public var rows = ChunkCounts()
    public var recordsProcessed = 0
    /// Contacts that reached the report without being chunked.
    public var unchunkedContacts = 0
    public var rejectsByStage: [String: Int] = [:]
    /// Rejects by stage and code: how many, and the first few lines, for the Errors section.
    public var rejectCodes: [RejectCode: (count: Int, lines: [Int])] = [:]
    public var invalidLines = 0
    public var chunkErrors: [String] = []
    /// Each chunk an upload stage saw, in the order the stream gave them.
    public var chunkResults: [ChunkResult] = []
    public var retries = 0
    /// Stages whose output is in the stream: they ran, so they owe a tally.
    public var stagesSeen: Set<Stage> = []
    /// The APIs the chunks were built for.
    public var apis: Set<String> = []

    /// Call-lists: what the list itself says the run added (cxv-poll's tally, from the list's counts
    /// before and after). CXone names no rows, so these counts cannot be mapped to lines.
    public var listVerdict: (valid: Int, invalid: Int, total: Int)? {
        tallies.listAdded.map { ($0.valid, $0.invalid, $0.total) }
    }

    public init() {}

    public var read: Int { tallies.validate?.read ?? 0 }

    /// A figure the network stages tally, summed over upload and poll.
    public func network(_ figure: KeyPath<Tallies.Network, Int>) -> Int {
        (tallies.upload?[keyPath: figure] ?? 0) + (tallies.poll?[keyPath: figure] ?? 0)
    }

    /// The network stages run side by side: the longer one is the run's time on the network.
    public var elapsedMilliseconds: Int {
        max(tallies.upload?.elapsedMilliseconds ?? 0, tallies.poll?.elapsedMilliseconds ?? 0)
    }

    /// Requests sent again (upload's and poll's); chunk re-uploads are `retries`.
    public var requestRetries: Int { network(\.requestRetries) }

    /// Where the count stands part way through the stream.
    public var progress: ReportProgress {
        ReportProgress(read: tallies.validate?.read ?? (rejected + rows.total + unchunkedContacts),
                       rejected: rejected,
                       inFlight: tallies.chunk.map { max(0, $0.chunks - chunks.completed - chunks.failed) },
                       completed: chunks.completed, failed: chunks.failed)
    }

    public var ranNetwork: Bool { tallies.upload != nil || tallies.poll != nil }
    /// Import rejects by their chunk's label (`4`, or `4.1` for a half): carved out of its count.
    public var importRejectsByChunk: [String: Int] = [:]
    /// The label of every failed chunk, to tell which import rejects belong to one.
    public var failedChunks: Set<String> = []

    /// Import rejects of chunks that ended failed: already rejected, so not also "in failed chunks".
    private var importRejectsInFailedChunks: Int {
        failedChunks.reduce(0) { $0 + (importRejectsByChunk[$1] ?? 0) }
    }

    public var imported: Int {
        max(0, rows.completed - ((rejectsByStage["import"] ?? 0) - importRejectsInFailedChunks))
    }

    /// Contacts in failed chunks that were not rejected on their own.
    public var inFailedChunks: Int { max(0, rows.failed - importRejectsInFailedChunks) }
    public var notSubmitted: Int { rows.built + rows.compressed + unchunkedContacts }
    public var rejected: Int { rejectsByStage.values.reduce(0, +) }
    public var unaccounted: Int {
        read - imported - rejected - inFailedChunks - notSubmitted - rows.submitted
    }

    /// The stages that ran but wrote no tally: each died before its input ended.
    public var missingTallies: [Stage] {
        let wrote = tallies.stages
        var ran = stagesSeen.union(wrote)
        if !ran.isEmpty || invalidLines > 0 { ran.insert(.validate) }
        // A stage's tally proves validate and chunk before it ran too (the others are optional).
        if let last = Stage.allCases.lastIndex(where: { ran.contains($0) }) {
            for stage in Stage.allCases[...last] where stage == .validate || stage == .chunk {
                ran.insert(stage)
            }
        }
        return Stage.allCases.filter { ran.contains($0) && !wrote.contains($0) }
    }

    /// The stage that died: the last without a tally. The tallies of the stages before it
    /// had to come through it, so their absence says nothing more.
    public var stageThatDied: Stage? { missingTallies.last }

    /// Each stage's own books: what it read against what it wrote.
    public var stageChecks: [(stage: String, ok: Bool, detail: String)] {
        var checks: [(String, Bool, String)] = []
        if let v = tallies.validate {
            let (read, contacts, rejects) = (v.read, v.contacts, v.rejects)
            let seen = rejectsByStage["validate"] ?? 0
            checks.append(("validate", read == contacts + rejects && seen == rejects,
                           "\(read) read = \(contacts) contacts + \(rejects) rejects (\(seen) reject records seen)"))
        }
        if let c = tallies.chunk {
            let (contacts, rows, rejects) = (c.contacts, c.rows, c.rejects)
            let upstream = tallies.validate?.contacts ?? contacts
            checks.append(("chunk", contacts == rows + rejects && contacts == upstream,
                           "\(contacts) contacts (validate wrote \(upstream)) = \(rows) in \(c.chunks) chunks + \(rejects) rejects"))
        }
        if let g = tallies.gzip {
            let built = tallies.chunk?.chunks ?? g.chunks
            checks.append(("gzip", g.decompressed || g.chunks == built, "\(g.chunks) of \(built) chunks compressed"))
        }
        return checks
    }

    public var exitStatus: ExitStatus {
        if !missingTallies.isEmpty || unaccounted != 0 || stageChecks.contains(where: { !$0.ok }) || read == 0 && tallies.stages.isEmpty {
            return .dataError
        }
        return rejected > 0 || chunks.failed > 0 || invalidLines > 0 ? .someRejected : .ok
    }
}
