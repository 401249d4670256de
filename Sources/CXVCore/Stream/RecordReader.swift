/// The kinds of record in the stream (docs/design.md §2).
public enum RecordKind: Equatable, Sendable {
    case contact, reject, chunk, tally
    case other(String)

    init(name: UnsafeRawBufferPointer) {
        if JSONScanner.equals(name, "contact") { self = .contact }
        else if JSONScanner.equals(name, "reject") { self = .reject }
        else if JSONScanner.equals(name, "chunk") { self = .chunk }
        else if JSONScanner.equals(name, "tally") { self = .tally }
        else { self = .other(String(decoding: name, as: UTF8.self)) }
    }
}

/// One line of the stream, valid only inside the reader's callback.
public struct RawRecord {
    public let kind: RecordKind
    /// The whole line, without its `\n`: what a pass-through copies.
    public let bytes: UnsafeRawBufferPointer
    /// 1-based line number in this stage's input.
    public let line: Int
}

/// A line that is not a JSON object with a string `kind`.
public struct InvalidRecord {
    public let line: Int
    public let bytes: UnsafeRawBufferPointer
    public let reason: String
}

public enum RecordOrInvalid {
    case record(RawRecord)
    case invalid(InvalidRecord)
}

/// The one NDJSON record reader: lines in bounded memory, each record's kind read
/// from its first bytes, and every line checked to be one JSON object.
public struct RecordReader: ~Copyable {
    private var lines: LineReader
    private let owns: (RecordKind) -> Bool
    public var sourceName: String { lines.sourceName }

    /// Records of kinds that `owns` accepts are left to their decoder to check in
    /// full (it reads them anyway); every other line is checked here.
    public init(source: any ByteSource, maxLineBytes: Int = 32 << 20, owns: @escaping (RecordKind) -> Bool = { _ in false }) {
        lines = LineReader(source: source, maxLineBytes: maxLineBytes)
        self.owns = owns
    }

    /// True when `next` returns without reading (see `LineReader.hasBufferedLine`).
    public mutating func hasBufferedLine() -> Bool { lines.hasBufferedLine() }

    /// Calls `body` with the next record, or with the reason it is not one.
    /// Returns nil at end of input.
    public mutating func next<R>(_ body: (RecordOrInvalid) throws -> R) throws -> R? {
        let number = lines.lineNumber + 1
        return try lines.next { line in
            do {
                let kind = try RecordReader.kind(of: line, owns: owns)
                return try body(.record(RawRecord(kind: kind, bytes: line, line: number)))
            } catch let error as JSONError {
                return try body(.invalid(InvalidRecord(line: number, bytes: line, reason: error.description)))
            }
        }
    }

    private static let prefix: StaticString = #"{"kind":""#

    /// The record's kind, after checking the whole line is one JSON object.
    static func kind(of line: UnsafeRawBufferPointer, owns: (RecordKind) -> Bool) throws(JSONError) -> RecordKind {
        var scanner = JSONScanner(line)
        let n = prefix.utf8CodeUnitCount
        // Fast path: `{"kind":"name"` as cxv writes it.
        // memchr, not the generic firstIndex and contains on a slice, which cost cxv-chunk 3 % of its instructions.
        if line.count > n, memcmp(line.baseAddress!, prefix.utf8Start, n) == 0,
           let quote = memchr(line.baseAddress! + n, Int32(UInt8(ascii: "\"")), line.count - n),
           case let name = UnsafeRawBufferPointer(start: line.baseAddress! + n, count: line.baseAddress!.distance(to: UnsafeRawPointer(quote)) - n),
           name.isEmpty || memchr(name.baseAddress!, Int32(UInt8(ascii: "\\")), name.count) == nil {
            let close = n + name.count
            let kind = RecordKind(name: name)
            if owns(kind) { return kind }
            scanner.offset = close + 1
            try scanner.skipRestOfObject()
            try scanner.expectEnd()
            return kind
        }
        var kind: RecordKind?
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.fail("not a JSON object") }
        try scanner.readObject { (key, s) throws(JSONError) in
            if key == "kind", kind == nil, s.peekNonWhitespace() == UInt8(ascii: "\"") {
                var scratch: [UInt8] = []
                if let raw = try s.readStringRaw(into: &scratch) {
                    kind = RecordKind(name: raw)
                } else {
                    kind = scratch.withUnsafeBytes { RecordKind(name: $0) }
                }
            } else {
                try s.skipValue(depth: 1)
            }
        }
        try scanner.expectEnd()
        guard let kind else { throw JSONError(offset: 0, reason: "no string \"kind\" member") }
        return kind
    }
}

extension JSONScanner {
    mutating func peekNonWhitespace() -> UInt8? {
        skipWhitespace()
        return peek()
    }

    /// After a member's value inside an object: validates and skips the remaining members and the closing brace.
    mutating func skipRestOfObject() throws(JSONError) {
        var cursor = MemberCursor(first: false)
        while try nextKey(&cursor) != nil { try skipValue(depth: 1) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
