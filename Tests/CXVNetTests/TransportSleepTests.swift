import XCTest
@testable import CXVNet

final class TransportSleepTests: XCTestCase {
    func testWaitsAtLeastTheDuration() async throws {
        let started = ContinuousClock.now
        try await Transport.sleep(for: .milliseconds(30))
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(30))
    }

    /// The stop watcher and the poll interval rely on this: a stopped stage must not sit out a long wait.
    func testCancellingEndsTheWaitWithCancellationError() async throws {
        let sleeper = Task { try await Transport.sleep(for: .seconds(5)) }  // returns normally if not cancelled
        try await Task.sleep(for: .milliseconds(20))  // let it start waiting
        sleeper.cancel()
        do {
            try await sleeper.value
            XCTFail("a cancelled sleep returned normally")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(error)")
        }
    }

    func testAnAlreadyCancelledTaskDoesNotWait() async {
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await Transport.sleep(for: .seconds(3600))
        }
        let result = await sleeper.result
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
    }
}
