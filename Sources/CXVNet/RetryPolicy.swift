/// When and how long to wait before trying a request again (docs/design.md §4): exponential
/// backoff with full jitter, `Retry-After` first, bounded attempts and total time,
/// and only for what can succeed on a retry (network errors, 408, 429, 5xx).
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// No retry starts once this much time has passed since the first attempt.
    public var maxTotal: Duration
    /// A 429 without `Retry-After` (CXone's usual) backs off from this base instead, at least half of
    /// each step: the server is busy, and `baseDelay`'s quick retries would spend the attempts in a second.
    public var throttleBase: Duration = .seconds(1)

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30),
                maxTotal: Duration = .seconds(300)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
    }

    /// Whether an answer with this status may succeed if asked again.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// The wait before the next attempt, drawn from the system's generator. Synchronous, so
    /// the generator lives on a real stack: an `inout` into an async frame crashed ThreadSanitizer.
    public func delay(afterAttempt attempt: Int, elapsed: Duration, retryAfter: Duration?, throttled: Bool = false) -> Duration? {
        var random = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, elapsed: elapsed, retryAfter: retryAfter, throttled: throttled, using: &random)
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1), or nil to give up.
    /// `retryAfter` is the server's word and wins (capped by `maxDelay`); otherwise a
    /// uniform draw from [0, min(maxDelay, base·2^(attempt-1))] — "full jitter" — or, for a
    /// `throttled` answer (429) that named no wait, from the upper half of that range over `throttleBase`.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, elapsed: Duration, retryAfter: Duration?,
                                                throttled: Bool = false, using random: inout R) -> Duration? {
        guard attempt < maxAttempts, elapsed < maxTotal else { return nil }
        let wait: Duration
        if let retryAfter {
            wait = min(retryAfter, maxDelay)
        } else {
            let ceiling = min(maxDelay, (throttled ? max(baseDelay, throttleBase) : baseDelay) * (1 << min(attempt - 1, 30)))
            let ms = ceiling.milliseconds
            let floor = throttled ? ms / 2 : 0
            wait = .milliseconds(ms > floor ? Int64.random(in: floor...ms, using: &random) : floor)
        }
        return elapsed + wait <= maxTotal ? wait : nil
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// The retries of a request ran out.
struct RetriesExhausted: Error {
    let attempts: Int
    let reason: String
}

/// What one attempt at a request came to, for `RetryPolicy.run`.
enum AttemptOutcome<T> {
    /// Finished: the loop returns this.
    case done(T)
    /// Worth trying again after a wait: the reason names the failure for messages.
    case retry(reason: String, retryAfter: Duration? = nil, throttled: Bool = false)
    /// Try again at once, without counting an attempt (a token refreshed after a 401).
    case again
}

extension RetryPolicy {
    /// The one retry loop: calls `attempt` with each attempt's number (from 1) until it is done,
    /// waiting between tries as `delay` says; throws `RetriesExhausted` when the policy gives up.
    /// `willRetry` hears each failure and the wait before the next try.
    func run<T>(isolation: isolated (any Actor)? = #isolation,
                _ attempt: (_ number: Int) async throws -> AttemptOutcome<T>,
                willRetry: (_ reason: String, _ wait: Duration) async -> Void = { _, _ in }) async throws -> T {
        let started = ContinuousClock.now
        var number = 0
        while true {
            number += 1
            switch try await attempt(number) {
            case let .done(result):
                return result
            case .again:
                number -= 1
            case let .retry(reason, retryAfter, throttled):
                try Task.checkCancellation()  // a stopped stage's request was cut short; it did not give up
                guard let wait = delay(afterAttempt: number, elapsed: ContinuousClock.now - started,
                                       retryAfter: retryAfter, throttled: throttled) else {
                    throw RetriesExhausted(attempts: number, reason: reason)
                }
                await willRetry(reason, wait)
                try await Transport.sleep(for: wait)
            }
        }
    }

    /// Sends until `accept` takes an answer: it returns the result, throws to end at once, or
    /// returns nil for a retryable status. Network errors are retried too; an untrusted
    /// certificate ends at once (`TokenError.untrusted`). For the requests made without a token
    /// (a sign-in, a discovery).
    func untilAccepted<T>(isolation: isolated (any Actor)? = #isolation, _ send: () async throws -> HTTPAnswer,
                          accept: (HTTPAnswer) throws -> T?) async throws -> T {
        try await run { _ -> AttemptOutcome<T> in
            do {
                let answer = try await send()
                if let result = try accept(answer) { return .done(result) }
                return .retry(reason: "status \(answer.status)", retryAfter: RetryAfter.parse(answer.header("Retry-After")),
                              throttled: answer.status == 429)
            } catch let error as TransportError {
                guard error.retryable else { throw TokenError.untrusted(error.description) }
                return .retry(reason: error.description)
            }
        }
    }
}
