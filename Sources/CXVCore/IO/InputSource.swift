#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the readers get their bytes: a file, stdin, bytes in memory, or a source that wraps
/// one (converting its encoding, or letting the format be sniffed before reading starts).
public protocol ByteSource: AnyObject {
    /// What diagnostics call this input: the path, or `stdin` (one name in every message).
    var name: String { get }
    /// Reads up to `count` bytes into `buffer`; 0 means end of input.
    func fill(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int
}

/// A file, stdin, or bytes already in memory (a request body, a test), read as they are.
public final class InputSource: ByteSource {
    /// What diagnostics call this input: the path, or `stdin` (one name in every message).
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool

    public init(path: String) throws {
        if path == "-" {
            widenPipe(0)
            self.name = "stdin"
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
        self.memory = bytes
    }

    /// UTF-8's byte order mark, which Windows tools put before a file's text.
    public static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// A body that comes whole (an upload to cxv-sandbox), without its UTF-8 byte order
    /// mark if it has one.
    public static func body(name: String, bytes: [UInt8]) -> InputSource {
        InputSource(name: name, bytes: bytes.starts(with: utf8BOM) ? Array(bytes.dropFirst(utf8BOM.count)) : bytes)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The bytes of an in-memory source, and how many have been handed out.
    private var memory: [UInt8] = []
    private var memoryOffset = 0

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

    /// Reads up to `count` bytes into `buffer`; 0 means end of input.
    public func fill(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard fd < 0 else { return try readDescriptor(buffer, count: count) }
        let n = min(count, memory.count - memoryOffset)
        if n > 0 { memory.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + memoryOffset, byteCount: n) } }
        memoryOffset += n
        return n
    }

    private func readDescriptor(_ buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let n = read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CXVError.io(path: name, reason: String(cString: strerror(errno)))
        }
    }
}
