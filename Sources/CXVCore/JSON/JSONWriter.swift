/// Appends compact JSON to a byte buffer: the one JSON writer of cxv.
///
/// Separators are tracked per container, so callers only say what comes next.
public struct JSONWriter: ~Copyable {
    private var buffer: WriteBuffer
    /// Bit i: whether open container i already holds a member (a bit stack, no allocation).
    private var hasMember: UInt64 = 0
    private var depth = 0
    private var afterKey = false
    /// The same for containers nested deeper than 64.
    private var deeper: [Bool] = []

    public init(capacity: Int = 256) {
        buffer = WriteBuffer(capacity: capacity)
    }

    public init(appendingTo bytes: [UInt8]) {
        buffer = WriteBuffer(capacity: bytes.count + 256)
        buffer.append(bytes)
    }

    /// What has been written, copied out.
    public var bytes: [UInt8] { buffer.array }
    public var count: Int { buffer.count }

    /// Ends a top-level record with its newline.
    public mutating func endRecord() {
        buffer.append(0x0A)
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeBytes(body)
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        if depth > 64 {
            if deeper[depth - 65] { buffer.append(UInt8(ascii: ",")) } else { deeper[depth - 65] = true }
            return
        }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasMember & bit != 0 { buffer.append(UInt8(ascii: ",")) } else { hasMember |= bit }
    }

    private mutating func open(_ byte: UInt8) {
        separate()
        buffer.append(byte)
        depth += 1
        if depth > 64 { deeper.append(false) } else { hasMember &= ~(1 << UInt64(depth - 1)) }
    }

    private mutating func close(_ byte: UInt8) {
        if depth > 64 { deeper.removeLast() }
        depth -= 1
        buffer.append(byte)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A key encoded once, for writers that repeat the same keys millions of times.
    public struct EncodedKey: Sendable {
        let bytes: [UInt8]

        public init(_ name: String) {
            var buffer = WriteBuffer()
            JSONWriter.appendQuoted(name, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            bytes = buffer.array
        }
    }

    public mutating func key(_ key: EncodedKey) {
        separate()
        buffer.append(key.bytes)
        afterKey = true
    }

    public mutating func key(_ name: String) {
        separate()
        JSONWriter.appendQuoted(name, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        separate()
        JSONWriter.appendQuoted(value, to: &buffer)
    }

    /// A string given as UTF-8 bytes (already known to be valid UTF-8).
    public mutating func string(utf8 value: UnsafeRawBufferPointer) {
        separate()
        JSONWriter.appendQuoted(utf8: value, to: &buffer)
    }

    public mutating func string(utf8 value: [UInt8]) {
        value.withUnsafeBytes { string(utf8: $0) }
    }

    /// A string of `count` characters that `fill` writes in place and that need no escaping (base64).
    public mutating func unescapedString(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        separate()
        buffer.append(UInt8(ascii: "\""))
        buffer.append(count: count, fill)
        buffer.append(UInt8(ascii: "\""))
    }

    public mutating func int(_ value: Int) {
        separate()
        JSONWriter.appendInt(value, to: &buffer)
    }

    public mutating func double(_ value: Double) {
        separate()
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            JSONWriter.appendInt(Int(value), to: &buffer)
        } else if value.isFinite {
            buffer.append(Array("\(value)".utf8))
        } else {
            buffer.append(Array("null".utf8))  // JSON has no NaN or infinity
        }
    }

    /// A time (since 1970) or a duration in seconds, to the millisecond.
    public mutating func seconds(_ value: Double) {
        double((value * 1000).rounded() / 1000)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        buffer.append(Array((value ? "true" : "false").utf8))
    }

    public mutating func null() {
        separate()
        buffer.append(Array("null".utf8))
    }

    /// A value that is already JSON, copied as is.
    public mutating func raw(_ json: UnsafeRawBufferPointer) {
        separate()
        buffer.append(json)
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case let .bool(b): bool(b)
        case let .number(text):
            separate()
            buffer.append(Array(text.utf8))
        case let .string(s): string(s)
        case let .array(items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case let .object(members):
            beginObject()
            for (k, v) in members {
                key(k)
                self.value(v)
            }
            endObject()
        }
    }

    // MARK: - Primitives

    static func appendInt(_ value: Int, to bytes: inout WriteBuffer) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no allocation
        withUnsafeMutableBytes(of: &digits) { scratch in
            var n = value.magnitude
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(ascii: "0") &+ UInt8(n % 10)
                n /= 10
            } while n > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    static func appendQuoted(_ value: String, to bytes: inout WriteBuffer) {
        // Native strings (every key and most values) lend their bytes without a copy.
        let done: Void? = value.utf8.withContiguousStorageIfAvailable {
            appendQuoted(utf8: UnsafeRawBufferPointer($0), to: &bytes)
        }
        if done == nil {
            var value = value
            value.withUTF8 { appendQuoted(utf8: UnsafeRawBufferPointer($0), to: &bytes) }
        }
    }

    static func appendQuoted(utf8 value: UnsafeRawBufferPointer, to bytes: inout WriteBuffer) {
        var i = JSONBytes.firstSpecial(value, from: 0)
        if i == value.count {  // nothing to escape: the usual case
            bytes.appendQuoted(value)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        while i < value.count {
            let byte = value[i]
            if runStart < i { bytes.append(UnsafeRawBufferPointer(rebasing: value[runStart..<i])) }
            runStart = i + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                let hex = { (n: UInt8) in n < 10 ? 0x30 + n : 0x57 + n }
                bytes.append([UInt8(ascii: "u"), 0x30, 0x30, hex(byte >> 4), hex(byte & 0xF)])
            }
            i = JSONBytes.firstSpecial(value, from: runStart)
        }
        if runStart < value.count { bytes.append(UnsafeRawBufferPointer(rebasing: value[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Word-at-a-time scanning for the bytes JSON strings treat specially.
enum JSONBytes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let high: UInt64 = 0x8080_8080_8080_8080

    /// Bit 7 of each of the eight bytes (little-endian) that is a control character, `"` or `\\`.
    /// Bits above the lowest set one may be false (borrows), so only the lowest is to be trusted.
    @inline(__always)
    static func specialMask(_ x: UInt64) -> UInt64 {
        let control = (x &- ones &* 0x20) & ~x & high
        let q = x ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & high
        let b = x ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & high
        return control | quote | backslash
    }

    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    @inline(__always)
    static func hasNonASCII(_ x: UInt64) -> Bool { x & high != 0 }

    /// The index of the first byte from `from` that is special (or the end): a word at a time,
    /// straight to the byte, so a CSV's newline every row does not send it byte by byte.
    @inline(__always)
    static func firstSpecial(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var i = from
        while i + 8 <= bytes.count {
            let special = specialMask(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
            if special != 0 { return i + special.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < bytes.count, !isSpecial(bytes[i]) { i += 1 }
        return i
    }
}
