import Foundation
import XCTest

/// Every file a stage writes, on a disk that fills up (a 4 MiB tmpfs, filled with fallocate):
/// the stage ends 74 naming the file and "No space left on device", leaves nothing behind on
/// that disk, and once space is freed the same command finishes, every contact stored once.
/// Needs root to mount the tmpfs (skipped without it).
final class FullDiskTests: XCTestCase {
    var dir: URL!
    /// The small disk.
    var full: URL!
    var sandbox: SandboxProcess!
    var url: String { sandbox.url }

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        dir = try Pipeline.temporaryDirectory()
        full = dir.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        let mounted = try Pipeline.sh("mount -t tmpfs -o size=4m,mode=0755 cxv-full '\(full.path)'")
        if mounted.stderr.contains("permission denied") || mounted.stderr.contains("not permitted") {
            full = nil  // nothing mounted: nothing to unmount
            throw XCTSkip("mount -t tmpfs: \(mounted.stderr)")  // root without CAP_SYS_ADMIN: a container
        }
        XCTAssertEqual(mounted.status, 0, mounted.stderr)
        sandbox = try SandboxProcess(["--job-time", "0"])
        try Pipeline.sh(env + """
            cxv-validate --region US --dedupe '\(Pipeline.sample)' > contacts.ndjson
            cxv-chunk --size 100 < contacts.ndjson > chunks.ndjson && cxv-gzip < chunks.ndjson > compressed.ndjson
            """, in: dir)
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        if let full { try Pipeline.sh("umount '\(full.path)' || umount -l '\(full.path)'") }
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    var env: String {
        Pipeline.demoCredentials(cache: "\(dir.path)/cache")
    }

