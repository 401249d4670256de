/// SplitMix64 (Steele, Lea and Flood): tiny, fast and good enough to make faults replayable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`: 0 never, 1 always.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < p
    }
}

/// What happens to one request instead of (or after) being handled.
public enum RequestFault: Equatable, Sendable {
    case none
    /// 429: with Retry-After: 1 on the tutorial's routes, without on CXone's.
    case throttle
    /// 503.
    case unavailable
    /// Handled (a job may be made, a token issued), then the connection is closed
    /// with no answer: the client reads end of stream before any response byte
    /// (curl: exit 52, "Empty reply from server").
    case drop
    /// The connection is reset (RST) after the request's head and at most its body's first
    /// piece: the request never takes effect and the client's send fails part-way.
    case resetRequest
    /// Handled, then the answer's head and part of its body are sent and the connection is
    /// reset: the request took effect and the client's read fails part-way.
    case resetResponse
}

/// Decides the faults of each request and job. Every request draws the same
/// number of values whatever happens to it, and jobs draw from their own
/// generator, so one seed replays the same faults for the same sequence of calls.
public struct FaultInjector: Sendable {
    public let config: FaultConfig
    public let seed: UInt64
    private var requests: SplitMix64
    private var jobs: SplitMix64
    private var connections: SplitMix64
    /// When each request admitted in the last second arrived, oldest first, from `windowStart`.
    private var admitted: [ContinuousClock.Instant] = []
    private var windowStart = 0

    public init(_ config: FaultConfig) {
        var system = SystemRandomNumberGenerator()
        let seed = config.seed ?? system.next()
        self.config = config
        self.seed = seed
        requests = SplitMix64(seed: seed)
        jobs = SplitMix64(seed: seed ^ 0x6A6F_6273_6A6F_6273)  // "jobsjobs": a second, independent stream
        // A third for resets, so adding them left every older seed's faults as they were.
        connections = SplitMix64(seed: seed ^ 0x7273_7473_7273_7473)  // "rstsrsts"
    }

    /// The fault for a request arriving at `now`.
    public mutating func request(at now: ContinuousClock.Instant) -> RequestFault {
        let fail = requests.chance(config.failRate)
        let drop = requests.chance(config.dropRate)
        let resetRequest = connections.chance(config.resetRate)
        let resetResponse = connections.chance(config.resetResponseRate)
        if let limit = config.throttle {
            while windowStart < admitted.count, now - admitted[windowStart] >= .seconds(1) { windowStart += 1 }
            if windowStart > 1024, windowStart * 2 > admitted.count {  // compact now and then, not per request
                admitted.removeFirst(windowStart)
                windowStart = 0
            }
            // Only requests let through count, so a client that waits out Retry-After is served.
            if admitted.count - windowStart >= limit { return .throttle }
            admitted.append(now)
        }
        if fail { return .unavailable }
        if drop { return .drop }
        if resetRequest { return .resetRequest }
        if resetResponse { return .resetResponse }
        return .none
    }

    /// Whether a job that would complete fails instead, with a transient error.
    public mutating func jobFails() -> Bool {
        jobs.chance(config.jobFailRate)
    }
}
