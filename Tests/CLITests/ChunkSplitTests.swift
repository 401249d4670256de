import Foundation
import XCTest

/// A chunk the server finds too large (413) is split in two and each half sent, again as
/// needed, down to one row, which fails with the server's message: no contact is failed for
/// the server's size limit alone, and each row is counted once, in the half that carried it.
final class ChunkSplitTests: XCTestCase {
    var dir: URL!
    /// Six chunks (`cxv-chunk --size 100`), compressed to about 2, 2, 20, 20, 50 and 50 KB,
    /// against a server that takes 16 KB: 1 and 2 go whole, 3 and 4 in halves, 5 in quarters,
    /// and 6 (a short row, one of 100,000 characters, a short row) splits until the long row
    /// is alone, and fails.
    static let maxBody = "16384"
    static let contacts = 503

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
        var random: UInt64 = 0x9E3779B97F4A7C15
        func hex(_ count: Int) -> String {  // names that do not compress: gzip'd size follows their length
            var text = ""
            while text.count < count {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                text += String(random >> 1, radix: 16)
            }
            return String(text.prefix(count))
        }
        var csv = "phone_number,first_name,last_name,email\n"
        for i in 0..<ChunkSplitTests.contacts {
            let length = i < 200 ? 4 : i < 400 ? 200 : i < 500 ? 500 : i == 501 ? 50_000 : 4
            csv += "+1303555\(String(format: "%04d", i)),F\(hex(length)),L\(hex(length)),\n"
        }
        try Pipeline.writeChunks(of: csv, in: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func env(_ run: String) -> String {
        Pipeline.demoCredentials(cache: "\(dir.path)/cache-\(run)")
    }

    /// Uploads (resuming from `journal`), polls and reports; checks the report and the server.
    func finish(_ sandbox: SandboxProcess, journal: String, _ context: String) throws -> [String: Any] {
        let r = try Pipeline.sh(env(journal) + """
            cxv-upload --base-url \(sandbox.url) --journal \(journal) < chunks.ndjson > up.ndjson 2> up.err
            cxv-poll --base-url \(sandbox.url) --interval 0.05 < up.ndjson > out.ndjson
            cxv-report --format json --rejects rejects.csv --imported imported.csv < out.ndjson
            """, in: dir)
        XCTAssertEqual(r.status, 1, "the long row fails: \(context): \(r.stderr)")
        let report = try XCTUnwrap(r.records.first, r.text)
        let accounting = try XCTUnwrap(report["accounting"] as? [String: Int])
        XCTAssertEqual(accounting["read"], ChunkSplitTests.contacts, context)
        XCTAssertEqual(accounting["imported"], ChunkSplitTests.contacts - 1, context)
        XCTAssertEqual(accounting["failed"], 1, context)
        XCTAssertEqual(accounting["unaccounted"], 0, context)
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, ChunkSplitTests.contacts - 1, "each stored once: \(context)")
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, ChunkSplitTests.contacts - 1, context)

