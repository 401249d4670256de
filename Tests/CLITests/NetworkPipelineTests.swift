import Foundation
import XCTest

/// The six stages against cxv-sandbox on loopback: every contact lands exactly
/// once or comes back with a reason, whatever faults the server injects.
final class NetworkPipelineTests: XCTestCase {
    var dir: URL!
    var sandbox: SandboxProcess?
    var url = ""

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Starts cxv-sandbox (stopping the one before) and points the tests at it.
    func startSandbox(_ arguments: [String]) throws {
        sandbox?.stop()
        sandbox = try SandboxProcess(arguments)
        url = sandbox!.url
    }

    /// The environment of the network stages: credentials, and a token cache of this test's own.
    var env: String {
        Pipeline.demoCredentials(cache: "\(dir.path)/cache")
    }

    func stats() throws -> [String: Any] {
        try XCTUnwrap(sandbox).stats()
    }

    func report(_ r: Pipeline.Result) throws -> [String: Int] {
        let report = try XCTUnwrap(r.records.first, r.stderr)
        return try XCTUnwrap(report["accounting"] as? [String: Int], r.text)
    }

    /// The network figures of a JSON report.
    func network(_ r: Pipeline.Result) throws -> [String: Int] {
        try XCTUnwrap(r.records.first?["network"] as? [String: Int], r.text)
    }

