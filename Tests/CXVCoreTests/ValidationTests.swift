import Foundation
import XCTest
@testable import CXVCore
@testable import CXVInput
@testable import CXVValidate

private extension PhoneNormalizer {
    func outcome(_ text: String) -> (Outcome, String) {
        var out: [UInt8] = []
        let o = withBytes(text) { normalize(Validator.trimmed($0), into: &out) }
        return (o, String(decoding: out, as: UTF8.self))
    }
}

private func isNotE164(_ o: PhoneNormalizer.Outcome) -> Bool {
    if case .notE164 = o { return true }
    return false
}

final class PhoneNormalizerTests: XCTestCase {
    func testIsE164() {
        for s in ["+12025550143", "+12", "+442079460958", "+123456789012345"] {
            XCTAssertTrue(withBytes(s) { E164.matches($0) }, s)
        }
        for s in ["", "+", "+1", "+0123456", "12025550143", "+1234567890123456", "+1202555014a", "+1 202", "++1202", " +1202", "+1-202"] {
            XCTAssertFalse(withBytes(s) { E164.matches($0) }, s)
        }
    }

    func testNormalizeExamples() throws {
        let none = try PhoneNormalizer(region: nil, strict: false)
        let us = try PhoneNormalizer(region: "US", strict: false)
        XCTAssertEqual(none.normalize("+1 (202) 555-0143"), "+12025550143")
        XCTAssertEqual(us.normalize("+1 (202) 555-0143"), "+12025550143")
        XCTAssertEqual(us.normalize("(202) 555-0143"), "+12025550143")
        XCTAssertEqual(us.normalize("202.555.0143"), "+12025550143")
        XCTAssertEqual(us.normalize("  +12025550143\u{00A0}"), "+12025550143")
        XCTAssertEqual(none.normalize("+44 (0)20 7946 0958"), "+442079460958")
        XCTAssertEqual(us.normalize("+44 (0)20 7946 0958"), "+442079460958")
        XCTAssertEqual(none.normalize("+12025550143"), "+12025550143")

        XCTAssertEqual(none.outcome("(202) 555-0143").0, .notE164(hint: "national format: set --region to read it"))
        XCTAssertTrue(isNotE164(none.outcome("555-CALL-NOW").0))
        XCTAssertTrue(isNotE164(us.outcome("12").0))
        XCTAssertTrue(isNotE164(us.outcome("1").0))
        XCTAssertTrue(isNotE164(us.outcome("202+5550143").0), "+ only first")
        XCTAssertEqual(us.outcome("").0, .missing)
        XCTAssertEqual(us.outcome(" \t ").0, .missing)
        XCTAssertNil(us.normalize(""))
        // libphonenumber's answers, which cxv gives: letters read as on a keypad, an extension dropped.
        XCTAssertEqual(us.normalize("555-CALL-NOW"), "+15552255669")
        XCTAssertEqual(us.normalize("+1 202 555 0143 ext 5"), "+12025550143")
        // A national prefix typed after the country code is not part of the number.
        XCTAssertEqual(none.normalize("+7 8 495 123 4567"), "+74951234567")
        XCTAssertEqual(none.normalize("+44 0 20 7946 0958"), "+442079460958")
    }

