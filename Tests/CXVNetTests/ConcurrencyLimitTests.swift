import Foundation
import XCTest
@testable import CXVNet

/// A clock a test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()  // guards `instant`
    private var instant = ContinuousClock.now
    var now: ContinuousClock.Instant { lock.withLock { instant } }
    func advance(_ by: Duration) { lock.withLock { instant += by } }
}

final class ConcurrencyLimitTests: XCTestCase {
    func testAcquiresUpToTheLimitThenWaitsForARelease() async {
        let limit = ConcurrencyLimit(maximum: 2)
        await limit.acquire()
        await limit.acquire()
        let third = Task { await limit.acquire(); return true }
        try? await Task.sleep(for: .milliseconds(50))
        let inFlight = await limit.inFlight
        XCTAssertEqual(inFlight, 2, "the third waits")
        await limit.release()
        let acquired = await third.value
        XCTAssertTrue(acquired)
        let after = await limit.inFlight
        XCTAssertEqual(after, 2)
    }

    func testA429HalvesOncePerSecondAndNeverBelowOne() async {
        let clock = ManualClock()
        let limit = ConcurrencyLimit(maximum: 8, now: { clock.now })
        await limit.throttled()
        var current = await limit.current
        XCTAssertEqual(current, 4)
        await limit.throttled()  // the same burst
        current = await limit.current
        XCTAssertEqual(current, 4)
        for _ in 0..<5 {
            clock.advance(.milliseconds(1100))
            await limit.throttled()
        }
        current = await limit.current
        XCTAssertEqual(current, 1)
    }

    func testSuccessesGrowItBackByOnePerWindowUpToTheMaximum() async {
        let clock = ManualClock()
        let limit = ConcurrencyLimit(maximum: 8, now: { clock.now })
        await limit.throttled()
        clock.advance(.seconds(2))
        await limit.throttled()
        var current = await limit.current
        XCTAssertEqual(current, 2)
        // Additive increase: each success adds 1/limit, so about a window of `limit` successes adds one.
        await limit.succeeded()
        await limit.succeeded()
        current = await limit.current
        XCTAssertEqual(current, 2, "2.5, then 2.9")
        await limit.succeeded()
        current = await limit.current
        XCTAssertEqual(current, 3)
        for _ in 0..<3 { await limit.succeeded() }
        current = await limit.current
        XCTAssertEqual(current, 4)
        for _ in 0..<100 { await limit.succeeded() }
        current = await limit.current
        XCTAssertEqual(current, 8, "never above the maximum")
    }

    func testGrowingBackWakesWaiters() async {
        let clock = ManualClock()
        let limit = ConcurrencyLimit(maximum: 4, now: { clock.now })
        await limit.throttled()
        clock.advance(.seconds(2))
        await limit.throttled()  // limit 1
        await limit.acquire()
        let second = Task { await limit.acquire() }
        try? await Task.sleep(for: .milliseconds(50))
        var inFlight = await limit.inFlight
        XCTAssertEqual(inFlight, 1)
        await limit.succeeded()  // limit 2: room for the waiter, with nothing released
        await second.value
        inFlight = await limit.inFlight
        XCTAssertEqual(inFlight, 2)
    }
}
