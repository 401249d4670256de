import Foundation

/// How many requests may be in flight: halved when the server throttles (429),
/// grown back by one per window of successes (AIMD), never above `maximum`.
public actor ConcurrencyLimit {
    public let maximum: Int
    private var limit: Double
    private(set) var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let now: @Sendable () -> ContinuousClock.Instant
    private var lastDecrease: ContinuousClock.Instant

    public init(maximum: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.maximum = max(1, maximum)
        limit = Double(self.maximum)
        self.now = now
        lastDecrease = now() - .seconds(10)
    }

    public var current: Int { Int(limit) }

    public func acquire() async {
        if inFlight < Int(limit) {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        inFlight -= 1
        wakeWaiters()
    }

    /// A 429: halve, at most once a second (one burst of 429s is one signal).
    public func throttled() {
        let now = now()
        guard now - lastDecrease > .seconds(1) else { return }
        lastDecrease = now
        limit = max(1, (limit / 2).rounded(.down))
    }

    /// A success: +1 over a window of `limit` successes.
    public func succeeded() {
        limit = min(Double(maximum), limit + 1 / limit)
        wakeWaiters()
    }

    private func wakeWaiters() {
        while inFlight < Int(limit), !waiters.isEmpty {
            inFlight += 1
            waiters.removeFirst().resume()
        }
    }
}