    func testOutputOnlyAppendedWhenValid() throws {
        let us = try PhoneNormalizer(region: "US", strict: true)
        var out: [UInt8] = Array("keep".utf8)
        let o = withBytes("+15550000000") { us.normalize($0, into: &out) }
        XCTAssertEqual(o, .invalidForCountry)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "keep")
        let o2 = withBytes("(202) 555-0143") { us.normalize($0, into: &out) }
        XCTAssertEqual(o2, .valid)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "keep+12025550143")
    }

    func testStrict() throws {
        let loose = try PhoneNormalizer(region: nil, strict: false)
        let strict = try PhoneNormalizer(region: nil, strict: true)
        // Well-formed E.164 that no country uses passes the syntax check only.
        XCTAssertEqual(loose.outcome("+15550000000").0, .valid)
        XCTAssertEqual(strict.outcome("+15550000000").0, .invalidForCountry)
        XCTAssertEqual(strict.outcome("+1 555 000 0000").0, .invalidForCountry)
        XCTAssertEqual(strict.outcome("+12025550143").0, .valid)
        XCTAssertEqual(strict.outcome("+12025550143").1, "+12025550143")
        XCTAssertEqual(strict.outcome("+442079460958").0, .valid)
        let strictUS = try PhoneNormalizer(region: "us", strict: true)
        XCTAssertEqual(strictUS.region, "US")
        XCTAssertEqual(strictUS.outcome("(202) 555-0143").1, "+12025550143")
    }

    func testUnknownRegionIsAUsageError() {
        XCTAssertThrowsError(try PhoneNormalizer(region: "XX", strict: false)) { error in
            guard case .usage = error as? CXVError else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try PhoneNormalizer(region: "gb", strict: false))
    }

    func testKeyIsInjectiveOnE164() {
        var rng = SplitMix64(seed: 164)
        var numbers: Set<String> = ["+10", "+100", "+1000", "+10000000000", "+100000000000000", "+12", "+21",
                                    "+1202555014", "+12025550143", "+120255501430", "+999999999999999"]
        while numbers.count < 5_000 {
            let n = Int.random(in: 1...14, using: &rng)
            numbers.insert("+" + String(Int.random(in: 1...9, using: &rng))
                + String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }))
        }
        var seen: [UInt64: String] = [:]
        for n in numbers {
            let key = withBytes(n) { E164.key($0) }
            if let other = seen[key] { XCTFail("\(n) and \(other) share key \(key)") }
            seen[key] = n
            XCTAssertEqual(key, withBytes(n) { E164.key($0) })
        }
        XCTAssertNotEqual(withBytes("+10") { E164.key($0) }, withBytes("+100") { E164.key($0) })
    }
}

final class EmailSyntaxTests: XCTestCase {
    private func valid(_ s: String) -> Bool { withBytes(s) { EmailSyntax.isValid($0) } }

    func testValid() {
        for s in ["ada@example.com", "a.b+c@sub.example.co", "ü@example.com", "x@a-b.io", "o'neil@example.ie",
                  "a!#$%&'*+/=?^_`{|}~-@example.org", "1@2.ab", String(repeating: "a", count: 64) + "@example.com",
                  "a@" + String(repeating: "b", count: 63) + ".com"] {
            XCTAssertTrue(valid(s), s)
        }
    }

    func testInvalid() {
        for s in ["", "ada", "@example.com", "ada@", "ada@example", "a..b@example.com", ".a@example.com", "a.@example.com",
                  "a@-example.com", "a@example-.com", "a@example.c", "a@example.123", "a b@example.com", "a@exa_mple.com",
                  "a@@example.com", "a@example..com", "a@.example.com", "a@example.com.", "a@exämple.com", "a\"b@example.com",
                  "a(b)@example.com", String(repeating: "a", count: 65) + "@example.com",
                  "a@" + String(repeating: "b", count: 64) + ".com",
                  "a@" + String(repeating: "b.", count: 125) + "com"] {
            XCTAssertFalse(valid(s), s)
        }
    }
}

final class HeaderMapTests: XCTestCase {
    func testLooseMatching() {
        let map = HeaderMap(overrides: [:])
        for name in ["Phone Number", "phone", "PhoneNumber", "MOBILE", "phone_number", "Tel.", "Cell Phone"] {
            XCTAssertEqual(map.role(of: name), .field(.phoneNumber), name)
        }
        XCTAssertEqual(map.role(of: "First Name"), .field(.firstName))
        XCTAssertEqual(map.role(of: "given_name"), .field(.firstName))
        XCTAssertEqual(map.role(of: "SURNAME"), .field(.lastName))
        XCTAssertEqual(map.role(of: "E-mail"), .field(.email))
        XCTAssertEqual(map.role(of: "Email Address"), .field(.email))
        XCTAssertEqual(map.role(of: "Notes"), .extra("Notes"))
        XCTAssertEqual(map.role(of: "Phone 2"), .extra("Phone 2"))
        for name in ["external_id", "External ID", "ExternalId", "ext_id", "EXT-ID", "External Identifier"] {
            XCTAssertEqual(map.role(of: name), .field(.externalID), name)
        }
        for name in ["id", "ID", "Id", "row_id"] {
            XCTAssertEqual(map.role(of: name), .extra(name), "\(name) is no external id")
        }
        // Header names as CRMs and address books export them.
        let crm: [(ContactField, [String])] = [
            (.phoneNumber, ["Contact Phone Number", "Phone 1", "Mobile Phone", "Mobile Number", "Cell", "Cell Phone",
                            "Telephone", "Tel"]),
            (.firstName, ["Given Name", "First"]),
            (.lastName, ["Surname", "Family Name", "Last"]),
            (.email, ["E-mail Address", "Email Address"]),
            (.externalID, ["Account ID", "Customer ID", "External ID"]),
        ]
        for (field, names) in crm {
            for name in names { XCTAssertEqual(map.role(of: name), .field(field), name) }
        }
    }

