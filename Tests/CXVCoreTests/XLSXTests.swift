// XLSXWorkbook: the exact rows (fields and sheet line numbers) of real and hand-made workbooks, and its errors.
import Foundation
import XCTest
import ZIPFoundation
@testable import CXVCore
@testable import CXVInput

#if canImport(Glibc)
import Glibc
#endif

/// One row as XLSXWorkbook reads it, flattened for comparison.
private struct SheetRow: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]

    init(_ line: Int, _ fields: [String]) {
        self.line = line
        self.fields = fields
    }

    var description: String { "line \(line) \(fields)" }
}

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/xlsx")

/// Every row of `sheet`, checking each is positional and without a problem.
private func rows(of sheet: XLSXWorkbook.Sheet, in workbook: XLSXWorkbook, maxRows: Int = 100) throws -> [SheetRow] {
    var rows: [SheetRow] = []
    try workbook.read(sheet, maxRows: maxRows) { batch in
        XCTAssertLessThanOrEqual(batch.rows.count, maxRows)
        for row in batch.rows {
            XCTAssertFalse(row.keyed)
            XCTAssertNil(row.problem)
            rows.append(SheetRow(row.line, batch.strings(of: row)))
        }
    }
    return rows
}

/// A zip of `parts` in memory, written with ZIPFoundation.
private func zip(_ parts: [(path: String, text: String)]) throws -> [UInt8] {
    let archive = try Archive(data: Data(), accessMode: .create)
    for part in parts {
        let data = Data(part.text.utf8)
        try archive.addEntry(with: part.path, type: .file, uncompressedSize: Int64(data.count),
                             compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return [UInt8](try XCTUnwrap(archive.data))
}

private let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
private let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/// The parts of a one-sheet workbook around `sheet` (the worksheet's XML), with a relative target.
private func workbookParts(sheet: String, sharedStrings: String? = nil) -> [(path: String, text: String)] {
    var parts: [(path: String, text: String)] = [
        ("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="\(mainNamespace)" xmlns:r="\(relationshipNamespace)">\
            <sheets><sheet name="People" sheetId="1" r:id="rId7"/></sheets></workbook>
            """),
        ("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId9" Type="\(relationshipNamespace)/hyperlink" Target="http://example.com/" TargetMode="External"/>\
            <Relationship Id="rId7" Type="\(relationshipNamespace)/worksheet" Target="worksheets/../worksheets/people.xml"/>\
            </Relationships>
            """),
        ("xl/worksheets/people.xml", sheet),
    ]
    if let sharedStrings { parts.append(("xl/sharedStrings.xml", sharedStrings)) }
    return parts
}

private func worksheet(_ rows: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <worksheet xmlns="\(mainNamespace)"><dimension ref="A1:E9"/><sheetData>\(rows)</sheetData></worksheet>
    """
}

/// Asserts `expression` throws `CXVError.data` at `source:line` with every one of `phrases` in its message.
private func assertDataError<T>(_ expression: @autoclosure () throws -> T, source: String, line: Int, _ phrases: [String],
                                file: StaticString = #filePath, testLine: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: testLine) { error in
        guard case let CXVError.data(errorSource, errorLine, message) = error else {
            return XCTFail("not a CXVError.data: \(error)", file: file, line: testLine)
        }
        XCTAssertEqual(errorSource, source, file: file, line: testLine)
        XCTAssertEqual(errorLine, line, message, file: file, line: testLine)
        for phrase in phrases { XCTAssertTrue(message.contains(phrase), "\(message) lacks \(phrase)", file: file, line: testLine) }
    }
}

final class XLSXTests: XCTestCase {
    // MARK: openpyxl (inline strings)

    func testSheetsComeInWorkbookOrderWithTheirParts() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        XCTAssertEqual(workbook.sheets.map(\.name), ["Cover", "Contacts", "Notes & <Misc>"])
        XCTAssertEqual(workbook.sheets.map(\.part),
                       ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"])
    }

    func testTheCoverSheetIsATitleAndADateSerial() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        let first = try XCTUnwrap(try workbook.firstRow(of: workbook.sheets[0]))
        XCTAssertEqual(first.line, 1)
        XCTAssertEqual(first.fields, ["Contact export"])
        // 2024-01-01 is stored as its serial number and comes out as that number.
        XCTAssertEqual(try rows(of: workbook.sheets[0], in: workbook),
                       [SheetRow(1, ["Contact export"]), SheetRow(2, ["Exported", "45292"])])
    }

    func testContactsFromOpenpyxlComeOutAsTheyWereTyped() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        let contacts = workbook.sheets[1]
        let first = try XCTUnwrap(try workbook.firstRow(of: contacts))
        XCTAssertEqual(SheetRow(first.line, first.fields), SheetRow(1, ["Phone", "First Name", "Last Name", "Email"]))
        XCTAssertEqual(try rows(of: contacts, in: workbook), [
            SheetRow(1, ["Phone", "First Name", "Last Name", "Email"]),
            SheetRow(2, ["12025550101", "Ada", "Lovelace", "ada@example.com"]),
            // Written as the float 12025550102.0; entities decoded.
            SheetRow(3, ["12025550102", "Zoë", "Smith & <Co>", "zoe@example.com"]),
            // Row 4 is blank: skipped, and the next row keeps its own number. C5 is empty.
            SheetRow(5, ["+1 (202) 555-0103", "李", "", "li@example.com"]),
            // Padded to the header's width; the styled empty F6 beyond it is dropped.
            SheetRow(6, ["12025550104", "Grace", "Hopper", ""]),
            // A non-empty cell beyond the header's width is kept, for the validator to reject.
            SheetRow(7, ["12025550105", "Alan", "Turing", "alan@example.com", "TRUE"]),
            SheetRow(8, ["12025550106", "  Barbara ", "Liskov\nMIT", "FALSE"]),
            // Rich text: the runs concatenated.
            SheetRow(9, ["12025550107", "Margaret", "Hamilton", ""]),
        ])
    }

    func testBatchesHoldAtMostMaxRowsAndLinesGoOn() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        var sizes: [Int] = []
        var lines: [Int] = []
        try workbook.read(workbook.sheets[1], maxRows: 3) { batch in
            sizes.append(batch.rows.count)
            lines += batch.rows.map(\.line)
        }
        XCTAssertEqual(sizes, [3, 3, 2])
        XCTAssertEqual(lines, [1, 2, 3, 5, 6, 7, 8, 9])
    }

    func testASheetWithoutCellsHasNoRows() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        XCTAssertNil(try workbook.firstRow(of: workbook.sheets[2]))
        var batches = 0
        try workbook.read(workbook.sheets[2], maxRows: 10) { _ in batches += 1 }
        XCTAssertEqual(batches, 0)
    }

    // MARK: XlsxWriter (shared strings)

    func testSharedStringsAndExponentNumbersFromXlsxWriter() throws {
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("shared-strings.xlsx").path)
        XCTAssertEqual(workbook.sheets.map(\.name), ["Contacts"])
        XCTAssertEqual(try rows(of: workbook.sheets[0], in: workbook), [
            SheetRow(1, ["Phone", "First Name", "Last Name", "Email"]),
            SheetRow(2, ["12025550101", "Ada", "Lovelace", "ada@example.com"]),
            // "Zoë" is two rich-text runs; "Lovelace" is the same shared string as in row 2.
            SheetRow(3, ["12025550102", "Zoë", "Lovelace", "a&b<c>@example.com"]),
            // XlsxWriter writes 1.5E+20; the preserved "  " is a field, not an empty cell.
            SheetRow(5, ["150000000000000000000", "TRUE", "0.005", "  "]),
        ])
    }

    // MARK: Hand-written parts (ZIPFoundation)

    func testInlineStringsRunsNumberFormsAndPositionlessCells() throws {
        let sharedStrings = """
            <?xml version="1.0" encoding="UTF-8"?>
            <sst xmlns="\(mainNamespace)" count="2" uniqueCount="2">\
            <si><r><t>Yama</t></r><r><rPr><b/></rPr><t>da</t></r><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si>\
            <si><t xml:space="preserve"> Taro </t><phoneticPr fontId="1"/></si></sst>
            """
        let sheet = worksheet("""
            <row r="2"><c r="A2" t="inlineStr"><is><t>Phone</t></is></c>\
            <c r="B2" t="inlineStr"><is><r><t>First</t></r><r><rPr><i/></rPr><t xml:space="preserve"> Name</t></r></is></c>\
            <c r="C2" t="inlineStr"><is><t>Note</t></is></c></row>\
            <row r="4"><c r="A4"><v>1.2025550101E10</v></c><c r="B4" t="s"><v>0</v></c><c r="C4" t="e"><v>#N/A</v></c></row>\
            <row r="5"><c r="A5" t="n"><v>12025550102.0</v></c><c r="B5" t="s"><v>1</v></c>\
            <c r="C5" t="str"><f>A5&amp;"x"</f><v>12025550102x</v></c></row>\
            <row><c><v>1.2E+3</v></c><c><v>5E-3</v></c><c><v>-0.0</v></c></row>\
            <row r="9"><c r="A9" t="s"><v>1</v></c><c r="B9" t="inlineStr"><is><t/></is></c></row>\
            <row r="10"><c r="A10"><v>-2.50E2</v></c><c r="C10" t="inlineStr"><is><t>&#233;&#x674E; <![CDATA[<raw>]]></t></is></c></row>\
            <row r="11"><c r="A11" s="3"/><c r="B11" t="inlineStr"><is><t></t></is></c></row>\
            <row><c r="B12"><v>0.000</v></c></row>
            """)
        let workbook = try XLSXWorkbook(name: "people.xlsx", bytes: try zip(workbookParts(sheet: sheet, sharedStrings: sharedStrings)))
        XCTAssertEqual(workbook.sheets, [XLSXWorkbook.Sheet(name: "People", part: "xl/worksheets/people.xml")])
        XCTAssertEqual(try rows(of: workbook.sheets[0], in: workbook), [
            SheetRow(2, ["Phone", "First Name", "Note"]),
            // The phonetic guide ヤマダ is not part of the text.
            SheetRow(4, ["12025550101", "Yamada", "#N/A"]),
            SheetRow(5, ["12025550102", " Taro ", "12025550102x"]),
            // No r on the row: the one after 5. No r on the cells: A, B, C in turn.
            SheetRow(6, ["1200", "0.005", "0"]),
            SheetRow(9, [" Taro ", "", ""]),
            SheetRow(10, ["-250", "", "é李 <raw>"]),
            // Row 11 has only empty cells, so it is skipped, yet numbers the row without r after it.
            SheetRow(12, ["", "0", ""]),
        ])
        XCTAssertEqual(try workbook.firstRow(of: workbook.sheets[0])?.line, 2)
    }

    func testFirstRowStopsParsingAfterTheFirstRow() throws {
        // Everything after row 3 is broken: only a parser that stops there does not see it.
        let sheet = worksheet("<row r=\"3\"><c r=\"B3\" t=\"inlineStr\"><is><t>Phone</t></is></c></row><row r=\"4\"><c>")
            .replacingOccurrences(of: "</sheetData></worksheet>", with: "")
        let workbook = try XLSXWorkbook(name: "broken.xlsx", bytes: try zip(workbookParts(sheet: sheet)))
        let first = try XCTUnwrap(try workbook.firstRow(of: workbook.sheets[0]))
        XCTAssertEqual(first.line, 3)
        XCTAssertEqual(first.fields, ["", "Phone"])
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: "broken.xlsx", line: 4,
                        ["xl/worksheets/people.xml (sheet \"People\")", "not well-formed XML", "XML line 2"])
    }

    func testAnErrorFromTheBatchConsumerStopsReadingAndComesBackOut() throws {
        struct Refused: Error, Equatable {}
        let workbook = try XLSXWorkbook(path: fixtures.appendingPathComponent("contacts.xlsx").path)
        var calls = 0
        XCTAssertThrowsError(try workbook.read(workbook.sheets[1], maxRows: 2) { _ in
            calls += 1
            throw Refused()
        }) { XCTAssertEqual($0 as? Refused, Refused()) }
        XCTAssertEqual(calls, 1)
    }

    func testARowPastTheLimitBecomesATooLongProblemRow() throws {
        let long = String(repeating: "x", count: SheetRowReader.maxRowBytes)
        let cells = "<c t=\"inlineStr\"><is><t>\(long)</t></is></c><c><v>1</v></c>"
        var sheet = worksheet("<row r=\"1\"><c t=\"inlineStr\"><is><t>Phone</t></is></c></row>"
                              + "<row r=\"2\">\(cells)</row><row r=\"3\"><c><v>2</v></c></row>")
        var workbook = try XLSXWorkbook(name: "long.xlsx", bytes: try zip(workbookParts(sheet: sheet)))
        var read: [(line: Int, problem: RowProblem?, fields: [String], raw: Int)] = []
        try workbook.read(workbook.sheets[0], maxRows: 10) { batch in
            read += batch.rows.map { ($0.line, $0.problem, batch.strings(of: $0), $0.raw.count) }
        }
        XCTAssertEqual(read.map(\.line), [1, 2, 3])
        XCTAssertEqual(read.map(\.problem), [nil, .tooLong(limit: 1 << 20), nil])
        XCTAssertEqual(read.map(\.fields), [["Phone"], [], ["2"]])
        XCTAssertEqual(read[1].raw, 4096, "the start of the row is kept to show")

        sheet = worksheet("<row r=\"4\">\(cells)</row>")
        workbook = try XLSXWorkbook(name: "long.xlsx", bytes: try zip(workbookParts(sheet: sheet)))
        assertDataError(try workbook.firstRow(of: workbook.sheets[0]), source: "long.xlsx", line: 4,
                        ["the first row is longer than 1048576 bytes"])
    }

    // MARK: Errors

    func testBytesThatAreNotAZip() {
        assertDataError(try XLSXWorkbook(name: "contacts.csv", bytes: Array("Phone,Name\n1,Ada\n".utf8)),
                        source: "contacts.csv", line: 1, ["not an .xlsx workbook", "not a zip"])
        assertDataError(try XLSXWorkbook(name: "empty", bytes: []), source: "empty", line: 1, ["not a zip"])
    }

    func testAFileThatIsNotAZipNamesItsPath() throws {
        let path = try TempFiles.write("Phone,Name\n", in: self, suffix: ".xlsx")
        assertDataError(try XLSXWorkbook(path: path), source: path, line: 1, ["not a zip"])
        XCTAssertThrowsError(try XLSXWorkbook(path: path + ".absent")) { error in
            guard case CXVError.noInput(path + ".absent", _) = error else { return XCTFail("\(error)") }
        }
    }

    func testAZipWithoutWorkbookXML() throws {
        let bytes = try zip([("word/document.xml", "<document/>")])
        assertDataError(try XLSXWorkbook(name: "letter.docx", bytes: bytes), source: "letter.docx", line: 1,
                        ["not an .xlsx workbook", "no xl/workbook.xml"])
    }

    func testASheetPartMissingFromTheZip() throws {
        let parts = workbookParts(sheet: "").filter { $0.path != "xl/worksheets/people.xml" }
        let workbook = try XLSXWorkbook(name: "gutted.xlsx", bytes: try zip(parts))
        assertDataError(try workbook.firstRow(of: workbook.sheets[0]), source: "gutted.xlsx", line: 1,
                        ["xl/worksheets/people.xml (sheet \"People\") is not in the workbook"])
    }

    func testATruncatedSheetOnDisk() throws {
        let sheet = worksheet("<row r=\"1\"><c t=\"inlineStr\"><is><t>Phone</t></is></c></row><row r=\"2\"><c><v>12")
        let cut = String(sheet[..<sheet.range(of: "<v>12")!.upperBound])
        let path = try TempFiles.write(try zip(workbookParts(sheet: cut)), in: self, suffix: ".xlsx")
        let workbook = try XLSXWorkbook(path: path)
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: path, line: 2,
                        ["xl/worksheets/people.xml (sheet \"People\")", "not well-formed XML", "XML line 2"])
    }

    func testMalformedWorkbookXMLAndAnUnknownRelationship() throws {
        var parts = workbookParts(sheet: worksheet(""))
        parts[0].text = "<workbook><sheets><sheet name=\"A\" r:id=\"rId1\"</sheets>"
        assertDataError(try XLSXWorkbook(name: "w.xlsx", bytes: try zip(parts)), source: "w.xlsx", line: 1,
                        ["xl/workbook.xml is not well-formed XML (XML line 1)"])
        parts[0].text = "<workbook xmlns:r=\"\(relationshipNamespace)\"><sheets><sheet name=\"A\" r:id=\"rId1\"/></sheets></workbook>"
        assertDataError(try XLSXWorkbook(name: "w.xlsx", bytes: try zip(parts)), source: "w.xlsx", line: 1,
                        ["sheet \"A\"", "\"rId1\"", "xl/_rels/workbook.xml.rels does not have"])
    }

    func testRowsOutOfOrderAndBadSharedStringsAreDataErrorsAtTheirRow() throws {
        let backwards = worksheet("<row r=\"5\"><c><v>1</v></c></row><row r=\"3\"><c><v>2</v></c></row>")
        var workbook = try XLSXWorkbook(name: "b.xlsx", bytes: try zip(workbookParts(sheet: backwards)))
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: "b.xlsx", line: 5, ["row 3 comes after row 5"])

        let missingString = worksheet("<row r=\"2\"><c t=\"s\"><v>7</v></c></row>")
        workbook = try XLSXWorkbook(name: "s.xlsx", bytes: try zip(workbookParts(sheet: missingString)))
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: "s.xlsx", line: 2,
                        ["shared string \"7\" is not one of the 0"])

        let farColumn = worksheet("<row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>")
        workbook = try XLSXWorkbook(name: "c.xlsx", bytes: try zip(workbookParts(sheet: farColumn)))
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: "c.xlsx", line: 2, ["\"XFE2\""])
    }

    func testEntitiesOfADoctypeAreNeitherLoadedNorExpanded() throws {
        let sheet = """
            <?xml version="1.0"?>
            <!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY word "expanded">]>
            <worksheet xmlns="\(mainNamespace)"><sheetData><row r="1">\
            <c t="inlineStr"><is><t>a&secret;b</t></is></c><c t="inlineStr"><is><t>&word;</t></is></c>\
            </row></sheetData></worksheet>
            """
        let workbook = try XLSXWorkbook(name: "xxe.xlsx", bytes: try zip(workbookParts(sheet: sheet)))
        // The parser keeps no declarations, so the first reference is to an undefined entity.
        assertDataError(try rows(of: workbook.sheets[0], in: workbook), source: "xxe.xlsx", line: 1,
                        ["not well-formed XML (XML line 3)", "Entity 'secret' not defined"])
    }

    // MARK: A large sheet

    /// Reads a generated sheet of CXV_XLSX_ROWS rows (20,000 by default, so the debug suite stays fast):
    /// every row comes out in order with its fields. Run with a million rows in a release build to
    /// see peak memory and speed, which it prints (release tests need `-enable-testing` for @testable):
    /// `CXV_XLSX_ROWS=1000000 swift test -c release -Xswiftc -enable-testing --filter XLSXTests.testALargeSheetStreams`.
    func testALargeSheetStreams() throws {
        let count = Int(ProcessInfo.processInfo.environment["CXV_XLSX_ROWS"] ?? "") ?? 20_000
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-xlsx-\(UUID().uuidString).xlsx")
        addTeardownBlock { try? FileManager.default.removeItem(at: path) }
        let generated = Date()
        try GeneratedContacts(rows: count).write(to: path)
        let fileSize = (try FileManager.default.attributesOfItem(atPath: path.path)[.size] as? Int) ?? 0
        let peakAfterWriting = peakResidentKiB()

        let started = Date()
        let workbook = try XLSXWorkbook(path: path.path)
        var read = 0
        var lastLine = 0
        try workbook.read(workbook.sheets[0], maxRows: 4096) { batch in
            for row in batch.rows {
                if row.line != lastLine + 1 { XCTFail("line \(row.line) after \(lastLine)") }
                lastLine = row.line
            }
            for row in [batch.rows.first!, batch.rows.last!] where row.line > 1 {
                XCTAssertEqual(batch.strings(of: row), GeneratedContacts.fields(ofRow: row.line))
            }
            read += batch.rows.count
        }
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(read, count + 1)
        XCTAssertEqual(lastLine, count + 1)
        print("""
            XLSX \(count) rows, \(fileSize) bytes zipped, written in \(Int(started.timeIntervalSince(generated)))s: \
            read in \(String(format: "%.2f", seconds))s (\(Int(Double(count) / seconds)) rows/s); \
            peak RSS \(peakAfterWriting / 1024) MiB after writing, \(peakResidentKiB() / 1024) MiB after reading
            """)
    }
}

private func peakResidentKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

/// A contacts workbook written the way Excel writes one (every text in the shared-string table,
/// phones as numbers), streamed into the zip a piece at a time so the writer stays small too.
private struct GeneratedContacts {
    let rows: Int
    private static let firstNames = ["Ada", "Grace", "Alan", "Barbara", "Zoë", "李", "Margaret", "Edsger"]

    static func fields(ofRow line: Int) -> [String] {
        [String(12_025_550_000 + line), firstNames[line % firstNames.count], "Surname \(line)", "person\(line)@example.com"]
    }

    func write(to url: URL) throws {
        let archive = try Archive(url: url, accessMode: .create)
        let header = ["Phone", "First Name", "Last Name", "Email"]
        let fixedStrings = header + Self.firstNames
        try add("xl/workbook.xml", to: archive) { index in
            index > 0 ? nil : """
                <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="\(mainNamespace)" xmlns:r="\(relationshipNamespace)">\
                <sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>
                """
        }
        try add("xl/_rels/workbook.xml.rels", to: archive) { index in
            index > 0 ? nil : """
                <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="\(relationshipNamespace)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
                """
        }
        // Strings: the header and first names, then one email per row.
        try add("xl/sharedStrings.xml", to: archive) { index in
            switch index {
            case 0: return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"\(mainNamespace)\">"
            case 1...fixedStrings.count: return "<si><t>\(fixedStrings[index - 1])</t></si>"
            case fixedStrings.count + 1...fixedStrings.count + rows:
                return "<si><t>person\(index - fixedStrings.count + 1)@example.com</t></si>"
            case fixedStrings.count + rows + 1: return "</sst>"
            default: return nil
            }
        }
        try add("xl/worksheets/sheet1.xml", to: archive) { index in
            switch index {
            case 0:
                return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"\(mainNamespace)\"><sheetData><row r=\"1\">"
                    + (0..<4).map { "<c t=\"s\"><v>\($0)</v></c>" }.joined() + "</row>"
            case 1...rows:
                let line = index + 1
                let name = 4 + line % Self.firstNames.count
                let email = fixedStrings.count + index - 1
                return "<row r=\"\(line)\"><c r=\"A\(line)\"><v>\(12_025_550_000 + line)</v></c>"
                    + "<c r=\"B\(line)\" t=\"s\"><v>\(name)</v></c>"
                    + "<c r=\"C\(line)\" t=\"inlineStr\"><is><t>Surname \(line)</t></is></c>"
                    + "<c r=\"D\(line)\" t=\"s\"><v>\(email)</v></c></row>"
            case rows + 1: return "</sheetData></worksheet>"
            default: return nil
            }
        }
    }

    /// Adds the part made of `piece(0)`, `piece(1)`, … until nil, deflated, never whole in memory:
    /// one pass counts its bytes (the zip header needs the size first), a second feeds them.
    private func add(_ path: String, to archive: Archive, piece: (Int) -> String?) throws {
        var size = 0
        var index = 0
        while let text = piece(index) {
            size += text.utf8.count
            index += 1
        }
        var next = 0
        var pending: [UInt8] = []
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate,
                             bufferSize: 1 << 16) { _, chunkSize in
            while pending.count < chunkSize, let text = piece(next) {
                pending.append(contentsOf: text.utf8)
                next += 1
            }
            let chunk = Data(pending.prefix(chunkSize))
            pending.removeFirst(chunk.count)
            return chunk
        }
    }
}
