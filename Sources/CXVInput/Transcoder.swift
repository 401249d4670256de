#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CXVCore

/// Turns bytes of a legacy code page or UTF-16 into UTF-8, through the C library's iconv, so
/// that every reader downstream sees UTF-8. A byte the encoding does not define becomes U+FFFD.
final class Transcoder {
    /// The encoding as the user named it, for messages.
    let encoding: String
    private let descriptor: iconv_t
    /// Bytes the encoding does not define, each written as U+FFFD.
    private(set) var replaced = 0
    private let unitBytes: Int

    init(from encoding: String) throws {
        guard let descriptor = iconv_open("UTF-8", encoding), descriptor != iconv_t(bitPattern: -1) else {
            throw CXVError.usage("--encoding \(encoding): not an encoding iconv knows (e.g. windows-1252, iso-8859-1, iso-8859-15, utf-16le)")
        }
        self.encoding = encoding
        self.descriptor = descriptor
        self.unitBytes = encoding.uppercased().hasPrefix("UTF-16") ? 2 : 1
    }

    deinit { iconv_close(descriptor) }

    /// Converts what it can of `input`, appending UTF-8 to `output`; returns the bytes consumed.
    /// Without `final`, a sequence cut at the end of `input` waits for the next call.
    func convert(_ input: UnsafeRawBufferPointer, final: Bool, into output: inout [UInt8]) -> Int {
        var consumed = 0
        var scratch = [UInt8](repeating: 0, count: max(64, input.count * 3))
        while consumed < input.count {
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: CChar.self)) + consumed
            var inLeft = input.count - consumed
            let written = scratch.withUnsafeMutableBytes { buffer -> (Int, Int32) in
                var outPointer: UnsafeMutablePointer<CChar>? = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = buffer.count
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                return (buffer.count - outLeft, result == -1 ? errno : 0)
            }
            output.append(contentsOf: scratch[..<written.0])
            consumed = input.count - inLeft
            switch written.1 {
            case 0, E2BIG: continue
            case EINVAL where !final: return consumed  // cut sequence: wait for more
            default:  // EILSEQ, or a cut sequence at the very end
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                replaced += 1
                consumed = min(input.count, consumed + unitBytes)
            }
        }
        return consumed
    }
}

/// A source read through a Transcoder: `base` in a legacy code page or UTF-16, handed out as UTF-8.
public final class TranscodingSource: ByteSource {
    public let base: any ByteSource
    public var name: String { base.name }
    private let transcoder: Transcoder
    private var undecoded: [UInt8] = []
    private var decoded: [UInt8] = []
    private var decodedOffset = 0
    private var endOfInput = false

    /// `encoding` is an iconv name (windows-1252, utf-16le, …).
    public init(_ base: any ByteSource, encoding: String) throws {
        self.base = base
        self.transcoder = try Transcoder(from: encoding)
    }

    /// The encoding as the user named it.
    public var encoding: String { transcoder.encoding }
    /// Bytes the encoding does not define, each read as U+FFFD.
    public var replaced: Int { transcoder.replaced }

    public func fill(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while decodedOffset == decoded.count {
            decoded.removeAll(keepingCapacity: true)
            decodedOffset = 0
            if endOfInput && undecoded.isEmpty { return 0 }
            if !endOfInput {
                var block = [UInt8](repeating: 0, count: 1 << 16)
                let n = try block.withUnsafeMutableBytes { try base.fill($0.baseAddress!, count: $0.count) }
                endOfInput = n == 0
                undecoded.append(contentsOf: block[..<n])
            }
            let consumed = undecoded.withUnsafeBytes { transcoder.convert($0, final: endOfInput, into: &decoded) }
            undecoded.removeFirst(consumed)
        }
        let n = min(count, decoded.count - decodedOffset)
        decoded.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + decodedOffset, byteCount: n) }
        decodedOffset += n
        return n
    }
}
