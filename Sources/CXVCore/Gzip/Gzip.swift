import CZlib

/// Why zlib refused.
public struct GzipError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// gzip streams (RFC 1952) through zlib, one buffer at a time.
public enum Gzip {
    /// zlib's windowBits for a gzip wrapper instead of a zlib one.
    private static let gzipWindowBits: Int32 = 15 + 16

    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(description: "zlib could not start deflate at level \(level)")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = output.withUnsafeMutableBytes { out -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            return deflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END else { throw GzipError(description: "zlib deflate failed (\(status))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// Decompresses a gzip stream, refusing output beyond `limit` bytes (a gzip bomb).
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = 1 << 30) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(description: "zlib could not start inflate")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        // A gzip trailer ends with the size of its member mod 2^32: start there so a single
        // member never regrows, unless it claims more than deflate can expand to (1032:1).
        let claimed = input.count >= 18 ? Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian) : 0
        let expected = claimed > 0 && claimed <= input.count * 1032 ? claimed + 1 : input.count * 4
        var output = [UInt8](repeating: 0, count: max(64, min(limit, expected)))
        while true {
            let produced = Int(stream.total_out)
            let status = output.withUnsafeMutableBytes { out -> Int32 in
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                stream.avail_out = uInt(out.count - produced)
                return inflate(&stream, Z_NO_FLUSH)
            }
            switch status {
            case Z_STREAM_END:
                guard stream.avail_in == 0 else { throw GzipError(description: "data after the end of the gzip stream") }
                output.removeSubrange(Int(stream.total_out)...)
                return output
            case Z_OK, Z_BUF_ERROR:
                if stream.avail_out == 0 {
                    guard output.count < limit else { throw GzipError(description: "decompresses to more than \(limit) bytes") }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit - output.count)))
                } else if stream.avail_in == 0 {
                    throw GzipError(description: "gzip stream is truncated")
                }
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw GzipError(description: "not a valid gzip stream (\(reason))")
            }
        }
    }
}
