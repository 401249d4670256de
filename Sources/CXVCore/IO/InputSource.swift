#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file (or stdin) read in large blocks through one reusable buffer.
public final class InputSource {
    /// What diagnostics call this input: the path, or `-` for stdin.
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool

    public init(path: String) throws {
        if path == "-" {
            widenPipe(0)
            self.name = "-"
            self.fd = 0
            self.ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw errno == ENOENT || errno == EACCES || errno == ENOTDIR
                ? CXVError.noInput(path: path, reason: reason)
                : CXVError.io(path: path, reason: reason)
        }
        self.name = path
        self.fd = fd
        self.ownsDescriptor = true
    }

    /// Bytes already in memory (a request body, a test), read through the same readers.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.fd = -1
        self.ownsDescriptor = false
        self.peeked = bytes
    }

    public init(standardInput: Void) {
        widenPipe(0)
        self.name = "-"
        self.fd = 0
        self.ownsDescriptor = false
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The whole of a small file (a secret, a token cache): at most `limit` bytes, or an error.
    /// Foundation's FileManager.contents leaks a page on an empty file, which LeakSanitizer reports.
    public static func contents(of path: String, limit: Int = 1 << 20) throws -> [UInt8] {
        let source = try InputSource(path: path)
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let n = try bytes.withUnsafeMutableBytes { try source.fill($0.baseAddress! + count, count: limit + 1 - count) }
            if n == 0 { break }
            count += n
        }
        guard count <= limit else { throw CXVError.io(path: path, reason: "larger than \(limit) bytes") }
        return Array(bytes[..<count])
    }

    /// Set by `decode(from:)`: what is read from here on is converted to UTF-8.
    private var transcoder: Transcoder?
    private var undecoded: [UInt8] = []
    private var decoded: [UInt8] = []
    private var decodedOffset = 0
    private var endOfInput = false

    /// From here on, reads `encoding` (an iconv name: windows-1252, utf-16le, …) and hands out
    /// UTF-8; bytes already peeked are converted too.
    public func decode(from encoding: String) throws {
        transcoder = try Transcoder(from: encoding)
        undecoded = Array(peeked[peekedOffset...])
        peeked = []
        peekedOffset = 0
    }

    /// The encoding being converted from, and how many bytes it did not define (each now U+FFFD).
    public var decoding: (encoding: String, replaced: Int)? {
        transcoder.map { ($0.encoding, $0.replaced) }
    }

    /// Bytes read by `peek` and not yet handed out.
    private var peeked: [UInt8] = []
    private var peekedOffset = 0

    /// The first `count` bytes (fewer at end of input), without consuming them.
    public func peek(_ count: Int) throws -> [UInt8] {
        while peeked.count - peekedOffset < count, fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: count - (peeked.count - peekedOffset))
            let n = try chunk.withUnsafeMutableBytes { try rawRead($0.baseAddress!, count: $0.count) }
            if n == 0 { break }
            peeked.append(contentsOf: chunk[..<n])
        }
        return Array(peeked[peekedOffset...].prefix(count))
    }

    /// Reads up to `count` bytes into `buffer`; 0 means end of input.
    public func fill(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if peekedOffset < peeked.count {
            let n = min(count, peeked.count - peekedOffset)
            peeked.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + peekedOffset, byteCount: n) }
            peekedOffset += n
            if peekedOffset == peeked.count {
                peeked = []
                peekedOffset = 0
            }
            return n
        }
        return try rawRead(buffer, count: count)
    }

    private func rawRead(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard let transcoder else { return try readDescriptor(buffer, count: count) }
        while decodedOffset == decoded.count {
            decoded.removeAll(keepingCapacity: true)
            decodedOffset = 0
            if endOfInput && undecoded.isEmpty { return 0 }
            if !endOfInput {
                var block = [UInt8](repeating: 0, count: 1 << 16)
                let n = try block.withUnsafeMutableBytes { try readDescriptor($0.baseAddress!, count: $0.count) }
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

    private func readDescriptor(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if fd < 0 { return 0 }  // in memory: everything was in `peeked`
        while true {
            let n = read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CXVError.io(path: name == "-" ? "stdin" : name, reason: String(cString: strerror(errno)))
        }
    }
}
