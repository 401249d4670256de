import Foundation
import XCTest
@testable import CXVCore

/// gzip and base64, chunking, and the report's accounting.
final class GzipTests: XCTestCase {
    func testCompressedPayloadRoundTripsThroughFoundationFreeInflate() throws {
        var rng = SplitMix64(seed: 42)
        for size in [0, 1, 2, 3, 100, 65_537, 300_000] {
            let input = (0..<size).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }
            for level: Int32 in [1, 6, 9] {
                let gz = try input.withUnsafeBytes { try Gzip.compress($0, level: level) }
                XCTAssertEqual(Array(gz.prefix(2)), [0x1F, 0x8B], "gzip magic")
                let back = try gz.withUnsafeBytes { try Gzip.decompress($0) }
                XCTAssertEqual(back, input, "size \(size) level \(level)")
            }
        }
    }

    func testGzip1ReadsOurStream() throws {
        let csv = Array("phone_number,first_name,last_name,email\n+12025550101,Zoë,\"O'Brien, Jr.\",\n".utf8)
        let gz = try csv.withUnsafeBytes { try Gzip.compress($0) }
        let path = try TempFiles.write(gz, in: self, suffix: ".gz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc '\(path)'"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(Array(out), csv)
    }

    func testDecompressRefusesGarbageTruncationAndBombs() throws {
        let csv = Array(repeating: UInt8(ascii: "a"), count: 100_000)
        let gz = try csv.withUnsafeBytes { try Gzip.compress($0) }
        XCTAssertThrowsError(try [UInt8]("not gzip".utf8).withUnsafeBytes { try Gzip.decompress($0) })
        XCTAssertThrowsError(try Array(gz.dropLast(10)).withUnsafeBytes { try Gzip.decompress($0) })
        XCTAssertThrowsError(try (gz + [1, 2, 3]).withUnsafeBytes { try Gzip.decompress($0) })
        XCTAssertThrowsError(try gz.withUnsafeBytes { try Gzip.decompress($0, limit: 50_000) })
        // The size in the trailer sizes the output buffer; one that lies is refused, whatever it says.
        for size: UInt32 in [0, 1, 99_999, 100_001, 1 << 30, .max] {
            let lying = gz.dropLast(4) + withUnsafeBytes(of: size.littleEndian) { Array($0) }
            XCTAssertThrowsError(try lying.withUnsafeBytes { try Gzip.decompress($0) }, "trailer size \(size)")
        }
    }

    func testBase64AgreesWithFoundation() {
        var rng = SplitMix64(seed: 7)
        for size in 0..<70 {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var encoded: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &encoded) }
            XCTAssertEqual(String(decoding: encoded, as: UTF8.self), Data(bytes).base64EncodedString())
            XCTAssertEqual(encoded.withUnsafeBytes { Base64.decode($0) }, bytes)
        }
        for bad in ["abc", "a===", "ab!d", "ab=d"] {
            XCTAssertNil(Array(bad.utf8).withUnsafeBytes { Base64.decode($0) }, bad)
        }
    }

    func testCompressorRewritesOnlyBuiltChunksAndKeepsUnknownMembers() throws {
        let csv = "phone_number,first_name,last_name,email\n+12025550101,Ada,\"Love\"\"lace\",\n"
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("chunk")
        w.key("state"); w.string("built")
        w.key("seq"); w.int(4)
        w.key("custom"); Array(#"{"a":[1, 2]}"#.utf8).withUnsafeBytes { w.raw($0) }
        w.key("csv"); w.string(csv)
        w.endObject()
        let line = w.bytes
        let result = try line.withUnsafeBytes { try ChunkCompressor().transform($0, source: "-", lineNumber: 1) }
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.record)) as? [String: Any])
        XCTAssertEqual(record["state"] as? String, "compressed")
        XCTAssertNil(record["csv"])
        XCTAssertTrue(String(decoding: result.record, as: UTF8.self).contains(#""custom":{"a":[1, 2]}"#), "unknown member copied as is")
        let gz = try XCTUnwrap(Data(base64Encoded: record["gzip"] as! String))
        XCTAssertEqual(try [UInt8](gz).withUnsafeBytes { try Gzip.decompress($0) }, Array(csv.utf8))
        XCTAssertEqual(record["sha256"] as? String, Array(csv.utf8).withUnsafeBytes { ChunkCompressor.sha256Hex($0) })
        XCTAssertEqual((record["bytes"] as? [String: Int])?["csv"], csv.utf8.count)
        XCTAssertEqual(result.sizes?.csv, csv.utf8.count)

        // Back again: exactly the built record.
        let restored = try result.record.dropLast().withUnsafeBytes {
            try ChunkCompressor(decompress: true).transform($0, source: "-", lineNumber: 1)
        }
        XCTAssertEqual(restored.record, line + [0x0A])

        // A compressed chunk is not compressed again.
        let again = try result.record.dropLast().withUnsafeBytes { try ChunkCompressor().transform($0, source: "-", lineNumber: 1) }
        XCTAssertNil(again.sizes)
        XCTAssertEqual(again.record, result.record)
    }

    func testKnownSha256() {
        XCTAssertEqual(Array("abc".utf8).withUnsafeBytes { ChunkCompressor.sha256Hex($0) },
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

final class ChunkBuilderTests: XCTestCase {
    func contact(_ line: Int, _ phone: String, _ first: String, extra: String = "") -> [UInt8] {
        Array(#"{"kind":"contact","line":\#(line),"phone_number":"\#(phone)","first_name":"\#(first)","last_name":"L"\#(extra)}"#.utf8)
    }

    func add(_ builder: ChunkBuilder, _ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try builder.add(RawRecord(kind: .contact, bytes: $0, line: 1), source: "-") }
    }

    func records(_ bytes: [UInt8]) -> [[String: Any]] {
        bytes.split(separator: 0x0A).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    func testSizeLimitLinesAndTally() throws {
        let builder = ChunkBuilder(limits: ChunkLimits(rows: 2, bytes: 1 << 20))
        var out: [UInt8] = []
        for i in 0..<5 { out += try add(builder, contact(10 + i, "+1202555010\(i)", "N\\\"\(i)")) }
        out += builder.finish()
        let recs = records(out)
        XCTAssertEqual(recs.count, 4)
        XCTAssertEqual(recs[0..<3].map { $0["lines"] as! [Int] }, [[10, 11], [12, 13], [14]])
        XCTAssertEqual(recs[0..<3].map { $0["seq"] as! Int }, [1, 2, 3])
        XCTAssertEqual(recs[0]["csv"] as? String,
                       "phone_number,first_name,last_name,email\n+12025550100,\"N\"\"0\",L,\n+12025550101,\"N\"\"1\",L,\n")
        XCTAssertEqual(recs[3]["kind"] as? String, "tally")
        XCTAssertEqual(recs[3]["contacts"] as? Int, 5)
        XCTAssertEqual(recs[3]["rows"] as? Int, 5)
        XCTAssertEqual(recs[3]["chunks"] as? Int, 3)
    }

    func testExtraColumns() throws {
        let builder = ChunkBuilder(limits: ChunkLimits(), columns: ["Notes", "Team"])
        _ = try add(builder, contact(2, "+12025550100", "A", extra: #","extra":{"Team":"red","Other":"x","Notes":"a,b"}"#))
        let recs = records(builder.finish())
        XCTAssertEqual(recs[0]["csv"] as? String, "phone_number,first_name,last_name,email,Notes,Team\n+12025550100,A,L,,\"a,b\",red\n")
    }

    func testContactWithoutPhoneIsADataError() {
        let builder = ChunkBuilder(limits: ChunkLimits())
        XCTAssertThrowsError(try add(builder, Array(#"{"kind":"contact","line":3}"#.utf8))) { error in
            XCTAssertEqual((error as? CXVError)?.exitStatus, .dataError)
        }
    }
}

final class ReportTests: XCTestCase {
    func report(_ lines: [String]) throws -> Report {
        let path = try TempFiles.write(lines.joined(separator: "\n") + "\n", in: self, suffix: ".ndjson")
        var builder = ReportBuilder(rejects: nil)
        try builder.run(inputs: [path], maxLineBytes: 1 << 20, policy: InvalidLinePolicy(stage: "report", skip: false))
        return builder.report
    }

    let validate = #"{"kind":"tally","stage":"validate","read":10,"contacts":7,"rejects":3}"#
    let rejects = (1...3).map { #"{"kind":"reject","stage":"validate","line":\#($0 + 1),"errors":[{"field":"phone_number","code":"not_e164","message":"m"}],"record":{"p":"x"}}"# }
    let chunkTally = #"{"kind":"tally","stage":"chunk","contacts":7,"chunks":2,"rows":7,"rejects":0}"#

    func testBalancedDryRun() throws {
        let r = try report(rejects + [validate,
            #"{"kind":"chunk","state":"compressed","seq":1,"count":4}"#,
            #"{"kind":"chunk","state":"built","seq":2,"count":3}"#, chunkTally])
        XCTAssertEqual(r.read, 10)
        XCTAssertEqual(r.notSubmitted, 7)
        XCTAssertEqual(r.unaccounted, 0)
        XCTAssertEqual(r.missingTallies, [.gzip], "a compressed chunk means gzip ran")
        XCTAssertEqual(r.exitStatus, .dataError)
    }

    func testImportedFailedAndImportRejects() throws {
        let r = try report(rejects + [validate, chunkTally,
            #"{"kind":"tally","stage":"upload","chunks":2}"#, #"{"kind":"tally","stage":"poll","chunks":2}"#,
            #"{"kind":"reject","stage":"import","line":9,"errors":[{"field":"","code":"server","message":"row 1: bad"}],"record":{}}"#,
            #"{"kind":"chunk","state":"completed","seq":1,"count":4,"records_processed":4,"retries":1}"#,
            #"{"kind":"chunk","state":"failed","seq":2,"count":3,"errors":["boom"]}"#])
        XCTAssertEqual(r.imported, 3)
        XCTAssertEqual(r.rows.failed, 3)
        XCTAssertEqual(r.unaccounted, 0)
        XCTAssertEqual(r.retries, 1)
        XCTAssertEqual(r.missingTallies, [])
        XCTAssertEqual(r.exitStatus, .someRejected)
        XCTAssertTrue(r.text.contains("Chunk 2 failed: boom"), r.text)
    }

    func testImportRejectsAreCarvedOutOfTheirOwnChunk() throws {
        let importReject = { (seq: Int) in
            #"{"kind":"reject","stage":"import","line":9,"seq":\#(seq),"errors":[{"field":"","code":"refused_by_server","message":"row 1: bad"}],"record":{}}"#
        }
        let r = try report(rejects + [validate, chunkTally, importReject(1), importReject(2),
            #"{"kind":"tally","stage":"upload","chunks":2}"#, #"{"kind":"tally","stage":"poll","chunks":2}"#,
            #"{"kind":"chunk","state":"completed","seq":1,"count":4}"#,
            #"{"kind":"chunk","state":"failed","seq":2,"count":3,"errors":["still FAILED"]}"#])
        XCTAssertEqual(r.imported, 3, "4 in chunk 1 less its reject")
        XCTAssertEqual(r.inFailedChunks, 2, "3 in chunk 2 less its reject, which is counted as rejected")
        XCTAssertEqual(r.unaccounted, 0)
    }

    func testLostContactsAreUnaccounted() throws {
        let r = try report(rejects + [validate, chunkTally, #"{"kind":"chunk","state":"built","seq":1,"count":4}"#])
        XCTAssertEqual(r.unaccounted, 3)
        XCTAssertEqual(r.exitStatus, .dataError)
        XCTAssertTrue(r.verdict.contains("3 contact(s) unaccounted"), r.verdict)
    }

    func testStageBooksMustBalance() throws {
        let r = try report(Array(rejects.prefix(2)) + [validate])
        XCTAssertFalse(r.stageChecks[0].ok, "validate said 3 rejects, 2 were seen")
        XCTAssertEqual(r.exitStatus, .dataError)
    }

    func testCleanRunExitsZeroAndEmptyStreamFails() throws {
        let ok = try report([#"{"kind":"tally","stage":"validate","read":1,"contacts":1,"rejects":0}"#,
                             #"{"kind":"chunk","state":"built","seq":1,"count":1}"#,
                             #"{"kind":"tally","stage":"chunk","contacts":1,"chunks":1,"rows":1,"rejects":0}"#])
        XCTAssertEqual(ok.exitStatus, .ok)
        let path = try TempFiles.write("", in: self, suffix: ".ndjson")
        var builder = ReportBuilder(rejects: nil)
        try builder.run(inputs: [path], maxLineBytes: 1024, policy: InvalidLinePolicy(stage: "report", skip: false))
        XCTAssertEqual(builder.report.exitStatus, .dataError)
    }
}

final class RecordReaderTests: XCTestCase {
    /// What the reader makes of each line: the kind, or "invalid".
    func kinds(_ lines: [String], owns: @escaping (RecordKind) -> Bool = { _ in false }) throws -> [String] {
        let path = try TempFiles.write(lines.joined(separator: "\n") + "\n", in: self, suffix: ".ndjson")
        var reader = RecordReader(source: try InputSource(path: path), owns: owns)
        var out: [String] = []
        while let kind = try reader.next({ item -> String in
            switch item {
            case let .record(record):
                switch record.kind {
                case let .other(name): return "other:\(name)"
                default: return "\(record.kind)"
                }
            case .invalid: return "invalid"
            }
        }) { out.append(kind) }
        return out
    }

    func testKindsFromTheFirstBytesAndEveryLineChecked() throws {
        let lines = [
            #"{"kind":"contact","line":2}"#, #"{"kind":"note"}"#, #"{"kind":"note" , "a":[1,{"b":null}]}"#,
            #"{"a":1,"kind":"tally"}"#, #"{ "kind" : "chunk" }"#, #"{"kind":"n\u006fte"}"#,
            #"{"kind":"note","a":}"#, #"{"kind":"note"} x"#, #"{"kind":"note","#, "[1]", #"{"kind":1}"#, "", #"{"a":1}"#,
        ]
        XCTAssertEqual(try kinds(lines), ["contact", "other:note", "other:note", "tally", "chunk", "other:note",
                                          "invalid", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid"])
    }

    func testOwnedKindsAreLeftToTheirDecoder() throws {
        // A broken contact is the chunk stage's to report (with its own message), not the reader's.
        XCTAssertEqual(try kinds([#"{"kind":"contact","line":}"#], owns: { $0 == .contact }), ["contact"])
        XCTAssertEqual(try kinds([#"{"kind":"reject","line":}"#], owns: { $0 == .contact }), ["invalid"])
    }

    func testHasBufferedLineSaysWhetherTheNextLineNeedsARead() throws {
        var reader = RecordReader(source: InputSource(name: "memory", bytes: Array("{\"kind\":\"a\"}\n{\"kind\":\"b\"}".utf8)))
        XCTAssertFalse(reader.hasBufferedLine(), "nothing read yet")
        XCTAssertNotNil(try reader.next { _ in })
        XCTAssertFalse(reader.hasBufferedLine(), "a line without its newline may still grow")
        XCTAssertNotNil(try reader.next { _ in })
        XCTAssertTrue(reader.hasBufferedLine(), "the input has ended: next returns at once")
        XCTAssertNil(try reader.next { _ in })

        reader = RecordReader(source: InputSource(name: "memory", bytes: Array("{\"kind\":\"a\"}\n{\"kind\":\"b\"}\n".utf8)))
        XCTAssertNotNil(try reader.next { _ in })
        XCTAssertTrue(reader.hasBufferedLine(), "the second line is whole in the buffer")
    }
}
