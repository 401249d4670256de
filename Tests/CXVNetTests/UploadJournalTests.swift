import Foundation
import XCTest
@testable import CXVNet

final class UploadJournalTests: XCTestCase {
    /// A crash mid-write leaves half a line; the next run must neither misread it nor glue its
    /// own first entry onto it, or the run after that would not see that entry.
    func testATornLastLineIsCutSoTheNextEntryStandsOnItsOwn() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"key":"a","seq":1,"job":"j1"}"# .utf8 + [0x0A] + #"{"key":"b","seq":2,"jo"#.utf8).write(to: URL(fileURLWithPath: path))
        let first = try UploadJournal(path: path)
        let jobA = await first.entry(for: "a")?.job
        let jobB = await first.entry(for: "b")?.job
        XCTAssertEqual(jobA, "j1")
        XCTAssertNil(jobB, "the torn entry is not taken")
        try await first.record(.init(key: "c", seq: 3, job: "j3"))
        let again = try UploadJournal(path: path)
        let jobC = await again.entry(for: "c")?.job
        XCTAssertEqual(jobC, "j3", "the entry after the torn line is read back")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, "two whole lines, each ended: \(lines)")
        XCTAssertEqual(lines.first, #"{"key":"a","seq":1,"job":"j1"}"#)
        XCTAssertTrue(lines[1].contains(#""key":"c""#) && !lines[1].contains(#""key":"b""#), "\(lines)")

        try Data(#"{"key":"x""#.utf8).write(to: URL(fileURLWithPath: path))
        _ = try UploadJournal(path: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0, "a journal of one torn line is emptied")
    }
}
