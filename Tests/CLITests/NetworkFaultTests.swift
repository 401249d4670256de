import Foundation
import XCTest

/// The six stages and cxv-sandbox in a network namespace of their own, its loopback broken by
/// the kernel's packet filter: packets lost, a partition of seconds, connections reset. Every
/// valid contact is stored once, the report is exact, and no stage outlives its deadline.
/// Needs root (skipped without it); `make test-network` runs only these.
final class NetworkFaultTests: XCTestCase {
    var dir: URL!
    var namespace: NetworkNamespace!
    var sandbox: SandboxProcess?

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
        namespace = try NetworkNamespace()
    }

    override func tearDownWithError() throws {
        sandbox?.stop()
        namespace?.remove()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The deadline of every stage: a stage still running then is killed and fails the test.
    let deadline = 300

    enum API { case contacts, callLists }

    /// Starts the six stages inside the namespace on the messy sample, each under `timeout`;
    /// `finish` waits for them.
    func startPipeline(_ api: API, chunkSize: Int = 100, network: String) throws -> Process {
        let url = try XCTUnwrap(sandbox).url
        let environment: String
        let chunk: String
        switch api {
        case .contacts:
            environment = "export CXONE_BASE_URL=\(url) CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret"
            chunk = "cxv-chunk --size \(chunkSize)"
        case .callLists:
            environment = """
                unset CXONE_BASE_URL; export CXONE_API=call-lists CXONE_ACCESS_KEY_ID=cxv-demo-key \
                CXONE_ACCESS_KEY_SECRET=cxv-demo-key-secret CXONE_LIST_ID=demo-list CXONE_AUTH_URL=\(url) CXONE_DISCOVERY_URL=\(url)
                """
            chunk = "cxv-chunk --external-id phone --size \(chunkSize)"
        }
        let t = "timeout -s KILL \(deadline)"
        let script = """
            export PATH='\(Pipeline.binDirectory.path)':"$PATH" XDG_CACHE_HOME='\(dir.path)/cache'
            \(environment)
            \(t) cxv-validate --region US --dedupe '\(Pipeline.sample)' | \(t) \(chunk) | \(t) cxv-gzip \
              | \(t) cxv-upload --journal journal.ndjson \(network) | \(t) cxv-poll --interval 0.1 \(network) > out.ndjson
            echo "${PIPESTATUS[*]}" > status
            \(t) cxv-report --format json < out.ndjson > report.json
            echo $? >> status
            """
        try script.write(to: dir.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace.name, "bash", "run.sh"]
        process.currentDirectoryURL = dir
        process.standardError = try FileHandle(forWritingTo: {
            let url = dir.appendingPathComponent("stderr")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        try process.run()
        return process
    }

    /// Waits for the pipeline, lifts every fault, then checks the statuses, the books and the
    /// server. Returns the packets each INPUT rule had matched, in order.
    @discardableResult
    func finish(_ process: Process, _ api: API) throws -> [Int] {
        process.waitUntilExit()
        let matched = try packetsMatched()
        print("\(name): packets matched by each INPUT rule: \(matched)")
        try namespace.iptables("-F INPUT")
        let stderr = (try? String(contentsOf: dir.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
        let statuses = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).map { Int($0) ?? -1 }
        // validate and report end 1 for the sample's rejects; a stage killed at its deadline shows 137.
        XCTAssertEqual(statuses, [1, 0, 0, 0, 0, 1], "validate, chunk, gzip, upload, poll, report: \(stderr.suffix(3000))")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        let books = try XCTUnwrap(report?["accounting"] as? [String: Int], stderr.suffix(3000).description)
        XCTAssertEqual(books["read"], 3500)
        XCTAssertEqual(books["imported"], 2675)
        XCTAssertEqual(books["failed"], 0)
        XCTAssertEqual(books["unaccounted"], 0)
        let stats = try XCTUnwrap(sandbox).stats()
        switch api {
        case .contacts:
            XCTAssertEqual(stats["contactsStored"] as? Int, 2675, "stored = imported")
            XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, 2675, "no phone stored twice")
        case .callLists:
            let list = (stats["lists"] as? [String: [String: Int]])?["demo-list"]
            XCTAssertEqual(list?["validRecords"], 2675, "the list holds what the report imported")
            XCTAssertEqual(list?["totalRecords"], 2675, "each record once")
        }
        return matched
    }

    /// The packets each rule of INPUT has matched so far, in order.
    func packetsMatched() throws -> [Int] {
        let r = try Pipeline.sh(namespace.exec("iptables -w -L INPUT -v -n -x"))
        // Two heading lines, then one a rule: "pkts bytes target prot …".
        return r.lines.dropFirst(2).compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
    }

    /// One TCP packet in twenty lost, in both directions: retransmission, then cxv's retries.
    func testFivePercentOfPacketsLost() throws {
        sandbox = try SandboxProcess(["--job-time", "0.1", "--latency", "20ms"], in: namespace)
        try namespace.iptables("-A INPUT -p tcp -m statistic --mode random --probability 0.05 -j DROP")
        let matched = try finish(try startPipeline(.contacts, network: "--max-attempts 10"), .contacts)
        XCTAssertGreaterThan(matched.first ?? 0, 0, "packets were lost")
    }

    /// Every packet dropped for five seconds while the chunks are going up. With 2 s request
    /// timeouts the stages meet the partition as timeouts, back off, and carry on once it heals.
    func testAPartitionOfSecondsMidRunIsWaitedOut() throws {
        sandbox = try SandboxProcess(["--job-time", "0.2", "--latency", "150ms"], in: namespace)
        let run = try startPipeline(.contacts, chunkSize: 50, network: "--max-attempts 10 --request-timeout 2s --concurrency 2")
        let journal = dir.appendingPathComponent("journal.ndjson")
        let started = Date()
        while run.isRunning, Date().timeIntervalSince(started) < 120,
              ((try? String(contentsOf: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 4 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(run.isRunning, "the partition must begin mid-run")
        try namespace.iptables("-I INPUT 1 -j DROP")
        Thread.sleep(forTimeInterval: 5)
        let lost = try packetsMatched().first ?? 0
        print("\(name): packets dropped by the 5 s partition: \(lost)")
        try namespace.iptables("-D INPUT 1")
        XCTAssertTrue(run.isRunning, "the stages waited the partition out")
        XCTAssertGreaterThan(lost, 0, "packets were dropped during the partition")
        try finish(run, .contacts)
    }

    /// One TCP packet in fifty answered by the filter with a reset: connections refused at the
    /// handshake and cut part-way through a body, either way. The rejected packet is lost too,
    /// so when it was an answer's, only the sender hears of it and the client waits: its
    /// request timeout (10 s here, 60 s by default) is what ends the wait.
    func testConnectionsResetByThePacketFilter() throws {
        sandbox = try SandboxProcess(["--job-time", "0.1"], in: namespace)
        try namespace.iptables("-A INPUT -p tcp -m statistic --mode random --probability 0.02 -j REJECT --reject-with tcp-reset")
        let matched = try finish(try startPipeline(.contacts, network: "--max-attempts 10 --request-timeout 10s"), .contacts)
        XCTAssertGreaterThan(matched.first ?? 0, 0, "connections were reset")
    }

    /// CXone's calling lists (sign-in, discovery, upload, job status) over loss and resets together.
    func testCallListsOverALossyNetworkThatResetsConnections() throws {
        sandbox = try SandboxProcess(["--job-time", "0.1", "--latency", "20ms"], in: namespace)
        try namespace.iptables("-A INPUT -p tcp -m statistic --mode random --probability 0.03 -j DROP")
        try namespace.iptables("-A INPUT -p tcp -m statistic --mode random --probability 0.01 -j REJECT --reject-with tcp-reset")
        let matched = try finish(try startPipeline(.callLists, network: "--max-attempts 10 --request-timeout 10s"), .callLists)
        XCTAssertGreaterThan(matched.first ?? 0, 0, "packets were lost")
        XCTAssertGreaterThan(matched.last ?? 0, 0, "connections were reset")
    }
}
