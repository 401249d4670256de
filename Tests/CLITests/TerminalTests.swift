import Foundation
import XCTest

/// A real terminal: a tmux server of the test's own (its own socket), one 150×40 window,
/// without the NO_COLOR that `swift test` hands its tests.
final class Terminal {
    private let socket = "cxv-test-\(UUID().uuidString.prefix(8))"
    let directory: URL

    init(directory: URL, environment: [String: String] = [:]) throws {
        self.directory = directory
        let path = Pipeline.binDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let exports = (["PATH": path, "PS1": "$ "].merging(environment) { $1 })
            .map { "export \($0.key)='\($0.value)'" }.joined(separator: "; ")
        // Not waited for: the server tmux forks keeps the descriptor Foundation watches for the
        // end of the process, so it "ends" with the server, at kill-server.
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "150", "-y", "40",
                            "-c", directory.path, "bash --norc --noprofile -c \"unset NO_COLOR; \(exports); exec bash --norc --noprofile -i\""]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let deadline = Date().addingTimeInterval(30)
        while !(try hasSession()) {
            guard Date() < deadline else { throw TerminalError.timeout("tmux server") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    private let server = Process()

    deinit { _ = try? tmux(["kill-server"]) }

    private func hasSession() throws -> Bool {
        try tmux(["list-sessions", "-F", "up"]).hasPrefix("up")
    }

    /// Types `command` and Enter.
    func type(_ command: String) throws {
        try tmux(["send-keys", "-t", "0", "-l", command])
        try tmux(["send-keys", "-t", "0", "Enter"])
    }

    /// Ctrl-C, as a person would press it.
    func interrupt() throws {
        try tmux(["send-keys", "-t", "0", "C-c"])
    }

    /// The screen as shown; with `escapes`, with its colors as escape sequences.
    func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", "0"] + (escapes ? ["-e"] : []))
    }

    /// Waits (up to 60 s, so a slow machine only waits longer) until the screen has a line
    /// for which `condition` holds, and returns that line.
    @discardableResult
    func waitForLine(escapes: Bool = false, _ what: String, where condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let line = try screen(escapes: escapes).split(separator: "\n").map(String.init).first(where: condition) {
                return line
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("no \(what) on the screen:\n\(try screen())")
        throw TerminalError.timeout(what)
    }

    /// Runs `command` and waits for the prompt after it; returns its exit status.
    func run(_ command: String) throws -> Int {
        let marker = "status-\(UUID().uuidString.prefix(6))"
        try type("\(command); echo \(marker)=$?")
        let line = try waitForLine("end of `\(command)`") { $0.hasPrefix("\(marker)=") }
        return Int(line.dropFirst(marker.count + 1)) ?? -1
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        // A file, not a pipe: the tmux server inherits the descriptor and would hold a pipe open.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-tmux-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: capture.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: capture) }
        let out = try FileHandle(forWritingTo: capture)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        return String(decoding: try Data(contentsOf: capture), as: UTF8.self)
    }
}

enum TerminalError: Error {
    case timeout(String)
}

/// docs/design.md §1's progress line, checked on a real terminal under tmux: cxv-report draws one
/// live line, a stage alone draws its own, nothing in a pipe, nothing on stdout.
final class TerminalTests: XCTestCase {
    var dir: URL!
    var sandbox: SandboxProcess?

    override func setUpWithError() throws {
        guard (try? Pipeline.sh("command -v tmux"))?.status == 0 else {
            throw XCTSkip("tmux is not installed (make test installs it)")
        }
        dir = try Pipeline.temporaryDirectory()
        // 14,000 rows of the sample: more than one batch of cxv-validate's.
        try Pipeline.sh("(head -1 '\(Pipeline.sample)'; for i in 1 2 3 4; do tail -n +2 '\(Pipeline.sample)'; done) > big.csv", in: dir)
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func pipeline(_ url: String) -> String {
        """
        cxv-validate --region US --dedupe '\(Pipeline.sample)' | cxv-chunk --size 250 | cxv-gzip \
        | cxv-upload --base-url \(url) | cxv-poll --base-url \(url) --interval 0.2 | cxv-report
        """
    }

    func testTheReportDrawsOneLiveLineThatFollowsTheStreamAndClearsIt() throws {
        sandbox = try SandboxProcess(["--job-time", "3s"])
        let terminal = try Terminal(directory: dir, environment: [
            "CXONE_CLIENT_ID": "cxv-demo", "CXONE_CLIENT_SECRET": "cxv-demo-secret", "XDG_CACHE_HOME": dir.path + "/cache"])
        try terminal.type(pipeline(sandbox!.url) + "; echo finished=$?")
        // The jobs take 3 s: the line is up with every chunk out and none back yet.
        let live = try terminal.waitForLine(escapes: true, "live report line") {
            $0.hasPrefix("cxv-report: read 3,500 · ") && $0.contains("in flight 11 · completed 0 · failed 0")
        }
        XCTAssertTrue(live.contains("\u{1B}[33mrejected 825"), "rejects stand out in color: \(live.debugDescription)")
        let screen = try terminal.screen()
        for stage in ["cxv-validate:", "cxv-chunk:", "cxv-gzip:", "cxv-upload:", "cxv-poll:"] {
            XCTAssertFalse(screen.contains(stage), "\(stage) is in a pipe and draws nothing:\n\(screen)")
        }
        try terminal.waitForLine("end of the run") { $0 == "finished=1" }
        let done = try terminal.screen()
        XCTAssertTrue(done.contains("Successful Chunks: 11"), done)
        XCTAssertFalse(done.contains("cxv-report: read"), "the line is cleared before the summary:\n\(done)")
    }

    func testANetworkStageAloneDrawsItsLineAndAMessageDoesNotBreakIt() throws {
        sandbox = try SandboxProcess(["--job-time", "30s"])
        let url = sandbox!.url
        let env = ["CXONE_CLIENT_ID": "cxv-demo", "CXONE_CLIENT_SECRET": "cxv-demo-secret", "XDG_CACHE_HOME": dir.path + "/cache"]
        let exports = env.map { "export \($0.key)=\($0.value); " }.joined()
        let upload = try Pipeline.sh(exports + """
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk --size 250 | cxv-gzip | cxv-upload --base-url \(url) -o submitted.ndjson
            """, in: dir)
        XCTAssertEqual(upload.status, 1, "the sample has rejects: \(upload.stderr)")
        let terminal = try Terminal(directory: dir, environment: env)
        try terminal.type("cxv-poll --base-url \(url) --interval 0.2 -o polled.ndjson submitted.ndjson; echo finished=$?")
        try terminal.waitForLine("cxv-poll's line") { $0.hasPrefix("cxv-poll: chunks 12 · waiting 12 · completed 0 · failed 0 · ") }
        try terminal.interrupt()
        try terminal.waitForLine("end of cxv-poll") { $0 == "finished=130" }
        let screen = try terminal.screen()
        XCTAssertTrue(screen.split(separator: "\n").contains { $0.hasPrefix("cxv-poll: stopping: no more chunks are taken") },
                      "the message has a line of its own:\n\(screen)")
        XCTAssertFalse(screen.contains("cxv-poll: chunks"), "the line is gone:\n\(screen)")
    }

    func testNoColorKeepsTheLineAndDropsItsColor() throws {
        let terminal = try Terminal(directory: dir, environment: ["NO_COLOR": "1"])
        try terminal.type("{ cat big.csv; sleep 30; } | cxv-validate -o out.ndjson")
        let live = try terminal.waitForLine(escapes: true, "cxv-validate's line") { $0.hasPrefix("cxv-validate: read ") }
        XCTAssertTrue(live.contains("rejected"), live)
        XCTAssertFalse(live.contains("\u{1B}["), "NO_COLOR: no escape sequence in \(live.debugDescription)")
    }

    func testAStageAloneOnATerminalShowsItsProgressAndInAPipeDoesNot() throws {
        let terminal = try Terminal(directory: dir)
        // Alone, writing a file: its line follows the rows read, and goes when it ends.
        try terminal.type("{ cat big.csv; until [ -e go ]; do sleep 0.1; done; } | cxv-validate -o out.ndjson; echo finished=$?")
        try terminal.waitForLine("cxv-validate's line") {
            $0.hasPrefix("cxv-validate: read 1") && $0.contains(" · contacts ") && $0.contains(" · rejected ")
        }
        try Pipeline.sh("touch go", in: dir)  // the input ends
        try terminal.waitForLine("end of cxv-validate") { $0 == "finished=1" }
        XCTAssertFalse(try terminal.screen().contains("cxv-validate: read"), "cleared when done")
        XCTAssertEqual(try Pipeline.sh("tail -1 out.ndjson", in: dir).records.first?["read"] as? Int, 14000)

        // Into a pipe, or told --no-progress, or --quiet: nothing, until the input ends.
        for command in ["{ cat big.csv; sleep 2; } | cxv-validate | cat > piped.ndjson",
                        "{ cat big.csv; sleep 2; } | cxv-validate --no-progress -o told.ndjson",
                        "{ cat big.csv; sleep 2; } | cxv-validate --quiet -o quiet.ndjson"] {
            try terminal.type("clear")
            _ = try terminal.run(command)
            XCTAssertFalse(try terminal.screen().contains("cxv-validate:"), command)
        }
        XCTAssertEqual(try Pipeline.sh("cat piped.ndjson told.ndjson quiet.ndjson | grep -c '\"read\":14000'", in: dir).text, "3\n")
    }

    func testNothingWhenStderrIsNotATerminalUnlessForced() throws {
        let quiet = try Pipeline.sh("{ cat big.csv; sleep 0.5; } | cxv-validate -o out.ndjson", in: dir)
        XCTAssertEqual(quiet.status, 1)
        XCTAssertEqual(quiet.stderr, "", "stderr is a file: no line")

        let forced = try Pipeline.sh("{ cat big.csv; sleep 0.6; } | cxv-validate --progress > out.ndjson", in: dir)
        XCTAssertEqual(forced.status, 1)
        XCTAssertTrue(forced.stderr.contains("\rcxv-validate: read "), forced.stderr.debugDescription)
        XCTAssertTrue(forced.stderr.hasSuffix("\r\u{1B}[K"), "cleared at the end: \(forced.stderr.debugDescription)")
        XCTAssertFalse(try Pipeline.sh("grep -c 'cxv-validate:' out.ndjson", in: dir).status == 0, "never on stdout")
    }
}
