import CXVCore

/// A source whose first bytes can be looked at before reading starts, so that the encoding,
/// the format and the delimiter are decided from them; they are then read like the rest.
public final class Lookahead: ByteSource {
    public let base: any ByteSource
    public var name: String { base.name }
    /// Bytes read by `peek` and not yet handed out.
    private var peeked: [UInt8] = []
    private var offset = 0

    public init(_ base: any ByteSource) {
        self.base = base
    }

    /// The next `count` bytes (fewer at end of input), without consuming them.
    public func peek(_ count: Int) throws -> [UInt8] {
        while peeked.count - offset < count {
            var chunk = [UInt8](repeating: 0, count: count - (peeked.count - offset))
            let n = try chunk.withUnsafeMutableBytes { try base.fill($0.baseAddress!, count: $0.count) }
            if n == 0 { break }
            peeked.append(contentsOf: chunk[..<n])
        }
        return Array(peeked[offset...].prefix(count))
    }

    /// Drops the next `count` bytes, which `peek` has shown (a byte order mark).
    public func skip(_ count: Int) throws {
        precondition(count <= peeked.count - offset, "skip only what peek has shown")
        offset += count
    }

    public func fill(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard offset < peeked.count else { return try base.fill(buffer, count: count) }
        let n = min(count, peeked.count - offset)
        peeked.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        if offset == peeked.count {
            peeked = []
            offset = 0
        }
        return n
    }
}
