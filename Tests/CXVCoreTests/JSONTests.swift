import Foundation
import XCTest
@testable import CXVCore

// MARK: - Helpers

/// Whether our scanner accepts `bytes` as one complete JSON text, by both entry points
/// (`JSONValue.parse` and `skipValue` + `expectEnd`); fails the test if they disagree.
private func ourAccepts(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> Bool {
    bytes.withUnsafeBytes { raw -> Bool in
        let parsed: Bool
        do { _ = try JSONValue.parse(raw); parsed = true } catch { parsed = false }
        var scanner = JSONScanner(raw)
        let skipped: Bool
        do {
            try scanner.skipValue()
            try scanner.expectEnd()
            skipped = true
        } catch { skipped = false }
        XCTAssertEqual(parsed, skipped, "parse and skipValue disagree on \(String(decoding: bytes, as: UTF8.self).prefix(80).debugDescription)", file: file, line: line)
        return parsed
    }
}

private func foundationAccepts(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}

/// Reads one JSON string (and nothing after it) with our scanner.
private func scanString(_ bytes: [UInt8]) throws -> String {
    try bytes.withUnsafeBytes { raw throws -> String in
        var scanner = JSONScanner(raw)
        let s = try scanner.readString()
        try scanner.expectEnd()
        return s
    }
}

/// Reads a JSON array of strings with our scanner.
private func scanStringArray(_ bytes: [UInt8]) throws -> [String] {
    try bytes.withUnsafeBytes { raw throws -> [String] in
        var scanner = JSONScanner(raw)
        var out: [String] = []
        try scanner.readArray { (s) throws(JSONError) in out.append(try s.readString()) }
        try scanner.expectEnd()
        return out
    }
}

private func writeString(_ s: String) -> [UInt8] {
    var w = JSONWriter()
    w.string(s)
    return w.bytes
}

/// Random strings weighted towards what breaks JSON string code.
private func randomString(_ rng: inout SplitMix64) -> String {
    let length = Int.random(in: 0...24, using: &rng)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length {
        let value: UInt32
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: value = UInt32.random(in: 0x00...0x1F, using: &rng)          // control characters
        case 1: value = [0x22, 0x5C, 0x2F, 0x7F].randomElement(using: &rng)!  // " \ / DEL
        case 2, 3: value = UInt32.random(in: 0x20...0x7E, using: &rng)        // printable ASCII
        case 4: value = UInt32.random(in: 0x80...0x7FF, using: &rng)          // 2-byte UTF-8
        case 5: value = UInt32.random(in: 0x800...0xD7FF, using: &rng)        // 3-byte, below surrogates
        case 6: value = UInt32.random(in: 0xE000...0xFFFF, using: &rng)       // 3-byte, above surrogates
        case 7: value = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)    // astral planes
        case 8: value = UInt32.random(in: 0x1F300...0x1FAFF, using: &rng)     // emoji
        case 9: value = [0x200D, 0xFE0F, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0x0301].randomElement(using: &rng)!
        case 10: value = [0x0A, 0x0D, 0x09, 0x08, 0x0C, 0x00].randomElement(using: &rng)!
        default: value = [0x10FFFF, 0x10000, 0xD7FF, 0xE000, 0x80, 0x7FF, 0x800, 0xFFFF].randomElement(using: &rng)!
        }
        scalars.append(Unicode.Scalar(value)!)
    }
    return String(scalars)
}

/// U+FEFF removed: see testWriterOutputReadByFoundation for the JSONSerialization bug.
private func withoutBOM(_ s: String) -> String {
    String(String.UnicodeScalarView(s.unicodeScalars.filter { $0 != "\u{FEFF}" }))
}

