import CXVCore

/// Everything the sandbox is told on its command line, fixed for its lifetime.
public struct SandboxConfig: Sendable {
    public var host = "127.0.0.1"
    /// 0 lets the OS pick; the bound port is reported through `onListening`.
    public var port = 0
    public var clientID = "cxv-demo"
    public var clientSecret = "cxv-demo-secret"
    /// The access key CXone's sign-in accepts (call-lists), and the tenant its tokens name.
    public var accessKeyID = "cxv-demo-key"
    public var accessKeySecret = "cxv-demo-key-secret"
    public var tenantID = "cxv-sandbox-tenant"
    /// Every token lasts this long, whichever sign-in issued it.
    public var tokenTTL: Duration = .seconds(3600)
    /// The largest contacts-import body accepted, as sent (compressed when gzip'd).
    public var maxBody = 10 << 20
    /// The calling lists that exist, in this order in /sandbox/stats and /sandbox/contacts.
    public var lists = ["demo-list"]
    /// The most records, held or pending, all lists together may have.
    public var tenantCapacity = 1_000_000
    /// CXone's limits on one call-list file; only tests lower them, to reach them cheaply.
    public var callListLimits = ImportAPI.callLists.limits
    /// How long a job takes from QUEUED to its terminal state; zero means at once.
    public var jobTime: Duration = .seconds(2)
    /// Jobs with bad rows complete with the good rows instead of failing whole.
    public var partial = false
    public var faults = FaultConfig()
    /// One way to break the API contract, on every request it concerns.
    public var misbehave: Misbehaviour?
    /// A line per request on stderr.
    public var verbose = false
    /// Serve https with this certificate chain and private key (PEM files); nil serves plain http.
    public var tls: (certificate: String, key: String)?

    /// The scheme clients use: https with `tls`, else http.
    public var scheme: String { tls == nil ? "http" : "https" }

    public init() {}

    /// The largest call-list upload body: its file's byte limit in base64, and room for the other fields.
    public var callListMaxBody: Int {
        Base64.encodedCount(callListLimits.bytes ?? maxBody) + (1 << 20)
    }

    /// A gzip body may expand to this much; beyond it the upload is refused as too large (a gzip bomb).
    public var maxDecompressed: Int { min(max(maxBody, 1 << 20), Int.max / 64) * 64 }
}

/// The faults the sandbox injects into every route but /sandbox/*.
public struct FaultConfig: Sendable {
    /// Seeds the fault generators so a run can be replayed; nil draws a seed at random.
    public var seed: UInt64?
    /// At most this many requests are served in any rolling second; the rest get 429. Nil: no limit.
    public var throttle: Int?
    /// Probability of answering 503 instead of handling the request.
    public var failRate = 0.0
    /// Probability of handling a request and then closing the connection without answering.
    public var dropRate = 0.0
    /// Probability of resetting the connection part-way through reading a request's body.
    public var resetRate = 0.0
    /// Probability of handling a request, then resetting the connection part-way through its answer.
    public var resetResponseRate = 0.0
    /// Added to each answer, after its request has taken effect.
    public var latency: Duration = .zero
    /// Probability that a job which would complete fails with a transient, row-less error
    /// (a call-list job is cancelled instead).
    public var jobFailRate = 0.0

    public init() {}
}
