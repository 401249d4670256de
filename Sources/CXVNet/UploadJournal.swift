import CXVCore
import Foundation

/// `--journal FILE`: one line per job the server created, appended and flushed to
/// disk before the chunk is written on, so a re-run with the same journal re-emits
/// those jobs and uploads nothing twice. A torn last line (a crash mid-write) is ignored.
public actor UploadJournal {
    public struct Entry: Codable, Sendable {
        public var key: String
        public var seq: Int
        public var job: String
    }

    private let path: String
    private let fd: Int32
    private var jobs: [String: String] = [:]

    public init(path: String) throws {
        self.path = path
        if access(path, F_OK) == 0 {
            var lines = LineReader(source: try InputSource(path: path))
            while let entry = try lines.next({ try? JSONDecoder().decode(Entry.self, from: Data($0)) }) {
                if let entry { jobs[entry.key] = entry.job }
            }
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CXVError.io(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// The job recorded for an idempotency key, if any.
    public func job(for key: String) -> String? { jobs[key] }

    public func record(_ entry: Entry) throws {
        var line = try JSONEncoder().encode(entry)
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw CXVError.io(path: path, reason: String(cString: strerror(errno)))
        }
        jobs[entry.key] = entry.job
    }
}
