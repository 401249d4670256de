import Foundation
import XCTest

/// The inputs the fuzzers kept (Fuzz/corpus, from `make fuzz`), replayed through the
/// built tools on every test run: each ends with a documented status, never a signal,
/// and a stage that finishes accounts for every row it read.
final class FuzzCorpusTests: XCTestCase {
    /// `command FILE` for each file of a corpus: file name → exit status, and file name → its tally line.
    func replay(_ corpus: String, _ command: String, atLeast: Int = 100) throws -> (statuses: [String: Int32], tallies: [String: String]) {
        let folder = Pipeline.packageRoot.appendingPathComponent("Fuzz/corpus/\(corpus)").path
        let r = try Pipeline.sh("""
            for f in '\(folder)'/*; do
              \(command) "$f" > /tmp/cxv-corpus-$$.out 2>/dev/null; s=$?
              echo "status $(basename "$f") $s"; grep '"kind":"tally"' /tmp/cxv-corpus-$$.out | tail -1
            done; rm -f /tmp/cxv-corpus-$$.out
            """)
        var statuses: [String: Int32] = [:]
        var tallies: [String: String] = [:]
        var file = ""
        for line in r.lines {
            if line.hasPrefix("status ") {
                let parts = line.split(separator: " ")
                file = String(parts[1])
                statuses[file] = Int32(parts[2]) ?? -1
            } else {
                tallies[file] = line
            }
        }
        XCTAssertGreaterThanOrEqual(statuses.count, atLeast, "the \(corpus) corpus is there")
        return (statuses, tallies)
    }

    /// A run that finished (0 or 1) wrote its tally, and the tally balances: read = contacts + rejects.
    func assertAccounted(_ statuses: [String: Int32], _ tallies: [String: String]) throws {
        for (file, status) in statuses where status <= 1 {
            let tally = try XCTUnwrap(tallies[file], "\(file): finished with \(status) but wrote no tally")
            let t = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(tally.utf8)) as? [String: Any], tally)
            XCTAssertEqual(t["read"] as? Int, (t["contacts"] as? Int ?? -1) + (t["rejects"] as? Int ?? -1), "\(file): \(tally)")
        }
    }

    func testTheCSVCorpusThroughCxvValidate() throws {
        let (statuses, tallies) = try replay("csv", "cxv-validate --region US")
        for (file, status) in statuses { XCTAssertTrue([0, 1, 65].contains(status), "\(file): status \(status)") }
        try assertAccounted(statuses, tallies)
    }

    func testTheNDJSONCorpusThroughCxvChunkAndCxvValidate() throws {
        for (file, status) in try replay("ndjson", "cxv-chunk --skip-invalid").statuses {
            XCTAssertTrue([0, 65].contains(status), "cxv-chunk \(file): status \(status)")
        }
        let validated = try replay("ndjson", "cxv-validate --input-format ndjson")
        for (file, status) in validated.statuses {
            XCTAssertTrue([0, 1, 65].contains(status), "cxv-validate \(file): status \(status)")
        }
        try assertAccounted(validated.statuses, validated.tallies)
    }

    func testTheWorkbookCorpusThroughCxvValidate() throws {
        let (statuses, tallies) = try replay("xlsx", "cxv-validate --input-format xlsx --region US", atLeast: 30)
        for (file, status) in statuses { XCTAssertTrue([0, 1, 65].contains(status), "\(file): status \(status)") }
        try assertAccounted(statuses, tallies)
    }
}
