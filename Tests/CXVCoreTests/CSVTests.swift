import Foundation
import XCTest
@testable import CXVCore
@testable import CXVInput
@testable import CXVValidate

private func row(_ line: Int, _ fields: [String]) -> ReadRow {
    ReadRow(line: line, fields: fields, problem: nil, raw: "")
}

private func bad(_ line: Int, _ problem: RowProblem, raw: String) -> ReadRow {
    ReadRow(line: line, fields: [], problem: problem, raw: raw)
}

final class CSVReaderTests: XCTestCase {
    func testSimpleRowsAndLineNumbers() throws {
        XCTAssertEqual(try readCSV("name,phone\nAda,+1\nBob,+2\n"),
                       [row(1, ["name", "phone"]), row(2, ["Ada", "+1"]), row(3, ["Bob", "+2"])])
    }

    func testEmptyInput() throws {
        XCTAssertEqual(try readCSV(""), [])
        XCTAssertEqual(try readCSV("\n\n\r\n"), [])
    }

    func testQuotedFields() throws {
        let text = "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"crlf\r\ninside\",\"\"\"\",\"\",plain\n"
        XCTAssertEqual(try readCSV(text), [row(1, ["a,b", "say \"hi\"", "line1\nline2", "crlf\r\ninside", "\"", "", "plain"])])
    }

    func testQuotedFieldAtEndOfInputWithoutNewline() throws {
        XCTAssertEqual(try readCSV("a,\"b\"\"c\""), [row(1, ["a", "b\"c"])])
        XCTAssertEqual(try readCSV("\"x\""), [row(1, ["x"])])
        XCTAssertEqual(try readCSV("\"\""), [row(1, [""])])
    }

    func testLineEndings() throws {
        let expected = [row(1, ["a", "b"]), row(2, ["c", "d"]), row(3, ["e", "f"])]
        XCTAssertEqual(try readCSV("a,b\nc,d\ne,f\n"), expected)
        XCTAssertEqual(try readCSV("a,b\r\nc,d\r\ne,f\r\n"), expected)
        XCTAssertEqual(try readCSV("a,b\r\nc,d\ne,f\r\n"), expected)
        XCTAssertEqual(try readCSV("a,b\nc,d\r\ne,f"), expected)
        // Quoted last field followed by CRLF.
        XCTAssertEqual(try readCSV("\"a\",\"b\"\r\n\"c\",\"d\"\r\ne,f"), expected)
    }

    func testLoneCarriageReturnIsData() throws {
        XCTAssertEqual(try readCSV("a\rb,c\n"), [row(1, ["a\rb", "c"])])
    }

    func testByteOrderMarkIsData() throws {
        // To the reader a BOM is a character like any other; InputSniffer drops the leading one.
        XCTAssertEqual(try readCSV("a,b\n\u{FEFF}c,d\ne,\u{FEFF}\n"),
                       [row(1, ["a", "b"]), row(2, ["\u{FEFF}c", "d"]), row(3, ["e", "\u{FEFF}"])])
        XCTAssertEqual(try readCSV("\u{FEFF}a\n"), [row(1, ["\u{FEFF}a"])])
    }

    func testBlankLinesSkippedButCounted() throws {
        XCTAssertEqual(try readCSV("\n\nh1,h2\n\n\r\n1,2\n\n\n3,4\n\n"),
                       [row(3, ["h1", "h2"]), row(6, ["1", "2"]), row(9, ["3", "4"])])
        // A line of spaces is not blank.
        XCTAssertEqual(try readCSV("a\n  \nb\n"), [row(1, ["a"]), row(2, ["  "]), row(3, ["b"])])
    }

    func testCustomDelimiters() throws {
        XCTAssertEqual(try readCSV("a;b,c;\"d;e\"\n1;;3\n", delimiter: ";"),
                       [row(1, ["a", "b,c", "d;e"]), row(2, ["1", "", "3"])])
        XCTAssertEqual(try readCSV("a\tb,c\t\"d\te\"\r\n\t\n", delimiter: "\t"),
                       [row(1, ["a", "b,c", "d\te"]), row(2, ["", ""])])
    }

