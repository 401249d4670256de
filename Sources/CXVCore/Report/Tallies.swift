/// The stages that write tallies, in pipeline order.
public enum Stage: String, CaseIterable, Sendable {
    case validate, chunk, gzip, upload, poll
}

/// The control totals cxv-report reads from the stages' tallies, each stage's summed when it
/// ran more than once (several inputs, a re-run). A stage that wrote no tally is nil.
public struct Tallies: Sendable {
    public struct Validate: Sendable { public var read = 0, contacts = 0, rejects = 0 }
    public struct Chunk: Sendable { public var contacts = 0, chunks = 0, rows = 0, rejects = 0 }
    public struct Gzip: Sendable {
        public var chunks = 0
        /// `cxv-gzip -d`: it restored chunks, so it owes no count of compressed ones.
        public var decompressed = false
    }
    /// What a network stage did on the wire.
    public struct Network: Sendable {
        public var requests = 0, throttled = 0, requestRetries = 0, tokens = 0, elapsedMilliseconds = 0
    }
    /// Call-lists: what cxv-poll's list counts say the run added.
    public struct ListAdded: Sendable { public var valid = 0, invalid = 0, total = 0 }

    public var validate: Validate?
    public var chunk: Chunk?
    public var gzip: Gzip?
    public var upload: Network?
    public var poll: Network?
    public var listAdded: ListAdded?

    public init() {}

    /// The stages that wrote a tally.
    public var stages: Set<Stage> {
        Set(Stage.allCases.filter { stage in
            switch stage {
            case .validate: validate != nil
            case .chunk: chunk != nil
            case .gzip: gzip != nil
            case .upload: upload != nil
            case .poll: poll != nil
            }
        })
    }

    /// Adds one tally record, its counts by the names its stage writes them under; a tally of
    /// a stage the report does not know is left out.
    mutating func add(stage name: String, counts: [String: Int]) {
        func count(_ key: String) -> Int { counts[key] ?? 0 }
        switch Stage(rawValue: name) {
        case .validate?:
            var v = validate ?? Validate()
            v.read += count("read"); v.contacts += count("contacts"); v.rejects += count("rejects")
            validate = v
        case .chunk?:
            var c = chunk ?? Chunk()
            c.contacts += count("contacts"); c.chunks += count("chunks"); c.rows += count("rows"); c.rejects += count("rejects")
            chunk = c
        case .gzip?:
            var g = gzip ?? Gzip()
            g.chunks += count("chunks")
            g.decompressed = g.decompressed || counts["mode"] != nil
            gzip = g
        case .upload?:
            upload = Tallies.network(upload, counts, retriesKey: "retries")
        case .poll?:
            poll = Tallies.network(poll, counts, retriesKey: "request_retries")
            if let valid = counts["list_valid_added"], let invalid = counts["list_invalid_added"] {
                var list = listAdded ?? ListAdded()
                list.valid += valid; list.invalid += invalid; list.total += counts["list_total_added"] ?? valid + invalid
                listAdded = list
            }
        case nil:
            break
        }
    }

    /// cxv-upload names the requests it sent again `retries`; cxv-poll, whose `retries` are
    /// chunk re-uploads, names them `request_retries`.
    private static func network(_ sum: Network?, _ counts: [String: Int], retriesKey: String) -> Network {
        var n = sum ?? Network()
        n.requests += counts["requests"] ?? 0
        n.throttled += counts["throttled"] ?? 0
        n.requestRetries += counts[retriesKey] ?? 0
        n.tokens += counts["tokens"] ?? 0
        n.elapsedMilliseconds += counts["elapsed_ms"] ?? 0
        return n
    }
}