        // The halves, by seq and part, and the one row that failed alone, with the server's message.
        let results = try XCTUnwrap(report["chunk_results"] as? [[String: Any]])
        let names = results.map { r in "\(r["seq"] as? Int ?? 0)" + ((r["part"] as? String).map { ".\($0)" } ?? "") }
        XCTAssertEqual(Set(names), ["1", "2", "3.1", "3.2", "4.1", "4.2", "5.1.1", "5.1.2", "5.2.1", "5.2.2",
                                    "6.1.1", "6.1.2", "6.2"], context)
        XCTAssertEqual(results.compactMap { $0["rows"] as? Int }.reduce(0, +), ChunkSplitTests.contacts, context)
        let failed = results.filter { $0["state"] as? String == "failed" }
        XCTAssertEqual(failed.count, 1, context)
        XCTAssertEqual(failed.first?["part"] as? String, "1.2", context)
        let rejects = try String(contentsOf: dir.appendingPathComponent("rejects.csv"), encoding: .utf8)
        XCTAssertTrue(rejects.contains("line 503: chunk 6.1.2 failed: the import refused the chunk: "), rejects.prefix(300) + "")
        // Without --keep-rows, the rows as sent: the CSV's columns, read back from each chunk's gzip.
        let imported = try Pipeline.sh("head -1 imported.csv; tail -n +2 imported.csv | wc -l", in: dir)
        XCTAssertEqual(imported.lines.map { $0.trimmingCharacters(in: .whitespaces) },
                       ["phone_number,first_name,last_name,email,source_line,chunk_seq,job_id", "\(ChunkSplitTests.contacts - 1)"])
        let first = try Pipeline.sh("awk -F, '$5 == 2 { print $1 \",\" $6 }' imported.csv", in: dir)
        XCTAssertEqual(first.lines, ["+13035550000,1"], "the contact of line 2, in chunk 1")
        return report
    }

    func testChunksOverTheServersLimitAreSplitUntilEachFitsOrIsOneRow() throws {
        let sandbox = try SandboxProcess(["--job-time", "0", "--max-body", ChunkSplitTests.maxBody])
        defer { sandbox.stop() }
        _ = try finish(sandbox, journal: "journal.ndjson", "one run")
        let upload = try XCTUnwrap(try Pipeline.sh("tail -1 up.ndjson", in: dir).records.first)
        XCTAssertEqual(upload["split"] as? Int, 7, "3 and 4 once, 5 three times (5, 5.1, 5.2), 6 twice (6, 6.1)")
        XCTAssertEqual(upload["submitted"] as? Int, 12)
        XCTAssertEqual(upload["failed"] as? Int, 1)
        XCTAssertEqual(try sandbox.answers("POST /api/v2/contacts/import")["413"], 8, "3, 4, 5, 5.1, 5.2, 6, 6.1, 6.1.2")
    }

    /// cxv-upload killed with SIGKILL while it splits and sends, then run again from its
    /// journal: the splits are not asked again, no half is sent twice, and the books balance.
    func testSIGKILLedWhileSplittingResumesFromTheJournal() throws {
        for run in 0..<3 {
            let sandbox = try SandboxProcess(["--job-time", "0", "--max-body", ChunkSplitTests.maxBody, "--latency", "100ms"])
            defer { sandbox.stop() }
            let journal = "journal-\(run).ndjson"
            // Killed once the journal holds a split and \(run + 1) job(s) (a fixed moment would miss on a busy machine).
            try Pipeline.sh(env(journal) + """
                cxv-upload --base-url \(sandbox.url) --journal \(journal) < chunks.ndjson > /dev/null 2>&1 &
                pid=$!
                for i in $(seq 400); do
                  [ "$(grep -c '"split"' \(journal) 2>/dev/null)" -ge 1 ] \
                    && [ "$(grep -c '"job"' \(journal) 2>/dev/null)" -ge \(run + 3) ] && break
                  sleep 0.02
                done
                kill -9 $pid 2>/dev/null; wait $pid
                """, in: dir)
            let splitsBefore = Int(try Pipeline.sh("grep -c '\"split\"' \(journal)", in: dir).text
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertGreaterThanOrEqual(splitsBefore, 1)
            let jobsBefore = Int(try Pipeline.sh("grep -c '\"job\"' \(journal)", in: dir).text
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertLessThan(jobsBefore, 12, "run \(run): the kill came before the last half was sent")
            let refusedBefore = try sandbox.answers("POST /api/v2/contacts/import")["413"] ?? 0
            let report = try finish(sandbox, journal: journal, "run \(run)")
            let resumed = try XCTUnwrap(try Pipeline.sh("tail -1 up.ndjson", in: dir).records.first)
            XCTAssertGreaterThan(resumed["resumed"] as? Int ?? 0, 0, "run \(run)")
            // A split the journal knows is not sent whole again: the re-run meets only the 413s of the
            // 8 splits it did not know (one answered but not yet journaled at the kill is met again).
            let refusedAfter = (try sandbox.answers("POST /api/v2/contacts/import")["413"] ?? 0) - refusedBefore
            XCTAssertEqual(refusedAfter, 8 - splitsBefore, "run \(run): \(refusedBefore) 413s and \(splitsBefore) splits journaled before the kill")
            XCTAssertEqual(report["status"] as? Int, 1)
        }
    }
}