    /// Fills the small disk until at most `room` bytes are free.
    func fill(leaving room: Int) throws {
        let r = try Pipeline.sh("""
            rm -f filler; free=$(( $(stat -f -c '%a * %S' .) )); [ $free -le \(room) ] || fallocate -l $(( free - \(room) )) filler
            """, in: full)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func freeSpace() throws {
        try FileManager.default.removeItem(at: full.appendingPathComponent("filler"))
    }

    /// What is on the small disk besides the filler and `expected`, walked in full.
    func leftovers(besides expected: Set<String> = []) throws -> [String] {
        try Pipeline.sh("find . -mindepth 1 ! -name filler", in: full).lines
            .map { String($0.dropFirst(2)) }.filter { !expected.contains($0) }
    }

    /// Runs `command` (writing `file` on the small disk) on a full disk, then again once space
    /// is freed; `status` is what it ends with given room.
    func failsThenFinishes(_ command: String, writing file: String, status: Int32, room: Int = 8 << 10,
                           keep: Set<String> = [], line: UInt = #line) throws {
        try fill(leaving: room)
        let failed = try Pipeline.sh(env + command, in: dir)
        XCTAssertEqual(failed.status, 74, "\(command): \(failed.stderr)", line: line)
        XCTAssertTrue(failed.stderr.contains("\(file): No space left on device"), failed.stderr, line: line)
        XCTAssertEqual(try leftovers(besides: keep), [], "nothing left behind by: \(command)", line: line)
        try freeSpace()
        let finished = try Pipeline.sh(env + command, in: dir)
        XCTAssertEqual(finished.status, status, "\(command): \(finished.stderr)", line: line)
        XCTAssertTrue(try leftovers(besides: keep).contains(file), "\(file) written once there is room", line: line)
    }

    /// Each stage's -o, and cxv-report's --rejects and --imported, in pipeline order: each
    /// fails whole on the full disk and finishes once freed, and the server holds every contact once.
    func testEveryStagesOutputFailsWholeOnAFullDiskAndFinishesOnceFreed() throws {
        let f = full.path
        try failsThenFinishes("cxv-validate --region US --dedupe -o \(f)/contacts.ndjson '\(Pipeline.sample)'",
                              writing: "contacts.ndjson", status: 1)
        try failsThenFinishes("cxv-chunk --size 100 -o \(f)/chunks.ndjson \(f)/contacts.ndjson",
                              writing: "chunks.ndjson", status: 0, keep: ["contacts.ndjson"])
        try Pipeline.sh("mv \(f)/contacts.ndjson \(f)/chunks.ndjson .", in: dir)
        try failsThenFinishes("cxv-gzip -o \(f)/compressed.ndjson chunks.ndjson", writing: "compressed.ndjson", status: 0)
        try Pipeline.sh("mv \(f)/compressed.ndjson .", in: dir)
        // The server made the jobs before the output failed: the re-run resumes them from the journal.
        try failsThenFinishes("cxv-upload --base-url \(url) --journal journal.ndjson -o \(f)/submitted.ndjson compressed.ndjson",
                              writing: "submitted.ndjson", status: 0, room: 0)
        try Pipeline.sh("mv \(f)/submitted.ndjson .", in: dir)
        try failsThenFinishes("cxv-poll --base-url \(url) --interval 0.05 -o \(f)/polled.ndjson submitted.ndjson",
                              writing: "polled.ndjson", status: 0, room: 0)
        try Pipeline.sh("mv \(f)/polled.ndjson .", in: dir)
        try failsThenFinishes("cxv-report -o \(f)/report.txt polled.ndjson", writing: "report.txt", status: 1, room: 0)
        try failsThenFinishes("cxv-report --rejects \(f)/rejects.csv polled.ndjson > /dev/null",
                              writing: "rejects.csv", status: 1, keep: ["report.txt"])
        try failsThenFinishes("cxv-report --imported \(f)/imported.csv polled.ndjson > /dev/null",
                              writing: "imported.csv", status: 1, keep: ["report.txt", "rejects.csv"])
        let rows = "python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=\"\"))) - 1)'"
        XCTAssertEqual(try Pipeline.sh("\(rows) \(f)/rejects.csv").text, "825\n", "every reject")
        XCTAssertEqual(try Pipeline.sh("\(rows) \(f)/imported.csv").text, "2675\n", "every contact imported")
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, 2675)
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, 2675)
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], 27, "one job a chunk, none made twice")
    }

    /// The upload journal fills the disk part-way through a run: cxv-upload ends 74 naming it,
    /// and the re-run, once freed, resumes the journaled jobs (a torn last line is cut) and
    /// imports each chunk once.
    func testAJournalThatFillsTheDiskIsResumedOnceFreed() throws {
        let journal = "\(full.path)/journal.ndjson"
        try fill(leaving: 4096)
        let failed = try Pipeline.sh(env + "cxv-upload --base-url \(url) --journal \(journal) < compressed.ndjson > /dev/null", in: dir)
        XCTAssertEqual(failed.status, 74, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("\(journal): No space left on device"), failed.stderr)
        let journaled = try Pipeline.sh("wc -l < \(journal)").text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertGreaterThan(Int(journaled) ?? 0, 2, "the disk filled part-way, after some jobs")
        XCTAssertLessThan(Int(journaled) ?? 99, 27, "the disk filled part-way, before the last job")
        XCTAssertEqual(try leftovers(besides: ["journal.ndjson"]), [])
        try freeSpace()
        let r = try Pipeline.sh(env + """
            cxv-upload --base-url \(url) --journal \(journal) < compressed.ndjson | cxv-poll --base-url \(url) --interval 0.05 > polled.ndjson
            cxv-report --format json < polled.ndjson
            """, in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let books = try XCTUnwrap(r.records.first?["accounting"] as? [String: Int], r.stderr)
        XCTAssertEqual(books["imported"], 2675)
        XCTAssertEqual(books["unaccounted"], 0)
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, 2675)
        XCTAssertEqual(stats["contactsStored"] as? Int, 2675)
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], 27, "one job a chunk, none made twice")
    }

    /// A journal cut in the middle of its last line (a crash mid-write): the re-run does not
    /// read the torn half as an entry, sends that chunk again under its key, and the server
    /// answers with the job it already made.
    func testAJournalCutMidLineIsNotMisread() throws {
        let first = try Pipeline.sh(env + "cxv-upload --base-url \(url) --journal journal.ndjson < compressed.ndjson > /dev/null", in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        try Pipeline.sh("truncate -s -40 journal.ndjson", in: dir)
        let r = try Pipeline.sh(env + """
            cxv-upload --base-url \(url) --journal journal.ndjson < compressed.ndjson > submitted.ndjson \
            && cxv-poll --base-url \(url) --interval 0.05 < submitted.ndjson | cxv-report --format json
            """, in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try Pipeline.sh("grep -c '\"resumed\":26[,}]' submitted.ndjson", in: dir).text, "1\n", "all but the torn entry's chunk resumed")
        XCTAssertEqual((try Pipeline.sh("tail -c 1 journal.ndjson | od -An -c", in: dir).text).trimmingCharacters(in: .whitespaces), "\\n\n")
        let books = try XCTUnwrap(r.records.first?["accounting"] as? [String: Int], r.stderr)
        XCTAssertEqual(books["imported"], 2675)
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, 2675)
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], 27, "the torn entry's chunk got its own job back, not a second")
    }

    /// The token cache on a full disk: the stages still run (the cache only saves sign-ins),
    /// and no torn or temporary token file is left; a torn cache file later is ignored.
    func testATokenCacheOnAFullDiskIsSkippedAndATornOneIgnored() throws {
        let cacheEnv = Pipeline.demoCredentials(cache: "\(full.path)/cache")
        try FileManager.default.createDirectory(at: full.appendingPathComponent("cache/cxv"), withIntermediateDirectories: true)
        try fill(leaving: 0)
        let run = cacheEnv + """
            cxv-upload --base-url \(url) --journal journal.ndjson < compressed.ndjson | tee submitted.ndjson \
            | cxv-poll --base-url \(url) --interval 0.05 > polled.ndjson
            """
        let r = try Pipeline.sh(run, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try leftovers(), ["cache", "cache/cxv"], "no token file, whole or torn, and no temporary one")
        try freeSpace()
        XCTAssertEqual(try Pipeline.sh(run, in: dir).status, 0)
        let token = try XCTUnwrap(try leftovers().first { $0.hasPrefix("cache/cxv/token-") && $0.hasSuffix(".json") })
        try Pipeline.sh("truncate -s 20 '\(token)'", in: full)
        let issued = try XCTUnwrap(try sandbox.stats()["tokensIssued"] as? Int)
        let again = try Pipeline.sh(cacheEnv + "cxv-poll --base-url \(url) --interval 0.05 < submitted.ndjson > /dev/null", in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try sandbox.stats()["tokensIssued"] as? Int, issued + 1, "the torn token was not sent: a new one was asked for")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: full.appendingPathComponent(token))),
                         "the torn cache was replaced by a whole one")
        XCTAssertEqual(try sandbox.stats()["distinctPhoneNumbers"] as? Int, 2675)
    }
}