/// Compares a JSONValue with what JSONSerialization made of the same text
/// (ignoring U+FEFF in strings, which JSONSerialization sometimes drops).
private func sameValue(_ ours: JSONValue, _ theirs: Any) -> Bool {
    switch ours {
    case .null: return theirs is NSNull
    case let .bool(b):
        guard let n = theirs as? Bool else { return false }
        return n == b
    case let .number(text):
        guard let n = theirs as? NSNumber, let d = Double(text) else { return false }
        return n.doubleValue == d
    case let .string(s):
        guard let t = theirs as? String else { return false }
        return Array(withoutBOM(t).utf8) == Array(withoutBOM(s).utf8)
    case let .array(items):
        guard let t = theirs as? [Any], t.count == items.count else { return false }
        return zip(items, t).allSatisfy { sameValue($0, $1) }
    case let .object(members):
        guard let t = theirs as? [String: Any], t.count == members.count else { return false }
        let theirs = Dictionary(t.map { (withoutBOM($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        return members.allSatisfy { key, value in theirs[withoutBOM(key)].map { sameValue(value, $0) } ?? false }
    }
}

private func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
    switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(String(Int.random(in: -1_000_000...1_000_000, using: &rng)))
    case 3: return .number(["0", "-0", "1.5", "-2.25e3", "1E-7", "0.125"].randomElement(using: &rng)!)
    case 4: return .string(randomString(&rng))
    case 5:
        return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var keys: [String] = []
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let k = randomString(&rng)
            if !keys.contains(where: { Array($0.utf8) == Array(k.utf8) }) { keys.append(k) }
        }
        return .object(keys.map { ($0, randomValue(&rng, depth: depth + 1)) })
    }
}

final class JSONStringTests: XCTestCase {
    /// (a) Our writer's output, read by Foundation, is the original string.
    func testWriterOutputReadByFoundation() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<2_000 {
            let s = randomString(&rng)
            let bytes = writeString(s)
            // Fragment through JSONSerialization.
            let any = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let back = try XCTUnwrap(any as? String, "not a string: \(s.debugDescription)")
            // swift-corelibs-foundation's JSONSerialization drops a U+FEFF that starts an
            // unescaped run of a string ("\u{FEFF}a" and "a\\n\u{FEFF}b" lose it; JSONDecoder
            // and our scanner keep it): a Foundation bug, so U+FEFF is ignored in this one check.
            XCTAssertEqual(Array(withoutBOM(back).utf8), Array(withoutBOM(s).utf8),
                           "JSONSerialization read back \(back.debugDescription) for \(s.debugDescription)")
            // In an array through JSONDecoder.
            var w = JSONWriter()
            w.beginArray()
            w.string(s)
            w.string(s)
            w.endArray()
            let decoded = try JSONDecoder().decode([String].self, from: Data(w.bytes))
            XCTAssertEqual(decoded.map { Array($0.utf8) }, [Array(s.utf8), Array(s.utf8)])
            // Our output never holds a raw control character.
            XCTAssertFalse(bytes.contains { $0 < 0x20 }, "raw control byte written for \(s.debugDescription)")
        }
    }

    /// (a) Foundation's encoders' output, read by our scanner, is the original string.
    func testScannerReadsFoundationOutput() throws {
        var rng = SplitMix64(seed: 42)
        let plain = JSONEncoder()
        let unescapedSlashes = JSONEncoder()
        unescapedSlashes.outputFormatting = [.withoutEscapingSlashes]
        for _ in 0..<2_000 {
            let strings = (0..<3).map { _ in randomString(&rng) }
            for encoder in [plain, unescapedSlashes] {
                let data = try encoder.encode(strings)
                let back = try scanStringArray(Array(data))
                XCTAssertEqual(back.map { Array($0.utf8) }, strings.map { Array($0.utf8) },
                               "from JSONEncoder: \(String(decoding: data, as: UTF8.self).debugDescription)")
            }
            let data = try JSONSerialization.data(withJSONObject: strings, options: [])
            let back = try scanStringArray(Array(data))
            XCTAssertEqual(back.map { Array($0.utf8) }, strings.map { Array($0.utf8) },
                           "from JSONSerialization: \(String(decoding: data, as: UTF8.self).debugDescription)")
            // A fragment too.
            let fragment = try JSONSerialization.data(withJSONObject: strings[0], options: [.fragmentsAllowed])
            XCTAssertEqual(Array(try scanString(Array(fragment)).utf8), Array(strings[0].utf8))
        }
    }

    /// Our writer and our scanner agree with each other, and `readStringRaw` returns
    /// bytes in place exactly when the text has no escapes.
    func testOwnRoundTripAndRawFastPath() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let s = randomString(&rng)
            let bytes = writeString(s)
            XCTAssertEqual(Array(try scanString(bytes).utf8), Array(s.utf8))
            let hasEscape = bytes.dropFirst().dropLast().contains(0x5C)
            try bytes.withUnsafeBytes { raw in
                var scanner = JSONScanner(raw)
                var out: [UInt8] = []
                let inPlace = try scanner.readStringRaw(into: &out)
                XCTAssertEqual(scanner.offset, bytes.count)
                if hasEscape {
                    XCTAssertNil(inPlace)
                    XCTAssertEqual(out, Array(s.utf8))
                } else {
                    let r = try XCTUnwrap(inPlace)
                    XCTAssertEqual(Array(r), Array(s.utf8))
                    XCTAssertTrue(out.isEmpty)
                }
            }
            // JSONValue agrees too.
            XCTAssertEqual(try JSONValue.parse(String(decoding: bytes, as: UTF8.self)), .string(s))
            XCTAssertEqual(JSONValue.string(s).text, String(decoding: bytes, as: UTF8.self))
        }
    }

    func testEscapesWrittenExactly() {
        XCTAssertEqual(String(decoding: writeString("a\"b\\c/d"), as: UTF8.self), #""a\"b\\c/d""#)
        XCTAssertEqual(String(decoding: writeString("\n\r\t\u{08}\u{0C}"), as: UTF8.self), #""\n\r\t\b\f""#)
        XCTAssertEqual(String(decoding: writeString("\u{00}\u{01}\u{1F}\u{7F}"), as: UTF8.self), "\"\\u0000\\u0001\\u001f\u{7F}\"")
        XCTAssertEqual(String(decoding: writeString("é😀\u{2028}"), as: UTF8.self), "\"é😀\u{2028}\"")
        XCTAssertEqual(String(decoding: writeString(""), as: UTF8.self), "\"\"")
    }

    func testEscapesRead() throws {
        let cases: [(String, String)] = [
            (#""\u0041\u00e9\u20AC""#, "Aé€"),
            (#""\ud83d\ude00""#, "😀"),
            (#""\uD834\uDD1E""#, "𝄞"),
            (#""\/\b\f\n\r\t\"\\""#, "/\u{08}\u{0C}\n\r\t\"\\"),
            (#""\u0000""#, "\u{0}"),
            ("\"pre é \\n post 😀\"", "pre é \n post 😀"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Array(try scanString(Array(text.utf8)).utf8), Array(expected.utf8), text)
        }
    }
}

final class JSONAcceptRejectTests: XCTestCase {
    private struct Case {
        var name: String
        var bytes: [UInt8]
        var valid: Bool
        init(_ name: String, _ text: String, _ valid: Bool) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.valid = valid
        }
        init(_ name: String, bytes: [UInt8], _ valid: Bool) {
            self.name = name
            self.bytes = bytes
            self.valid = valid
        }
    }

    private static func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    private static func nestedObjects(_ depth: Int) -> String {
        String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
    }

    /// (b) Texts where our scanner and JSONSerialization must make the same decision.
    private let agreed: [Case] = [
        // Valid.
        Case("object", #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, true),
        Case("whitespace everywhere", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", true),
        Case("empty object", "{}", true),
        Case("empty array", "[]", true),
        Case("fragment string", #""x""#, true),
        Case("fragment number", "-0.5e+10", true),
        Case("fragment true", "true", true),
        Case("fragment null", "null", true),
        Case("zero", "0", true),
        Case("negative zero", "-0", true),
        Case("exponent forms", "[1e5,1E5,1e+5,1e-5,0.5E-0]", true),
        Case("escaped surrogate pair", #""\ud83d\ude00""#, true),
        Case("all simple escapes", #""\"\\\/\b\f\n\r\t""#, true),
        Case("raw astral", "\"😀𝄞\"", true),
        Case("raw DEL", "\"\u{7F}\"", true),
        Case("duplicate keys", #"{"a":1,"a":2}"#, true),
        Case("nesting 100", nested(100), true),
        // Invalid.
        Case("empty input", "", false),
        Case("only whitespace", "  \n ", false),
        Case("truncated object", #"{"a":1"#, false),
        Case("truncated key", #"{"a"#, false),
        Case("truncated after colon", #"{"a":"#, false),
        Case("truncated array", "[1,2", false),
        Case("truncated string", #""abc"#, false),
        Case("truncated escape", #""abc\"#, false),
        Case("truncated literal", "tru", false),
        Case("truncated \\u", #""\u12"#, false),
        Case("trailing garbage", "{} x", false),
        Case("two values", "1 2", false),
        Case("empty element", "[1,,2]", false),
        Case("lone comma", "[,]", false),
        Case("leading comma", "[,1]", false),
        Case("missing colon", #"{"a" 1}"#, false),
        Case("unquoted key", "{a:1}", false),
        Case("single quotes", "'a'", false),
        Case("invalid escape \\x", #""\x41""#, false),
        Case("invalid escape \\a", #""\a""#, false),
        Case("invalid escape \\U", #""\U0041""#, false),
        Case("bad hex in \\u", #""\u00G1""#, false),
        Case("raw newline in string", "\"a\nb\"", false),
        Case("raw tab in string", "\"a\tb\"", false),
        Case("raw NUL in string", "\"a\u{0}b\"", false),
        Case("raw 0x1F in string", "\"\u{1F}\"", false),
        Case("leading zero", "01", false),
        Case("leading zero in array", "[01]", false),
        Case("negative leading zero", "-01", false),
        Case("bare dot", "1.", false),
        Case("dot exponent", "1.e5", false),
        Case("leading dot", ".5", false),
        Case("lone minus", "-", false),
        Case("plus sign", "+1", false),
        Case("bare exponent", "1e", false),
        Case("exponent sign only", "1e+", false),
        Case("hex number", "0x10", false),
        Case("NaN", "NaN", false),
        Case("Infinity", "Infinity", false),
        Case("capital True", "True", false),
        Case("literal with suffix", "nullx", false),
        Case("nesting 600", nested(600), false),
        Case("object nesting 600", nestedObjects(600), false),
        Case("unclosed nesting", String(repeating: "[", count: 50), false),
        Case("lone high surrogate escape", #""\ud800""#, false),
        Case("lone low surrogate escape", #""\udc00""#, false),
        Case("high surrogate then letter", #""\ud800x""#, false),
        Case("high surrogate then non-surrogate escape", #""\ud800\u0041""#, false),
        Case("two high surrogates", #""\ud800\ud800""#, false),
        Case("surrogates in the wrong order", #""\ude00\ud83d""#, false),
        Case("invalid UTF-8 0xFF", bytes: Array("\"a".utf8) + [0xFF] + Array("\"".utf8), false),
        Case("invalid UTF-8 continuation alone", bytes: [0x22, 0x80, 0x22], false),
        Case("invalid UTF-8 overlong '/'", bytes: [0x22, 0xC0, 0xAF, 0x22], false),
        Case("invalid UTF-8 overlong 3-byte", bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], false),
        Case("invalid UTF-8 encoded surrogate", bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], false),
        Case("invalid UTF-8 above U+10FFFF", bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], false),
        Case("invalid UTF-8 truncated sequence", bytes: [0x22, 0xE2, 0x82, 0x22], false),
        Case("invalid UTF-8 after an escape", bytes: Array(#""\n"#.utf8) + [0xFE] + [0x22], false),
        Case("invalid UTF-8 in a key", bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], false),
        // In the word that holds the closing quote, and past a first word: the scan goes eight bytes at a time.
        Case("invalid UTF-8 in a word before its quote", bytes: Array("\"abcdef".utf8) + [0xFF] + Array("\"".utf8), false),
        Case("invalid UTF-8 past a word", bytes: Array("\"abcdefghijkl".utf8) + [0xC0, 0xAF] + Array("\" ".utf8), false),
        Case("raw newline past a word", "\"abcdefghij\nkl\"", false),
    ]

    func testAgreesWithFoundation() {
        for c in agreed {
            let ours = ourAccepts(c.bytes)
            let theirs = foundationAccepts(c.bytes)
            XCTAssertEqual(ours, c.valid, "cxv scanner on \(c.name)")
            XCTAssertEqual(theirs, c.valid, "JSONSerialization on \(c.name) (corpus expectation wrong?)")
        }
    }

    /// Texts where cxv legitimately differs from (or is stricter than) JSONSerialization:
    /// we assert cxv's documented behaviour only.
    func testDocumentedDifferences() {
        // Trailing commas: JSONSerialization on Linux accepts "[1,]" and {"a":1,}; RFC 8259
        // does not, and neither does cxv.
        for text in ["[1,]", #"{"a":1,}"#, "[[],]", #"{"a":{},}"#] {
            XCTAssertFalse(ourAccepts(Array(text.utf8)), text)
        }
        // Numbers are kept as text and never converted, so magnitude is no reason to
        // reject (JSONSerialization rejects 1e400 as out of range).
        for text in ["1e400", "-1e400", String(repeating: "9", count: 400), "123456789012345678901234567890.5e-999"] {
            XCTAssertTrue(ourAccepts(Array(text.utf8)), text)
            XCTAssertEqual(try JSONValue.parse(text), .number(text))
        }
        // Depth: cxv's limit is exactly maxDepth (512) containers; Foundation's may differ.
        XCTAssertEqual(JSONScanner.maxDepth, 512)
        XCTAssertTrue(ourAccepts(Array(Self.nested(512).utf8)))
        XCTAssertFalse(ourAccepts(Array(Self.nested(513).utf8)))
        XCTAssertTrue(ourAccepts(Array(Self.nestedObjects(512).utf8)))
        XCTAssertFalse(ourAccepts(Array(Self.nestedObjects(513).utf8)))
        // A UTF-8 BOM is not JSON (RFC 8259 §8.1: implementations MUST NOT add one and MAY
        // ignore one; Foundation skips it). cxv reads records, where it is an error.
        XCTAssertFalse(ourAccepts([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
    }

    func testErrorOffsetAndDescription() {
        func error(_ text: String) -> JSONError? {
            do { _ = try JSONValue.parse(text); return nil } catch { return error }
        }
        XCTAssertEqual(error(#"{"a":1,}"#)?.offset, 7)
        XCTAssertEqual(error("[1,]")?.offset, 3)
        XCTAssertEqual(error("{} x")?.offset, 3)
        XCTAssertEqual(error("{} x")?.description.hasSuffix("at byte 4"), true)
        XCTAssertEqual(error(#""a\qb""#)?.offset, 3)
        XCTAssertEqual(error("")?.offset, 0)
        XCTAssertNil(error(#"{"a":1}"#))
    }

    /// Random mutations of valid texts (truncation, byte flips, insertions): our decision
    /// matches Foundation's, except for the documented differences, which are avoided here
    /// by never producing `\u` escapes, numbers, a BOM or deep nesting.
    func testMutatedTextsAgreeWithFoundation() throws {
        var rng = SplitMix64(seed: 2024)
        let alphabet = Array(#"{}[],:" \tabtrufnl\"#.utf8) + [0x0A, 0x80, 0xC3, 0xA9, 0xFF]
        var checked = 0
        for _ in 0..<3_000 {
            let value = randomValue(&rng)
            var bytes = Array(value.text.utf8)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !bytes.isEmpty: bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 1 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            case 2: bytes.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
            default: break
            }
            // Steer clear of the documented differences.
            if bytes.contains(UInt8(ascii: "u")) && bytes.contains(0x5C) { continue }
            if bytes.contains(where: { $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "-") }) { continue }
            checked += 1
            XCTAssertEqual(ourAccepts(bytes), foundationAccepts(bytes),
                           "disagree on \(String(decoding: bytes, as: UTF8.self).debugDescription) \(bytes)")
        }
        XCTAssertGreaterThan(checked, 500)
    }
}

final class JSONValueAndWriterTests: XCTestCase {
    func testRandomValuesRoundTripThroughFoundation() throws {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<1_000 {
            let value = randomValue(&rng)
            let text = value.text
            let any = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            XCTAssertTrue(sameValue(value, any), "Foundation reads \(text) differently")
            XCTAssertEqual(try JSONValue.parse(text), value, text)
            // Foundation's re-encoding of the same value parses to the same thing (modulo key order and number spelling).
            if any is [Any] || any is [String: Any] {
                let again = try JSONSerialization.data(withJSONObject: any, options: [.fragmentsAllowed])
                let reparsed = try again.withUnsafeBytes { try JSONValue.parse($0) }
                XCTAssertTrue(sameValue(reparsed, any), String(decoding: again, as: UTF8.self))
            }
        }
    }

    func testParseKeepsOrderAndNumberText() throws {
        let text = #"{"z":1.50,"a":[1E+2,-0,true,null],"m":{"k":"v"},"z":"dup"}"#
        let v = try JSONValue.parse(text)
        guard case let .object(members) = v else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.0), ["z", "a", "m", "z"])
        XCTAssertEqual(v["z"], .number("1.50"))
        XCTAssertEqual(v["a"]?.arrayValue, [.number("1E+2"), .number("-0"), .bool(true), .null])
        XCTAssertEqual(v["m"]?["k"]?.stringValue, "v")
        XCTAssertNil(v["missing"])
        XCTAssertEqual(v.text, text)
        XCTAssertEqual(try JSONValue.parse(" 42 ").intValue, 42)
        XCTAssertNil(JSONValue.string("42").intValue)
        XCTAssertNotEqual(JSONValue.object([("a", .null), ("b", .null)]), .object([("b", .null), ("a", .null)]))
    }

    func testWriterSeparatorsAndNesting() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("kind"); w.string("x")
        w.key("n"); w.int(-12)
        w.key("list")
        w.beginArray()
        w.int(1)
        w.string("two")
        w.beginObject(); w.endObject()
        w.beginArray(); w.endArray()
        w.null()
        w.bool(true)
        w.bool(false)
        w.double(2.0)
        w.double(0.5)
        w.double(.nan)
        w.endArray()
        w.key("raw")
        withBytes(#"{"z":[1,2]}"#) { w.raw($0) }
        w.key("v")
        w.value(.object([("a", .array([.number("1.0"), .string("q\"")])), ("b", .object([]))]))
        w.key("u")
        w.string(utf8: Array("é".utf8))
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        XCTAssertEqual(text, #"{"kind":"x","n":-12,"list":[1,"two",{},[],null,true,false,2,0.5,null],"raw":{"z":[1,2]},"v":{"a":[1.0,"q\""],"b":{}},"u":"é"}"#)
        // Foundation's parser reads it back to the same values.
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        XCTAssertEqual(parsed["n"] as? Int, -12)
        XCTAssertEqual((parsed["v"] as? [String: Any])?["a"] as? [AnyHashable], [1.0, "q\""])
        XCTAssertEqual(parsed["u"] as? String, "é")
    }

    /// Containers nested past 64 (where the writer's separator bookkeeping changes) with
    /// several members at every level, against text built by hand.
    func testDeepNestingSeparators() throws {
        func expected(_ depth: Int, _ level: Int = 0) -> String {
            guard level < depth else { return "0" }
            let inner = expected(depth, level + 1)
            return level % 2 == 0 ? "[\(level),\(inner),\"s\(level)\"]" : "{\"a\":\(level),\"b\":\(inner),\"c\":[]}"
        }
        func write(_ w: inout JSONWriter, _ depth: Int, _ level: Int = 0) {
            guard level < depth else { return w.int(0) }
            if level % 2 == 0 {
                w.beginArray(); w.int(level); write(&w, depth, level + 1); w.string("s\(level)"); w.endArray()
            } else {
                w.beginObject()
                w.key("a"); w.int(level)
                w.key("b"); write(&w, depth, level + 1)
                w.key("c"); w.beginArray(); w.endArray()
                w.endObject()
            }
        }
        for depth in [1, 2, 63, 64, 65, 66, 100, 130, 200] {
            var w = JSONWriter()
            write(&w, depth)
            // Siblings after the deep value, at top level inside one more array.
            let text = String(decoding: w.bytes, as: UTF8.self)
            XCTAssertEqual(text, expected(depth), "depth \(depth)")
            var outer = JSONWriter()
            outer.beginArray()
            write(&outer, depth)
            write(&outer, depth)
            outer.endArray()
            XCTAssertEqual(String(decoding: outer.bytes, as: UTF8.self), "[\(expected(depth)),\(expected(depth))]", "depth \(depth)")
            XCTAssertEqual(try JSONValue.parse(text).text, text)
        }
        // The same through JSONValue.
        var v = JSONValue.number("1")
        for i in 0..<150 { v = i % 2 == 0 ? .array([.null, v, .bool(true)]) : .object([("x", .null), ("y", v), ("z", .string("z"))]) }
        XCTAssertEqual(try JSONValue.parse(v.text), v)
    }

    func testAppendingToExistingBytes() {
        var w = JSONWriter(appendingTo: Array("prefix:".utf8))
        w.beginArray(); w.int(1); w.endArray()
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), "prefix:[1]")
    }

    func testIntsWrittenAndReadBack() throws {
        var rng = SplitMix64(seed: 5)
        var values = [0, 1, 9, 10, -1, -9, -10, 99, 100, Int.max, Int.min + 1, 1_000_000_007]
        values += (0..<500).map { _ in Int.random(in: Int.min + 1...Int.max, using: &rng) >> Int.random(in: 0..<63, using: &rng) }
        for value in values {
            var writer = JSONWriter()
            writer.int(value)
            let bytes = writer.bytes
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), String(value))
            let back = try bytes.withUnsafeBytes { raw throws -> Int in
                var s = JSONScanner(raw)
                return try s.readInt()
            }
            XCTAssertEqual(back, value)
        }
    }

    /// Int.min is an Int, the writer writes it, and `readInt` ("an integer value that fits
    /// in Int") must read it back.
    func testReadIntAcceptsIntMin() throws {
        var w = JSONWriter()
        w.int(Int.min)
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), "-9223372036854775808")
        let back = try w.bytes.withUnsafeBytes { raw throws -> Int in
            var s = JSONScanner(raw)
            return try s.readInt()
        }
        XCTAssertEqual(back, Int.min)
    }

    func testReadIntRejects() {
        for text in ["", "-", "01", "-01", "00", "1.5", "1e3", "1E3", "9223372036854775808", "-9223372036854775809",
                     "99999999999999999999", "x", "\"1\"", "+1"] {
            let ok = Array(text.utf8).withUnsafeBytes { raw -> Bool in
                var s = JSONScanner(raw)
                return (try? s.readInt()) != nil
            }
            XCTAssertFalse(ok, "readInt accepted \(text.debugDescription)")
        }
        // And it leaves the offset at the start of what it could not read.
        Array("  01".utf8).withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            var threw = false
            do { _ = try s.readInt() } catch { threw = true }
            XCTAssertTrue(threw)
            XCTAssertEqual(s.offset, 2)
        }
        Array(" -0 ".utf8).withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            XCTAssertEqual(try? s.readInt(), 0)
            XCTAssertEqual(s.offset, 3)
        }
    }

    /// Arrays of natural numbers (a chunk's `lines`) take a shortcut in `skipValue`: it must
    /// accept and refuse exactly what the general path does, and end where it does.
    func testNaturalNumberArraysAreSkippedLikeAnyOther() throws {
        let accepted = ["[0]", "[2,3,5]", "[0,10,200]", "[9007199254740993,1]", "[1, 2]", "[ 1]", "[1 ]", "[-1,2]",
                        "[1.5,2]", "[1e3]", "[]", "[[1,2],[3]]", "[1,\"a\"]", "[0,0]"]
        let refused = ["[01]", "[00]", "[1,]", "[1,2", "[1,2,", "[", "[1", "[0", "[10", "[1;2]", "[1,,2]", "[,1]",
                       "[1]]", "[1-2]", "[1,2}", "[0x1]"]
        for text in accepted { XCTAssertTrue(ourAccepts(Array(text.utf8)), text) }
        for text in refused { XCTAssertFalse(ourAccepts(Array(text.utf8)), text) }
        let record = Array(#"{"lines":[2,3,5],"next":[10],"last":[0]}"#.utf8)
        let values = try record.withUnsafeBytes { raw throws -> [String] in
            var s = JSONScanner(raw)
            var values: [String] = []
            try s.readObject { (_, s) throws(JSONError) in values.append(String(decoding: raw[try s.skipValue()], as: UTF8.self)) }
            try s.expectEnd()
            return values
        }
        XCTAssertEqual(values, ["[2,3,5]", "[10]", "[0]"])
    }

    func testTypedReadersOverARecord() throws {
        let text = #"{"kind":"chunk","seq":17,"lines":[2,3,5],"skip":{"deep":[{"x":null}]},"csv":"a\nb"}"#
        var kind = "", seq = 0, lines: [Int] = [], csv = ""
        var skipped: Range<Int>?
        try Array(text.utf8).withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            try s.readObject { (key, s) throws(JSONError) in
                switch key {
                case "kind": kind = try s.readString()
                case "seq": seq = try s.readInt()
                case "lines": try s.readArray { (s) throws(JSONError) in lines.append(try s.readInt()) }
                case "csv": csv = try s.readString()
                default: skipped = try s.skipValue()
                }
            }
            try s.expectEnd()
        }
        XCTAssertEqual(kind, "chunk")
        XCTAssertEqual(seq, 17)
        XCTAssertEqual(lines, [2, 3, 5])
        XCTAssertEqual(csv, "a\nb")
        let range = try XCTUnwrap(skipped)
        XCTAssertEqual(String(decoding: Array(text.utf8)[range], as: UTF8.self), #"{"deep":[{"x":null}]}"#)
    }
}

final class UTF8ValidationTests: XCTestCase {
    private func ours(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { JSONScanner.isValidUTF8($0) } }
    private func swifts(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

    func testKnownSequences() {
        let valid: [[UInt8]] = [[], [0x41], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],
                                [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]]
        let invalid: [[UInt8]] = [[0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x41], [0xE0, 0x9F, 0xBF],
                                  [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xE1, 0x80], [0xE1, 0x80, 0x41],
                                  [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                                  [0xF1, 0x80, 0x80], [0xF1, 0x80, 0x80, 0x41], [0xF1, 0x80, 0x41, 0x80], [0xFE], [0xFF]]
        for b in valid { XCTAssertTrue(ours(b), "\(b)") }
        for b in invalid { XCTAssertFalse(ours(b), "\(b)") }
    }

    /// Bad bytes at every position relative to 8-byte ASCII runs, directly and inside a
    /// JSON string (fast path and after an escape).
    func testBadBytesAroundASCIIRuns() {
        let tails: [[UInt8]] = [[0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80]]
        for prefix in 0..<20 {
            for suffix in [0, 1, 7, 8, 9] {
                for tail in tails {
                    let bytes = Array(repeating: UInt8(ascii: "a"), count: prefix) + tail + Array(repeating: UInt8(ascii: "b"), count: suffix)
                    let valid = swifts(bytes)
                    XCTAssertEqual(ours(bytes), valid, "\(prefix) \(tail) \(suffix)")
                    for text in [[0x22] + bytes + [0x22], Array(#""\n"#.utf8) + bytes + [0x22], [0x22] + bytes + Array(#"\t""#.utf8)] {
                        let accepted = text.withUnsafeBytes { raw -> Bool in
                            var s = JSONScanner(raw)
                            return (try? s.readString()) != nil && s.offset == text.count
                        }
                        XCTAssertEqual(accepted, valid, "\(text)")
                    }
                }
            }
        }
    }

    /// Differential against Swift's own (strict) UTF-8 validation.
    func testRandomBytesAgreeWithSwift() {
        var rng = SplitMix64(seed: 0xBADC0DE)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in
                    Int.random(in: 0..<3, using: &rng) == 0 ? interesting.randomElement(using: &rng)! : 0x61
                }
            } else {
                bytes = Array(randomString(&rng).utf8)
                if !bytes.isEmpty, Bool.random(using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting.randomElement(using: &rng)!
                }
            }
            XCTAssertEqual(ours(bytes), swifts(bytes), "\(bytes.map { String($0, radix: 16) })")
        }
    }
}
