/// Why a JSON text could not be read, and at which byte.
public struct JSONError: Error, CustomStringConvertible, Equatable, Sendable {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset + 1)" }
}

/// A strict RFC 8259 reader over bytes in memory: the one JSON parser of cxv.
/// Typed readers decode straight from it; `skipValue` validates without building
/// anything, so pass-through records are checked, not re-encoded.
public struct JSONScanner {
    public let bytes: UnsafeRawBufferPointer
    public var offset = 0
    public static let maxDepth = 512

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public func fail(_ reason: String) -> JSONError {
        JSONError(offset: offset, reason: reason)
    }

    @inline(__always)
    public mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    @inline(__always)
    public func peek() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    @inline(__always)
    public mutating func expect(_ byte: UInt8) throws(JSONError) {
        if offset < bytes.count, bytes[offset] == byte {  // the usual case: no white space
            offset += 1
            return
        }
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == byte else {
            throw fail(offset < bytes.count ? "expected '\(Character(Unicode.Scalar(byte)))'" : "unexpected end of input")
        }
        offset += 1
    }

    public mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if offset != bytes.count { throw fail("unexpected data after the JSON value") }
    }

    // MARK: - Objects and arrays

    /// Reads an object, calling `member` with each key; `member` must consume the value.
    public mutating func readObject(_ member: (String, inout JSONScanner) throws(JSONError) -> Void) throws(JSONError) {
        var cursor = try beginMembers()
        while let key = try nextKey(&cursor) { try member(key.string, &self) }
    }

    /// Where a member-by-member read of an object is (see `nextKey`).
    public struct MemberCursor {
        var first = true
    }

    /// A member's key: its bytes in place when it has no escapes (the usual case).
    public enum Key {
        case raw(UnsafeRawBufferPointer)
        case decoded(String)

        public var string: String {
            switch self {
            case let .raw(bytes): return String(decoding: bytes, as: UTF8.self)  // validated as it was read
            case let .decoded(text): return text
            }
        }

        @inline(__always)
        public func `is`(_ name: StaticString) -> Bool {
            switch self {
            case let .raw(bytes): return JSONScanner.equals(bytes, name)
            case let .decoded(text): return text == name.description
            }
        }
    }

    /// Starts reading an object member by member, without closures, for hot loops:
    /// `var m = try s.beginMembers(); while let key = try s.nextKey(&m) { …read the value… }`.
    public mutating func beginMembers() throws(JSONError) -> MemberCursor {
        try expect(UInt8(ascii: "{"))
        return MemberCursor()
    }

    /// The next member's key, with the scanner at its value; nil after the closing brace.
    public mutating func nextKey(_ cursor: inout MemberCursor) throws(JSONError) -> Key? {
        skipWhitespace()
        guard let b = peek() else { throw fail("unexpected end of input in an object") }
        if b == UInt8(ascii: "}") {
            offset += 1
            return nil
        }
        if !cursor.first {
            guard b == UInt8(ascii: ",") else { throw fail("expected ',' or '}'") }
            offset += 1
            skipWhitespace()
        }
        cursor.first = false
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        let key: Key
        if let raw = try readPlainString() {
            key = .raw(raw)
        } else {
            var unescaped: [UInt8] = []  // only here: releasing even an empty array cost every key a call
            try readEscapedString(into: &unescaped)
            key = .decoded(String(decoding: unescaped, as: UTF8.self))
        }
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Whether `bytes` spell `name`.
    @inline(__always)
    public static func equals(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0)
    }

    public mutating func readArray(_ element: (inout JSONScanner) throws(JSONError) -> Void) throws(JSONError) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            guard let next = peek() else { throw fail("unexpected end of input in an array") }
            offset += 1
            if next == UInt8(ascii: "]") { return }
            if next != UInt8(ascii: ",") {
                offset -= 1
                throw fail("expected ',' or ']'")
            }
        }
    }

    // MARK: - Values

    /// Validates one value and returns the range of its bytes.
    @discardableResult
    public mutating func skipValue(depth: Int = 0) throws(JSONError) -> Range<Int> {
        skipWhitespace()
        let start = offset
        guard let byte = peek() else { throw fail("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"):
            guard depth < JSONScanner.maxDepth else { throw fail("nesting deeper than \(JSONScanner.maxDepth)") }
            try readObject { (_, s) throws(JSONError) in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            guard depth < JSONScanner.maxDepth else { throw fail("nesting deeper than \(JSONScanner.maxDepth)") }
            if skipNaturalNumberArray() { break }
            try readArray { (s) throws(JSONError) in try s.skipValue(depth: depth + 1) }
        default:
            try skipScalarToken()
        }
        return start..<offset
    }

    /// Skips an array written as `[2,3,5]` (a chunk's line numbers: a thousand a record) in one
    /// tight loop. Anything else (spaces, signs, fractions, errors) leaves the offset alone for
    /// the general path, so what is accepted and every message stay the same.
    private mutating func skipNaturalNumberArray() -> Bool {
        let end = bytes.count
        var i = offset + 1
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
        while i < end, isDigit(bytes[i]) {
            let first = bytes[i]
            i += 1
            if first != UInt8(ascii: "0") {
                while i < end, isDigit(bytes[i]) { i += 1 }
            }
            guard i < end else { return false }
            let next = bytes[i]
            i += 1
            if next == UInt8(ascii: "]") {
                offset = i
                return true
            }
            guard next == UInt8(ascii: ",") else { return false }
        }
        return false
    }

    public mutating func readValue(depth: Int = 0) throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else { throw fail("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "{"):
            guard depth < JSONScanner.maxDepth else { throw fail("nesting deeper than \(JSONScanner.maxDepth)") }
            var members: [(String, JSONValue)] = []
            try readObject { (key, s) throws(JSONError) in members.append((key, try s.readValue(depth: depth + 1))) }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < JSONScanner.maxDepth else { throw fail("nesting deeper than \(JSONScanner.maxDepth)") }
            var items: [JSONValue] = []
            try readArray { (s) throws(JSONError) in items.append(try s.readValue(depth: depth + 1)) }
            return .array(items)
        default:
            return try readScalarToken()
        }
    }

    /// `true`, `false`, `null` or a number.
    private mutating func readScalarToken() throws(JSONError) -> JSONValue {
        if matchLiteral("true") { return .bool(true) }
        if matchLiteral("false") { return .bool(false) }
        if matchLiteral("null") { return .null }
        let start = offset
        try skipNumber()
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self))
    }

    /// Like readScalarToken, without making a value: skipping a long array of numbers allocates nothing.
    private mutating func skipScalarToken() throws(JSONError) {
        // The first byte tells a literal from a number: a chunk's thousand line numbers are not each compared to three words.
        switch peek() {
        case UInt8(ascii: "t"): if matchLiteral("true") { return }
        case UInt8(ascii: "f"): if matchLiteral("false") { return }
        case UInt8(ascii: "n"): if matchLiteral("null") { return }
        default: break
        }
        try skipNumber()
    }

    private mutating func matchLiteral(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard offset + n <= bytes.count,
              memcmp(bytes.baseAddress! + offset, word.utf8Start, n) == 0 else { return false }
        offset += n
        return true
    }

    private mutating func skipNumber() throws(JSONError) {
        let start = offset
        func digit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek() == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek(), digit(first) else {
            offset = start
            throw fail("expected a value")
        }
        offset += 1
        if first != UInt8(ascii: "0") {
            while digit(peek()) { offset += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard digit(peek()) else { throw fail("expected a digit after '.'") }
            while digit(peek()) { offset += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard digit(peek()) else { throw fail("expected a digit in the exponent") }
            while digit(peek()) { offset += 1 }
        }
    }

    /// An integer value that fits in Int.
    public mutating func readInt() throws(JSONError) -> Int {
        skipWhitespace()
        let start = offset
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        var magnitude: UInt64 = 0
        let digitsStart = offset
        // Eighteen digits fit in an Int whatever they are: only the digits past them need checked arithmetic.
        let unchecked = min(bytes.count, digitsStart + 18)
        while offset < unchecked {
            let digit = bytes[offset] &- 0x30
            guard digit < 10 else { break }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            offset += 1
        }
        let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
        while let b = peek(), b >= 0x30, b <= 0x39 {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            guard !o1, !o2, s <= limit else {
                offset = start
                throw fail("integer out of range")
            }
            magnitude = s
            offset += 1
        }
        let digits = offset - digitsStart
        guard digits > 0, !(digits > 1 && bytes[start + (negative ? 1 : 0)] == 0x30) else {
            offset = start
            throw fail("expected an integer")
        }
        if let b = peek(), b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            offset = start
            throw fail("expected an integer")
        }
        return negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude)
    }

    // MARK: - Strings

    public mutating func readString() throws(JSONError) -> String {
        if let raw = try readPlainString() {
            return String(decoding: raw, as: UTF8.self)  // already validated
        }
        var utf8: [UInt8] = []
        try readEscapedString(into: &utf8)
        return String(decoding: utf8, as: UTF8.self)
    }

    private mutating func skipString() throws(JSONError) {
        if try readPlainString() != nil { return }
        var scratch: [UInt8] = []
        try readEscapedString(into: &scratch)
    }

    /// Reads a string, validating it. When it has no escapes, returns its bytes in
    /// place (nothing copied); otherwise appends the unescaped UTF-8 to `out` and returns nil.
    public mutating func readStringRaw(into out: inout [UInt8]) throws(JSONError) -> UnsafeRawBufferPointer? {
        if let raw = try readPlainString() { return raw }
        try readEscapedString(into: &out)
        return nil
    }

    /// The fast path of `readStringRaw`: a string without escapes, validated and returned in
    /// place; nil, with the offset back at its opening quote, when it has an escape.
    @inline(__always)
    mutating func readPlainString() throws(JSONError) -> UnsafeRawBufferPointer? {
        try expect(UInt8(ascii: "\""))
        let start = offset
        let end = bytes.count
        var i = start
        var seen: UInt64 = 0  // the string's bytes OR-ed together: its high bits say whether it is all ASCII
        // A word at a time, jumping straight to the first special byte, so a short string costs a word or two.
        while i + 8 <= end {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            let special = JSONBytes.specialMask(word)
            if special != 0 {
                let before = UInt64(special.trailingZeroBitCount >> 3) << 3
                seen |= word & ((1 << before) &- 1)
                i += Int(before >> 3)
                break
            }
            seen |= word
            i += 8
        }
        while i < end, !JSONBytes.isSpecial(bytes[i]) {
            seen |= UInt64(bytes[i])
            i += 1
        }
        offset = i
        guard i < end else { throw fail("unterminated string") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            if JSONBytes.hasNonASCII(seen), !JSONScanner.isValidUTF8(raw) {
                throw JSONError(offset: start, reason: "invalid UTF-8 in a string")
            }
            offset = i + 1
            return raw
        case UInt8(ascii: "\\"):
            offset = start - 1
            return nil
        default:
            throw fail("unescaped control character in a string")
        }
    }

    /// The slow path of `readStringRaw`: unescapes the string at the offset into `out`, in runs; the
    /// UTF-8 is checked once, on the result (an escape always yields whole characters, so this
    /// is the same as checking the input).
    mutating func readEscapedString(into out: inout [UInt8]) throws(JSONError) {
        try expect(UInt8(ascii: "\""))
        let start = offset
        let outStart = out.count
        while offset < bytes.count {
            let runEnd = JSONBytes.firstSpecial(bytes, from: offset)
            if runEnd > offset { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<runEnd])) }
            offset = runEnd
            guard offset < bytes.count else { break }
            let b = bytes[offset]
            if b == 0x22 {
                offset += 1
                let decoded = out.withUnsafeBytes { JSONScanner.isValidUTF8(UnsafeRawBufferPointer(rebasing: $0[outStart...])) }
                if !decoded { throw JSONError(offset: start, reason: "invalid UTF-8 in a string") }
                return
            }
            if b < 0x20 { throw fail("unescaped control character in a string") }
            offset += 1
            guard let e = peek() else { throw fail("unterminated string") }
            offset += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard matchLiteral("\\u") else { throw fail("lone surrogate escape") }
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("lone surrogate escape")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                offset -= 1
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func readHex4() throws(JSONError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[offset]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    /// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            // Eight ASCII bytes at a time.
            while i + 8 <= n, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { break }
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= lower && b1 <= upper else { return false }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 {
                return false
            }
            i += length
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
