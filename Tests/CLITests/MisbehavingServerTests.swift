import Foundation
import XCTest

/// cxv-sandbox --misbehave: a server that breaks the contract in one way. cxv says
/// clearly what went wrong, retries what is safe to retry, bounds what it reads and
/// how long it waits, and the books still balance: every contact imported or in a failed chunk.
final class MisbehavingServerTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
        var csv = "phone_number,first_name,last_name,email\n"
        for i in 0..<300 { csv += "+1303555\(String(format: "%04d", i)),First\(i),Last\(i),\n" }
        try Pipeline.writeChunks(of: csv, in: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    struct Run {
        var upload: Int32
        var poll: Int32
        var report: Int32
        var accounting: [String: Int]
        var chunkErrors: [String]
        var stats: [String: Any]
    }

    /// upload, then poll, then the report, each bounded: 2 attempts a request, 2 s a request, 3 s a job.
    func run(_ mode: String, file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let sandbox = try SandboxProcess(["--job-time", "0", "--misbehave", mode])
        let limits = "--base-url \(sandbox.url) --max-attempts 2 --request-timeout 2s"
        let r = try Pipeline.sh("""
            export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME='\(dir.path)/cache-\(mode)'
            cxv-upload \(limits) < chunks.ndjson > up.ndjson 2> up.err; echo "upload $?"
            cxv-poll \(limits) --interval 0.05 --timeout 3s < up.ndjson > polled.ndjson 2> poll.err; echo "poll $?"
            cxv-report --format json < polled.ndjson > report.json; echo "report $?"
            """, in: dir)
        var status: [String: Int32] = [:]
        for text in r.lines {
            let parts = text.split(separator: " ")
            if parts.count == 2, let value = Int32(parts[1]) { status[String(parts[0])] = value }
        }
        let report = try Pipeline.sh("cat report.json", in: dir).records.first ?? [:]
        let chunks = try Pipeline.sh("cat polled.ndjson", in: dir).records.filter { $0["kind"] as? String == "chunk" }
        let run = Run(upload: status["upload"] ?? -1, poll: status["poll"] ?? -1, report: status["report"] ?? -1,
                      accounting: report["accounting"] as? [String: Int] ?? [:],
                      chunkErrors: chunks.flatMap { $0["errors"] as? [String] ?? [] }, stats: try sandbox.stats())
        XCTAssertEqual(run.accounting["read"], 300, mode, file: file, line: line)
        XCTAssertEqual(run.accounting["unaccounted"], 0, "\(mode): the books balance", file: file, line: line)
        XCTAssertEqual((run.accounting["imported"] ?? 0) + (run.accounting["failed"] ?? 0) + (run.accounting["not_submitted"] ?? 0), 300,
                       "\(mode): every contact imported or in a failed chunk", file: file, line: line)
        return run
    }

    func testA201ThatIsNotJSONOrHasNoJobIdIsRetriedUnderTheSameKeyThenFails() throws {
        for mode in ["malformed-json", "no-job-id"] {
            let r = try run(mode)
            XCTAssertEqual(r.upload, 69, "\(mode): nothing submitted, retries spent")
            XCTAssertEqual(r.report, 1, mode)
            XCTAssertEqual(r.accounting["failed"], 300, mode)
            XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("201 without a jobId") }, "\(mode): \(r.chunkErrors)")
            XCTAssertEqual((r.stats["requests"] as? [String: [String: Int]])?["POST /api/v2/contacts/import"]?["201"], 6, "two tries a chunk")
            let jobs = (r.stats["jobs"] as? [String: Int])?.values.reduce(0, +)
            XCTAssertEqual(jobs, 3, "\(mode): the retry reused the Idempotency-Key, so no job was made twice")
        }
    }

    func testAnHTMLErrorPageIsRetriedAndQuotedShort() throws {
        let r = try run("html-error")
        XCTAssertEqual(r.upload, 69)
        XCTAssertEqual(r.accounting["failed"], 300)
        XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("502 <html>") && $0.contains("(after 2 attempts)") }, "\(r.chunkErrors)")
    }

    func testAnUnknownJobStatusIsWaitedOnUntilTheTimeoutAndNamed() throws {
        let r = try run("unknown-status")
        XCTAssertEqual(r.upload, 0)
        XCTAssertEqual(r.poll, 0, "the jobs did not finish; the service answered")
        XCTAssertEqual(r.accounting["failed"], 300)
        XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("REVIEWING, a status the API does not define") }, "\(r.chunkErrors)")
    }

    func testABodyThatNeverEndsIsCutAtTheBound() throws {
        let r = try run("endless-body")
        XCTAssertEqual(r.poll, 69)
        XCTAssertEqual(r.accounting["failed"], 300)
        XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("the answer is larger than 4194304 bytes") },
                      "\(r.chunkErrors)")
    }

    func testAnAnswerThatTricklesInTimesOut() throws {
        let r = try run("trickle")
        XCTAssertEqual(r.poll, 69)
        XCTAssertEqual(r.accounting["failed"], 300)
        XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("no answer in time") }, "\(r.chunkErrors)")
    }

    func testTheStatusOfAJobNeverIssuedIsNotBelieved() throws {
        let r = try run("phantom-job")
        XCTAssertEqual(r.poll, 69)
        XCTAssertEqual(r.accounting["imported"], 0, "a COMPLETED for another job imports nothing")
        XCTAssertEqual(r.accounting["failed"], 300)
        XCTAssertTrue(r.chunkErrors.allSatisfy { $0.contains("the status of another job") }, "\(r.chunkErrors)")
    }
}