    func testParseOverrides() throws {
        XCTAssertEqual(try HeaderMap.parseOverrides(["phone_number=Cell 2", "email=E=mail"]),
                       [.phoneNumber: "Cell 2", .email: "E=mail"])
        XCTAssertEqual(try HeaderMap.parseOverrides([]), [:])
        for bad in ["phone", "phone=Cell", "=Cell", "Phone_Number=x"] {
            XCTAssertThrowsError(try HeaderMap.parseOverrides([bad]), bad) { error in
                guard case .usage = error as? CXVError else { return XCTFail("\(error)") }
            }
        }
    }

    func testOverridesWin() throws {
        var map = HeaderMap(overrides: try HeaderMap.parseOverrides(["phone_number=Work", "first_name=Nick"]))
        try map.bind(header: ["Phone", "Work", "First", "Nick", "Last"], source: "in.csv")
        XCTAssertEqual(map.roles, [.extra("Phone"), .field(.phoneNumber), .extra("First"), .field(.firstName), .field(.lastName)])
        XCTAssertTrue(map.warnings.isEmpty, "\(map.warnings)")
        XCTAssertEqual(map.role(of: "Work"), .field(.phoneNumber))
        XCTAssertEqual(map.role(of: "phone"), .extra("phone"))
    }

    func testOverrideOfMissingColumnThrows() throws {
        var map = HeaderMap(overrides: [.phoneNumber: "Cell"])
        XCTAssertThrowsError(try map.bind(header: ["Phone", "Name"], source: "in.csv")) { error in
            guard case .usage = error as? CXVError else { return XCTFail("\(error)") }
        }
    }

    func testTwoColumnsForOneFieldAreAnErrorThatNamesTheMap() throws {
        var map = HeaderMap(overrides: [:])
        XCTAssertThrowsError(try map.bind(header: ["Contact Phone Number", "First", "Mobile", "Last"], source: "in.csv", line: 3)) { error in
            guard case let .data(source, line, message) = error as? CXVError else { return XCTFail("\(error)") }
            XCTAssertEqual(source, "in.csv")
            XCTAssertEqual(line, 3)
            XCTAssertEqual(message, "columns 1 (Contact Phone Number) and 3 (Mobile) both read as phone_number: say which with --map phone_number='Contact Phone Number' or --map phone_number=Mobile")
        }
        var email = HeaderMap(overrides: [:])
        XCTAssertThrowsError(try email.bind(header: ["phone", "Email", "email"], source: "x"))
        // The --map it names settles it.
        var settled = HeaderMap(overrides: try HeaderMap.parseOverrides(["phone_number=Mobile"]))
        try settled.bind(header: ["Contact Phone Number", "First", "Mobile", "Last"], source: "in.csv")
        XCTAssertEqual(settled.roles, [.extra("Contact Phone Number"), .field(.firstName), .field(.phoneNumber), .field(.lastName)])
    }

    func testARepeatedColumnNameKeepsTheFirstAndWarns() throws {
        var same = HeaderMap(overrides: [:])
        try same.bind(header: ["phone", "phone", "first", "first"], source: "x")
        XCTAssertEqual(same.recordKeys, ["phone", "phone_2", "first", "first_2"])
        XCTAssertEqual(same.roles, [.field(.phoneNumber), .extra("phone_2"), .field(.firstName), .extra("first_2")])
        XCTAssertEqual(same.warnings.count, 2)
        XCTAssertTrue(same.warnings[0].contains("columns 1 and 2 both read as phone_number"), same.warnings[0])
        XCTAssertFalse(same.hasColumn(for: .lastName))
    }

