import Foundation
import XCTest

/// The .deb's multi-call program, `cxv`: called by a tool's name (a link, as in /usr/bin), it
/// is that tool. cxv-validate is not among them: it is a program of its own in the package.
final class MultiCallTests: XCTestCase {
    func testEachNameRunsItsTool() throws {
        let dir = try Pipeline.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cxv = Pipeline.binDirectory.appendingPathComponent("cxv").path
        for tool in CitizenshipTests.tools where tool != "cxv-validate" {
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(tool).path,
                                                       withDestinationPath: cxv)
            let linked = try Pipeline.sh("./\(tool) --help", in: dir)
            XCTAssertEqual(linked.status, 0, linked.stderr)
            XCTAssertEqual(linked.stdout, try Pipeline.sh("\(tool) --help").stdout, tool)
        }
        let own = try Pipeline.sh("'\(cxv)' --help")
        XCTAssertTrue(own.text.contains("cxv-chunk, cxv-gzip"), own.text)
    }
}
