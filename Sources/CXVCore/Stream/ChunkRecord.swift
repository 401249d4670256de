/// A chunk record taken apart for a stage that changes it: members in order, each
/// value kept as its JSON text, so what a stage does not touch is written back as it was.
public struct ChunkRecord: Sendable {
    public private(set) var members: [(key: String, value: [UInt8])] = []

    public init(_ line: UnsafeRawBufferPointer) throws(JSONError) {
        members = try ChunkRecord.members(of: line).map { ($0.key, Array(line[$0.value])) }
    }

    /// The one decoding of a chunk record: each member's key, and where its value lies in
    /// `line` (cxv-gzip rewrites a chunk from these without copying what it does not touch).
    public static func members(of line: UnsafeRawBufferPointer) throws(JSONError) -> [(key: String, value: Range<Int>)] {
        var scanner = JSONScanner(line)
        var members: [(key: String, value: Range<Int>)] = []
        try scanner.readObject { (key, s) throws(JSONError) in members.append((key, try s.skipValue(depth: 1))) }
        try scanner.expectEnd()
        return members
    }

    public func raw(_ key: String) -> [UInt8]? {
        members.first { $0.key == key }?.value
    }

    public func value(_ key: String) -> JSONValue? {
        raw(key).flatMap { raw in raw.withUnsafeBytes { try? JSONValue.parse($0) } }
    }

    public func string(_ key: String) -> String? { value(key)?.stringValue }

    /// A string member's UTF-8, unescaped, without making a String: payloads are megabytes.
    public func stringBytes(_ key: String) -> [UInt8]? {
        raw(key).flatMap { raw in
            raw.withUnsafeBytes { bytes -> [UInt8]? in
                var scanner = JSONScanner(bytes)
                var unescaped: [UInt8] = []
                do {
                    guard let inPlace = try scanner.readStringRaw(into: &unescaped) else { return unescaped }
                    return Array(inPlace)
                } catch {
                    return nil  // not a string
                }
            }
        }
    }
    public func int(_ key: String) -> Int? { value(key)?.intValue }

    /// An array member's elements, each as its JSON text (`records`: one row as read each).
    public func elements(_ key: String) -> [[UInt8]]? {
        raw(key).flatMap { raw in
            raw.withUnsafeBytes { bytes -> [[UInt8]]? in
                var scanner = JSONScanner(bytes)
                var elements: [[UInt8]] = []
                do {
                    try scanner.readArray { (s) throws(JSONError) in elements.append(Array(bytes[try s.skipValue(depth: 1)])) }
                } catch {
                    return nil  // not an array
                }
                return elements
            }
        }
    }
    public var state: String? { string("state") }
    public var seq: Int { int("seq") ?? 0 }
    public var count: Int { int("count") ?? 0 }

    /// Sets a member to a value written by `body`: in place if present, else at the end.
    public mutating func set(_ key: String, _ body: (inout JSONWriter) -> Void) {
        var w = JSONWriter()
        body(&w)
        let value = w.bytes
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
    }

    public mutating func set(_ key: String, string: String) { set(key) { $0.string(string) } }
    public mutating func set(_ key: String, int: Int) { set(key) { $0.int(int) } }

    /// The record as a line of the stream.
    public var line: [UInt8] {
        var w = JSONWriter(capacity: members.reduce(64) { $0 + $1.key.utf8.count + $1.value.count + 4 })
        w.beginObject()
        for (key, value) in members {
            w.key(key)
            value.withUnsafeBytes { w.raw($0) }
        }
        w.endObject()
        w.endRecord()
        return w.bytes
    }

    /// The body to upload: the gzip stream of a compressed chunk, or a built chunk's CSV.
    public func payload() throws -> (body: [UInt8], gzip: Bool) {
        if let encoded = stringBytes("gzip") {
            guard let bytes = encoded.withUnsafeBytes({ Base64.decode($0) }) else {
                throw CXVError.data(source: "chunk \(seq)", line: 0, message: "\"gzip\" is not base64")
            }
            return (bytes, true)
        }
        if let csv = stringBytes("csv") { return (csv, false) }
        throw CXVError.data(source: "chunk \(seq)", line: 0, message: "neither \"gzip\" nor \"csv\"")
    }

    /// The chunk's CSV, decompressed if need be.
    public func csv() throws -> [UInt8] {
        let (body, gzip) = try payload()
        guard gzip else { return body }
        do {
            return try body.withUnsafeBytes { (b) throws(GzipError) in try Gzip.decompress(b) }
        } catch let error as GzipError {
            throw CXVError.data(source: "chunk \(seq)", line: 0, message: error.description)
        }
    }
}
