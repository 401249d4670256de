import CXVAPI
import CXVCore
import Foundation

/// `--journal FILE`: one line per job the server created, appended and flushed to
/// disk before the chunk is written on, so a re-run with the same journal re-emits
/// those jobs and uploads nothing twice. A torn last line (a crash mid-write) is cut off on opening.
public actor UploadJournal {
    public struct Entry: Codable, Sendable {
        public var key: String
        public var seq: Int
        public var job: String
        /// When the job was made, seconds since 1970 (absent in journals from before it was kept).
        public var at: Double?

        public init(key: String, seq: Int, job: String, at: Double? = nil) {
            self.key = key
            self.seq = seq
            self.job = job
            self.at = at
        }
    }

    /// A chunk the server found too large, sent as two halves (entries of their own).
    struct SplitEntry: Codable {
        var split: String
    }

    /// A calling list's counts before the run's first upload, so a re-run reports what the whole run added.
    struct ListEntry: Codable {
        var list: String
        var total: Int
        var valid: Int
        var invalid: Int
    }

    private let path: String
    private let fd: Int32
    private var jobs: [String: Entry] = [:]
    private var lists: [String: ListCounts] = [:]
    private var splits: Set<String> = []

    public init(path: String) throws {
        self.path = path
        if access(path, F_OK) == 0 {
            var lines = LineReader(source: try InputSource(path: path))
            let decoder = JSONDecoder()
            while let line = try lines.next({ Data($0) }) {
                if let entry = try? decoder.decode(Entry.self, from: line) {
                    jobs[entry.key] = entry
                } else if let entry = try? decoder.decode(SplitEntry.self, from: line) {
                    splits.insert(entry.split)
                } else if let entry = try? decoder.decode(ListEntry.self, from: line), lists[entry.list] == nil {
                    lists[entry.list] = ListCounts(total: entry.total, valid: entry.valid, invalid: entry.invalid)
                }
            }
        }
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CXVError.io(path: path, reason: String(cString: strerror(errno))) }
        // A torn last line (a crash mid-write) is cut off: appended to, it would hide the next entry.
        guard UploadJournal.cutTornTail(fd) else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CXVError.io(path: path, reason: reason)
        }
    }

    /// Truncates the file after its last newline (to nothing if it has none); false on an I/O error.
    private static func cutTornTail(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        var end = Int(info.st_size)
        var byte: UInt8 = 0
        while end > 0 {
            guard pread(fd, &byte, 1, off_t(end - 1)) == 1 else { return false }
            if byte == UInt8(ascii: "\n") { break }
            end -= 1
        }
        return end == Int(info.st_size) || ftruncate(fd, off_t(end)) == 0
    }

    deinit { close(fd) }

    /// The job recorded for an idempotency key, if any.
    /// The journal's entry for an idempotency key, if any: the job, and when it was made.
    public func entry(for key: String) -> Entry? { jobs[key] }

    /// Whether the chunk of this key was split in two, on a 413.
    public func wasSplit(_ key: String) -> Bool { splits.contains(key) }

    public func recordSplit(_ key: String) throws {
        try append(SplitEntry(split: key))
        splits.insert(key)
    }

    /// The counts of `list` before the first run with this journal sent anything.
    public func listBefore(_ list: String) -> ListCounts? { lists[list] }

    public func record(list: String, before counts: ListCounts) throws {
        try append(ListEntry(list: list, total: counts.total, valid: counts.valid, invalid: counts.invalid))
        lists[list] = counts
    }

    public func record(_ entry: Entry) throws {
        try append(entry)
        jobs[entry.key] = entry
    }

    private func append(_ entry: some Encodable) throws {
        var line = try JSONEncoder().encode(entry)
        line.append(UInt8(ascii: "\n"))
        // Through short writes to the write that failed: a full disk's first write is short, its errno unset.
        if let failure = line.withUnsafeBytes({ writeAll(fd, $0) }) {
            throw CXVError.io(path: path, reason: String(cString: strerror(failure)))
        }
        guard fsync(fd) == 0 else {
            throw CXVError.io(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
