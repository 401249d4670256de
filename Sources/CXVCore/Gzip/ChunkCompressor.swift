import Crypto

/// Control totals of cxv-gzip.
public struct GzipTally: Equatable, Sendable {
    public var chunks = 0
    public var csvBytes = 0
    public var gzipBytes = 0
    public var decompress = false

    public init() {}

    public var record: [UInt8] {
        tallyRecord(stage: "gzip", mode: decompress ? "decompress" : nil,
                    ["chunks": chunks, "csv_bytes": csvBytes, "gzip_bytes": gzipBytes])
    }
}

/// Rewrites one chunk record: `built` → `compressed` (csv → gzip, sha256, bytes),
/// or back with `decompress`. Every other member is copied as it was, in place;
/// a chunk in any other state is returned unchanged.
public struct ChunkCompressor: Sendable {
    public var level: Int32 { compressors.level }
    public let decompress: Bool
    private let compressors: DeflateCompressors

    public init(level: Int32 = 6, decompress: Bool = false) {
        compressors = DeflateCompressors(level: level)
        self.decompress = decompress
    }

    public struct Result: Sendable {
        public var record: [UInt8]
        /// CSV and gzip sizes when this call changed the chunk; nil when it passed it through.
        public var sizes: (csv: Int, gzip: Int)?
    }

    public func transform(_ line: UnsafeRawBufferPointer, source: String, lineNumber: Int) throws -> Result {
        do {
            return try rewrite(line)
        } catch let error as JSONError {
            throw error.at(source, line: lineNumber)
        } catch let error as GzipError {
            throw CXVError.data(source: source, line: lineNumber, message: "chunk: \(error.description)")
        } catch let error as ChunkFormatError {
            throw CXVError.data(source: source, line: lineNumber, message: "chunk: \(error.message)")
        }
    }

    struct ChunkFormatError: Error {
        let message: String
    }

    private func rewrite(_ line: UnsafeRawBufferPointer) throws -> Result {
        let members = try ChunkRecord.members(of: line)
        let (from, to) = decompress ? (ChunkState.compressed, ChunkState.built) : (.built, .compressed)
        let state = try members.first { $0.key == "state" }.map { try JSONScanner.string(in: line, $0.value) }
        guard state == from.rawValue else { return Result(record: Array(line) + [0x0A], sizes: nil) }
        let payloadKey = decompress ? "gzip" : "csv"
        guard let payload = members.first(where: { $0.key == payloadKey })?.value else {
            throw ChunkFormatError(message: "a \(from.rawValue) chunk without its \"\(payloadKey)\" member")
        }
        let payloadBytes = UnsafeRawBufferPointer(rebasing: line[payload])
        let sha256 = try members.first { $0.key == "sha256" }.map { try JSONScanner.string(in: line, $0.value) }
        let (replacement, sizes) = decompress ? try unpacked(payloadBytes, sha256: sha256) : try packed(payloadBytes)
        var w = JSONWriter(capacity: line.count + 256)
        w.beginObject()
        for (key, value) in members {
            switch key {
            case "state": w.key("state"); w.string(to.rawValue)
            case payloadKey: replacement(&w)
            case "sha256", "bytes": continue  // computed from the payload: rewritten with it, or dropped
            default:
                w.key(key)
                w.raw(UnsafeRawBufferPointer(rebasing: line[value]))
            }
        }
        w.endObject()
        w.endRecord()
        return Result(record: w.bytes, sizes: sizes)
    }

    /// A built chunk's `csv` member (its JSON) as the members that replace it: gzip, sha256, bytes.
    private func packed(_ member: UnsafeRawBufferPointer) throws -> ((inout JSONWriter) -> Void, (csv: Int, gzip: Int)) {
        var scanner = JSONScanner(member)
        var text: [UInt8] = []
        let inPlace = try scanner.readStringRaw(into: &text)
        let packed = try inPlace.map { try pack($0) } ?? text.withUnsafeBytes { try pack($0) }
        let gz = packed.gzip
        return ({ w in
            w.key("gzip")
            w.unescapedString(count: Base64.encodedCount(gz.count)) { out in gz.withUnsafeBytes { Base64.encode($0, into: out) } }
            w.key("sha256"); w.string(packed.sha256)
            w.key("bytes")
            w.beginObject()
            w.key("csv"); w.int(packed.csvCount)
            w.key("gzip"); w.int(gz.count)
            w.endObject()
        }, (packed.csvCount, gz.count))
    }

    /// A compressed chunk's `gzip` member (its JSON) as the `csv` member that replaces it, checked
    /// against the chunk's `sha256` if it has one.
    private func unpacked(_ member: UnsafeRawBufferPointer, sha256: String?) throws -> ((inout JSONWriter) -> Void, (csv: Int, gzip: Int)) {
        var scanner = JSONScanner(member)
        let encoded = Array(try scanner.readString().utf8)
        guard let gz = encoded.withUnsafeBytes({ Base64.decode($0) }) else {
            throw ChunkFormatError(message: "\"gzip\" is not base64")
        }
        let csv = try gz.withUnsafeBytes { (b) throws(GzipError) in try Gzip.decompress(b) }
        if let sha256 {
            let actual = csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
            guard sha256 == actual else { throw ChunkFormatError(message: "CSV's sha256 is \(actual), the record says \(sha256)") }
        }
        return ({ w in
            w.key("csv"); w.string(utf8: csv)
        }, (csv.count, gz.count))
    }

    private struct Packed {
        var gzip: [UInt8]
        var sha256: String
        var csvCount: Int
    }

    private func pack(_ csv: UnsafeRawBufferPointer) throws(GzipError) -> Packed {
        Packed(gzip: try compressors.gzip(csv), sha256: ChunkCompressor.sha256Hex(csv), csvCount: csv.count)
    }

    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digest = SHA256.hash(data: bytes)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONScanner {
    /// The string at `range` of `bytes` (a value found by `skipValue`).
    static func string(in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(JSONError) -> String {
        var s = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[range]))
        return try s.readString()
    }
}
