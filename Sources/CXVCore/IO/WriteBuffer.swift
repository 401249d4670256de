/// Growable bytes for the writers on the hot path: an append is a capacity check
/// and a copy, without Array's per-call uniqueness check.
public struct WriteBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    private mutating func ensure(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        ensure(bytes.count)
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    /// `"` + bytes + `"`, with one capacity check.
    @inline(__always)
    public mutating func appendQuoted(_ bytes: UnsafeRawBufferPointer) {
        ensure(bytes.count + 2)
        base[count] = UInt8(ascii: "\"")
        if let source = bytes.baseAddress {
            (base + count + 1).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        count += bytes.count + 2
        base[count - 1] = UInt8(ascii: "\"")
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends exactly `n` bytes that `fill` writes in place.
    public mutating func append(count n: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        ensure(n)
        fill(UnsafeMutableRawBufferPointer(start: base + count, count: n))
        count += n
    }

    public mutating func removeAll() {
        count = 0
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A copy of the bytes.
    public var array: [UInt8] {
        [UInt8](UnsafeBufferPointer(start: base, count: count))
    }
}
