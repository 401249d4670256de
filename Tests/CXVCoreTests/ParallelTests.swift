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
    private func run(width: Int, count: Int, seed: UInt64) async throws -> (outputs: [String], maxInFlight: Int) {
        var next = 0
        var outputs: [String] = []
        let inFlight = Shared((now: 0, max: 0))
        try await orderedParallelMap(width: width, produce: { () -> Int? in
            defer { next += 1 }
            return next < count ? next : nil
        }, transform: { (item: Int) -> String in
            inFlight.update { $0.now += 1; $0.max = max($0.max, $0.now) }
            // Early items take longest, so later ones usually finish first.
            pause(for: item, seed: seed)
            if item % 5 == 0 { usleep(3_000) }
            inFlight.update { $0.now -= 1 }
            return "item-\(item)"
        }, consume: { output in
            outputs.append(output)
        })
        return (outputs, inFlight.current.max)
    }

    func testOutputsInInputOrder() async throws {
        for width in [1, 2, 8] {
            let (outputs, maxInFlight) = try await run(width: width, count: 60, seed: UInt64(width))
            XCTAssertEqual(outputs, (0..<60).map { "item-\($0)" }, "width \(width)")
            XCTAssertLessThanOrEqual(maxInFlight, width, "more than \(width) transforms at once")
        }
    }

    func testEmptyInput() async throws {
        for width in [1, 4] {
            var consumed = 0
            try await orderedParallelMap(width: width, produce: { () -> Int? in nil },
                                         transform: { $0 }, consume: { (_: Int) in consumed += 1 })
            XCTAssertEqual(consumed, 0)
        }
    }

    func testTransformErrorPropagates() async throws {
        for width in [1, 2, 8] {
            var next = 0
            var consumed: [Int] = []
            do {
                try await orderedParallelMap(width: width, produce: { () -> Int? in
                    defer { next += 1 }
                    return next < 50 ? next : nil
                }, transform: { (item: Int) -> Int in
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
        }
    }

    func testProduceAndConsumeErrorsPropagate() async {
        for width in [1, 3] {
            var next = 0
            do {
                try await orderedParallelMap(width: width, produce: { () -> Int? in
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
                try await orderedParallelMap(width: width, produce: { () -> Int? in
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
