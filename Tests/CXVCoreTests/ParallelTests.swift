import Foundation
import XCTest
@testable import CXVCore

/// A tiny lock-protected box for counters shared with transforms.
private final class Shared<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func update<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { update { $0 } }
}

private struct Boom: Error, Equatable {
    var item: Int
}

/// A deterministic "random" few milliseconds for `item`.
private func pause(for item: Int, seed: UInt64) {
    var rng = SplitMix64(seed: seed &+ UInt64(item) &* 0x9E37)
    usleep(UInt32.random(in: 0...4_000, using: &rng))
}

final class OrderedParallelMapTests: XCTestCase {
    /// Runs 0..<count through orderedParallelMap. Each even item waits (at most a second) for
    /// the odd item after it to finish, so with width ≥ 2 results come back out of order
    /// whatever the scheduling; every item also sleeps a seeded random few milliseconds.
    private func run(width: Int, count: Int, seed: UInt64) throws
        -> (outputs: [String], completion: [Int], maxOutstanding: Int) {
        var produced = 0
        var consumed = 0
        var maxOutstanding = 0
        var outputs: [String] = []
        let done = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        let completion = Shared<[Int]>([])
        try orderedParallelMap(width: width, produce: { () -> Int? in
            // Items handed out but not yet consumed: what must stay bounded by `width`.
            maxOutstanding = max(maxOutstanding, produced - consumed + 1)
            guard produced < count else { return nil }
            defer { produced += 1 }
            return produced
        }, transform: { (item: Int) -> String in
            pause(for: item, seed: seed)
            if width > 1, item % 2 == 0, item + 1 < count {
                _ = done[item + 1].wait(timeout: .now() + 1)
            }
            completion.update { $0.append(item) }
            done[item].signal()
            return "item-\(item)"
        }, consume: { output in
            consumed += 1
            outputs.append(output)
        })
        return (outputs, completion.current, maxOutstanding)
    }

    func testOutputsInInputOrder() throws {
        for width in [1, 2, 8] {
            let (outputs, completion, maxOutstanding) = try run(width: width, count: 40, seed: UInt64(width))
            XCTAssertEqual(outputs, (0..<40).map { "item-\($0)" }, "width \(width)")
            XCTAssertEqual(completion.sorted(), Array(0..<40), "width \(width): every item transformed once")
            XCTAssertLessThanOrEqual(maxOutstanding, width, "width \(width): more items in flight than the width")
        }
    }

    func testEmptyInput() throws {
        for width in [1, 4] {
            var consumed = 0
            try orderedParallelMap(width: width, produce: { () -> Int? in nil },
                                         transform: { $0 }, consume: { (_: Int) in consumed += 1 })
            XCTAssertEqual(consumed, 0)
        }
    }

    func testTransformErrorPropagates() throws {
        for width in [1, 2, 8] {
            var next = 0
            var consumed: [Int] = []
            let running = Shared(0)
            do {
                try orderedParallelMap(width: width, produce: { () -> Int? in
                    defer { next += 1 }
                    return next < 50 ? next : nil
                }, transform: { (item: Int) -> Int in
                    running.update { $0 += 1 }
                    defer { running.update { $0 -= 1 } }
                    pause(for: item, seed: 11)
                    if item == 17 { throw Boom(item: item) }
                    return item
                }, consume: { consumed.append($0) })
                XCTFail("width \(width): no error")
            } catch let error as Boom {
                XCTAssertEqual(error, Boom(item: 17), "width \(width)")
            }
            // Whatever was consumed before the error is an in-order prefix, never item 17 or later.
            XCTAssertEqual(consumed, Array(0..<consumed.count), "width \(width)")
            XCTAssertLessThanOrEqual(consumed.count, 17, "width \(width)")
            // Nothing is still running once the error has come out.
            XCTAssertEqual(running.current, 0, "width \(width): transforms still running after the throw")
        }
    }

    func testProduceAndConsumeErrorsPropagate() {
        for width in [1, 3] {
            var next = 0
            do {
                try orderedParallelMap(width: width, produce: { () -> Int? in
                    next += 1
                    if next == 5 { throw Boom(item: -1) }
                    return next
                }, transform: { $0 }, consume: { (_: Int) in })
                XCTFail("width \(width): produce error swallowed")
            } catch {
                XCTAssertEqual(error as? Boom, Boom(item: -1))
            }
            var n = 0
            do {
                try orderedParallelMap(width: width, produce: { () -> Int? in
                    n += 1
                    return n <= 20 ? n : nil
                }, transform: { $0 * 10 }, consume: { (value: Int) in
                    if value == 70 { throw Boom(item: value) }
                })
                XCTFail("width \(width): consume error swallowed")
            } catch {
                XCTAssertEqual(error as? Boom, Boom(item: 70))
            }
        }
    }
}