    /// Runs the full pipeline on the messy sample and checks the books and the server agree.
    @discardableResult
    func runSample(upload: String = "", poll: String = "--interval 0.05", journal: String = "journal.ndjson",
                   file: String = "out.ndjson") throws -> Pipeline.Result {
        let r = try Pipeline.sh(env + """
            cxv-validate --region US --dedupe '\(Pipeline.sample)' | cxv-chunk --size 250 | cxv-gzip \
            | cxv-upload --base-url \(url) --journal \(journal) \(upload) \
            | cxv-poll --base-url \(url) \(poll) > \(file); cxv-report --format json < \(file)
            """, in: dir)
        XCTAssertEqual(r.status, 1, "finished with the sample's rejects: \(r.stderr)")
        let accounting = try report(r)
        XCTAssertEqual(accounting["read"], 3500)
        XCTAssertEqual(accounting["unaccounted"], 0)
        XCTAssertEqual(accounting["imported"], 2675)
        XCTAssertEqual(accounting["failed"], 0)
        let stats = try stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, 2675, "stored = imported")
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, 2675, "no phone stored twice")
        return r
    }

    func testCleanRunCostsOneTokenAndStoresEveryContactOnce() throws {
        try startSandbox(["--job-time", "0.1"])
        let r = try runSample()
        XCTAssertEqual(try stats()["tokensIssued"] as? Int, 1, "upload and poll share one token")
        XCTAssertEqual(try network(r)["tokens"], 1, "the report counts the token requests")
        XCTAssertEqual(try network(r)["throttled"], 0)
    }

    func testFaultsLoseNothing() throws {
        try startSandbox(["--job-time", "0.2", "--seed", "7", "--throttle", "20", "--fail-rate", "0.1",
                          "--drop-rate", "0.05", "--token-ttl", "2s", "--job-fail-rate", "0.2"])
        try runSample()
        let jobs = try XCTUnwrap(try stats()["jobs"] as? [String: Int])
        XCTAssertGreaterThan(jobs["FAILED"] ?? 0, 0, "the seed makes some jobs fail and cxv-poll send them again")
    }

    /// Connections reset with a TCP RST part-way through a request's body (it never takes
    /// effect) or part-way through its answer (it did): each is retried, nothing is stored twice.
    func testConnectionsResetMidRequestAndMidAnswerLoseNothing() throws {
        try startSandbox(["--job-time", "0.1", "--seed", "11", "--reset-rate", "0.15", "--reset-response-rate", "0.15"])
        // About 28 % of requests fail; ten attempts make giving up on one a one-in-300,000 event.
        try runSample(upload: "--max-attempts 10", poll: "--interval 0.05 --max-attempts 10")
        let requests = try XCTUnwrap(try stats()["requests"] as? [String: [String: Int]])
        let outcomes = requests.values.flatMap { $0 }
        XCTAssertGreaterThan(outcomes.filter { $0.key == "reset" }.map(\.value).reduce(0, +), 0, "\(requests)")
        XCTAssertGreaterThan(outcomes.filter { $0.key.hasPrefix("reset after") }.map(\.value).reduce(0, +), 0, "\(requests)")
        let imports = try XCTUnwrap(requests["POST /api/v2/contacts/import"])
        XCTAssertGreaterThan(imports.filter { $0.key.hasPrefix("reset") }.map(\.value).reduce(0, +), 0, "\(imports)")
    }

    /// One fault at a time, each strong enough to matter, each losing nothing.
    func testEachFaultAlone() throws {
        let faults: [(String, [String])] = [
            ("429 storm", ["--throttle", "4"]),
            ("503s", ["--fail-rate", "0.3"]),
            ("dropped connections", ["--drop-rate", "0.2"]),
            ("2-second tokens", ["--token-ttl", "2s", "--job-time", "1"]),
            ("transient job failures", ["--job-fail-rate", "0.5"]),
        ]
        for (name, arguments) in faults {
            try startSandbox(["--seed", "3", "--job-time", "0.1"] + arguments)
            // A journal of each run's own: one shared would resume the earlier runs' jobs, on a sandbox that never saw them.
            let r = try runSample(journal: "journal-\(faults.firstIndex { $0.0 == name }!).ndjson")
            XCTAssertEqual(try Pipeline.sh("grep -c '\"job\"' journal-\(faults.firstIndex { $0.0 == name }!).ndjson", in: dir).text
                .trimmingCharacters(in: .whitespacesAndNewlines), "11", "\(name): one job a chunk, in this run's journal")
            if name == "429 storm" { XCTAssertGreaterThan(try network(r)["throttled"] ?? 0, 0, name) }
            if name == "2-second tokens" { XCTAssertGreaterThan(try stats()["tokensIssued"] as? Int ?? 0, 1, name) }
        }
    }

    func testSIGINTSettlesWhatIsInFlightAndTheJournalResumes() throws {
        try startSandbox(["--job-time", "0", "--latency", "300ms"])
        let prepared = try Pipeline.sh("cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk --size 100 | cxv-gzip > chunks.ndjson", in: dir)
        XCTAssertEqual(prepared.status, 1)
        let chunks = try Pipeline.sh("cat chunks.ndjson", in: dir).records.filter { $0["kind"] as? String == "chunk" }.count
        let r = try Pipeline.sh(env + """
            cxv-upload --base-url \(url) --journal journal.ndjson --concurrency 2 < chunks.ndjson > first.ndjson 2> first.err &
            pid=$!; sleep 1.5; kill -INT $pid; wait $pid; echo "status $?"
            """, in: dir)
        XCTAssertEqual(r.text, "status 130\n")
        let first = try Pipeline.sh("cat first.ndjson", in: dir).records
        let submitted = first.filter { $0["state"] as? String == "submitted" }.count
        XCTAssertGreaterThan(submitted, 0)
        XCTAssertLessThan(submitted, chunks, "stopped before the end")
        XCTAssertFalse(first.contains { $0["kind"] as? String == "tally" && $0["stage"] as? String == "upload" },
                       "a stage that stopped writes no tally")
        let journal = try Pipeline.sh("wc -l < journal.ndjson", in: dir)
        XCTAssertEqual(Int(journal.text.trimmingCharacters(in: .whitespacesAndNewlines)), submitted, "journal = what was written on")
        // The same upload again with the journal: the stopped run's jobs come back, the rest go up.
        let again = try Pipeline.sh(env + "cxv-upload --base-url \(url) --journal journal.ndjson < chunks.ndjson | grep '\"stage\":\"upload\"'", in: dir)
        XCTAssertEqual(again.records.first?["resumed"] as? Int, submitted)
        // A request cancelled after the grace may have made its job unheard: the re-run sends it
        // again under the same key and gets that job back, so jobs made = chunks, none twice.
        let jobs = (try stats()["jobs"] as? [String: Int])?.values.reduce(0, +)
        XCTAssertEqual(jobs, chunks, "every chunk's job made once: the stopped run's from the journal or the key, not again")
        let contacts = try Pipeline.sh("cat chunks.ndjson", in: dir).records.compactMap { $0["count"] as? Int }.reduce(0, +)
        XCTAssertEqual(try stats()["contactsStored"] as? Int, contacts, "every contact stored once")
    }

    func testSecondRunWithTheSameJournalUploadsNothing() throws {
        try startSandbox(["--job-time", "0"])
        try runSample()
        let before = try stats()["requests"] as? [String: [String: Int]]
        let r = try Pipeline.sh(env + """
            cxv-validate --region US --dedupe '\(Pipeline.sample)' | cxv-chunk --size 250 | cxv-gzip \
            | cxv-upload --base-url \(url) --journal journal.ndjson | grep '"stage":"upload"'
            """, in: dir)
        XCTAssertEqual(r.records.first?["resumed"] as? Int, 11)
        XCTAssertEqual(r.records.first?["requests"] as? Int, 0)
        XCTAssertEqual((try stats()["requests"] as? [String: [String: Int]])?["POST /api/v2/contacts/import"],
                       before?["POST /api/v2/contacts/import"])
    }

    func testA401RefreshesTheTokenOnceAndDryRunSendsNothing() throws {
        try startSandbox(["--job-time", "0"])
        try runSample()
        // The cached token goes stale behind cxv's back (a server restart would do that).
        let cache = try Pipeline.sh("ls cache/cxv/", in: dir).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = dir.appendingPathComponent("cache/cxv/\(cache)")
        var token = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
        token["value"] = "revoked"
        try JSONSerialization.data(withJSONObject: token).write(to: path)
        let r = try Pipeline.sh(env + """
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk --size 2000 | cxv-gzip | cxv-upload --concurrency 1 --base-url \(url) \
            | grep -c '"state":"submitted"'
            """, in: dir)
        XCTAssertEqual(r.text, "2\n", r.stderr)
        let stats = try stats()
        XCTAssertEqual(stats["tokensIssued"] as? Int, 2, "one refresh after the 401")
        XCTAssertEqual((stats["requests"] as? [String: [String: Int]])?["POST /api/v2/contacts/import"]?["401"], 1)

        let dry = try Pipeline.sh(env + """
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk --size 2000 | cxv-gzip | cxv-upload --dry-run \
            | cxv-report --format json
            """, in: dir)
        XCTAssertTrue(dry.stderr.contains("dry run: POST /api/v2/contacts/import"), dry.stderr)
        XCTAssertEqual((dry.records.first?["accounting"] as? [String: Int])?["not_submitted"], 2966)
        XCTAssertEqual((try self.stats()["requests"] as? [String: [String: Int]])?["POST /api/v2/contacts/import"]?["201"],
                       (stats["requests"] as? [String: [String: Int]])?["POST /api/v2/contacts/import"]?["201"], "nothing sent")
    }

    /// Contacts that skipped cxv-validate, three with numbers the server refuses.
    func writeUnvalidatedContacts() throws -> String {
        var lines: [String] = []
        for i in 0..<20 {
            let phone = [4, 9, 17].contains(i) ? "555-01\(i)" : "+1303555\(String(format: "%04d", i))"
            lines.append(#"{"kind":"contact","line":\#(i + 2),"phone_number":"\#(phone)","first_name":"F\#(i)","last_name":"L"}"#)
        }
        lines.append(#"{"kind":"tally","stage":"validate","read":20,"contacts":20,"rejects":0}"#)
        let path = dir.appendingPathComponent("contacts.ndjson").path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testRowsTheServerRefusesComeBackWithTheirSourceLines() throws {
        for partial in [false, true] {
            try startSandbox(["--job-time", "0"] + (partial ? ["--partial"] : []))
            let contacts = try writeUnvalidatedContacts()
            let r = try Pipeline.sh(env + """
                cxv-chunk --size 8 < '\(contacts)' | cxv-gzip | cxv-upload --base-url \(url) \
                | cxv-poll --base-url \(url) --interval 0.05 > out.ndjson; cxv-report --format json < out.ndjson
                """, in: dir)
            XCTAssertEqual(r.status, 1, r.stderr)
            let accounting = try report(r)
            XCTAssertEqual(accounting["imported"], 17, "partial: \(partial)")
            XCTAssertEqual(accounting["rejected_import"], 3)
            XCTAssertEqual(accounting["unaccounted"], 0)
            let out = try Pipeline.sh("cat out.ndjson", in: dir)
            let rejects = out.records.filter { $0["kind"] as? String == "reject" }
            XCTAssertEqual(rejects.compactMap { $0["line"] as? Int }.sorted(), [6, 11, 19])
            XCTAssertEqual(rejects.compactMap { ($0["record"] as? [String: String])?["first_name"] }.sorted(), ["F17", "F4", "F9"])
            XCTAssertEqual(try stats()["contactsStored"] as? Int, 17)
        }
    }

    /// `--rejects` and `--imported` give every input row back once between them, with the columns it was read
    /// with (cxv-validate --keep-rows), each imported row with the chunk and job that carried it (Tests/Fixtures/check-row-files.py checks
    /// it, row by row): on the messy sample, with three rows the server refuses, whether it fails their jobs
    /// (cxv-poll sends the rest again) or completes them without those rows (--partial).
    func testTheRejectsAndImportedFilesHoldEveryInputRowOnce() throws {
        let checker = Pipeline.packageRoot.appendingPathComponent("Tests/Fixtures/check-row-files.py").path
        // Three contacts' numbers made unacceptable after cxv-validate, so that the server refuses their rows.
        let spoil = (1...3).map { #"-e 's/"phone_number":"+1202555000\#($0)"/"phone_number":"555-000\#($0)"/'"# }
        for partial in [false, true] {
            try startSandbox(["--job-time", "0"] + (partial ? ["--partial"] : []))
            let r = try Pipeline.sh(env + """
                cxv-validate --region US --dedupe --keep-rows '\(Pipeline.sample)' > validated.ndjson
                sed \(spoil.joined(separator: " ")) validated.ndjson | cxv-chunk --size 250 | cxv-gzip \
                | cxv-upload --base-url \(url) | cxv-poll --base-url \(url) --interval 0.05 > out.ndjson
                cxv-report --format json --rejects rejects.csv --imported imported.csv < out.ndjson > report.json
                echo "report $?"
                python3 '\(checker)' validated.ndjson out.ndjson rejects.csv imported.csv
                """, in: dir)
            XCTAssertEqual(r.status, 0, "partial: \(partial): \(r.text)")
            XCTAssertEqual(r.lines, ["report 1", "ok 828 2672"], "partial: \(partial): \(r.stderr)")
            XCTAssertEqual(try stats()["contactsStored"] as? Int, 2672)

            // --format json: each chunk's job, rows, retries and time, adding up to the chunks' rows.
            let report = try XCTUnwrap(Pipeline.sh("cat report.json", in: dir).records.first)
            let chunks = try XCTUnwrap(report["chunk_results"] as? [[String: Any]])
            XCTAssertEqual(chunks.count, 11)
            XCTAssertEqual(chunks.compactMap { $0["seq"] as? Int }.sorted(), Array(1...11), "in the order they finished")
            XCTAssertEqual(chunks.compactMap { $0["rows"] as? Int }.reduce(0, +), 2675)
            for chunk in chunks {
                XCTAssertEqual(chunk["state"] as? String, "completed")
                XCTAssertFalse((chunk["job"] as? String ?? "").isEmpty, "\(chunk)")
                let seconds = try XCTUnwrap(chunk["seconds"] as? Double, "\(chunk)")
                XCTAssertTrue(seconds >= 0 && seconds < 60, "\(chunk)")
            }
            XCTAssertEqual(chunks.compactMap { $0["retries"] as? Int }.reduce(0, +), partial ? 0 : 1,
                           "one job fails for its refused rows and is sent again without them")
        }
    }

    /// The server goes away between the stages: every chunk gives up after its retries,
    /// the stage says so and exits 69, and the report still accounts for every contact.
    func testAnUnreachableServiceEndsWith69AndLosesNothing() throws {
        try startSandbox(["--job-time", "0"])
        let chunks = try Pipeline.sh(env + """
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk | cxv-gzip | tee chunks.ndjson \
            | cxv-upload --base-url \(url) > submitted.ndjson
            """, in: dir)
        XCTAssertEqual(chunks.status, 1, "cxv-validate's rejects: \(chunks.stderr)")
        sandbox?.stop()  // the token stays cached; the port now refuses connections

        let poll = try Pipeline.sh(env + "cxv-poll --base-url \(url) --max-attempts 2 --interval 0.05 < submitted.ndjson > polled.ndjson",
                                   in: dir)
        XCTAssertEqual(poll.status, 69, poll.stderr)
        XCTAssertTrue(poll.stderr.contains("the service is unavailable"), poll.stderr)
        let polled = try Pipeline.sh("cxv-report --format json < polled.ndjson", in: dir)
        XCTAssertEqual(polled.status, 1)
        XCTAssertEqual(try report(polled)["failed"], 2966, "every contact in a failed chunk")
        XCTAssertEqual(try report(polled)["unaccounted"], 0)

        let upload = try Pipeline.sh(env + "cxv-upload --base-url \(url) --max-attempts 2 < chunks.ndjson > failed.ndjson", in: dir)
        XCTAssertEqual(upload.status, 69, upload.stderr)
        let failed = try Pipeline.sh("cat failed.ndjson", in: dir).records
        XCTAssertEqual(failed.filter { $0["state"] as? String == "failed" }.count, 3)
        XCTAssertEqual(failed.last?["gave_up"] as? Int, 3)
        let books = try Pipeline.sh("cxv-report --format json < failed.ndjson", in: dir)
        XCTAssertEqual(try report(books)["unaccounted"], 0)
    }

    /// cxv-poll fed one job at a time, each sent only once the one before is written: one job
    /// in flight however many are read, so its peak memory must not grow with the count.
    /// Keeping each finished job's task until the end cost about 30 KB a job: 24 MB over 800.
    func testPollMemoryFollowsTheJobsInFlightNotTheJobsRead() throws {
        try Pipeline.skipMemoryBoundUnderSanitizer()
        try startSandbox(["--job-time", "0"])
        func peakKiB(jobs: Int) throws -> Int {
            let r = try Pipeline.sh(env + """
                python3 -c 'import resource, subprocess, sys
                poll = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                for seq in range(1, int(sys.argv[1]) + 1):
                    poll.stdin.write(b"{\\"kind\\":\\"chunk\\",\\"state\\":\\"submitted\\",\\"seq\\":%d,\\"count\\":1,\\"job\\":{\\"id\\":\\"gone-%d\\"}}\\n" % (seq, seq))
                    poll.stdin.flush()
                    while b"\\"seq\\":%d," % seq not in poll.stdout.readline(): pass
                poll.stdin.close(); poll.stdout.read(); poll.wait()
                print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \(jobs) \
                cxv-poll --base-url \(url) --interval 0.001
                """, in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(Int(r.lines.last ?? ""), r.text + r.stderr)
        }
        let few = try peakKiB(jobs: 10)
        let many = try peakKiB(jobs: 800)
        XCTAssertLessThan(many - few, 8 << 10, "peak \(few) KiB after 10 jobs, \(many) KiB after 800")
    }

    /// --log-level and --log-format json: each request at debug, one JSON object a line;
    /// --quiet keeps only errors; stdout carries records only, whatever the level.
    func testLogLevelsAndJSONLogs() throws {
        try startSandbox(["--job-time", "0"])
        let r = try Pipeline.sh(env + """
            { cxv-validate --region US '\(Pipeline.sample)' --quiet || [ $? -eq 1 ]; } | cxv-chunk | cxv-gzip \
            | cxv-upload --base-url \(url) --log-level debug --log-format json 2> upload.log \
            | cxv-poll --base-url \(url) --interval 0.05 --quiet 2> poll.log > out.ndjson
            cat upload.log; echo "poll says $(wc -c < poll.log) bytes"
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "--quiet: cxv-validate's warnings are gone")
        let logs = r.lines.dropLast()
        XCTAssertGreaterThanOrEqual(logs.count, 4, r.text)
        for line in logs {
            let entry = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], line)
            XCTAssertEqual(entry["tool"], "cxv-upload")
            XCTAssertNotNil(entry["time"])
            XCTAssertTrue(["debug", "info"].contains(entry["level"] ?? ""), line)
        }
        XCTAssertEqual(logs.filter { $0.contains("POST api/v2/contacts/import") }.count, 3, "a line per request")
        XCTAssertEqual(r.lines.last, "poll says 0 bytes")
        XCTAssertTrue(try Pipeline.sh("cat out.ndjson", in: dir).records.allSatisfy { $0["kind"] != nil }, "stdout is records only")
    }
}
