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
        // First pass: find the state and the payload member.
        var scanner = JSONScanner(line)
        var state: String?
        var payload: Range<Int>?
        var members: [(key: String, value: Range<Int>)] = []
        var text: [UInt8] = []
        // The CSV as read in this pass: in place, or unescaped into `text` (`.escaped`).
        var csv: CSVPayload = .unread
        try scanner.readObject { (key, s) throws(JSONError) in
            let value: Range<Int>
            if !decompress, key == "csv", s.peekNonWhitespace() == UInt8(ascii: "\"") {
                // Unescaped once, here: skipped now and read again below, it was unescaped twice.
                let start = s.offset
                text.removeAll(keepingCapacity: true)
                csv = try s.readStringRaw(into: &text).map(CSVPayload.inPlace) ?? .escaped
                value = start..<s.offset
            } else {
                value = try s.skipValue(depth: 1)
                if key == "csv" { csv = .unread }
            }
            members.append((key, value))
            if key == "state" { state = try JSONScanner.string(in: line, value) }
            if key == (decompress ? "gzip" : "csv") { payload = value }
        }
        try scanner.expectEnd()
        guard state == (decompress ? ChunkState.compressed : .built).rawValue else {
            return Result(record: Array(line) + [0x0A], sizes: nil)
        }
        guard let payload else {
            throw ChunkFormatError(message: "a \(state ?? "") chunk without its \"\(decompress ? "gzip" : "csv")\" member")
        }
        var w = JSONWriter(capacity: line.count + 256)
        var sizes = (csv: 0, gzip: 0)
        w.beginObject()
        for (key, value) in members {
            switch key {
            case "state":
                w.key("state"); w.string((decompress ? ChunkState.built : .compressed).rawValue)
            case "csv" where !decompress:
                let packed: Packed
                switch csv {
                case let .inPlace(raw):
                    packed = try pack(raw)
                case .escaped:
                    packed = try text.withUnsafeBytes { try pack($0) }
                case .unread:  // not a string: read it for the error
                    var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: line[payload]))
                    _ = try scanner.readStringRaw(into: &text)
                    throw ChunkFormatError(message: "\"csv\" is not a string")
                }
                let (gz, digest, csvCount) = (packed.gzip, packed.sha256, packed.csvCount)
                sizes = (csvCount, gz.count)
                w.key("gzip")
                w.unescapedString(count: Base64.encodedCount(gz.count)) { out in gz.withUnsafeBytes { Base64.encode($0, into: out) } }
                w.key("sha256"); w.string(digest)
                w.key("bytes")
                w.beginObject()
                w.key("csv"); w.int(csvCount)
                w.key("gzip"); w.int(gz.count)
                w.endObject()
            case "gzip" where decompress:
                var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: line[payload]))
                let encoded = Array(try scanner.readString().utf8)
                guard let gz = encoded.withUnsafeBytes({ Base64.decode($0) }) else {
                    throw ChunkFormatError(message: "\"gzip\" is not base64")
                }
                let csv = try gz.withUnsafeBytes { (b) throws(GzipError) in try Gzip.decompress(b) }
                if let expected = members.first(where: { $0.key == "sha256" }) {
                    let digest = try JSONScanner.string(in: line, expected.value)
                    let actual = csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
                    guard digest == actual else {
                        throw ChunkFormatError(message: "CSV's sha256 is \(actual), the record says \(digest)")
                    }
                }
                sizes = (csv.count, gz.count)
                w.key("csv"); w.string(utf8: csv)
            case "sha256", "bytes":
                continue  // computed from the payload: rewritten with it, or dropped
            default:
                w.key(key)
                w.raw(UnsafeRawBufferPointer(rebasing: line[value]))
            }
        }
        w.endObject()
        w.endRecord()
        return Result(record: w.bytes, sizes: sizes)
    }

    private enum CSVPayload {
        case unread
        case inPlace(UnsafeRawBufferPointer)
        case escaped
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
