import Foundation
import XCTest
@testable import CXVCore

/// What cxv-upload does with a chunk the server finds too large: `ChunkRecord.halves`, and
/// the rows as read that ChunkBuilder carries for the report.
final class ChunkHalvesTests: XCTestCase {
    /// Five contacts, lines 2 to 6; those of lines 3 and 5 carry their rows as read.
    func builtChunk() throws -> [UInt8] {
        let builder = ChunkBuilder(limits: ChunkLimits())
        var out: [UInt8] = []
        for line in 2...6 {
            let record = line % 2 == 1 ? #","record":{"Phone":"(303) 555-000\#(line)","Name":" N\#(line)"}"# : ""
            let contact = Array(#"{"kind":"contact","line":\#(line),"phone_number":"+1303555000\#(line)","first_name":"N\#(line)","last_name":"L"\#(record)}"#.utf8)
            out += try contact.withUnsafeBytes { try builder.add(RawRecord(kind: .contact, bytes: $0, line: line), source: "-") }
        }
        out += builder.finish()
        return Array(out.split(separator: 0x0A).first { $0.starts(with: Array(#"{"kind":"chunk""#.utf8)) }!)
    }

    func chunk(_ line: [UInt8]) throws -> ChunkRecord {
        try line.withUnsafeBytes { try ChunkRecord($0) }
    }

    func testTheBuilderCarriesRowsAsReadAlignedWithLinesAndNullForTheOthers() throws {
        let built = try chunk(try builtChunk())
        let records = try XCTUnwrap(built.elements("records")).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(records, ["null", #"{"Phone":"(303) 555-0003","Name":" N3"}"#, "null",
                                 #"{"Phone":"(303) 555-0005","Name":" N5"}"#, "null"])
        // Contacts without rows as read make a chunk without the member.
        let builder = ChunkBuilder(limits: ChunkLimits())
        let plain = Array(#"{"kind":"contact","line":2,"phone_number":"+13035550002","first_name":"A","last_name":"L"}"#.utf8)
        _ = try plain.withUnsafeBytes { try builder.add(RawRecord(kind: .contact, bytes: $0, line: 2), source: "-") }
        XCTAssertFalse(String(decoding: builder.finish(), as: UTF8.self).contains("records"))
    }

    func testACompressedChunkSplitsIntoTwoCompressedHalvesThatHoldEveryRowOnce() throws {
        let compressed = try builtChunk().withUnsafeBytes { try ChunkCompressor().transform($0, source: "-", lineNumber: 1) }
        let whole = try chunk(Array(compressed.record.dropLast()))
        let (first, second) = try XCTUnwrap(try whole.halves())
        XCTAssertEqual([first.part, second.part], ["1", "2"])
        XCTAssertEqual([first.label, second.label], ["1.1", "1.2"])
        XCTAssertEqual([first.seq, second.seq], [1, 1])
        XCTAssertEqual([first.count, second.count], [3, 2])
        XCTAssertEqual(first.value("lines"), try JSONValue.parse("[2,3,4]"))
        XCTAssertEqual(second.value("lines"), try JSONValue.parse("[5,6]"))
        XCTAssertEqual(second.elements("records")?.map { String(decoding: $0, as: UTF8.self) },
                       [#"{"Phone":"(303) 555-0005","Name":" N5"}"#, "null"])
        for half in [first, second] {
            XCTAssertEqual(half.state, "compressed")
            XCTAssertTrue(try half.payload().gzip)
            let csv = try half.csv()
            XCTAssertTrue(csv.starts(with: Array("phone_number,first_name,last_name,email\n".utf8)))
            XCTAssertEqual(half.string("sha256"), csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }, "its own key")
        }
        XCTAssertEqual(String(decoding: try second.csv(), as: UTF8.self),
                       "phone_number,first_name,last_name,email\n+13035550005,N5,L,\n+13035550006,N6,L,\n")
        XCTAssertNotEqual(first.string("sha256"), whole.string("sha256"))

        // Split again: a deeper part; a single row cannot be split.
        let (firstOfSecond, secondOfSecond) = try XCTUnwrap(try second.halves())
        XCTAssertEqual([firstOfSecond.label, secondOfSecond.label], ["1.2.1", "1.2.2"])
        XCTAssertNil(try firstOfSecond.halves())
    }

    func testABuiltChunkSplitsIntoBuiltHalves() throws {
        let (first, _) = try XCTUnwrap(try chunk(try builtChunk()).halves())
        XCTAssertEqual(first.state, "built")
        XCTAssertFalse(try first.payload().gzip)
        XCTAssertNil(first.string("sha256"))
        XCTAssertEqual(String(decoding: try first.csv(), as: UTF8.self),
                       "phone_number,first_name,last_name,email\n+13035550002,N2,L,\n+13035550003,N3,L,\n+13035550004,N4,L,\n")
    }
}
