import Foundation
import XCTest

/// The six stages under `CXONE_API=call-lists` against cxv-sandbox's calling lists, signing in
/// with an access key and finding the API through discovery: every valid contact on the list
/// once, the report's books exact, whatever the server does.
final class CallListPipelineTests: XCTestCase {
    var dir: URL!
    var sandbox: SandboxProcess?
    var url = ""
    let keySecret = "K3y-s3cret &+=% spaced"

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func startSandbox(_ arguments: [String]) throws {
        sandbox?.stop()
        sandbox = try SandboxProcess(["--access-key-id", "AKTEST", "--access-key-secret", keySecret,
                                      "--tenant-id", "tenant-42", "--list", "nightly"] + arguments)
        url = sandbox!.url
    }

    /// The environment a real tenant's user sets, pointed at the sandbox; no base URL, so the API is discovered.
    var env: String {
        """
        unset CXONE_BASE_URL CXONE_CLIENT_ID CXONE_CLIENT_SECRET; \
        export CXONE_API=call-lists CXONE_ACCESS_KEY_ID=AKTEST CXONE_ACCESS_KEY_SECRET='\(keySecret)' CXONE_LIST_ID=nightly \
        CXONE_AUTH_URL=\(url) CXONE_DISCOVERY_URL=\(url) XDG_CACHE_HOME='\(dir.path)/cache'; 
        """
    }

    func stats() throws -> [String: Any] { try XCTUnwrap(sandbox).stats() }

    /// The list's counts as the sandbox holds them.
    func list(_ id: String = "nightly") throws -> [String: Int] {
        let stats = try stats()
        return try XCTUnwrap((stats["lists"] as? [String: [String: Int]])?[id], "\(stats)")
    }

    func report(_ r: Pipeline.Result) throws -> [String: Any] {
        try XCTUnwrap(r.records.last, r.stderr)
    }

    func accounting(_ r: Pipeline.Result) throws -> [String: Int] {
        try XCTUnwrap(try report(r)["accounting"] as? [String: Int], r.text)
    }

    let chunked = "cxv-validate --region US --dedupe '\(Pipeline.sample)' | cxv-chunk --external-id phone --size 250 | cxv-gzip"

    /// The full pipeline on the messy sample: 2,675 valid contacts, each on the list once.
    @discardableResult
    func runSample(upload: String = "", poll: String = "--interval 0.05", file: String = "out.ndjson") throws -> Pipeline.Result {
        let r = try Pipeline.sh(env + """
            \(chunked) | cxv-upload --journal journal.ndjson \(upload) | cxv-poll \(poll) > \(file); cxv-report --format json < \(file)
            """, in: dir)
        XCTAssertEqual(r.status, 1, "finished with the sample's rejects: \(r.stderr)")
        let books = try accounting(r)
        XCTAssertEqual(books["read"], 3500)
        XCTAssertEqual(books["unaccounted"], 0)
        XCTAssertEqual(books["imported"], 2675)
        XCTAssertEqual(books["failed"], 0)
        let list = try list()
        XCTAssertEqual(list["validRecords"], 2675, "the list holds what the report imported")
        XCTAssertEqual(list["totalRecords"], 2675, "each record once")
        XCTAssertEqual(list["invalidRecords"], 0)
        let verdict = try XCTUnwrap(try report(r)["list"] as? [String: Int], r.text)
        XCTAssertEqual(verdict["valid_added"], 2675, "the report shows the list's own verdict")
        XCTAssertEqual(verdict["invalid_added"], 0)
        return r
    }

    func testCleanRunDiscoversTheAPISignsInOnceAndPutsEveryContactOnTheListOnce() throws {
        try startSandbox(["--job-time", "0.1"])
        try runSample()
        let stats = try stats()
        XCTAssertEqual(stats["tokensIssued"] as? Int, 1, "upload and poll share one access-key token")
        let requests = try XCTUnwrap(stats["requests"] as? [String: [String: Int]])
        let discovery = requests.filter { $0.key.contains("cxone-configuration") }.values.flatMap(\.values).reduce(0, +)
        XCTAssertEqual(discovery, 1, "the endpoint is discovered once a run: \(requests.keys.sorted())")
        let text = try Pipeline.sh("cxv-report < out.ndjson", in: dir).text
        XCTAssertTrue(text.contains("CXone names no rows"), text)
        XCTAssertTrue(text.contains("valid records added"), text)
    }

