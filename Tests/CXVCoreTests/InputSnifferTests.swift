import XCTest
@testable import CXVCore
@testable import CXVInput

/// InputSniffer decides encoding, byte order mark, format and delimiter in one place; the rows
/// that come out are what the readers after it see.
final class InputSnifferTests: XCTestCase {
    private var notes: [String] = []

    private func open(_ bytes: [UInt8], suffix: String = ".txt", options: ReadOptions = ReadOptions()) throws -> any RowSource {
        let path = try TempFiles.write(bytes, in: self, suffix: suffix)
        return try InputSniffer.open(path, options: options,
                                     notices: InputNotices(warn: { self.notes.append("warn: \($0)") }, info: { self.notes.append("info: \($0)") }),
                                     isHeader: { $0.contains("Phone") })
    }

    /// The header, then every row's line and fields (keyed rows as key=value).
    private func rows(_ source: any RowSource) throws -> [String] {
        var out: [String] = []
        if let header = try source.readHeader() { out.append("\(header.line): \(header.names.joined(separator: "|"))") }
        try source.forEachBatch(maxRows: 2) { batch in
            for row in batch.rows {
                var fields = batch.strings(of: row)
                if row.keyed { fields = stride(from: 0, to: fields.count, by: 2).map { "\(fields[$0])=\(fields[$0 + 1])" } }
                out.append("\(row.line): \(row.problem.map { "\($0.code) " } ?? "")\(fields.joined(separator: "|"))")
            }
        }
        return out
    }

    func testAUTF8ByteOrderMarkIsDroppedBeforeTheHeader() throws {
        XCTAssertEqual(try rows(open([0xEF, 0xBB, 0xBF] + Array("phone,first\n+12025550101,Ada\n".utf8))),
                       ["1: phone|first", "2: +12025550101|Ada"])
        // The field after it may be quoted.
        XCTAssertEqual(try rows(open(Array("\u{FEFF}\"q,x\",y\n".utf8))), ["1: q,x|y"])
        // A BOM and nothing else is an empty file.
        XCTAssertThrowsError(try open([0xEF, 0xBB, 0xBF]).readHeader()) {
            XCTAssertEqual("\($0)".hasSuffix(":1: no header row: the input is empty"), true, "\($0)")
        }
        // Blank lines after the BOM are skipped, and lines still count from the file's first.
        XCTAssertEqual(try rows(open([0xEF, 0xBB, 0xBF, 0x0A] + Array("a\nb\n".utf8))), ["2: a", "3: b"])
    }

    func testUTF16ByBOMAndLegacyPagesByName() throws {
        let text = "Phone\tName\r\n+12025550101\tZoë\r\n"
        var le: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { le += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        XCTAssertEqual(try rows(open(le)), ["1: Phone|Name", "2: +12025550101|Zoë"])
        var be: [UInt8] = [0xFE, 0xFF]
        for unit in text.utf16 { be += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        XCTAssertEqual(try rows(open(be)), ["1: Phone|Name", "2: +12025550101|Zoë"])
        // Named, with its BOM: the BOM is still not part of the first name.
        var options = ReadOptions()
        options.encoding = "utf-16le"
        XCTAssertEqual(try rows(open(le, options: options)), ["1: Phone|Name", "2: +12025550101|Zoë"])
        options.encoding = "windows-1252"
        XCTAssertEqual(try rows(open(Array("phone;name\n+12025550101;Zo".utf8) + [0xEB, 0x0A], options: options)),
                       ["1: phone|name", "2: +12025550101|Zoë"])
        XCTAssertTrue(notes.contains { $0.hasPrefix("info: ") && $0.hasSuffix("fields separated by ';', found in the first lines (--delimiter sets it)") }, "\(notes)")
    }

    func testFormatByNameThenByFirstByte() throws {
        let ndjson = Array("\n  {\"phone\":\"+12025550101\",\"vip\":true}\n".utf8)
        XCTAssertEqual(try rows(open(ndjson)), ["2: phone=+12025550101|vip=true"])
        XCTAssertEqual(try rows(open(ndjson, suffix: ".jsonl")), ["2: phone=+12025550101|vip=true"])
        // Named .csv, it is CSV whatever it starts with.
        XCTAssertEqual(try rows(open(Array("{a},b\n1,2\n".utf8), suffix: ".csv")), ["1: {a}|b", "2: 1|2"])
        var options = ReadOptions()
        options.format = .csv
        XCTAssertThrowsError(try open(ndjson, options: options).readHeader()) {
            XCTAssertTrue("\($0)".hasSuffix(":2: header row: text follows a closing quote; quote the whole field and double inner quotes"), "\($0)")
        }
    }

    func testAlternativeHeadersNameTheDelimiterThatSelectsThem() throws {
        var options = ReadOptions()
        options.delimiter = UInt8(ascii: ",")
        let source = try open(Array("Phone;Nom\n+33123;Dupont\n".utf8), options: options)
        XCTAssertEqual(try source.readHeader()?.names, ["Phone;Nom"])
        XCTAssertEqual(source.alternativeHeaders().first, AlternativeHeader(option: "--delimiter ';'", names: ["Phone", "Nom"]))
        XCTAssertEqual(source.alternativeHeaders().map(\.option), ["--delimiter ';'", "--delimiter tab", "--delimiter '|'"])
    }

    func testAnUploadBodyLosesItsBOMAndNothingElse() {
        var reader = CSVReader(source: InputSource.body(name: "body", bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8)))
        var batch = RowBatch()
        XCTAssertEqual(try reader.readRow(into: &batch), true)
        XCTAssertEqual(batch.strings(of: batch.rows[0]), ["a", "b"])
        var twice = CSVReader(source: InputSource.body(name: "body", bytes: Array("\u{FEFF}\u{FEFF}a\n".utf8)))
        batch = RowBatch()
        XCTAssertEqual(try twice.readRow(into: &batch), true)
        XCTAssertEqual(batch.strings(of: batch.rows[0]), ["\u{FEFF}a"], "only one BOM is dropped")
    }
}
