import Foundation

/// Runs `transform` on up to `width` items at once, on `width` worker threads of
/// its own, and hands the results to `consume` in input order. `produce` and
/// `consume` run on the calling thread, which may block in I/O without starving
/// the workers. At most `width` items are in flight, so memory is bounded
/// whatever the input size; the workers are gone when this returns or throws.
///
/// Threads, not a task group or Dispatch's global queue: here both ran the
/// transforms one at a time while the caller blocked in read(2).
public func orderedParallelMap<Input: Sendable, Output: Sendable>(
    width: Int,
    produce: () throws -> Input?,
    transform: @escaping @Sendable (Input) throws -> Output,
    consume: (Output) throws -> Void
) throws {
    try orderedParallelMap(width: width, feed: { submit in
        while let item = try produce() { try submit(item) }
    }, transform: transform, consume: consume)
}

/// The same, for a producer that pushes: `feed` calls `submit` with each item in turn (a
/// parser that hands out rows from its callbacks), and `submit` returns once the item is queued.
public func orderedParallelMap<Input: Sendable, Output: Sendable>(
    width: Int,
    feed: (_ submit: (Input) throws -> Void) throws -> Void,
    transform: @escaping @Sendable (Input) throws -> Output,
    consume: (Output) throws -> Void
) throws {
    try withoutActuallyEscaping(consume) { consume in
        try orderedParallelMap(width: width, feed: feed, transform: transform, escapingConsume: consume)
    }
}

/// The one implementation; `consume` is escaping only so that `feed`'s argument may call it.
private func orderedParallelMap<Input: Sendable, Output: Sendable>(
    width: Int,
    feed: (_ submit: (Input) throws -> Void) throws -> Void,
    transform: @escaping @Sendable (Input) throws -> Output,
    escapingConsume consume: @escaping (Output) throws -> Void
) throws {
    guard width > 1 else {
        try feed { item in try consume(try transform(item)) }
        return
    }
    let jobs = JobQueue<Input, Output>()
    let finished = DispatchSemaphore(value: 0)
    for _ in 0..<width {
        Thread {
            while let (item, slot) = jobs.take() {
                slot.result = Result { try transform(item) }
                slot.ready.signal()
            }
            finished.signal()
        }.start()
    }
    var pending: [ResultSlot<Output>] = []  // in input order; pending[nextOut] is the next to consume
    var nextOut = 0
    defer {
        jobs.close()
        for _ in 0..<width { finished.wait() }
    }
    func consumeNext() throws {
        let slot = pending[nextOut]
        slot.ready.wait()
        let result = slot.result!
        slot.result = nil  // hold no finished output longer than needed
        nextOut += 1
        if nextOut > 64 {  // drop consumed slots now and then, not on every item
            pending.removeFirst(nextOut)
            nextOut = 0
        }
        try consume(try result.get())
    }
    try feed { item in
        let slot = ResultSlot<Output>()
        pending.append(slot)
        jobs.put(item, slot)
        if pending.count - nextOut >= width { try consumeNext() }
    }
    while nextOut < pending.count { try consumeNext() }
}

/// One item's result, written once by a worker before `ready` is signalled and
/// read by the consumer only after waiting on it: the semaphore orders the two.
private final class ResultSlot<Output: Sendable>: @unchecked Sendable {
    var result: Result<Output, Error>?
    let ready = DispatchSemaphore(value: 0)
}

/// Items waiting for a worker; `take` blocks until one comes or the queue is closed.
private final class JobQueue<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()  // guards everything below
    private var items: [(Input, ResultSlot<Output>)] = []
    private var head = 0
    private var closed = false

    func put(_ item: Input, _ slot: ResultSlot<Output>) {
        condition.lock()
        items.append((item, slot))
        condition.signal()
        condition.unlock()
    }

    func take() -> (Input, ResultSlot<Output>)? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let job = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