    func testThrottling503sDropsAndShortTokensTogetherLoseNothing() throws {
        try startSandbox(["--job-time", "0.2", "--seed", "7", "--throttle", "20", "--fail-rate", "0.1",
                          "--drop-rate", "0.05", "--token-ttl", "4s"])
        let r = try runSample()
        XCTAssertGreaterThan((try report(r)["network"] as? [String: Int])?["throttled"] ?? 0, 0, "the 429s came without Retry-After and were backed off")
    }

    /// Resets (TCP RST) part-way through a request or its answer, on sign-in, discovery, upload
    /// and job status alike: each list record once.
    func testConnectionsResetMidRequestAndMidAnswerPutEachContactOnTheListOnce() throws {
        try startSandbox(["--job-time", "0.1", "--seed", "5", "--reset-rate", "0.15", "--reset-response-rate", "0.15"])
        try runSample(upload: "--max-attempts 10", poll: "--interval 0.05 --max-attempts 10")
        let requests = try XCTUnwrap(try stats()["requests"] as? [String: [String: Int]])
        let resets = requests.values.flatMap { $0 }.filter { $0.key.hasPrefix("reset") }.map(\.value).reduce(0, +)
        XCTAssertGreaterThan(resets, 0, "\(requests)")
    }

    func testKilledUploadsResumeFromTheJournalAndTheListHoldsEachContactOnce() throws {
        try startSandbox(["--job-time", "0", "--latency", "20ms"])
        XCTAssertEqual(try Pipeline.sh(env + "\(chunked) > chunks.ndjson", in: dir).status, 1)
        let chunks = try Pipeline.sh("grep -c '\"kind\":\"chunk\"' chunks.ndjson", in: dir).text.trimmingCharacters(in: .whitespacesAndNewlines)
        for (run, delay) in ["0.15", "0.3", "0.5"].enumerated() {
            _ = try Pipeline.sh(env + """
                cxv-upload --journal journal.ndjson --concurrency 2 < chunks.ndjson > /dev/null 2>&1 &
                pid=$!; sleep \(delay)
                # At least one job journaled before the kill, however slow the machine: the resume has something to
                # resume. A job's line, not the list's counts, which the journal holds first.
                for _ in $(seq 400); do grep -q '"job":' journal.ndjson 2>/dev/null && break; sleep 0.05; done
                kill -9 $pid 2>/dev/null; wait $pid; echo run \(run)
                """, in: dir)
        }
        let r = try Pipeline.sh(env + """
            cxv-upload --journal journal.ndjson < chunks.ndjson | cxv-poll --interval 0.05 > out.ndjson; cxv-report --format json < out.ndjson
            """, in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let books = try accounting(r)
        XCTAssertEqual(books["imported"], 2675)
        XCTAssertEqual(books["unaccounted"], 0)
        XCTAssertEqual(try list()["totalRecords"], 2675, "a chunk sent twice updated its records, never duplicated them")
        let upload = try XCTUnwrap(try Pipeline.sh("grep '\"stage\":\"upload\"' out.ndjson", in: dir).records.first)
        XCTAssertGreaterThan(upload["resumed"] as? Int ?? 0, 0, "the killed runs' jobs came from the journal")
        XCTAssertEqual(upload["chunks"] as? Int, Int(chunks))
        let contacts = try Pipeline.sh("curl -s \(url)/sandbox/contacts | grep '\"list\":\"nightly\"' | grep -o '\"external_id\":\"[^\"]*\"' | sort | uniq -d | wc -l")
        XCTAssertEqual(contacts.text.trimmingCharacters(in: .whitespacesAndNewlines), "0", "no external id twice on the list")
    }

    func testARefusedKeyIs77AMissingListIs78AndAMismatchedAPIIsNamed() throws {
        try startSandbox(["--job-time", "0"])
        XCTAssertEqual(try Pipeline.sh(env + "\(chunked) > chunks.ndjson", in: dir).status, 1)
        let r = try Pipeline.sh(env + """
            CXONE_ACCESS_KEY_SECRET=wrong cxv-upload < chunks.ndjson > /dev/null 2> refused.err; echo "refused $?"
            CXONE_LIST_ID=no-such-list cxv-upload < chunks.ndjson > /dev/null 2> missing.err; echo "missing $?"
            CXONE_API=contacts-import CXONE_BASE_URL=\(url) CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret \
              cxv-upload < chunks.ndjson > /dev/null 2> mismatch.err; echo "mismatch $?"
            unset CXONE_LIST_ID; cxv-upload < chunks.ndjson > /dev/null 2> nolist.err; echo "no list $?"
            """, in: dir)
        XCTAssertEqual(r.lines, ["refused 77", "missing 78", "mismatch 78", "no list 78"], r.stderr)
        let missing = try String(contentsOf: dir.appendingPathComponent("missing.err"), encoding: .utf8)
        XCTAssertTrue(missing.contains("no-such-list"), missing)
        let mismatch = try String(contentsOf: dir.appendingPathComponent("mismatch.err"), encoding: .utf8)
        XCTAssertTrue(mismatch.contains("call-lists") && mismatch.contains("contacts-import"), mismatch)
        let refused = try String(contentsOf: dir.appendingPathComponent("refused.err"), encoding: .utf8)
        XCTAssertTrue(refused.contains("access key"), refused)
        XCTAssertFalse(refused.contains(keySecret))
        XCTAssertEqual(try list()["totalRecords"], 0, "nothing was sent")
        // forceOverwrite replaces the list with each upload: a second chunk would wipe the first.
        let overwrite = try Pipeline.sh(env + "cxv-upload --force-overwrite < chunks.ndjson > /dev/null 2> overwrite.err; echo $?; cat overwrite.err", in: dir)
        XCTAssertEqual(overwrite.lines.first, "78", overwrite.text)
        XCTAssertTrue(overwrite.text.contains("--force-overwrite") && overwrite.text.contains("more than one chunk"), overwrite.text)
    }

    func testTenantCapacityFailsTheChunksPastItAndTheRestGoesOn() throws {
        try startSandbox(["--job-time", "0", "--tenant-capacity", "1000"])
        let r = try Pipeline.sh(env + """
            \(chunked) | cxv-upload --concurrency 1 | cxv-poll --interval 0.05 > out.ndjson; cxv-report --format json < out.ndjson
            """, in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let books = try accounting(r)
        XCTAssertEqual(books["imported"], 1000, "four chunks of 250 fit")
        XCTAssertEqual(books["failed"], 1675, "the rest failed, counted")
        XCTAssertEqual(books["unaccounted"], 0)
        XCTAssertEqual(try list()["totalRecords"], 1000)
        let errors = try XCTUnwrap(try report(r)["errors"] as? [String])
        XCTAssertTrue(errors.contains { $0.contains("capacity") }, "the server's message reaches the report: \(errors)")
    }

    func testCancelOnStopCancelsTheRunningJobsAndTheReportCountsThem() throws {
        try startSandbox(["--job-time", "60s"])
        let r = try Pipeline.sh(env + """
            \(chunked) | cxv-upload > submitted.ndjson
            cxv-poll --interval 0.05 --cancel-on-stop < submitted.ndjson > out.ndjson 2> poll.err &
            pid=$!; sleep 1; kill -TERM $pid; wait $pid; echo "status $?"
            """, in: dir)
        XCTAssertEqual(r.lines.last, "status 143", r.stderr)
        let said = try String(contentsOf: dir.appendingPathComponent("poll.err"), encoding: .utf8)
        let chunks = try Pipeline.sh("grep -c '\"state\":\"submitted\"' submitted.ndjson", in: dir).text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(said.components(separatedBy: "cancelled job").count - 1, Int(chunks), "each cancelled job is named: \(said)")
        let stats = try stats()
        let jobs = try XCTUnwrap(stats["callListJobs"] as? [String: Int], "\(stats)")
        XCTAssertEqual(jobs["cancelled"], Int(chunks))
        let report = try Pipeline.sh("cat out.ndjson | cxv-report --format json", in: dir)
        let books = try accounting(report)
        XCTAssertEqual(books["failed"], 2675, "the cancelled chunks' contacts are counted as failed")
        XCTAssertEqual(books["imported"], 0)
        XCTAssertEqual(try list()["totalRecords"], 0, "a cancelled job's records never reach the list")
    }

    func testDryRunPrintsEachRequestWithoutTheKey() throws {
        try startSandbox(["--job-time", "0"])
        let r = try Pipeline.sh(env + "\(chunked) | cxv-upload --dry-run > /dev/null 2> dry.err; cat dry.err", in: dir)
        let lines = r.lines.filter { $0.contains("dry run:") }
        XCTAssertEqual(lines.count, 11, r.text)
        let first = try XCTUnwrap(lines.first)
        for part in ["POST /lists/call-lists/nightly/upload", "listFile (", "bytes of base64", "fileName nightly-1.csv",
                     "forceOverwrite false", "expirationDate 20", "startSkill false", "sendEmail false"] {
            XCTAssertTrue(first.contains(part), "\(part) in \(first)")
        }
        XCTAssertFalse(r.text.contains(keySecret))
        XCTAssertEqual(try stats()["tokensIssued"] as? Int, 0, "a dry run signs in nowhere")
    }
}
