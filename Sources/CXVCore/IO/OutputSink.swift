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

/// Buffered output to stdout or, atomically, to a file: `-o FILE` writes a file with no name
/// in FILE's folder (O_TMPFILE) and links it into place only on `commit()`, so a Makefile never
/// sees half a target, and a stage killed part-way leaves nothing behind. Where the file system
/// has no unnamed files, a named temporary file beside FILE stands in.
public final class OutputSink {
    private let fd: Int32
    private let path: String?
    /// The named temporary file, when the file system could not give an unnamed one.
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
        let folder = file.contains("/") ? String(file[...file.lastIndex(of: "/")!]) : "."
        var fd = OutputSink.canLinkUnnamedFiles ? open(folder, OutputSink.unnamedFile | O_WRONLY | O_CLOEXEC, 0o644) : -1
        var temporary: String?
        if fd < 0 {
            for _ in 0..<100 {
                temporary = OutputSink.temporaryName(beside: file)
                fd = open(temporary!, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                if fd >= 0 || errno != EEXIST { break }
            }
        }
        guard fd >= 0 else {
            throw CXVError.io(path: file, reason: String(cString: strerror(errno)))
        }
        self.fd = fd
        self.path = file
        self.temporaryPath = temporary
        buffer.reserveCapacity(flushThreshold * 2)
    }

    /// Linux's O_TMPFILE, which Glibc's module leaves out (it is _GNU_SOURCE): O_DIRECTORY | 0o20000000.
    private static let unnamedFile: Int32 = 0o20_200_000
    /// An unnamed file is linked through /proc/self/fd; without /proc it could never be named.
    private static let canLinkUnnamedFiles = access("/proc/self/fd", X_OK) == 0

    private static func temporaryName(beside path: String) -> String {
        var random = SystemRandomNumberGenerator()
        return "\(path).tmp.\(String(random.next(), radix: 36))"
    }

    deinit {
        if path != nil, !committed {
            close(fd)
            if let temporaryPath { unlink(temporaryPath) }  // never committed: leave nothing half-written behind
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

    /// A file's bytes so far, read from the start, without committing it: a spool that never
    /// needs a name, so nothing is left of it whichever way the process ends.
    public func readBack() throws -> InputSource {
        try flush()
        precondition(path != nil, "standard output cannot be read back")
        return try InputSource(path: temporaryPath ?? "/proc/self/fd/\(fd)")
    }

    /// Flushes, and for a file moves it into place.
    public func commit() throws {
        try flush()
        guard let path else { return }
        var named = temporaryPath
        if named == nil {
            // linkat cannot replace FILE, so the unnamed file gets a name beside it, then rename does.
            let candidate = OutputSink.temporaryName(beside: path)
            if fsync(fd) != 0 || linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, candidate, AT_SYMLINK_FOLLOW) != 0 {
                throw CXVError.io(path: path, reason: String(cString: strerror(errno)))
            }
            named = candidate
        } else if fsync(fd) != 0 {
            throw CXVError.io(path: path, reason: String(cString: strerror(errno)))
        }
        if close(fd) != 0 || rename(named!, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(named!)
            committed = true  // closed already; nothing left for deinit
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
