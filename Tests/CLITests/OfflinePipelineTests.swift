import Foundation
import XCTest

/// The offline tools piped together on the bundled messy sample and on small
/// hand-made inputs: counts, pass-through, round trips, exit statuses.
final class OfflinePipelineTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    var expected: [String: Any] {
        let url = Pipeline.packageRoot.appendingPathComponent("samples/messy-contacts.expected.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    // MARK: - The messy sample

    func testValidateCountsEveryRowOfTheMessySample() throws {
        let r = try Pipeline.sh("cxv-validate --region US --dedupe '\(Pipeline.sample)'")
        XCTAssertEqual(r.status, 1, r.stderr)  // finished, some rejected
        let records = r.records
        let tally = try XCTUnwrap(records.last)
        XCTAssertEqual(tally["kind"] as? String, "tally")
        XCTAssertEqual(tally["read"] as? Int, expected["read"] as? Int)
        XCTAssertEqual(tally["contacts"] as? Int, expected["contacts"] as? Int)
        XCTAssertEqual(tally["rejects"] as? Int, expected["rejected"] as? Int)
        XCTAssertEqual(records.filter { $0["kind"] as? String == "contact" }.count, expected["contacts"] as? Int)
        var codes: [String: Int] = [:]
        for record in records where record["kind"] as? String == "reject" {
            let errors = try XCTUnwrap(record["errors"] as? [[String: Any]])
            codes[errors[0]["code"] as! String, default: 0] += 1
            XCTAssertNotNil(record["line"] as? Int)
            XCTAssertNotNil(record["record"] as? [String: Any])
        }
        XCTAssertEqual(codes, expected["rejects"] as? [String: Int])
        // Every input row is one record: lines are unique and cover read.
        let lines = records.compactMap { $0["line"] as? Int }
        XCTAssertEqual(Set(lines).count, expected["read"] as? Int)
    }

    func testContactsAreNormalisedTrimmedAndKeepExtras() throws {
        let csv = try write("c.csv", "Phone Number,First Name,Last Name,E-mail,Notes\r\n" +
            "\"(202) 555-0143\", Zoë ,\"O'Brien, Jr.\",zoe@example.com,\"multi\r\nline\"\r\n" +
            "+44 20 7946 0958,Ada,Lovelace,,\r\n")
        let r = try Pipeline.sh("cxv-validate --region US '\(csv)'")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines[0], #"{"kind":"contact","line":2,"phone_number":"+12025550143","first_name":"Zoë","last_name":"O'Brien, Jr.","email":"zoe@example.com","extra":{"Notes":"multi\r\nline"}}"#)
        XCTAssertEqual(r.records[1]["line"] as? Int, 4)
        XCTAssertEqual(r.records[1]["phone_number"] as? String, "+442079460958")
    }

    func testFullOfflinePipelineBalancesTheBooks() throws {
        let r = try Pipeline.sh("""
            cxv-validate --region US --dedupe '\(Pipeline.sample)' | cxv-chunk --size 500 | cxv-gzip \
            | cxv-report --format json --rejects rejects.csv
            """, in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try XCTUnwrap(r.records.first)
        let accounting = try XCTUnwrap(report["accounting"] as? [String: Int])
        XCTAssertEqual(accounting["read"], 3500)
        XCTAssertEqual(accounting["unaccounted"], 0)
        XCTAssertEqual(accounting["imported"], 0)
        XCTAssertEqual(accounting["not_submitted"], expected["contacts"] as? Int)
        XCTAssertEqual(accounting["rejected_validate"], expected["rejected"] as? Int)
        let chunks = try XCTUnwrap(report["chunks"] as? [String: Int])
        XCTAssertEqual(chunks["total"], ((expected["contacts"] as! Int) + 499) / 500)
        XCTAssertEqual(chunks["not_submitted"], chunks["total"])
        XCTAssertEqual(chunks["failed"], 0)
        XCTAssertEqual(report["missing_tallies"] as? [String], [])

        // The rejects file reads back: one row per reject, its original columns plus error.
        let back = try Pipeline.sh("cxv-validate --input-format csv --require none rejects.csv | tail -1", in: dir)
        let tally = try XCTUnwrap(back.records.last)
        XCTAssertEqual(tally["read"] as? Int, expected["rejected"] as? Int)
        let header = try String(contentsOf: dir.appendingPathComponent("rejects.csv"), encoding: .utf8).prefix { $0 != "\n" && $0 != "\r" }
        XCTAssertEqual(String(header), "Phone Number,First Name,Last Name,E-mail,Notes,Account ID,error")
    }

    func testTextReportHasTheTutorialLines() throws {
        let r = try Pipeline.sh("cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk | cxv-gzip | cxv-report")
        XCTAssertEqual(r.status, 1, r.stderr)
        for line in ["Total Chunks: 3", "Successful Chunks: 0", "Failed Chunks: 0", "Records Processed: 0",
                     "Errors:", "unaccounted                0", "Not Submitted Chunks: 3"] {
            XCTAssertTrue(r.text.contains(line), "missing \(line) in\n\(r.text)")
        }
    }

    // MARK: - Chunks

    func testChunkLinesMapEveryRowBackToItsContact() throws {
        let r = try Pipeline.sh("cxv-validate --region US '\(Pipeline.sample)' > v.ndjson; cxv-chunk --size 7 < v.ndjson", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let contacts = try Pipeline.sh("cat v.ndjson", in: dir).records.filter { $0["kind"] as? String == "contact" }
        let byLine = Dictionary(uniqueKeysWithValues: contacts.map { ($0["line"] as! Int, $0) })
        var rows = 0
        for chunk in r.records where chunk["kind"] as? String == "chunk" {
            let lines = chunk["lines"] as! [Int]
            let csv = chunk["csv"] as! String
            XCTAssertTrue(csv.hasPrefix("phone_number,first_name,last_name,email\n"))
            XCTAssertLessThanOrEqual(lines.count, 7)
            XCTAssertEqual(chunk["count"] as? Int, lines.count)
            // Data rows start with the phone number, never quoted.
            let phones = csv.split(separator: "\n").dropFirst().filter { $0.hasPrefix("+") }.map { String($0.prefix { $0 != "," }) }
            XCTAssertEqual(phones, lines.map { byLine[$0]!["phone_number"] as! String })
            rows += lines.count
        }
        XCTAssertEqual(rows, contacts.count)
        XCTAssertEqual(r.records.last?["rows"] as? Int, contacts.count)
    }

    func testChunkByteCapNeverSplitsARowAndRejectsAnOversizedOne() throws {
        let long = String(repeating: "x", count: 300)
        let csv = try write("c.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n+12025550102,\(long),Hopper\n+12025550103,Alan,Turing\n+12025550104,Ken,Thompson\n")
        let r = try Pipeline.sh("cxv-validate '\(csv)' | cxv-chunk --max-bytes 120 | cxv-report --format json", in: dir)
        let chunked = try Pipeline.sh("cxv-validate '\(csv)' | cxv-chunk --max-bytes 120", in: dir)
        let chunks = chunked.records.filter { $0["kind"] as? String == "chunk" }
        for chunk in chunks { XCTAssertLessThanOrEqual((chunk["csv"] as! String).utf8.count, 120) }
        XCTAssertEqual(chunks.map { $0["lines"] as! [Int] }.flatMap { $0 }, [2, 4, 5])
        let reject = try XCTUnwrap(chunked.records.first { $0["kind"] as? String == "reject" })
        XCTAssertEqual(reject["stage"] as? String, "chunk")
        XCTAssertEqual(reject["line"] as? Int, 3)
        XCTAssertEqual(r.status, 1)
        let accounting = try XCTUnwrap(r.records.first?["accounting"] as? [String: Int])
        XCTAssertEqual(accounting["rejected_chunk"], 1)
        XCTAssertEqual(accounting["unaccounted"], 0)
    }

    // MARK: - Call lists

    func testCallListsChunksRejectWhatAListCannotKeepAndTheBooksBalance() throws {
        let long = String(repeating: "x", count: 600)
        let csv = try write("c.csv", "Phone,First,Last,CustomerNo,Notes\n+12025550101,Ada,Lovelace,C-1,n\n" +
            "+12025550102,Grace,Hopper,,n\n+12025550103,Alan,Turing,C-1,n\n+12025550104,\(long),Thompson,C-4,n\n" +
            "+12025550105,Ken,Thompson,C-5,n\n555-CALL-NOW,Bad,Phone,C-6,n\n")
        let r = try Pipeline.sh("""
            cxv-validate --map external_id=CustomerNo '\(csv)' | cxv-chunk --api call-lists | cxv-gzip > gz.ndjson
            echo "statuses ${PIPESTATUS[*]}"
            cxv-validate --map external_id=CustomerNo '\(csv)' > v.ndjson
            CXONE_API=call-lists cxv-chunk v.ndjson > built.ndjson
            cxv-gzip -d gz.ndjson | grep -v '"stage":"gzip"' | cmp - built.ndjson && echo roundtrip
            """, in: dir)
        XCTAssertEqual(r.lines, ["statuses 1 0 0", "roundtrip"], r.stderr)

        let built = try Pipeline.sh("cat built.ndjson", in: dir)
        let chunk = try XCTUnwrap(built.lines.first { $0.hasPrefix(#"{"kind":"chunk""#) })
        XCTAssertTrue(chunk.hasPrefix(#"{"kind":"chunk","state":"built","seq":1,"api":"call-lists","count":2,"#), chunk)
        XCTAssertEqual(built.records.first { $0["kind"] as? String == "chunk" }?["csv"] as? String,
                       "external_id,phone_number,first_name,last_name,email\nC-1,+12025550101,Ada,Lovelace,\nC-5,+12025550105,Ken,Thompson,\n")
        let rejects = built.records.filter { $0["kind"] as? String == "reject" && $0["stage"] as? String == "chunk" }
        let errors = rejects.map { ($0["errors"] as! [[String: Any]])[0] }
        XCTAssertEqual(rejects.map { $0["line"] as! Int }, [3, 4, 5])
        XCTAssertEqual(errors.map { $0["code"] as! String }, ["no_external_id", "duplicate_external_id", "too_long"])
        XCTAssertTrue((errors[0]["message"] as! String).contains("--map external_id=COLUMN"))
        XCTAssertTrue((errors[1]["message"] as! String).contains("line 2"))
        XCTAssertTrue((errors[2]["message"] as! String).contains("512"))
        XCTAssertEqual((rejects[1]["record"] as? [String: String])?["first_name"], "Alan")
        XCTAssertEqual(built.records.last?["rejects"] as? Int, 3)

        let gz = try Pipeline.sh("grep '\"kind\":\"chunk\"' gz.ndjson", in: dir)
        XCTAssertTrue(gz.text.contains(#""seq":1,"api":"call-lists","count":2,"#), "cxv-gzip keeps api where it was: \(gz.text)")

        let report = try Pipeline.sh("cxv-report --format json gz.ndjson", in: dir)
        XCTAssertEqual(report.status, 1, report.stderr)
        let json = try XCTUnwrap(report.records.first)
        let accounting = try XCTUnwrap(json["accounting"] as? [String: Int])
        XCTAssertEqual(accounting["read"], 6)
        XCTAssertEqual(accounting["rejected_validate"], 1)
        XCTAssertEqual(accounting["rejected_chunk"], 3)
        XCTAssertEqual(accounting["not_submitted"], 2)
        XCTAssertEqual(accounting["unaccounted"], 0)
        XCTAssertEqual(json["missing_tallies"] as? [String], [])
    }

    func testCallListsExternalIDFromThePhoneAndTheLimitsClamped() throws {
        let csv = try write("c.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n")
        let r = try Pipeline.sh("cxv-validate '\(csv)' | cxv-chunk --api call-lists --external-id phone --size 600000 --max-bytes 300000000",
                                in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let chunk = r.records.first { $0["kind"] as? String == "chunk" }
        XCTAssertEqual(chunk?["csv"] as? String,
                       "external_id,phone_number,first_name,last_name,email\n+12025550101,+12025550101,Ada,Lovelace,\n")
        let warnings = r.stderr.split(separator: "\n")
        XCTAssertEqual(warnings.count, 2, r.stderr)
        XCTAssertTrue(warnings.allSatisfy { $0.contains("clamped") }, r.stderr)
        XCTAssertTrue(warnings[0].contains("500000") && warnings[1].contains("256000000"), r.stderr)

        let tutorial = try Pipeline.sh("cxv-validate '\(csv)' | cxv-chunk --size 600000", in: dir)
        XCTAssertEqual(tutorial.stderr, "")
        let tutorialChunk = tutorial.records.first { $0["kind"] as? String == "chunk" }
        XCTAssertEqual(tutorialChunk?["api"] as? String, "contacts-import")
        XCTAssertEqual(tutorialChunk?["csv"] as? String, "phone_number,first_name,last_name,email\n+12025550101,Ada,Lovelace,\n")
    }

    func testAnUnknownAPIOrAnExternalIDSourceOutsideCallListsIsAUsageError() throws {
        for (script, named) in [("cxv-chunk --api bogus", "--api bogus"), ("CXONE_API=bogus cxv-chunk", "CXONE_API=bogus"),
                                ("cxv-chunk --external-id phone", "--external-id"),
                                ("cxv-chunk --api call-lists --columns external_id", "external_id")] {
            let r = try Pipeline.sh(script + " < /dev/null", in: dir)
            XCTAssertEqual(r.status, 64, script)
            XCTAssertTrue(r.stderr.contains(named), "\(script): \(r.stderr)")
        }
        XCTAssertEqual(try Pipeline.sh("CXONE_API=bogus cxv-chunk --api call-lists < /dev/null", in: dir).status, 0, "the option wins")
    }

    // MARK: - Pass-through and gzip

    func testForeignRecordsPassThroughByteForByteInOrder() throws {
        let foreign = #"{"kind":"note" , "text":"h\u00e9llo","n":[1, 2.50,{"x":null}]}"#
        let r = try Pipeline.sh("""
            cxv-validate --region US '\(Pipeline.sample)' > v.ndjson
            { head -5 v.ndjson; printf '%s\\n' '\(foreign)'; tail -n +6 v.ndjson; } | cxv-chunk | cxv-gzip | cxv-gzip -d
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.lines
        let index = try XCTUnwrap(lines.firstIndex(of: foreign), "foreign record changed or lost")
        // Contacts before it were still being chunked: nothing else came out first.
        XCTAssertEqual(index, 0)
    }

    func testGzipPayloadDecompressesWithGzip1ToTheChunkCSV() throws {
        let r = try Pipeline.sh("""
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk > built.ndjson
            cxv-gzip --jobs 2 < built.ndjson > gz.ndjson
            grep '"kind":"chunk"' gz.ndjson | head -1 | python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.loads(sys.stdin.readline())["gzip"]))' | gzip -dc > from-gzip1.csv
            grep '"kind":"chunk"' built.ndjson | head -1 | python3 -c 'import json,sys; sys.stdout.buffer.write(json.loads(sys.stdin.readline())["csv"].encode())' > built.csv
            cmp from-gzip1.csv built.csv && sha256sum built.csv | cut -c1-64
            grep '"kind":"chunk"' gz.ndjson | head -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["sha256"])'
            cxv-gzip -d < gz.ndjson | cmp - built.ndjson.d 2>/dev/null; cxv-gzip -d < gz.ndjson | grep -v '"stage":"gzip"' | cmp - built.ndjson && echo roundtrip
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        guard r.lines.count == 3 else { return XCTFail("expected 3 lines, got:\n\(r.text)\n\(r.stderr)") }
        XCTAssertEqual(r.lines[0], r.lines[1], "sha256 is of the CSV bytes")
        XCTAssertEqual(r.lines[2], "roundtrip")
    }

    func testGzipRefusesAChunkWhoseSha256DoesNotMatch() throws {
        let r = try Pipeline.sh("""
            cxv-validate --region US '\(Pipeline.sample)' | cxv-chunk | cxv-gzip | sed '0,/"sha256":"[0-9a-f]/s//"sha256":"X/' | cxv-gzip -d > /dev/null
            """, in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("sha256"), r.stderr)
    }

    // MARK: - Errors and exit statuses

    func testExitStatuses() throws {
        XCTAssertEqual(try Pipeline.sh("cxv-validate no-such-file.csv").status, 66)
        XCTAssertEqual(try Pipeline.sh("cxv-validate --jobs 0 x.csv").status, 64)
        XCTAssertEqual(try Pipeline.sh("cxv-chunk --size 0 < /dev/null").status, 64)
        let noPhone = try write("np.csv", "name,email\nAda,ada@example.com\n")
        let r = try Pipeline.sh("cxv-validate '\(noPhone)'")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("np.csv:1:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--map phone_number="), r.stderr)
        let clean = try write("ok.csv", "phone_number,first_name,last_name\n+12025550101,Ada,Lovelace\n")
        XCTAssertEqual(try Pipeline.sh("cxv-validate '\(clean)' | cxv-chunk | cxv-gzip | cxv-report").status, 0)
    }

    func testAStageStopsOnALineThatIsNotARecordUnlessToldToSkipIt() throws {
        let input = Data("{\"kind\":\"contact\",\"line\":2,\"phone_number\":\"+12025550101\"}\nnot json\n".utf8)
        let strict = try Pipeline.sh("cxv-chunk -o out.ndjson", stdin: input, in: dir)
        XCTAssertEqual(strict.status, 65)
        XCTAssertTrue(strict.stderr.contains("stdin:2:"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.ndjson").path),
                       "-o must not leave a partial file")
        let skipped = try Pipeline.sh("cxv-chunk --skip-invalid -o out.ndjson && cat out.ndjson", stdin: input, in: dir)
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        let reject = try XCTUnwrap(skipped.records.first { $0["kind"] as? String == "reject" })
        XCTAssertEqual(reject["stage"] as? String, "chunk")
        XCTAssertEqual(reject["input_line"] as? Int, 2)
    }

    func testReportNamesTheStageThatDiedAndFails() throws {
        // validate's tally never arrives: as if it was killed mid-file.
        let r = try Pipeline.sh("cxv-validate '\(Pipeline.sample)' | head -n 1000 | cxv-chunk | cxv-report", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.text.contains("validate did not finish"), r.text)
        // chunk killed just before its tally.
        let r2 = try Pipeline.sh("cxv-validate '\(Pipeline.sample)' | cxv-chunk | grep -v '\"stage\":\"chunk\"' | cxv-report", in: dir)
        XCTAssertEqual(r2.status, 65)
        XCTAssertTrue(r2.text.contains("chunk did not finish"), r2.text)
    }

    func testClosedStdoutEndsAStageQuietly() throws {
        // Far more output than a pipe holds, so the writer must meet the closed pipe.
        let gen = Pipeline.packageRoot.appendingPathComponent("scripts/gen-contacts.py").path
        let r = try Pipeline.sh("python3 '\(gen)' --count 200000 > big.csv; cxv-validate --region US big.csv | head -1", in: dir)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.lines.count, 1)
    }

    func testSeveralFilesNameTheirFileAndNDJSONInputWorks() throws {
        let a = try write("a.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n")
        let b = try write("b.ndjson", "{\"Phone\":\"+12025550102\",\"First Name\":\"Grace\",\"last\":\"Hopper\",\"Team\":7}\n[1]\n")
        let r = try Pipeline.sh("cxv-validate '\(a)' '\(b)'")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.records[0]["file"] as? String, a)
        XCTAssertEqual(r.records[1]["file"] as? String, b)
        XCTAssertEqual(r.records[1]["first_name"] as? String, "Grace")
        XCTAssertEqual((r.records[1]["extra"] as? [String: String])?["Team"], "7")
        XCTAssertEqual(r.records[2]["kind"] as? String, "reject")
        XCTAssertEqual(r.records[2]["line"] as? Int, 2)
    }

    func testSuppressionListAndDedupeNameWhatTheyMatched() throws {
        let csv = try write("c.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n(202) 555-0101,Ada,Again\n202.555.0199,Do,Not\n")
        let dnc = try write("dnc.txt", "# do not call\n+1 202 555 0199\n")
        let r = try Pipeline.sh("cxv-validate --region US --dedupe --suppress '\(dnc)' '\(csv)'")
        XCTAssertEqual(r.status, 1)
        let codes = r.records.compactMap { ($0["errors"] as? [[String: Any]])?.first?["code"] as? String }
        XCTAssertEqual(codes, ["duplicate", "suppressed"])
        let message = (r.records[1]["errors"] as! [[String: Any]])[0]["message"] as! String
        XCTAssertTrue(message.contains("line 2"), message)
    }

    /// Across several inputs a duplicate names the file and line where its number came first.
    func testADuplicateNamesTheFileItFirstCameFrom() throws {
        let a = try write("a.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n")
        let b = try write("b.csv", "phone,first,last\n+12025550102,Grace,Hopper\n+12025550101,Ada,Again\n+12025550102,Grace,Again\n")
        let r = try Pipeline.sh("cxv-validate --dedupe '\(a)' '\(b)'")
        XCTAssertEqual(r.status, 1, r.stderr)
        let messages = r.records.compactMap { ($0["errors"] as? [[String: Any]])?.first?["message"] as? String }
        XCTAssertEqual(messages, ["phone_number duplicates \(a):2", "phone_number duplicates \(b):2"])
    }

    func testMalformedCSVRowsBecomeRejectsAndReadingGoesOn() throws {
        let csv = try write("bad.csv", "phone,first,last\n+12025550101,Ada,Lovelace\n+12025550102,\"Grace,Hopper\n+12025550103,Alan,Turing\n+12025550104,Ken,\"Th\"x\n+1202555\u{FF}0105,Bad,Bytes\n")
        var data = try Data(contentsOf: URL(fileURLWithPath: csv))
        // Make the last row's \u{FF} an invalid UTF-8 byte on its own.
        let marker = Data("\u{FF}".utf8)
        if let range = data.range(of: marker) { data.replaceSubrange(range, with: [0xFF]) }
        try data.write(to: URL(fileURLWithPath: csv))
        let r = try Pipeline.sh("cxv-validate '\(csv)'")
        XCTAssertEqual(r.status, 1, r.stderr)
        let summary = r.records.dropLast().map { record -> String in
            let code = (record["errors"] as? [[String: Any]])?.first?["code"] as? String ?? "contact"
            return "\(record["line"] as! Int):\(code)"
        }
        XCTAssertEqual(summary, ["2:contact", "3:unterminated_quote", "4:contact", "5:bad_quote", "6:invalid_utf8"])
        XCTAssertEqual(r.records.last?["read"] as? Int, 5)
    }
}
