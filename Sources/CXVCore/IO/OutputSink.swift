#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown when the reader of stdout has gone (`| head`): the stage ends quietly.
public struct OutputClosed: Error {}

/// Writes all of `bytes` to `fd`, through short writes and interruptions; the errno of a
/// write that failed, or nil.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += n
    }
    return nil
}

/// Buffered output to stdout or, atomically, to a file: `-o FILE` writes a
/// temporary file beside it and renames it only on `commit()`, so a Makefile
/// never sees half a target.
public final class OutputSink {
    private let fd: Int32
    private let path: String?
    private let temporaryPath: String?
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 18
    private var committed = false

    /// Standard output.
    public init() {
        widenPipe(1)
        fd = 1
        path = nil
        temporaryPath = nil
        buffer.reserveCapacity(flushThreshold * 2)
    }

    /// A file at `path`, written atomically; `-` means standard output.
    public convenience init(path: String?) throws {
        guard let path, path != "-" else {
            self.init()
            return
        }
        try self.init(file: path)
    }

    private init(file: String) throws {
        // Created with mode 0644 so the kernel applies the umask itself: mkstemp's 0600 would need
        // the umask read, and reading it means setting it for every thread of the process.
        var random = SystemRandomNumberGenerator()
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<100 {
            temporary = "\(file).tmp.\(String(random.next(), radix: 36))"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw CXVError.io(path: file, reason: String(cString: strerror(errno)))
        }
        self.fd = fd
        self.path = file
        self.temporaryPath = temporary
        buffer.reserveCapacity(flushThreshold * 2)
    }

    deinit {
        if let temporaryPath, !committed {
            close(fd)
            unlink(temporaryPath)  // never committed: leave nothing half-written behind
        }
    }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    @inline(__always)
    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends through `body` straight into the output buffer.
    @inline(__always)
    public func append(_ body: (inout [UInt8]) throws -> Void) throws {
        try body(&buffer)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func flush() throws {
        if let failure = buffer.withUnsafeBytes({ writeAll(fd, $0) }) {
            if failure == EPIPE { throw OutputClosed() }
            throw CXVError.io(path: path ?? "stdout", reason: String(cString: strerror(failure)))
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, and for a file moves it into place.
    public func commit() throws {
        try flush()
        guard let path, let temporaryPath else { return }
        if fsync(fd) != 0 || close(fd) != 0 || rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw CXVError.io(path: path, reason: reason)
        }
        committed = true
    }
}

/// A 1 MiB pipe instead of 64 KiB: 16 times fewer context switches between stages.
/// Best effort: not a pipe, or a lower system limit, leaves it as it was.
func widenPipe(_ fd: Int32) {
    let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ, which Glibc's module leaves out (it is _GNU_SOURCE)
    _ = fcntl(fd, setPipeSize, Int32(1 << 20))
}
