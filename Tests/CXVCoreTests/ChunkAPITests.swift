import Foundation
import XCTest
@testable import CXVCore

/// ChunkBuilder under each import API: its header, the chunk's `api`, and under
/// call-lists the external id rules and CXone's limits.
final class ChunkAPITests: XCTestCase {
    /// A contact record; `id` nil leaves out external_id.
    func contact(_ line: Int, _ phone: String, first: String = "A", id: String? = nil, file: String? = nil,
                 extra: String = "") -> [UInt8] {
        var members = [#""kind":"contact""#, #""line":\#(line)"#]
        if let file { members.append(#""file":"\#(file)""#) }
        members += [#""phone_number":"\#(phone)""#, #""first_name":"\#(first)""#, #""last_name":"L""#]
        if let id { members.append(#""external_id":"\#(id)""#) }
        return Array(("{" + members.joined(separator: ",") + extra + "}").utf8)
    }

    func run(_ builder: ChunkBuilder, _ contacts: [[UInt8]]) throws -> [[String: Any]] {
        var out: [UInt8] = []
        for contact in contacts {
            out += try contact.withUnsafeBytes { try builder.add(RawRecord(kind: .contact, bytes: $0, line: 1), source: "-") }
        }
        out += builder.finish()
        return out.split(separator: 0x0A).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    func kind(_ records: [[String: Any]], _ kind: String) -> [[String: Any]] {
        records.filter { $0["kind"] as? String == kind }
    }

    func error(_ reject: [String: Any]) -> (field: String, code: String, message: String) {
        let error = (reject["errors"] as! [[String: Any]])[0]
        return (error["field"] as! String, error["code"] as! String, error["message"] as! String)
    }

    func testContactsImportKeepsTheTutorialHeaderAndNamesItsAPI() throws {
        let builder = ChunkBuilder(limits: ChunkLimits())
        var out: [UInt8] = []
        for record in [contact(2, "+12025550100", id: "X-1"), contact(3, "+12025550101")] {
            out += try record.withUnsafeBytes { try builder.add(RawRecord(kind: .contact, bytes: $0, line: 1), source: "-") }
        }
        out += builder.finish()
        let line = String(decoding: out.prefix { $0 != 0x0A }, as: UTF8.self)
        XCTAssertTrue(line.hasPrefix(#"{"kind":"chunk","state":"built","seq":1,"api":"contacts-import","count":2,"#), line)
        XCTAssertTrue(line.hasSuffix(#""csv":"phone_number,first_name,last_name,email\n+12025550100,A,L,\n+12025550101,A,L,\n"}"#),
                      "an external_id is no column of contacts-import, nor a reason to reject: \(line)")
    }

    func testCallListsHeaderStartsWithTheExternalID() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits(), columns: ["Team"])
        let records = try run(builder, [contact(2, "+12025550100", first: "Zoë", id: "X-1", extra: #","extra":{"Team":"red"}"#)])
        let chunk = try XCTUnwrap(kind(records, "chunk").first)
        XCTAssertEqual(chunk["api"] as? String, "call-lists")
        XCTAssertEqual(chunk["csv"] as? String, "external_id,phone_number,first_name,last_name,email,Team\nX-1,+12025550100,Zoë,L,,red\n")
        XCTAssertEqual(chunk["lines"] as? [Int], [2])
    }

    func testColumnsExternalIDReadsTheContactsExternalIDUnderContactsImport() throws {
        let builder = ChunkBuilder(limits: ChunkLimits(), columns: ["external_id"])
        let records = try run(builder, [contact(2, "+12025550100", id: "X-1"), contact(3, "+12025550101")])
        XCTAssertEqual(kind(records, "chunk")[0]["csv"] as? String,
                       "phone_number,first_name,last_name,email,external_id\n+12025550100,A,L,,X-1\n+12025550101,A,L,,\n")
    }

    func testAContactWithoutAnExternalIDIsAReject() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits())
        let records = try run(builder, [contact(2, "+12025550100"), contact(3, "+12025550101", id: ""),
                                        contact(4, "+12025550102", id: "X-4")])
        let rejects = kind(records, "reject")
        XCTAssertEqual(rejects.map { $0["line"] as? Int }, [2, 3])
        for reject in rejects {
            XCTAssertEqual(reject["stage"] as? String, "chunk")
            let (field, code, message) = error(reject)
            XCTAssertEqual(field, "external_id")
            XCTAssertEqual(code, "no_external_id")
            XCTAssertTrue(message.contains("cxv-validate --map external_id=COLUMN"), message)
            XCTAssertTrue(message.contains("cxv-chunk --external-id phone"), message)
        }
        XCTAssertEqual(rejects[0]["record"] as? [String: String],
                       ["external_id": "", "phone_number": "+12025550100", "first_name": "A", "last_name": "L", "email": ""])
        XCTAssertEqual(kind(records, "chunk").map { $0["lines"] as? [Int] }, [[4]])
        let tally = try XCTUnwrap(records.last)
        XCTAssertEqual([tally["contacts"], tally["rows"], tally["rejects"]] as? [Int], [3, 1, 2])
    }

    func testExternalIDFromThePhoneNumber() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits(), externalID: .phone)
        let records = try run(builder, [contact(2, "+12025550100"), contact(3, "+12025550101", id: "ignored")])
        XCTAssertEqual(kind(records, "chunk")[0]["csv"] as? String,
                       "external_id,phone_number,first_name,last_name,email\n+12025550100,+12025550100,A,L,\n+12025550101,+12025550101,A,L,\n")
        XCTAssertEqual(kind(records, "reject").count, 0)
    }

    func testALaterDuplicateExternalIDIsARejectNamingTheFirst() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits(rows: 2))
        let records = try run(builder, [contact(2, "+12025550100", id: "dup"), contact(3, "+12025550101", id: "other"),
                                        contact(5, "+12025550102", id: "dup"), contact(9, "+12025550103", id: "dup")])
        let rejects = kind(records, "reject")
        XCTAssertEqual(rejects.map { $0["line"] as? Int }, [5, 9], "across chunks, and the third still names the first")
        for reject in rejects {
            let (field, code, message) = error(reject)
            XCTAssertEqual(field, "external_id")
            XCTAssertEqual(code, "duplicate_external_id")
            XCTAssertTrue(message.hasPrefix(#"external_id "dup" repeats that of line 2;"#), message)
        }
        XCTAssertEqual((rejects[0]["record"] as? [String: String])?["phone_number"], "+12025550102")
        XCTAssertEqual(kind(records, "chunk").flatMap { $0["lines"] as! [Int] }, [2, 3])
        XCTAssertEqual(records.last?["rejects"] as? Int, 2)
    }

    func testADuplicateFromSeveralFilesNamesTheFile() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits())
        let records = try run(builder, [contact(2, "+12025550100", id: "7", file: "a.csv"), contact(2, "+12025550101", id: "7", file: "b.csv")])
        let reject = try XCTUnwrap(kind(records, "reject").first)
        XCTAssertEqual(reject["file"] as? String, "b.csv")
        XCTAssertTrue(error(reject).message.contains("repeats that of a.csv:2;"), error(reject).message)
    }

    func testARejectedContactsIDIsFreeForALaterOne() throws {
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits())
        let long = String(repeating: "x", count: 600)
        let records = try run(builder, [contact(2, "+12025550100", first: long, id: "7"), contact(3, "+12025550101", id: "7")])
        XCTAssertEqual(kind(records, "reject").map { error($0).code }, ["too_long"])
        XCTAssertEqual(kind(records, "chunk").map { $0["lines"] as? [Int] }, [[3]])
    }

    /// 512 characters as written in the CSV (quotes of an escaped field included, the
    /// line ending not) pass and 513 do not, counted in characters, not bytes.
    func testARecordOverFiveHundredTwelveCharactersIsAReject() throws {
        let written = "X-1,+12025550100,,L,"  // the row with an empty first name
        func name(_ characters: Int) -> String {
            // Multi-byte, and quoted for its comma: the two quotes count.
            "\"" + String(repeating: "\u{E9}", count: characters - written.count - 4) + ",\u{1F600}" + "\""
        }
        let fits = name(512), over = name(513)
        XCTAssertGreaterThan(fits.utf8.count + written.utf8.count, 512, "bytes alone would reject it")
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits())
        // The JSON value is the unquoted name; the CSV writer quotes it for its comma.
        let records = try run(builder, [contact(2, "+12025550100", first: String(fits.dropFirst().dropLast()), id: "X-1"),
                                        contact(3, "+12025550100", first: String(over.dropFirst().dropLast()), id: "X-2")])
        let csv = try XCTUnwrap(kind(records, "chunk").first?["csv"] as? String)
        let row = try XCTUnwrap(csv.split(separator: "\n").last)
        XCTAssertEqual(row.unicodeScalars.count, 512)
        let reject = try XCTUnwrap(kind(records, "reject").first)
        XCTAssertEqual(reject["line"] as? Int, 3)
        XCTAssertEqual(error(reject).code, "too_long")
        XCTAssertTrue(error(reject).message.contains("row is 513 characters"), error(reject).message)
        XCTAssertTrue(error(reject).message.contains("limit of 512 Unicode characters"), error(reject).message)

        let tutorial = ChunkBuilder(limits: ChunkLimits())
        XCTAssertEqual(kind(try run(tutorial, [contact(2, "+12025550100", first: String(repeating: "\u{E9}", count: 600))]), "reject").count, 0,
                       "contacts-import has no record length limit")
    }

    func testCallListsClampsSizeAndBytesToCXonesLimits() {
        let (limits, warnings) = ChunkLimits(rows: 600_000, bytes: 300_000_000).clamped(to: .callLists)
        XCTAssertEqual(limits, ChunkLimits(rows: 500_000, bytes: 256_000_000))
        XCTAssertEqual(warnings, ["--size 600000 is over the call-lists limit of 500000 records a file: clamped to 500000",
                                  "--max-bytes 300000000 is over the call-lists limit of 256000000 bytes a file: clamped to 256000000"])
        let builder = ChunkBuilder(api: .callLists, limits: ChunkLimits(rows: 500_001, bytes: 1000))
        XCTAssertEqual(builder.limits, ChunkLimits(rows: 500_000, bytes: 1000))
        XCTAssertEqual(builder.warnings.count, 1)
        let within = ChunkLimits(rows: 500_000, bytes: 256_000_000)
        XCTAssertEqual(within.clamped(to: .callLists).warnings, [])
        let tutorial = ChunkLimits(rows: 600_000, bytes: 300_000_000).clamped(to: .contactsImport)
        XCTAssertEqual(tutorial.limits, ChunkLimits(rows: 600_000, bytes: 300_000_000))
        XCTAssertEqual(tutorial.warnings, [])
    }
}
