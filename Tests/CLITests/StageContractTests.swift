import Foundation
import XCTest
import CXVCore

/// What docs/design.md §1 and §4 promise of every stage, checked on each of them: `-o` is atomic,
/// a closed stdout ends it quietly with 0, and `--version` is the one version.
final class StageContractTests: XCTestCase {
    var dir: URL!
    var sandbox: SandboxProcess?

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    var env: String {
        Pipeline.demoCredentials(cache: "\(dir.path)/cache")
    }

    /// Each stage on input with a few good records and then a line that is not one:
    /// it stops with 65, and its -o file never appears nor replaces the one already there.
    func testDashOIsAtomicInEveryStage() throws {
        sandbox = try SandboxProcess(["--job-time", "0"])
        let url = sandbox!.url
        let made = try Pipeline.sh(env + """
            cxv-validate --region US --dedupe '\(Pipeline.sample)' > contacts.ndjson
            cxv-chunk --size 500 contacts.ndjson > chunks.ndjson
            cxv-gzip chunks.ndjson > compressed.ndjson
            cxv-upload --base-url \(url) compressed.ndjson > submitted.ndjson
            cxv-poll --base-url \(url) --interval 0.05 submitted.ndjson > polled.ndjson
            for f in contacts chunks compressed submitted polled; do { cat $f.ndjson; echo 'not a record'; } > bad-$f.ndjson; done
            """, in: dir)
        XCTAssertEqual(made.status, 0, made.stderr)
        let stages = [
            ("cxv-chunk", "bad-contacts"),
            ("cxv-gzip", "bad-chunks"),
            ("cxv-upload --base-url \(url)", "bad-compressed"),
            ("cxv-poll --base-url \(url) --interval 0.05", "bad-submitted"),
            ("cxv-report", "bad-polled"),
        ]
        for (stage, input) in stages {
            try "the target from last night\n".write(to: dir.appendingPathComponent("out.ndjson"), atomically: true, encoding: .utf8)
            let r = try Pipeline.sh(env + "\(stage) -o out.ndjson \(input).ndjson", in: dir)
            XCTAssertEqual(r.status, 65, "\(stage): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(input).ndjson:"), "\(stage) names file:line: \(r.stderr)")
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("out.ndjson"), encoding: .utf8),
                           "the target from last night\n", "\(stage): -o replaced its target on failure")
            let ls = try Pipeline.sh("ls -a | grep -c 'out\\.ndjson\\.tmp' || true", in: dir)
            XCTAssertEqual(ls.text, "0\n", "\(stage) left a temporary file behind")
        }
        // cxv-validate stops on a CSV it cannot read at all.
        try "name,email\nAda,ada@example.com\n".write(to: dir.appendingPathComponent("nophone.csv"), atomically: true, encoding: .utf8)
        let validate = try Pipeline.sh("cxv-validate -o out.ndjson nophone.csv", in: dir)
        XCTAssertEqual(validate.status, 65, validate.stderr)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("out.ndjson"), encoding: .utf8), "the target from last night\n")
        XCTAssertEqual(try Pipeline.sh("ls -A | grep -v -E '\\.(ndjson|csv)$|^cache$' || true", in: dir).text, "",
                       "no temporary file left anywhere")
    }

    /// Far more output than a pipe holds, read only to its first line. (cxv-validate's own
    /// test is in OfflinePipelineTests; cxv-report writes one summary at the end.)
    func testAClosedStdoutEndsEveryStageQuietly() throws {
        sandbox = try SandboxProcess(["--job-time", "0"])
        let url = sandbox!.url
        let gen = Pipeline.packageRoot.appendingPathComponent("scripts/gen-contacts.py").path
        let made = try Pipeline.sh(env + """
            python3 '\(gen)' --count 60000 > big.csv
            cxv-validate --region US big.csv > contacts.ndjson; [ $? -le 1 ]
            cxv-chunk --size 200 contacts.ndjson > chunks.ndjson && cxv-gzip chunks.ndjson > compressed.ndjson \
              && cxv-upload --base-url \(url) --concurrency 8 compressed.ndjson > submitted.ndjson
            """, in: dir)
        XCTAssertEqual(made.status, 0, made.stderr)
        for stage in ["cxv-chunk contacts.ndjson", "cxv-gzip chunks.ndjson", "cxv-upload --dry-run compressed.ndjson",
                      "cxv-poll --base-url \(url) --interval 0.05 submitted.ndjson"] {
            let r = try Pipeline.sh(env + "\(stage) 2> err.txt | head -1 > /dev/null; echo \"${PIPESTATUS[0]}\"; cat err.txt", in: dir)
            let lines = r.lines
            XCTAssertEqual(lines.first, "0", "\(stage) | head -1: \(r.text)")
            XCTAssertEqual(lines.dropFirst().filter { !$0.hasPrefix("cxv-upload: dry run:") }, [], "\(stage) says nothing of it")
        }
    }

    func testEveryToolHasTheOneVersion() throws {
        for tool in CitizenshipTests.tools {
            XCTAssertEqual(try Pipeline.sh("\(tool) --version").text, CXVVersion.current + "\n", tool)
        }
    }

    /// The options both network stages share are checked by both, before anything is sent.
    func testBothNetworkStagesRefuseTheSameBadSharedOption() throws {
        for tool in ["cxv-upload", "cxv-poll"] {
            let r = try Pipeline.sh("\(tool) --max-attempts 0 < /dev/null")
            XCTAssertEqual(r.status, 64, "\(tool): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--max-attempts must be at least 1"), "\(tool): \(r.stderr)")
        }
    }

    /// Standard input has one name in every message: `stdin:LINE:`, as the file's would be `PATH:LINE:`.
    func testStandardInputIsNamedStdinByEveryReader() throws {
        let validate = try Pipeline.sh("cxv-validate < /dev/null")
        XCTAssertEqual(validate.status, 65)
        XCTAssertTrue(validate.stderr.contains("cxv-validate: stdin:1: no header row"), validate.stderr)
        let workbook = try Pipeline.sh("printf 'PK\\003\\004junk' | cxv-validate")
        XCTAssertTrue(workbook.stderr.contains("stdin:1: not an .xlsx workbook"), workbook.stderr)
        for stage in ["cxv-chunk", "cxv-gzip", "cxv-report"] {
            let r = try Pipeline.sh("printf '{\"kind\":\"tally\",\"stage\":\"x\"}\\nnot json\\n' | \(stage)")
            XCTAssertEqual(r.status, 65, stage)
            XCTAssertTrue(r.stderr.contains("stdin:2:"), "\(stage): \(r.stderr)")
        }
    }

    /// `-o FILE` gets the mode any new file gets, 0644 under the user's umask, and leaves no temporary file.
    func testDashOFilesFollowTheUmask() throws {
        let dir = try Pipeline.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Pipeline.sh("""
            (umask 022; cxv-validate -o open.ndjson '\(Pipeline.sample)' 2>/dev/null)
            (umask 077; cxv-validate -o private.ndjson '\(Pipeline.sample)' 2>/dev/null)
            stat -c '%a %n' open.ndjson private.ndjson; ls | grep -c tmp
            """, in: dir)
        XCTAssertEqual(r.lines, ["644 open.ndjson", "600 private.ndjson", "0"], r.stderr)
    }
}
