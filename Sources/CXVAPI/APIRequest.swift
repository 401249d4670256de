/// A request of one of the import contracts, before it is sent: its method, its path under the
/// API root, headers and body, and a one-line summary for `--dry-run` that never holds a secret.
public struct APIRequest: Sendable {
    public enum Method: String, Sendable { case GET, POST, DELETE }

    public var method: Method
    /// Under the API root, without a leading slash.
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Method, path, and the body's fields with their sizes: what `--dry-run` prints.
    public var summary: String

    public init(_ method: Method, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil, summary: String? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.summary = summary ?? "\(method.rawValue) /\(path)"
    }
}

/// A chunk's payload as the upload stage has it: the gzip stream cxv-gzip made, or a built chunk's CSV.
public struct ChunkPayload: Sendable {
    public var seq: Int
    public var count: Int
    public var body: [UInt8]
    public var gzip: Bool
    /// Of the CSV bytes, when cxv-gzip recorded it.
    public var sha256: String?

    public init(seq: Int, count: Int, body: [UInt8], gzip: Bool, sha256: String?) {
        self.seq = seq
        self.count = count
        self.body = body
        self.gzip = gzip
        self.sha256 = sha256
    }
}

/// A job's state as a contract reports it, in the terms the poll stage acts on.
public struct JobStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Not finished (also a status the contract does not define: waited on, then timed out).
        case running
        case completed
        /// Failed: the poll stage may send the chunk again.
        case failed
        /// Stopped on purpose (a call-list job cancelled in CXone): failed, and not sent again.
        case cancelled

        public var isTerminal: Bool { self != .running }
    }

    public var jobID: String
    public var state: State
    /// The status as the server spelled it, for messages.
    public var statusText: String
    /// What the server says it processed; nil when the contract does not say.
    public var recordsProcessed: Int?
    public var errors: [String]
    /// Messages naming a data row of the uploaded CSV (1-based, header not counted).
    public var rowErrors: [RowError]

    public struct RowError: Sendable, Equatable {
        public var row: Int
        public var message: String
    }

    public init(jobID: String, state: State, statusText: String, recordsProcessed: Int?, errors: [String], rowErrors: [RowError]) {
        self.jobID = jobID
        self.state = state
        self.statusText = statusText
        self.recordsProcessed = recordsProcessed
        self.errors = errors
        self.rowErrors = rowErrors
    }
}

/// A calling list's counts, the server's only verdict on the records it was sent.
public struct ListCounts: Sendable, Equatable {
    public var total: Int
    public var valid: Int
    public var invalid: Int

    public init(total: Int, valid: Int, invalid: Int) {
        self.total = total
        self.valid = valid
        self.invalid = invalid
    }
}

extension ListCounts {
    /// As a tally's members: `list_total_<suffix>`, `list_valid_<suffix>`, `list_invalid_<suffix>`.
    public func tallyFields(_ suffix: String) -> [(String, Int)] {
        [("list_total_\(suffix)", total), ("list_valid_\(suffix)", valid), ("list_invalid_\(suffix)", invalid)]
    }
}
