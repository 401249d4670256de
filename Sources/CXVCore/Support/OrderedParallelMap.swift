/// Runs `transform` on up to `width` items at once and hands the results to
/// `consume` in input order. At most `width` items are in flight, so memory is
/// bounded whatever the input size. `produce` and `consume` run on the calling
/// task, one at a time.
public func orderedParallelMap<Input: Sendable, Output: Sendable>(
    width: Int,
    produce: () throws -> Input?,
    transform: @escaping @Sendable (Input) throws -> Output,
    consume: (Output) throws -> Void
) async throws {
    guard width > 1 else {
        while let item = try produce() { try consume(try transform(item)) }
        return
    }
    try await withThrowingTaskGroup(of: (Int, Output).self) { group in
        var finished: [Int: Output] = [:]
        var nextIn = 0
        var nextOut = 0
        func drainOne() async throws {
            while finished[nextOut] == nil {
                guard let (index, output) = try await group.next() else { return }
                finished[index] = output
            }
            while let output = finished.removeValue(forKey: nextOut) {
                try consume(output)
                nextOut += 1
            }
        }
        while let item = try produce() {
            let index = nextIn
            group.addTask { (index, try transform(item)) }
            nextIn += 1
            if nextIn - nextOut >= width { try await drainOne() }
        }
        while nextOut < nextIn { try await drainOne() }
    }
}
