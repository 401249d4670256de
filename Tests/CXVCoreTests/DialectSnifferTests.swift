import XCTest
@testable import CXVCore
@testable import CXVInput
@testable import CXVValidate

final class DialectSnifferTests: XCTestCase {
    func sniff(_ text: String, complete: Bool = true) -> String? {
        DialectSniffer.delimiter(in: Array(text.utf8), complete: complete).map { String(UnicodeScalar($0)) }
    }

    func testEachDelimiterAsExportsWriteIt() {
        XCTAssertEqual(sniff("phone,first,last\n+1202,Ada,L\n"), ",")
        // Excel in a comma-decimal locale: a decimal comma in every row must not win.
        XCTAssertEqual(sniff("Phone;Nom;Montant\n+33123;Dupont;1,5\n+33124;Durand;2,25\n"), ";")
        XCTAssertEqual(sniff("phone\tfirst\tlast\r\n+1202\tAda\tL\r\n"), "\t")
        XCTAssertEqual(sniff("phone|first|last\n+1202|Ada|L\n"), "|")
    }

    func testQuotesAreRespected() {
        // Semicolons and line breaks inside quotes split nothing.
        XCTAssertEqual(sniff("phone,notes\n+1202,\"a;b;c\"\n+1203,\"x;\ny;z\"\n"), ",")
        XCTAssertEqual(sniff("phone;notes\n+1202;\"a,b,c\"\n+1203;\"say \"\"hi, there\"\"\"\n"), ";")
    }

    func testACutSampleIgnoresItsLastPartialRecordAndOneColumnPicksNone() {
        XCTAssertEqual(sniff("phone;first;last\n+1202;Ada;L\n+1203;Gr", complete: false), ";")
        XCTAssertNil(sniff("phone\n+12025550100\n"))
        XCTAssertNil(sniff(""))
    }

    func testRaggedRowsFallBackToTheHeader() {
        XCTAssertEqual(sniff("phone;first;last\n+1202;Ada\n+1203;Grace;Hopper;extra\n"), ";")
    }

    func testHeaderSplitsAsTheReaderWould() {
        XCTAssertEqual(DialectSniffer.header(in: Array("Phone;\"Nom; complet\";Email\r\nx".utf8), delimiter: UInt8(ascii: ";")),
                       ["Phone", "Nom; complet", "Email"])
    }
}