    func testRecordKeysUnique() throws {
        var map = HeaderMap(overrides: [:])
        try map.bind(header: ["Notes", "Notes", "", "Notes", "Notes_2", ""], source: "x")
        XCTAssertEqual(map.recordKeys.count, 6)
        XCTAssertEqual(Set(map.recordKeys).count, 6, "\(map.recordKeys)")
        XCTAssertEqual(Array(map.recordKeys.prefix(3)), ["Notes", "Notes_2", "column_3"])

        var rng = SplitMix64(seed: 3)
        let names = ["", "a", "a_2", "a_3", "column_1", "column_2", "column_3", "_2", "phone", "phone_2", "A"]
        for _ in 0..<500 {
            let header = (0..<Int.random(in: 1...8, using: &rng)).map { _ in names.randomElement(using: &rng)! }
            var m = HeaderMap(overrides: [:])
            try m.bind(header: header, source: "x")
            XCTAssertEqual(Set(m.recordKeys).count, header.count, "\(header) -> \(m.recordKeys)")
            for (name, key) in zip(header, m.recordKeys) where !name.isEmpty {
                XCTAssertTrue(key.hasPrefix(name), "\(name) -> \(key)")
            }
        }
    }
}

final class TrimTests: XCTestCase {
    private func trim(_ s: String) -> String { withBytes(s) { String(decoding: Validator.trimmed($0), as: UTF8.self) } }

    func testTrimmed() {
        XCTAssertEqual(trim(" \t a b \r\n"), "a b")
        XCTAssertEqual(trim("\u{00A0}x\u{00A0}"), "x")
        XCTAssertEqual(trim(" \u{00A0} x \u{00A0} "), "x")
        XCTAssertEqual(trim("a\u{00A0}b"), "a\u{00A0}b")
        XCTAssertEqual(trim("\u{00A0}"), "")
        XCTAssertEqual(trim("   "), "")
        XCTAssertEqual(trim(""), "")
        XCTAssertEqual(trim("é"), "é")
        XCTAssertEqual(trim("\u{2003}x"), "\u{2003}x", "only ASCII white space and NBSP")
        // A lone 0xC2 or 0xA0 byte is not a no-break space.
        withBytes([0xC2, 0x41, 0xA0]) { XCTAssertEqual(Array(Validator.trimmed($0)), [0xC2, 0x41, 0xA0]) }
    }
}

final class ValidatorTests: XCTestCase {
    private struct Output {
        var lines: [[String: Any]]
        var texts: [String]
        var keys: [UInt64?]
    }

    private func rules(region: String? = "US", strict: Bool = false,
                       required: Set<ContactField> = [.firstName, .lastName]) throws -> ValidationRules {
        ValidationRules(required: required, phone: try PhoneNormalizer(region: region, strict: strict))
    }

    /// Reads `csv` like cxv-validate (header first), validates the rest, and parses every line.
    private func validateCSV(_ csv: [UInt8], rules: ValidationRules, overrides: [ContactField: String] = [:],
                             file: String? = nil) throws -> Output {
        let path = try TempFiles.write(csv, in: self)
        var reader = CSVReader(source: try InputSource(path: path))
        var head = RowBatch()
        XCTAssertTrue(try reader.readRow(into: &head))
        var map = HeaderMap(overrides: overrides)
        try map.bind(header: head.strings(of: head.rows[0]), source: path)
        var batch = RowBatch()
        while try reader.read(into: &batch, maxRows: 3) {}
        let validator = Validator(rules: rules, map: map, file: file)
        return try parse(validator.validate(batch), rows: batch.rows.count)
    }

    private func validateCSV(_ csv: String, rules: ValidationRules, overrides: [ContactField: String] = [:],
                             file: String? = nil) throws -> Output {
        try validateCSV(Array(csv.utf8), rules: rules, overrides: overrides, file: file)
    }

