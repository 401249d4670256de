import Foundation
import XCTest

/// `make demo` is a newcomer's first run: it must end 0 when it ran as designed, and show the
/// faults cxv handled rather than a run where none fired.
final class DemoTests: XCTestCase {
    func testTheDemoEndsZeroAndShowsTheFaultsItMet() throws {
        let script = Pipeline.packageRoot.appendingPathComponent("scripts/demo.sh").path
        let r = try Pipeline.sh("'\(script)' '\(Pipeline.binDirectory.path)'")
        XCTAssertEqual(r.status, 0, r.text + r.stderr)
        let text = r.text
        // Throttled uploads were retried, and one transiently failed job was sent again.
        let requests = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("Requests: ") }, text)
        let throttled = Int(requests.split(separator: "(").last?.split(separator: " ").first ?? "") ?? 0
        XCTAssertGreaterThan(throttled, 0, String(requests))
        XCTAssertTrue(text.contains("Chunk Retries: 1 (uploaded again after FAILED)"), text)
        // Both runs balance: the contacts-import run and the calling-list run.
        XCTAssertEqual(text.components(separatedBy: "OK with rejects: every contact is accounted for; 825 rejected, 0 in failed chunks.").count, 3, text)
        XCTAssertTrue(text.contains("What the server holds: 2675 contacts stored, 2675 distinct numbers"), text)
        XCTAssertTrue(text.contains("What the list holds: 2675 records, 2675 valid, 0 invalid"), text)
        XCTAssertTrue(text.contains("report: finished; every contact accounted for, some rejected"), text)
    }
}
