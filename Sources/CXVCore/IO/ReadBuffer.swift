#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one window over an input that the line and CSV readers scan: bytes
/// `[start, end)` are unread; `refill` compacts, grows up to `limit`, and reads more.
/// Public for the CSV reader in CXVInput, whose inner loop reads `storage` directly.
public struct ReadBuffer: ~Copyable {
    public private(set) var storage: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    public var start = 0
    public private(set) var end = 0
    public private(set) var atEOF = false
    public let limit: Int
    public let source: any ByteSource

    public init(source: any ByteSource, initialCapacity: Int = 1 << 20, limit: Int) {
        self.source = source
        self.limit = max(limit, 16)
        self.capacity = min(initialCapacity, self.limit + 1)
        self.storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var count: Int { end - start }

    /// Reads more input, keeping the unread bytes. Returns false at end of input,
    /// or when the unread bytes already fill `limit` (the caller reports that).
    public mutating func refill() throws -> Bool {
        if atEOF { return false }
        if start > 0 {
            let n = end - start
            if n > 0 { memmove(storage, storage + start, n) }
            start = 0
            end = n
        }
        if end == capacity {
            if capacity > limit { return false }
            let grown = min(capacity * 2, limit + 1)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: storage, count: end)
            storage.deallocate()
            storage = bigger
            capacity = grown
        }
        let n = try source.fill(storage + end, count: capacity - end)
        if n == 0 {
            atEOF = true
            return false
        }
        end += n
        return true
    }

    /// Index of the first `byte` in `from..<to` (to the end of the unread bytes by default), or nil.
    @inlinable public func find(_ byte: UInt8, from: Int, to: Int? = nil) -> Int? {
        let to = to ?? end
        guard from < to, let p = memchr(storage + from, Int32(byte), to - from) else { return nil }
        return storage.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    @inlinable public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + range.lowerBound, count: range.count)
    }
}
