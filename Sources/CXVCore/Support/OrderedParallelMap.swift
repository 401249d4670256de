import Dispatch

/// Runs `transform` on up to `width` items at once, on Dispatch's worker threads,
/// and hands the results to `consume` in input order. `produce` and `consume`
/// run on the calling thread, which may block in I/O without starving the
/// workers. At most `width` items are in flight, so memory is bounded whatever
/// the input size, and nothing is still running when this returns or throws.
public func orderedParallelMap<Input: Sendable, Output: Sendable>(
    width: Int,
    produce: () throws -> Input?,
    transform: @escaping @Sendable (Input) throws -> Output,
    consume: (Output) throws -> Void
) throws {
    guard width > 1 else {
        while let item = try produce() { try consume(try transform(item)) }
        return
    }
    let workers = DispatchQueue.global(qos: .userInitiated)
    var pending: [ResultSlot<Output>] = []  // in input order; the first is the next to consume
    var nextOut = 0
    defer {
        // On an error, let the work in flight finish before returning.
        for slot in pending[nextOut...] { slot.ready.wait() }
    }
    func consumeFirst() throws {
        let slot = pending[nextOut]
        slot.ready.wait()
        let result = slot.result!
        slot.result = nil  // hold no finished output longer than needed: memory stays at `width` items
        nextOut += 1
        if nextOut > 64 {  // drop consumed slots now and then, not on every item
            pending.removeFirst(nextOut)
            nextOut = 0
        }
        try consume(try result.get())
    }
    while let item = try produce() {
        let slot = ResultSlot<Output>()
        pending.append(slot)
        workers.async {
            slot.result = Result { try transform(item) }
            slot.ready.signal()
        }
        if pending.count - nextOut >= width { try consumeFirst() }
    }
    while nextOut < pending.count { try consumeFirst() }
}

/// One item's result, written once by a worker before `ready` is signalled and
/// read by the consumer only after waiting on it: the semaphore orders the two.
private final class ResultSlot<Output: Sendable>: @unchecked Sendable {
    var result: Result<Output, Error>?
    let ready = DispatchSemaphore(value: 0)
}