    func testEmptyFields() throws {
        XCTAssertEqual(try readCSV(",,\n"), [row(1, ["", "", ""])])
        XCTAssertEqual(try readCSV("a,\n"), [row(1, ["a", ""])])
        XCTAssertEqual(try readCSV("a,"), [row(1, ["a", ""])])
        XCTAssertEqual(try readCSV(",a"), [row(1, ["", "a"])])
        XCTAssertEqual(try readCSV("\"\",\"\"\n"), [row(1, ["", ""])])
        XCTAssertEqual(try readCSV("a,\"\"\r\n"), [row(1, ["a", ""])])
        XCTAssertEqual(try readCSV("a,b\r\n,\r\n"), [row(1, ["a", "b"]), row(2, ["", ""])])
    }

    func testLastRowWithoutNewline() throws {
        XCTAssertEqual(try readCSV("h\nx,y"), [row(1, ["h"]), row(2, ["x", "y"])])
    }

    func testLineNumbersAfterMultiLineQuotedFields() throws {
        let text = "h1,h2\n\"a\nb\nc\",1\nnext,2\n\"x\r\ny\",3\r\n\nlast,4\n"
        XCTAssertEqual(try readCSV(text), [
            row(1, ["h1", "h2"]),
            row(2, ["a\nb\nc", "1"]),
            row(5, ["next", "2"]),
            row(6, ["x\r\ny", "3"]),
            row(9, ["last", "4"]),
        ])
    }

    func testUnterminatedQuoteAtEndOfInput() throws {
        let text = "h1,h2\nok,1\nx,\"abc\nnext,row\nlast\n"
        XCTAssertEqual(try readCSV(text), [
            row(1, ["h1", "h2"]),
            row(2, ["ok", "1"]),
            bad(3, .unterminatedQuote, raw: "x,\"abc"),
            row(4, ["next", "row"]),
            row(5, ["last"]),
        ])
        // With CRLF the raw line has no CR; with no newline at all the row is the rest.
        XCTAssertEqual(try readCSV("h\r\n\"abc\r\nz\r\n"),
                       [row(1, ["h"]), bad(2, .unterminatedQuote, raw: "\"abc"), row(3, ["z"])])
        XCTAssertEqual(try readCSV("h\n\"abc"), [row(1, ["h"]), bad(2, .unterminatedQuote, raw: "\"abc")])
    }

    func testTextAfterClosingQuote() throws {
        XCTAssertEqual(try readCSV("\"Ada\"x,1\nnext,2\n"),
                       [bad(1, .textAfterQuote, raw: "\"Ada\"x,1"), row(2, ["next", "2"])])
        // Text after a quote that closed on a later line: the quote is taken to be stray, so
        // the row is read as an unterminated quote (its first line alone) and reading resumes
        // on the next line, where `b" c` is plain text; later rows keep their line numbers.
        XCTAssertEqual(try readCSV("h\n\"a\nb\" c,1\nnext,2\n"),
                       [row(1, ["h"]), bad(2, .unterminatedQuote, raw: "\"a"), row(3, ["b\" c", "1"]), row(4, ["next", "2"])])
        // Text after a quote on the same line, in a later field: the whole row is bad.
        XCTAssertEqual(try readCSV("a,\"b\"c,d\ne\n"), [bad(1, .textAfterQuote, raw: "a,\"b\"c,d"), row(2, ["e"])])
        XCTAssertEqual(try readCSV("\"a\"\"b\"x\r\ne\r\n"), [bad(1, .textAfterQuote, raw: "\"a\"\"b\"x"), row(2, ["e"])])
        // A quote in the middle of an unquoted field is data.
        XCTAssertEqual(try readCSV("ab\"c,d\n"), [row(1, ["ab\"c", "d"])])
    }