    private func parse(_ result: ValidatedBatch, rows: Int) throws -> Output {
        XCTAssertEqual(result.entries.count, rows)
        var lines: [[String: Any]] = []
        var texts: [String] = []
        var start = 0
        for entry in result.entries {
            XCTAssertGreaterThan(entry.end, start)
            let bytes = Array(result.output[start..<entry.end])
            XCTAssertEqual(bytes.last, 0x0A, "each record ends in a newline")
            XCTAssertEqual(bytes.filter { $0 == 0x0A }.count, 1, "one line per record")
            let object = try JSONSerialization.jsonObject(with: Data(bytes.dropLast()))
            lines.append(try XCTUnwrap(object as? [String: Any]))
            texts.append(String(decoding: bytes.dropLast(), as: UTF8.self))
            XCTAssertTrue(bytes.withUnsafeBytes { raw in
                var s = JSONScanner(UnsafeRawBufferPointer(rebasing: raw.dropLast()))
                return (try? s.skipValue()) != nil && (try? s.expectEnd()) != nil
            })
            start = entry.end
        }
        XCTAssertEqual(start, result.output.count)
        return Output(lines: lines, texts: texts, keys: result.entries.map(\.phoneKey))
    }

    private func codes(_ record: [String: Any]) -> [String] {
        ((record["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] as? String ?? "?"):\($0["code"] as? String ?? "?")" }
    }

    func testContactsAndRejects() throws {
        let csv = """
        Phone Number,First Name,Last Name,Email,Notes
        "+1 (202) 555-0143",  Ada ,Lovelace,ada@example.com, likes math
        CALL-ME-NOW,Bob,Smith,,
        ,Carol,Jones,carol@example.com,
        (202) 555-0199,,Doe,,
        +442079460958,Eve,Stone,not-an-email,x
        +12025550100,Fay,Wray
        +12025550101,Gus,"Grissom\nJr",gus@example.com,"multi
        line"
        +12025550102,Hal,Jordan,,

        """
        let out = try validateCSV(csv, rules: try rules())
        XCTAssertEqual(out.lines.count, 8)
        let kinds = out.lines.map { $0["kind"] as? String }
        XCTAssertEqual(kinds, ["contact", "reject", "reject", "reject", "reject", "reject", "contact", "contact"])
        for text in out.texts {
            XCTAssertTrue(text.hasPrefix(#"{"kind":""#), "kind first: \(text)")
        }
        XCTAssertEqual(out.lines.map { $0["line"] as? Int }, [2, 3, 4, 5, 6, 7, 8, 11], "Gus spans lines 8-10")

        // A contact: normalised phone, trimmed values, extras under "extra", key order as docs/design.md §2.
        let ada = out.lines[0]
        XCTAssertEqual(ada["phone_number"] as? String, "+12025550143")
        XCTAssertEqual(ada["first_name"] as? String, "Ada")
        XCTAssertEqual(ada["last_name"] as? String, "Lovelace")
        XCTAssertEqual(ada["email"] as? String, "ada@example.com")
        XCTAssertEqual(ada["extra"] as? [String: String], ["Notes": "likes math"])
        XCTAssertNil(ada["file"])
        XCTAssertEqual(out.texts[0], #"{"kind":"contact","line":2,"phone_number":"+12025550143","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","extra":{"Notes":"likes math"}}"#)
        XCTAssertEqual(out.keys[0], withBytes("+12025550143") { E164.key($0) })

        // Rejects and their codes.
        XCTAssertEqual(codes(out.lines[1]), ["phone_number:not_e164"])
        XCTAssertEqual(codes(out.lines[2]), ["phone_number:required"])
        XCTAssertEqual(codes(out.lines[3]), ["first_name:required"])
        XCTAssertEqual(codes(out.lines[4]), ["email:invalid_email"])
        XCTAssertEqual(codes(out.lines[5]), [":field_count"])
        for i in 1...5 {
            XCTAssertNil(out.keys[i])
            XCTAssertEqual(out.lines[i]["stage"] as? String, "validate")
            XCTAssertNil(out.lines[i]["raw"], "no raw for a row that was read")
            for error in out.lines[i]["errors"] as? [[String: Any]] ?? [] {
                XCTAssertFalse((error["message"] as? String ?? "").isEmpty)
            }
        }
        // A reject's record is the row as read: untrimmed, keyed by header.
        XCTAssertEqual(out.lines[1]["record"] as? [String: String],
                       ["Phone Number": "CALL-ME-NOW", "First Name": "Bob", "Last Name": "Smith", "Email": "", "Notes": ""])
        XCTAssertEqual(out.lines[5]["record"] as? [String: String],
                       ["Phone Number": "+12025550100", "First Name": "Fay", "Last Name": "Wray"])
        // Embedded newlines survive; empty email is left out of a contact.
        XCTAssertEqual(out.lines[6]["last_name"] as? String, "Grissom\nJr")
        XCTAssertEqual(out.lines[6]["extra"] as? [String: String], ["Notes": "multi\nline"])
        XCTAssertNil(out.lines[7]["email"])
        XCTAssertEqual(out.lines[7]["extra"] as? [String: String], ["Notes": ""])
    }

    func testRejectRecordIsUntrimmed() throws {
        let out = try validateCSV("phone,first,last\n  CALL-ME-NOW , Ada\u{00A0},  \n", rules: try rules())
        XCTAssertEqual(codes(out.lines[0]), ["phone_number:not_e164", "last_name:required"])
        XCTAssertEqual(out.lines[0]["record"] as? [String: String],
                       ["phone": "  CALL-ME-NOW ", "first": " Ada\u{00A0}", "last": "  "])
    }

    func testSeveralErrorsInOrder() throws {
        let out = try validateCSV("phone,first,last,email\n,,,bad@\n", rules: try rules())
        XCTAssertEqual(codes(out.lines[0]), ["phone_number:required", "first_name:required", "last_name:required", "email:invalid_email"])
    }

    func testRequiredEmailAndOptionalNames() throws {
        let out = try validateCSV("phone,first,last,email\n+12025550143,,,\n", rules: try rules(required: [.email]))
        XCTAssertEqual(codes(out.lines[0]), ["email:required"])
        let ok = try validateCSV("phone,first,last\n+12025550143,,\n", rules: try rules(required: []))
        XCTAssertEqual(ok.lines[0]["kind"] as? String, "contact")
        XCTAssertEqual(ok.lines[0]["first_name"] as? String, "")
    }

    func testInvalidUTF8() throws {
        var csv = Array("phone,first,last,Notes\n+12025550143,A".utf8)
        csv += [0xFF, 0xFE]
        csv += Array("da,Lovelace,ok\n+12025550143,Ada,Lovelace,n".utf8) + [0xC3] + Array("\n".utf8)
        let out = try validateCSV(csv, rules: try rules())
        XCTAssertEqual(out.lines.count, 2)
        XCTAssertEqual(codes(out.lines[0]), ["first_name:invalid_utf8"])
        XCTAssertEqual(codes(out.lines[1]), ["Notes:invalid_utf8"])
        let record = try XCTUnwrap(out.lines[0]["record"] as? [String: String])
        XCTAssertEqual(record["first"], "A\u{FFFD}\u{FFFD}da")
        XCTAssertEqual(record["Notes"], "ok")
    }

    func testUnterminatedQuoteAndOtherProblems() throws {
        let out = try validateCSV("phone,first,last\n+12025550143,\"Ada,Lovelace\n+12025550144,Bob,Smith\n\"x\"y,B,C\n",
                                  rules: try rules())
        XCTAssertEqual(out.lines.count, 3)
        XCTAssertEqual(codes(out.lines[0]), [":unterminated_quote"])
        XCTAssertEqual(out.lines[0]["raw"] as? String, "+12025550143,\"Ada,Lovelace")
        XCTAssertEqual(out.lines[0]["line"] as? Int, 2)
        XCTAssertEqual(out.lines[0]["record"] as? [String: String], [:])
        XCTAssertEqual(out.lines[1]["kind"] as? String, "contact")
        XCTAssertEqual(out.lines[1]["line"] as? Int, 3)
        XCTAssertEqual(codes(out.lines[2]), [":bad_quote"])
        XCTAssertEqual(out.lines[2]["raw"] as? String, "\"x\"y,B,C")
    }

    func testTooLongRowIsRejected() throws {
        var batch = RowBatch()
        batch.appendProblem(.tooLong(limit: 1024), raw: Array("abc".utf8), line: 9)
        var map = HeaderMap(overrides: [:])
        try map.bind(header: ["phone"], source: "x")
        let out = try parse(Validator(rules: try rules(), map: map, file: nil).validate(batch), rows: 1)
        XCTAssertEqual(codes(out.lines[0]), [":too_long"])
        XCTAssertEqual(out.lines[0]["line"] as? Int, 9)
    }

    func testStrictInvalidNumber() throws {
        let out = try validateCSV("phone,first,last\n+15550000000,A,B\n+12025550143,A,B\n", rules: try rules(strict: true))
        XCTAssertEqual(codes(out.lines[0]), ["phone_number:invalid_number"])
        XCTAssertEqual(out.lines[1]["kind"] as? String, "contact")
    }

    func testFileNameAndOverrides() throws {
        let out = try validateCSV("Work,Home,Given,Family\n202-555-0143,+12025550999,Ada,L\n", rules: try rules(),
                                  overrides: [.phoneNumber: "Work", .firstName: "Given", .lastName: "Family"], file: "a.csv")
        XCTAssertEqual(out.lines[0]["file"] as? String, "a.csv")
        XCTAssertEqual(out.lines[0]["phone_number"] as? String, "+12025550143")
        XCTAssertEqual(out.lines[0]["extra"] as? [String: String], ["Home": "+12025550999"])
        XCTAssertTrue(out.texts[0].hasPrefix(#"{"kind":"contact","line":2,"file":"a.csv","#), out.texts[0])
    }

    func testExternalIDFollowsTheFieldsAndIsLeftOutWhenEmpty() throws {
        let csv = "Phone,First,Last,Email,External ID,Notes\n" +
            "+12025550143,Ada,L,ada@example.com, A-1 ,n\n" +
            "+12025550144,Bob,M,,,n\n" +
            "+12025550145,Cy,N,,\"  \",n\n"
        let out = try validateCSV(csv, rules: try rules())
        XCTAssertEqual(out.texts[0], #"{"kind":"contact","line":2,"phone_number":"+12025550143","first_name":"Ada","last_name":"L","email":"ada@example.com","external_id":"A-1","extra":{"Notes":"n"}}"#)
        XCTAssertEqual(out.texts[1], #"{"kind":"contact","line":3,"phone_number":"+12025550144","first_name":"Bob","last_name":"M","extra":{"Notes":"n"}}"#)
        XCTAssertNil(out.lines[2]["external_id"], "blank after trimming is no id")
    }

    func testMapExternalIDAndRequireIt() throws {
        let csv = "phone,first,last,id,CustomerNo\n+12025550143,Ada,L,1,C-7\n+12025550144,Bob,M,2,\n"
        let out = try validateCSV(csv, rules: try rules(required: [.firstName, .lastName, .externalID]),
                                  overrides: try HeaderMap.parseOverrides(["external_id=CustomerNo"]))
        XCTAssertEqual(out.lines[0]["external_id"] as? String, "C-7")
        XCTAssertEqual(out.lines[0]["extra"] as? [String: String], ["id": "1"], "a bare id stays an extra")
        XCTAssertEqual(codes(out.lines[1]), ["external_id:required"])
        let unmapped = try validateCSV("phone,first,last,id\n+12025550143,Ada,L,1\n", rules: try rules())
        XCTAssertNil(unmapped.lines[0]["external_id"])
    }

    func testKeyedRows() throws {
        var batch = RowBatch()
        batch.appendKeyed([("Phone", " +1 202 555 0143 "), ("First Name", " Ada "), ("last", "Lovelace"), ("Notes", " n ")], line: 1)
        batch.appendKeyed([("phone_number", "nope"), ("first_name", " Bob "), ("zip", "123")], line: 2)
        batch.appendKeyed([("first_name", "Carol"), ("last_name", "Jones")], line: 4)
        let validator = Validator(rules: try rules(), map: HeaderMap(overrides: [:]), file: nil)
        let out = try parse(validator.validate(batch), rows: 3)
        XCTAssertEqual(out.lines[0]["kind"] as? String, "contact")
        XCTAssertEqual(out.lines[0]["phone_number"] as? String, "+12025550143")
        XCTAssertEqual(out.lines[0]["first_name"] as? String, "Ada")
        XCTAssertEqual(out.lines[0]["extra"] as? [String: String], ["Notes": "n"])
        XCTAssertEqual(codes(out.lines[1]), ["phone_number:not_e164", "last_name:required"])
        XCTAssertEqual(out.lines[1]["record"] as? [String: String], ["phone_number": "nope", "first_name": " Bob ", "zip": "123"])
        XCTAssertEqual(codes(out.lines[2]), ["phone_number:required"])
        XCTAssertEqual(out.lines[2]["line"] as? Int, 4)
    }
}
