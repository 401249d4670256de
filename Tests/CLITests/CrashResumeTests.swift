import Foundation
import XCTest

/// Stages killed at every point of a run, then run again: every valid contact is
/// stored exactly once and the report balances; SIGINT and SIGTERM end a stage
/// within 2 seconds with its output and journal consistent.
final class CrashResumeTests: XCTestCase {
    var dir: URL!
    static let contacts = 1200

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
        var csv = "phone_number,first_name,last_name,email\n"
        for i in 0..<CrashResumeTests.contacts { csv += "+1303555\(String(format: "%04d", i)),First\(i),Last\(i),\n" }
        try Pipeline.writeChunks(of: csv, in: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Credentials, and a token cache of the run's own (each run has a new sandbox).
    func env(_ run: Int) -> String {
        Pipeline.demoCredentials(cache: "\(dir.path)/cache-\(run)")
    }

    func lines(_ file: String) throws -> Int {
        let r = try Pipeline.sh("[ -f \(file) ] && wc -l < \(file) || echo 0", in: dir)
        return Int(r.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The whole pipeline again, resuming from `journal`: it must exit 0 with every contact stored once.
    func assertResumes(_ sandbox: SandboxProcess, run: Int, journal: String, _ context: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try Pipeline.sh(env(run) + """
            cxv-validate contacts.csv | cxv-chunk --size 100 | cxv-gzip | cxv-upload --base-url \(sandbox.url) --journal \(journal) \
            | cxv-poll --base-url \(sandbox.url) --interval 0.05 | cxv-report --format json
            """, in: dir)
        XCTAssertEqual(r.status, 0, "\(context): \(r.stderr)", file: file, line: line)
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, CrashResumeTests.contacts, context, file: file, line: line)
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, CrashResumeTests.contacts, context, file: file, line: line)
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], 12, "one job a chunk: \(context)", file: file, line: line)
    }

    func testSIGKILLedUploadResumesFromItsJournalAtEveryPoint() throws {
        // 12 chunks, two at a time, each answer 150 ms after its job is made: the run takes
        // about a second here (several under a sanitizer), timed once first, and 22 kills are
        // spread from its start to past its end: before, between, inside and after the uploads.
        let timing = try SandboxProcess(["--job-time", "0", "--latency", "150ms"])
        let started = Date()
        let whole = try Pipeline.sh(env(99) + "cxv-upload --base-url \(timing.url) --concurrency 2 < chunks.ndjson > /dev/null", in: dir)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let seconds = Date().timeIntervalSince(started)
        timing.stop()
        let delays = (0..<22).map { Double($0) * seconds * 1.4 / 21 }
        var journaled: [Int] = []
        var madeButNotJournaled = 0
        for (run, delay) in delays.enumerated() {
            let sandbox = try SandboxProcess(["--job-time", "0", "--latency", "150ms"])
            let journal = "journal-\(run).ndjson"
            try Pipeline.sh(env(run) + """
                cxv-upload --base-url \(sandbox.url) --journal \(journal) --concurrency 2 < chunks.ndjson > /dev/null 2>&1 &
                pid=$!; sleep \(delay); kill -9 $pid 2>/dev/null; wait $pid
                """, in: dir)
            let entries = try lines(journal)
            let made = (try sandbox.answers("POST /api/v2/contacts/import"))["201"] ?? 0
            journaled.append(entries)
            if made > entries { madeButNotJournaled += 1 }
            try assertResumes(sandbox, run: run, journal: journal, "killed after \(delay) s with \(entries) journaled, \(made) made")
            sandbox.stop()
        }
        XCTAssertTrue(journaled.contains(0), "some kills came before any upload: \(journaled)")
        XCTAssertTrue(journaled.contains { $0 > 0 && $0 < 12 }, "some came in the middle: \(journaled)")
        XCTAssertTrue(journaled.contains(12), "some came after the last: \(journaled)")
        XCTAssertGreaterThan(madeButNotJournaled, 0, "some came after the server made a job and before the journal had it")
    }

    func testSIGKILLedPollResumesFromTheSavedUploadOutput() throws {
        for (run, delay) in [0.05, 0.2, 0.4, 0.7, 1.0, 1.5].enumerated() {
            // Jobs take 0.3 s and a third fail once, so some kills land while a chunk is sent again.
            let sandbox = try SandboxProcess(["--job-time", "0.3", "--job-fail-rate", "0.3", "--seed", "\(run + 1)"])
            let journal = "journal-\(run).ndjson"
            let upload = try Pipeline.sh(env(run) + "cxv-upload --base-url \(sandbox.url) --journal \(journal) < chunks.ndjson > submitted-\(run).ndjson",
                                         in: dir)
            XCTAssertEqual(upload.status, 0, upload.stderr)
            try Pipeline.sh(env(run) + """
                cxv-poll --base-url \(sandbox.url) --interval 0.05 < submitted-\(run).ndjson > /dev/null 2>&1 &
                pid=$!; sleep \(delay); kill -9 $pid 2>/dev/null; wait $pid
                """, in: dir)
            let r = try Pipeline.sh(env(run) + """
                cxv-poll --base-url \(sandbox.url) --interval 0.05 < submitted-\(run).ndjson | cxv-report --format json
                """, in: dir)
            XCTAssertEqual(r.status, 0, "poll killed after \(delay) s: \(r.stderr)")
            let stats = try sandbox.stats()
            XCTAssertEqual(stats["contactsStored"] as? Int, CrashResumeTests.contacts, "poll killed after \(delay) s")
            XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, CrashResumeTests.contacts, "poll killed after \(delay) s")
            sandbox.stop()
        }
    }

    /// SIGINT or SIGTERM while requests hang (upload) or jobs run (poll): the stage ends
    /// within 2 seconds with 130 or 143; what it wrote and journaled agree, and every chunk
    /// it took is in its output, settled or as it came.
    func testSIGINTAndSIGTERMEndAStageWithinTwoSeconds() throws {
        let sandbox = try SandboxProcess(["--job-time", "30", "--latency", "5s"])
        for (run, (signal, status)) in [("INT", 130), ("TERM", 143)].enumerated() {
            let journal = "journal-\(run).ndjson"
            let r = try Pipeline.sh(env(run) + """
                cxv-upload --base-url \(sandbox.url) --journal \(journal) < chunks.ndjson > up-\(run).ndjson 2>/dev/null &
                pid=$!; sleep 0.5; start=$(date +%s%N); kill -\(signal) $pid; wait $pid; echo "$? $(( ($(date +%s%N) - start) / 1000000 ))"
                """, in: dir)
            let parts = r.text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            XCTAssertEqual(parts.first, status, "cxv-upload SIG\(signal)")
            XCTAssertLessThan(parts.last ?? .max, 2000, "cxv-upload SIG\(signal) took \(parts.last ?? -1) ms")
            let out = try Pipeline.sh("cat up-\(run).ndjson", in: dir).records
            XCTAssertEqual(out.filter { $0["state"] as? String == "submitted" }.count, try lines(journal), "journal = output")
            XCTAssertFalse(out.contains { $0["kind"] as? String == "tally" && $0["stage"] as? String == "upload" })
        }

        let fast = try SandboxProcess(["--job-time", "30"])
        let upload = try Pipeline.sh(env(9) + "cxv-upload --base-url \(fast.url) < chunks.ndjson > submitted.ndjson", in: dir)
        XCTAssertEqual(upload.status, 0, upload.stderr)
        for (run, (signal, status)) in [("INT", 130), ("TERM", 143)].enumerated() {
            let r = try Pipeline.sh(env(9) + """
                polls() { curl -s \(fast.url)/sandbox/stats | python3 -c 'import json, sys
                print(sum(json.load(sys.stdin)["requests"].get("GET /api/v2/contacts/import/{jobId}", {}).values()))'; }
                before=$(polls)
                cxv-poll --base-url \(fast.url) --interval 0.05 < submitted.ndjson > poll-\(run).ndjson 2>/dev/null &
                pid=$!
                # Stopped once it polls, however slow the machine (a sanitizer build starts slowly): jobs in hand.
                for _ in $(seq 400); do [ "$(polls)" -gt "$before" ] && break; sleep 0.05; done
                start=$(date +%s%N); kill -\(signal) $pid; wait $pid; echo "$? $(( ($(date +%s%N) - start) / 1000000 ))"
                """, in: dir)
            let parts = r.text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            XCTAssertEqual(parts.first, status, "cxv-poll SIG\(signal)")
            XCTAssertLessThan(parts.last ?? .max, 2000, "cxv-poll SIG\(signal) took \(parts.last ?? -1) ms")
            let out = try Pipeline.sh("cat poll-\(run).ndjson", in: dir).records
            XCTAssertEqual(out.filter { $0["state"] as? String == "submitted" }.count, 12, "every running job written back to resume")
            XCTAssertFalse(out.contains { $0["kind"] as? String == "tally" && $0["stage"] as? String == "poll" })
        }
    }

    /// cxv-upload dies mid-stream: cxv-poll finishes what it got, and the report names upload.
    func testTheReportNamesTheStageWhoseOutputEndedWithoutATally() throws {
        let sandbox = try SandboxProcess(["--job-time", "0", "--latency", "100ms"])
        let r = try Pipeline.sh(env(0) + """
            { cxv-upload --base-url \(sandbox.url) --concurrency 1 --journal died.journal < chunks.ndjson & pid=$!
              for _ in $(seq 200); do [ -s died.journal ] && break; sleep 0.05; done  # a job made: it is mid-stream
              kill -9 $pid; wait $pid; } 2>/dev/null \
            | cxv-poll --base-url \(sandbox.url) --interval 0.05 | cxv-report
            """, in: dir)
        XCTAssertEqual(r.status, 65, r.text + r.stderr)
        XCTAssertTrue(r.text.contains("FAILED: upload did not finish"), r.text)
        XCTAssertTrue(r.text.contains("validate: no tally: it would have come through upload"), r.text)
    }
}