    func testRowLongerThanLimit() throws {
        let long = String(repeating: "x", count: 3000)
        let text = "h1,h2\n\(long),y\nafter,1\n"
        let rows = try readCSV(text, maxRowBytes: 1024)
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[0], row(1, ["h1", "h2"]))
        XCTAssertEqual(rows[1].line, 2)
        XCTAssertEqual(rows[1].problem, .tooLong(limit: 1024))
        XCTAssertTrue(rows[1].raw.hasPrefix(String(repeating: "x", count: 1000)), "raw starts with the row")
        XCTAssertLessThanOrEqual(rows[1].raw.utf8.count, 4096)
        XCTAssertEqual(rows[1].fields, [])
        XCTAssertEqual(rows[2], row(3, ["after", "1"]))
    }

    func testLongQuotedRowSpanningLinesIsTooLong() throws {
        let text = "h\n\"start\n" + String(repeating: "y", count: 2000) + "\nend\"\nafter\n"
        // Lines: 1 h, 2 "start, 3 y…y, 4 end", 5 after. The row from line 2 is too long; reading
        // resumes at line 3, itself too long, then `end"` (a quote inside an unquoted field is data).
        let rows = try readCSV(text, maxRowBytes: 1024)
        XCTAssertEqual(rows.count, 5, "\(rows)")
        XCTAssertEqual(rows.first, row(1, ["h"]))
        XCTAssertEqual(rows.dropFirst().first?.problem, .tooLong(limit: 1024))
        XCTAssertEqual(rows.dropFirst().first?.line, 2)
        XCTAssertEqual(rows.dropFirst().first?.raw, "\"start")
        XCTAssertEqual(rows.dropFirst(2).first?.problem, .tooLong(limit: 1024))
        XCTAssertEqual(rows.dropFirst(2).first?.line, 3)
        XCTAssertEqual(rows.dropFirst(3).first, row(4, ["end\""]))
        XCTAssertEqual(rows.last, row(5, ["after"]))
    }

    /// A row of exactly maxRowBytes bytes (the terminator not counted) is not "longer than the
    /// limit": it is read whole with LF, and must be with CRLF too.
    func testRowOfExactlyTheLimitIsReadWithEitherLineEnding() throws {
        for content in [String(repeating: "x", count: 1024), "\"" + String(repeating: "q", count: 1022) + "\""] {
            for end in ["\n", "\r\n"] {
                let rows = try readCSV("h" + end + content + end + "z" + end, maxRowBytes: 1024)
                XCTAssertEqual(rows.count, 3, "\(end.debugDescription)")
                XCTAssertEqual(rows.dropFirst().first?.problem, nil, "\(content.prefix(1)) row of 1024 bytes ending \(end.debugDescription)")
                XCTAssertEqual(rows.dropFirst().first?.fields.first?.utf8.count, content.hasPrefix("\"") ? 1022 : 1024)
                XCTAssertEqual(rows.last, row(3, ["z"]))
            }
            // One byte more is too long either way.
            for end in ["\n", "\r\n"] {
                let rows = try readCSV("h" + end + content + "y" + end + "z" + end, maxRowBytes: 1024)
                XCTAssertEqual(rows.dropFirst().first?.problem, .tooLong(limit: 1024), "\(end.debugDescription)")
                XCTAssertEqual(rows.last, row(3, ["z"]))
            }
        }
    }

    func testSeveralLongRowsInARow() throws {
        var text = "h\n"
        for i in 0..<5 { text += String(repeating: Character(String(i)), count: 1500 + i * 700) + "\nshort\(i)\n" }
        let rows = try readCSV(text, maxRowBytes: 1024)
        XCTAssertEqual(rows.count, 11)
        for i in 0..<5 {
            XCTAssertEqual(rows[1 + 2 * i].problem, .tooLong(limit: 1024))
            XCTAssertEqual(rows[1 + 2 * i].line, 2 + 2 * i)
            XCTAssertEqual(rows[2 + 2 * i], row(3 + 2 * i, ["short\(i)"]))
        }
    }

    /// Rows near the buffer size, with quoted fields and CRLF spanning refills.
    func testSmallBufferRefills() throws {
        var rng = SplitMix64(seed: 1024)
        var text: [UInt8] = []
        var expected: [ReadRow] = []
        var line = 1
        for _ in 0..<300 {
            let width = Int.random(in: 1...4, using: &rng)
            var fields: [String] = []
            var rowText = ""
            for f in 0..<width {
                let n = Int.random(in: 0...220, using: &rng)
                var field = String((0..<n).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &rng))) })
                let quoted = Bool.random(using: &rng)
                if quoted, n > 10 {
                    let idx = field.index(field.startIndex, offsetBy: n / 2)
                    field.insert(contentsOf: ["\r\n", "\n", "\"", ","].randomElement(using: &rng)!, at: idx)
                }
                fields.append(field)
                if f > 0 { rowText += "," }
                rowText += quoted ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }
            if fields == [""] { continue }  // would be a blank line
            rowText += Bool.random(using: &rng) ? "\r\n" : "\n"
            expected.append(row(line, fields))
            line += rowText.utf8.filter { $0 == 0x0A }.count
            text += Array(rowText.utf8)
        }
        XCTAssertEqual(try readCSV(text, maxRowBytes: 1024), expected)
    }

    func testReadIntoBatchesByRowCount() throws {
        let path = try TempFiles.write("a\nb\nc\nd\ne\n", in: self)
        var reader = CSVReader(source: try InputSource(path: path))
        XCTAssertEqual(reader.sourceName, path)
        var sizes: [Int] = []
        var all: [String] = []
        while true {
            var batch = RowBatch()
            guard try reader.read(into: &batch, maxRows: 2) else { break }
            sizes.append(batch.rows.count)
            all += batch.rows.flatMap { batch.strings(of: $0) }
        }
        XCTAssertEqual(sizes, [2, 2, 1])
        XCTAssertEqual(all, ["a", "b", "c", "d", "e"])
    }

    func testMissingFileThrowsNoInput() {
        XCTAssertThrowsError(try InputSource(path: "/nonexistent/cxv-\(UUID().uuidString).csv")) { error in
            guard case .noInput = error as? CXVError else { return XCTFail("\(error)") }
        }
    }
}

