import Foundation
import XCTest

/// Input built to break a reader: each case ends in a reject or a clear error with
/// the documented status, never a crash, a hang, or a record lost without a word.
final class HostileInputTests: XCTestCase {
    var dir: URL!
    let header = "phone_number,first_name,last_name,email\n"

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// cxv-validate on `bytes`: its status, the reject codes, the contact count, and the tally balanced.
    func validate(_ bytes: [UInt8], _ arguments: String = "", file: StaticString = #filePath, line: UInt = #line) throws
        -> (status: Int32, codes: [String], contacts: Int, stderr: String) {
        let path = try write("input", bytes)
        let r = try Pipeline.sh("cxv-validate \(arguments) '\(path)'")
        let records = r.records
        let codes = records.filter { $0["kind"] as? String == "reject" }
            .flatMap { ($0["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
        let contacts = records.filter { $0["kind"] as? String == "contact" }.count
        if let tally = records.last(where: { $0["kind"] as? String == "tally" }) {
            XCTAssertEqual(tally["read"] as? Int, contacts + (tally["rejects"] as? Int ?? -1), "every row a contact or a reject",
                           file: file, line: line)
            XCTAssertEqual(tally["rejects"] as? Int, records.filter { $0["kind"] as? String == "reject" }.count, file: file, line: line)
        }
        return (r.status, codes, contacts, r.stderr)
    }

    // MARK: - CSV

    func testInvalidUTF8AndControlBytesAreRejectsAndReadingGoesOn() throws {
        var bytes = Array((header + "+12025550100,Ad").utf8) + [0xFF] + Array("a,L,\n+12025550101,B,L,\n".utf8)
        var r = try validate(bytes)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.codes, ["invalid_utf8"])
        XCTAssertEqual(r.contacts, 1)
        bytes = Array((header + "+12025550100,A").utf8) + [0x00] + Array("a,L,\n+12025550101,B,L,\n".utf8)
        r = try validate(bytes)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.codes, ["control_character"])
        XCTAssertEqual(r.contacts, 1)
    }

    func testAHundredMegabyteLineIsOneRejectInBoundedMemory() throws {
        let path = dir.appendingPathComponent("big.csv").path
        try Pipeline.sh("""
            { printf '\(header.dropLast())\\n+12025550100,A,L,\\n+12025550101,'; head -c 100000000 /dev/zero | tr '\\0' x
              printf ',L,\\n+12025550102,C,L,\\n'; } > '\(path)'
            """)
        // Peak memory of the child, from the kernel's own count.
        let r = try Pipeline.sh("""
            python3 -c 'import resource, subprocess, sys
            out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE).stdout
            print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.stdout.flush(); sys.stdout.buffer.write(out)' \
            cxv-validate '\(path)'
            """)
        let lines = r.lines
        let peakKiB = Int(lines.first ?? "") ?? .max
        // Bounded: well under the line itself (a reader that held it would need 100 MB and more);
        // about 33 MiB in a debug build. Under a sanitizer the bound measures the sanitizer.
        if Pipeline.sanitizer == nil {
            XCTAssertLessThan(peakKiB, 96 << 10, "peak \(peakKiB) KiB for a 100 MB line")
        }
        let records = r.records.dropFirst()
        XCTAssertEqual(records.filter { $0["kind"] as? String == "contact" }.count, 2)
        let reject = try XCTUnwrap(records.first { $0["kind"] as? String == "reject" })
        XCTAssertEqual((reject["errors"] as? [[String: Any]])?.first?["code"] as? String, "too_long")
        XCTAssertLessThan((reject["raw"] as? String)?.utf8.count ?? .max, 8192, "the reject shows the start of the line, not all of it")
    }

    func testQuotesBOMsAndLineEnds() throws {
        var r = try validate(Array((header + "+12025550100,\"Ada,L,").utf8))  // unterminated at end of file
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.codes, ["unterminated_quote"])
        // A BOM mid-file is a character of the field, not a BOM: the reject's record keeps it.
        let bom = try write("bom.csv", Array((header + "+12025550100,A,L,\n\u{FEFF}+12025550101,B,,\n").utf8))
        // Compared as bytes: Foundation's JSON reader drops a U+FEFF at the start of a string.
        let out = Array(try Pipeline.sh("cxv-validate --require last_name '\(bom)'").text.utf8)
        let kept = Array(#""record":{"phone_number":""#.utf8) + [0xEF, 0xBB, 0xBF] + Array("+12025550101".utf8)
        XCTAssertTrue(out.indices.contains { out[$0...].starts(with: kept) }, String(decoding: out, as: UTF8.self))
        r = try validate(Array("phone_number,first_name,last_name,email\r\n+12025550100,A,L,\n+12025550101,B,L,\r\n".utf8))
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.contacts, 2)
    }

    func testTenThousandColumns() throws {
        let names = ["phone_number", "first_name", "last_name", "email"] + (0..<9996).map { "c\($0)" }
        let row = ["+12025550100", "A", "L", ""] + Array(repeating: "v", count: 9996)
        let r = try validate(Array((names.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n+12025550101,B,L,\n").utf8))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.contacts, 1)
        XCTAssertEqual(r.codes, ["field_count"])
    }

    func testEmptyFileHeaderOnlyAndDuplicateHeaders() throws {
        let empty = try validate([])
        XCTAssertEqual(empty.status, 65)
        XCTAssertTrue(empty.stderr.contains("input:1: no header row: the input is empty"), empty.stderr)
        let headerOnly = try validate(Array(header.utf8))
        XCTAssertEqual(headerOnly.status, 0)
        XCTAssertEqual(headerOnly.contacts, 0)
        let duplicate = try validate(Array("phone_number,first_name,first_name,last_name\n+12025550100,A,B,L\n".utf8))
        XCTAssertEqual(duplicate.status, 0)
        XCTAssertEqual(duplicate.contacts, 1)
        XCTAssertTrue(duplicate.stderr.contains("columns 2 and 3 both read as first_name"), duplicate.stderr)
    }

    func testCRMHeadersAreReadAndAnAmbiguousOneNamesTheMap() throws {
        let crm = try write("crm.csv", Array("Contact Phone Number,Given Name,Surname,E-mail Address,Customer ID\n+12025550100,Ada,Lovelace,ada@example.com,C-7\n".utf8))
        let r = try Pipeline.sh("cxv-validate '\(crm)'")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines.first, #"{"kind":"contact","line":2,"phone_number":"+12025550100","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","external_id":"C-7"}"#)
        let two = try write("two.csv", Array("Phone,First Name,Last Name,Mobile\n+12025550100,Ada,Lovelace,+12025550101\n".utf8))
        let ambiguous = try Pipeline.sh("cxv-validate '\(two)'")
        XCTAssertEqual(ambiguous.status, 65)
        XCTAssertTrue(ambiguous.stderr.contains("\(two):1: columns 1 (Phone) and 4 (Mobile) both read as phone_number: say which with --map phone_number=Phone or --map phone_number=Mobile"), ambiguous.stderr)
        let settled = try Pipeline.sh("cxv-validate --map phone_number=Mobile '\(two)'")
        XCTAssertEqual(settled.status, 0, settled.stderr)
        XCTAssertEqual(settled.records.first?["phone_number"] as? String, "+12025550101")
    }

    func testTheDelimiterIsFoundAndAWrongOneIsNamed() throws {
        let semicolons = try write("excel-fr.csv", Array("Phone;First Name;Last Name;Montant\r\n+12025550100;Zoë;Durand;1,5\r\n+12025550101;Ann;Lee;2,25\r\n".utf8))
        let r = try Pipeline.sh("cxv-validate --log-level info '\(semicolons)'")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines.first, #"{"kind":"contact","line":2,"phone_number":"+12025550100","first_name":"Zoë","last_name":"Durand","extra":{"Montant":"1,5"}}"#)
        XCTAssertTrue(r.stderr.contains("fields separated by ';'"), r.stderr)
        let forced = try Pipeline.sh("cxv-validate --delimiter , '\(semicolons)'")
        XCTAssertEqual(forced.status, 65)
        XCTAssertTrue(forced.stderr.contains("\(semicolons):1: no column reads as phone_number in the header (Phone;First Name;Last Name;Montant); with --delimiter ';' it reads as Phone, First Name, Last Name, Montant"), forced.stderr)
        let tabs = try write("tabs.txt", Array("phone\tfirst\tlast\n+12025550100\tAda\tLovelace\n".utf8))
        XCTAssertEqual(try Pipeline.sh("cxv-validate '\(tabs)'").records.first?["last_name"] as? String, "Lovelace")
    }

    func testEncodingsAsToolsSaveThem() throws {
        // Windows-1252, as Excel on Windows saves CSV: rejected row by row, with one hint, until --encoding.
        let legacy = try write("w1252.csv", Array("phone,first,last\n+12025550100,Zo".utf8) + [0xEB] + Array(",M".utf8) + [0xFC] + Array("ller\n".utf8))
        let unread = try Pipeline.sh("cxv-validate '\(legacy)'")
        XCTAssertEqual(unread.status, 1)
        XCTAssertEqual(unread.records.first?["kind"] as? String, "reject")
        XCTAssertEqual(unread.stderr.components(separatedBy: "--encoding windows-1252").count, 2, "said once: \(unread.stderr)")
        let read = try Pipeline.sh("cxv-validate --encoding windows-1252 '\(legacy)'")
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(read.lines.first, #"{"kind":"contact","line":2,"phone_number":"+12025550100","first_name":"Zoë","last_name":"Müller"}"#)
        XCTAssertEqual(read.stderr, "")
        // A byte windows-1252 leaves undefined is read as U+FFFD, and said.
        let undefined = try write("undefined.csv", Array("phone,first,last\n+12025550100,A".utf8) + [0x81] + Array(",L\n".utf8))
        let replaced = try Pipeline.sh("cxv-validate --encoding windows-1252 '\(undefined)'")
        XCTAssertEqual(replaced.records.first?["first_name"] as? String, "A\u{FFFD}")
        XCTAssertTrue(replaced.stderr.contains("1 byte(s) are not windows-1252"), replaced.stderr)
        XCTAssertEqual(try Pipeline.sh("cxv-validate --encoding klingon '\(legacy)'").status, 64)

        // Excel's "Unicode Text": UTF-16LE with its BOM, tab-separated, CRLF; 3,000 rows so that
        // reads end inside characters (an emoji is a surrogate pair), and no flag.
        var text = "Phone\tFirst Name\tLast Name\r\n"
        for i in 0..<3000 { text += "+1202555\(String(format: "%04d", i))\tZoë 😀 \(i)\tMüller\r\n" }
        let unicodeText = try write("unicode.txt", [0xFF, 0xFE] + Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let utf16 = try Pipeline.sh("cxv-validate '\(unicodeText)'")
        XCTAssertEqual(utf16.status, 0, utf16.stderr)
        let contacts = utf16.records.filter { $0["kind"] as? String == "contact" }
        XCTAssertEqual(contacts.count, 3000)
        XCTAssertEqual(contacts.last?["first_name"] as? String, "Zoë 😀 2999")
        XCTAssertEqual(contacts.last?["phone_number"] as? String, "+12025552999")
        let bigEndian = try write("be.csv", [0xFE, 0xFF] + Array("phone,first,last\n+12025550100,Zoë,L\n".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        XCTAssertEqual(try Pipeline.sh("cxv-validate '\(bigEndian)'").records.first?["first_name"] as? String, "Zoë")
    }

    /// A workbook as openpyxl writes it: a cover sheet first, then Contacts with phones stored
    /// as numbers, a blank row, an empty cell in the middle, booleans, a rich-text name.
    func testAnExcelWorkbookIsReadFromItsContactsSheetWithSheetRowNumbers() throws {
        let workbook = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/xlsx/contacts.xlsx").standardized.path
        let expected = [
            #"{"kind":"contact","line":2,"phone_number":"+12025550101","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}"#,
            #"{"kind":"contact","line":3,"phone_number":"+12025550102","first_name":"Zoë","last_name":"Smith & <Co>","email":"zoe@example.com"}"#,
            #"{"kind":"reject","stage":"validate","line":5,"errors":[{"field":"last_name","code":"required","message":"last_name is required"}],"record":{"Phone":"+1 (202) 555-0103","First Name":"李","Last Name":"","Email":"li@example.com"}}"#,
            #"{"kind":"contact","line":6,"phone_number":"+12025550104","first_name":"Grace","last_name":"Hopper"}"#,
            #"{"kind":"reject","stage":"validate","line":7,"errors":[{"field":"","code":"field_count","message":"expected 4 fields as in the header, found 5"}],"record":{"Phone":"12025550105","First Name":"Alan","Last Name":"Turing","Email":"alan@example.com","column_5":"TRUE"}}"#,
            #"{"kind":"reject","stage":"validate","line":8,"errors":[{"field":"email","code":"invalid_email","message":"email is not a valid address"}],"record":{"Phone":"12025550106","First Name":"  Barbara ","Last Name":"Liskov\nMIT","Email":"FALSE"}}"#,
            #"{"kind":"contact","line":9,"phone_number":"+12025550107","first_name":"Margaret","last_name":"Hamilton"}"#,
            #"{"kind":"tally","stage":"validate","read":7,"contacts":4,"rejects":3}"#,
        ]
        let byName = try Pipeline.sh("cxv-validate --region US --log-level info '\(workbook)'")
        XCTAssertEqual(byName.status, 1, byName.stderr)
        XCTAssertEqual(byName.lines, expected)
        XCTAssertTrue(byName.stderr.contains("reading sheet Contacts, the first whose first row is a header"), byName.stderr)
        // From stdin, found by its first bytes, it is the same.
        let piped = try Pipeline.sh("cxv-validate --region US < '\(workbook)'")
        XCTAssertEqual(piped.lines, expected, piped.stderr)
        XCTAssertEqual(try Pipeline.sh("cxv-validate --region US --sheet contacts - < '\(workbook)'").lines, expected)
        // The cover sheet, asked for, has no phone column: the message names the sheet that has.
        let cover = try Pipeline.sh("cxv-validate --sheet Cover '\(workbook)'")
        XCTAssertEqual(cover.status, 65)
        XCTAssertTrue(cover.stderr.contains("contacts.xlsx:1: no column reads as phone_number in the header (Contact export); with --sheet Contacts it reads as Phone, First Name, Last Name, Email"), cover.stderr)
        let missing = try Pipeline.sh("cxv-validate --sheet Nope '\(workbook)'")
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("--sheet Nope: \(workbook) has no such sheet; its sheets are Cover, Contacts, 'Notes & <Misc>'"), missing.stderr)
        // Named .xlsx but not a zip: an error, not rows of binary.
        let fake = try write("fake.xlsx", Array("phone\n+12025550100\n".utf8))
        let notZip = try Pipeline.sh("cxv-validate '\(fake)'")
        XCTAssertEqual(notZip.status, 65)
        XCTAssertTrue(notZip.stderr.contains("fake.xlsx:1: not an .xlsx workbook: not a zip archive"), notZip.stderr)
    }

    // MARK: - NDJSON

    static let hostileLines: [(name: String, line: String)] = [
        ("an array", "[1,2,3]"),
        ("a string", "\"contact\""),
        ("a number", "42"),
        ("10,000-deep nesting", "{\"kind\":\"contact\",\"a\":" + String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000) + "}"),
        ("a huge number", "{\"kind\":\"contact\",\"line\":1e999999,\"phone_number\":\"+12025550100\",\"first_name\":\"A\",\"last_name\":\"L\"}"),
        ("an integer past Int64", "{\"kind\":\"contact\",\"line\":123456789012345678901234567890,\"phone_number\":\"+12025550100\"}"),
        ("a duplicate kind", "{\"kind\":\"contact\",\"kind\":\"tally\",\"line\":2,\"phone_number\":\"+12025550100\"}"),
        ("a duplicate field", "{\"kind\":\"contact\",\"line\":2,\"phone_number\":\"+12025550100\",\"phone_number\":\"+12025550101\"}"),
        ("a lone surrogate", "{\"kind\":\"contact\",\"line\":2,\"phone_number\":\"+12025550100\",\"first_name\":\"A\\ud800\"}"),
        ("a truncated line", "{\"kind\":\"contact\",\"line\":2,\"phone_number\":\"+1202"),
    ]

    /// A stage reading the record stream stops at the line with status 65 and names it.
    func testTheRecordReaderNamesTheLineOfEveryHostileRecord() throws {
        let good = #"{"kind":"contact","line":1,"phone_number":"+12025550199","first_name":"Z","last_name":"L"}"#
        for (name, line) in HostileInputTests.hostileLines {
            let path = try write("stream.ndjson", Array((good + "\n" + line + "\n").utf8))
            let r = try Pipeline.sh("cxv-chunk < '\(path)'")
            XCTAssertEqual(r.status, 65, name)
            XCTAssertTrue(r.stderr.hasPrefix("cxv-chunk: stdin:2: "), "\(name): \(r.stderr)")
        }
    }

    /// Lines that are not records become rejects with --skip-invalid, and the stage goes on.
    func testSkipInvalidTurnsNonRecordsIntoRejects() throws {
        let lines = ["[1,2,3]", "\"contact\"", "42", "{\"kind\":\"x\",\"a\":" + String(repeating: "[", count: 10000),
                     "{\"kind\":\"foo\",\"s\":\"\\ud800\"}", "{\"kind\":\"foo\""]
        let path = try write("stream.ndjson", Array((lines.joined(separator: "\n") + "\n").utf8))
        let r = try Pipeline.sh("cxv-chunk --skip-invalid < '\(path)'")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rejects = r.records.filter { $0["kind"] as? String == "reject" }
        XCTAssertEqual(rejects.compactMap { $0["input_line"] as? Int }, Array(1...lines.count))
    }

    /// NDJSON contacts into cxv-validate: each hostile line is one reject.
    func testValidateRejectsEachHostileContactLine() throws {
        let lines = HostileInputTests.hostileLines.filter { $0.name != "a huge number" && $0.name != "an integer past Int64" }
            .map(\.line.self) + ["{\"phone_number\":\"+12025550100\",\"phone_number\":\"+12025550101\",\"first_name\":\"A\",\"last_name\":\"B\"}"]
        let r = try validate(Array((lines.joined(separator: "\n") + "\n").utf8), "--input-format ndjson")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.contacts, 0)
        XCTAssertEqual(r.codes.count, lines.count, "\(r.codes)")
        XCTAssertEqual(Set(r.codes), ["invalid_json"])
    }
}
