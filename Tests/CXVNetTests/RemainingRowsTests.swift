import CXVCore
import Foundation
import XCTest
@testable import CXVAPI
@testable import CXVNet

/// cxv-poll's decisions about rows a job refused: which source line each one is, what is
/// sent again after a failed job, and when nothing is left to send.
final class RemainingRowsTests: XCTestCase {
    /// A built chunk of four rows from lines 2, 4, 7 and 9; the rows of lines 4 and 9 carry their rows as read.
    func chunk() throws -> ChunkRecord {
        let line = #"{"kind":"chunk","state":"built","seq":3,"count":4,"lines":[2,4,7,9],"#
            + #""records":[null,{"Tel":"303 555 0004"},null,{"Tel":"(303) 5550009"}],"#
            + #""csv":"phone_number,first_name,last_name,email\n+13035550002,A,L,\n+13035550004,B,L,\n+13035550007,C,L,\n+13035550009,D,L,\n"}"#
        return try Array(line.utf8).withUnsafeBytes { try ChunkRecord($0) }
    }

    func refusal(_ rows: Int...) -> [JobStatus.RowError] {
        rows.map { JobStatus.RowError(row: $0, message: "row \($0) refused") }
    }

    func records(_ rejects: [[UInt8]]) throws -> [[String: Any]] {
        try rejects.map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
    }

    func testRefusedRowsBecomeRejectsOfTheirSourceLinesWithTheirRowsAsReadOrAsSent() throws {
        let remaining = PollRun.RemainingRows(try chunk())
        let rejects = try records(try remaining.rejects(for: refusal(2, 3, 9)))
        XCTAssertEqual(rejects.map { $0["line"] as? Int }, [4, 7], "row 9 is past the CSV: no reject made up for it")
        XCTAssertEqual(rejects.map { $0["seq"] as? Int }, [3, 3])
        XCTAssertEqual(rejects[0]["record"] as? [String: String], ["Tel": "303 555 0004"], "as read, when carried")
        XCTAssertEqual(rejects[1]["record"] as? [String: String],
                       ["phone_number": "+13035550007", "first_name": "C", "last_name": "L", "email": ""], "else as sent")
        XCTAssertEqual((rejects[0]["errors"] as? [[String: String]])?.first?["code"], "refused_by_server")
    }

    func testAFailedJobIsSentAgainWithoutItsRefusedRowsAndTheNextNumbersCountThatCSV() throws {
        var remaining = PollRun.RemainingRows(try chunk())
        XCTAssertEqual(remaining.count, 4)
        XCTAssertFalse(try remaining.drop(refusal(2)))
        XCTAssertEqual(remaining.count, 3)
        XCTAssertEqual(String(decoding: try remaining.csv(), as: UTF8.self),
                       "phone_number,first_name,last_name,email\n+13035550002,A,L,\n+13035550007,C,L,\n+13035550009,D,L,\n")
        // Row 3 of the CSV sent again is line 9, not line 7.
        let again = try records(try remaining.rejects(for: refusal(3)))
        XCTAssertEqual(again.map { $0["line"] as? Int }, [9])
        XCTAssertEqual(again[0]["record"] as? [String: String], ["Tel": "(303) 5550009"])
        // Every row left refused: nothing to send again.
        XCTAssertTrue(try remaining.drop(refusal(1, 2, 3)))
    }

    func testAHalfOfASplitChunkNamesItsPartInItsRejects() throws {
        var half = try chunk()
        half.set("part", string: "2.1")
        let rejects = try records(try PollRun.RemainingRows(half).rejects(for: refusal(1)))
        XCTAssertEqual(rejects.first?["part"] as? String, "2.1")
    }
}