final class CSVWriterTests: XCTestCase {
    private func write(_ rows: [[String]], delimiter: Character = ",") -> String {
        let writer = CSVWriter(delimiter: delimiter.asciiValue!)
        var out = WriteBuffer()
        for r in rows { writer.appendRow(r, to: &out) }
        return String(decoding: out.array, as: UTF8.self)
    }

    func testQuotingRules() {
        XCTAssertEqual(write([["a", "b", ""]]), "a,b,\n")
        XCTAssertEqual(write([["a,b", "say \"hi\"", "l1\nl2", "cr\r", " lead", "trail ", "mid space", "é😀"]]),
                       "\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"cr\r\",\" lead\",\"trail \",mid space,é😀\n")
        XCTAssertEqual(write([["\""]]), "\"\"\"\"\n")
        // Fields past a word, where the scan goes eight bytes at a time: a byte to quote in the first word, a later one, none.
        XCTAssertEqual(write([["a,b longer than 8", "0123456789abcde\"f", "carriage\r return", "0123456789abcdef"]]),
                       "\"a,b longer than 8\",\"0123456789abcde\"\"f\",\"carriage\r return\",0123456789abcdef\n")
        XCTAssertEqual(write([["a;b", "c,d"]], delimiter: ";"), "\"a;b\";c,d\n")
        XCTAssertEqual(write([["a\tb", "c"]], delimiter: "\t"), "\"a\tb\"\tc\n")
        XCTAssertEqual(write([]), "")
    }

    /// Random rows written by CSVWriter read back identically, with the right line numbers.
    func testRoundTrip() throws {
        for (seed, delimiter) in [(UInt64(1), Character(",")), (2, ";"), (3, "\t")] {
            var rng = SplitMix64(seed: seed)
            let pieces = ["a", "Zed", " ", "\"", "\"\"", ",", ";", "\t", "\n", "\r", "\r\n", "é", "😀", "\u{FEFF}",
                          "x y", "", "0", "+1 (202)", "\\"]
            var rows: [[String]] = []
            for _ in 0..<400 {
                let width = Int.random(in: 1...6, using: &rng)
                var fields = (0..<width).map { _ in
                    (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                }
                // Every row round-trips, a row of one empty field and a leading U+FEFF included.
                if rows.isEmpty { fields[0] = "\u{FEFF}" + fields[0] }
                if rows.count == 1 { fields = [""] }
                rows.append(fields)
            }
            let writer = CSVWriter(delimiter: delimiter.asciiValue!)
            var out: [UInt8] = []
            var expected: [ReadRow] = []
            var line = 1
            for r in rows {
                var written = WriteBuffer()
                writer.appendRow(r, to: &written)
                out += written.array
                expected.append(row(line, r))
                line += written.array.filter { $0 == 0x0A }.count
            }
            for limit in [1 << 20, 1024] {
                let got = try readCSV(out, delimiter: delimiter, maxRowBytes: limit)
                XCTAssertEqual(got.count, expected.count, "delimiter \(delimiter.debugDescription) limit \(limit)")
                for (g, e) in zip(got, expected) where g != e {
                    XCTFail("delimiter \(delimiter.debugDescription) limit \(limit): got \(g), expected \(e)")
                    break
                }
            }
        }
    }
}
