import CDeflate
import CXVZlib
import Foundation

/// Why zlib refused.
public struct GzipError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The stream inflates past the limit it was read with (a gzip bomb, or just too large).
    public var overLimit = false
}

/// gzip streams (RFC 1952) through zlib, one buffer at a time.
public enum Gzip {
    /// zlib's windowBits for a gzip wrapper instead of a zlib one.
    private static let gzipWindowBits: Int32 = 15 + 16

    /// A gzip stream of `input`, deflated by libdeflate (a whole buffer at once: about twice zlib's
    /// speed at the same level); any gzip reader, zlib's included, reads it.
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws(GzipError) -> [UInt8] {
        let compressor = try DeflateCompressor(level: level)
        return try compressor.gzip(input)
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
                    guard output.count < limit else { throw GzipError(description: "decompresses to more than \(limit) bytes", overLimit: true) }
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

/// One libdeflate compressor: about 400 KB of tables, so a stage keeps one per thread
/// (`DeflateCompressors`) rather than one per chunk.
public final class DeflateCompressor {
    private let handle: OpaquePointer

    public init(level: Int32) throws(GzipError) {
        guard let handle = libdeflate_alloc_compressor(level) else {
            throw GzipError(description: "libdeflate has no compression level \(level)")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_compressor(handle) }

    public func gzip(_ input: UnsafeRawBufferPointer) throws(GzipError) -> [UInt8] {
        let bound = libdeflate_gzip_compress_bound(handle, input.count)
        // Left uninitialized: zero-filling the bound first was a memset of every chunk's worth, then overwritten.
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, written in
            written = libdeflate_gzip_compress(handle, input.baseAddress, input.count, out.baseAddress, out.count)
        }
        guard !output.isEmpty else { throw GzipError(description: "libdeflate could not compress \(input.count) bytes") }
        return output
    }
}

/// Compressors of one level lent to the threads of a stage: a thread takes one, uses it for
/// a chunk, and gives it back, so at most one per thread is ever made.
public final class DeflateCompressors: @unchecked Sendable {
    public let level: Int32
    private let lock = NSLock()  // guards `idle`
    private var idle: [DeflateCompressor] = []

    public init(level: Int32) {
        self.level = level
    }

    public func gzip(_ input: UnsafeRawBufferPointer) throws(GzipError) -> [UInt8] {
        let compressor: DeflateCompressor
        if let lent = lock.withLock({ idle.popLast() }) { compressor = lent } else { compressor = try DeflateCompressor(level: level) }
        defer { lock.withLock { idle.append(compressor) } }
        return try compressor.gzip(input)
    }
}
