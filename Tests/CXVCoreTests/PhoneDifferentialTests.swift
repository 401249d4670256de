import CPhoneNumber
import XCTest
@testable import CXVCore

/// cxv-validate's answer for a phone number against libphonenumber's own full parse, possibility
/// and validity checks, on 200,000 numbers typed every way in 28 regions on six continents.
final class PhoneDifferentialTests: XCTestCase {
    enum Answer: Equatable {
        case number(String)
        case rejected
        case invalidForCountry
    }

    /// libphonenumber alone: Parse, IsPossibleNumber, Format(E164), and IsValidNumber under strict.
    func reference(_ text: String, region: String?, strict: Bool) -> Answer {
        var out = [CChar](repeating: 0, count: 24)
        var valid: Int32 = 0
        let status = text.withCString { input in
            cxv_pn_normalize(input, strlen(input), region ?? "ZZ", &out, out.count, &valid)
        }
        guard status == CXV_PN_OK else { return .rejected }
        let e164 = String(cString: out)
        // cxv-validate's own rule on what it writes: E.164 as the tutorial defines it.
        guard e164.utf8.count <= 16 else { return .rejected }
        return strict && valid == 0 ? .invalidForCountry : .number(e164)
    }

    func cxv(_ text: String, region: String?, strict: Bool) throws -> Answer {
        let normalizer = try PhoneNormalizer(region: region, strict: strict)
        var out: [UInt8] = []
        var text = text
        switch text.withUTF8({ normalizer.normalize(UnsafeRawBufferPointer($0), into: &out) }) {
        case .valid: return .number(String(decoding: out, as: UTF8.self))
        case .invalidForCountry: return .invalidForCountry
        case .missing, .notE164: return .rejected
        }
    }

    /// The differences cxv makes on purpose today, each counted; any other difference fails.
    enum Known: String, CaseIterable {
        /// Letters, extensions, symbols: refused before libphonenumber (which maps letters to digits and drops extensions).
        case refusedShape = "refused a shape libphonenumber reads (letters, extension, symbol)"
        /// `^\+[1-9]\d{1,14}$` without --strict is taken as written, the tutorial's rule: libphonenumber may find
        /// it impossible, or strip a national prefix typed after the country code (+7 8…, +44 0…).
        case e164AsWritten = "took an E.164-shaped number as written where libphonenumber refuses it or reads it otherwise"
    }

    func testCxvAnswersWhatLibphonenumberAnswers() throws {
        var corpus = PhoneCorpus(seed: 20261201)
        XCTAssertGreaterThanOrEqual(corpus.regionsCovered.count, 20, "regions with example numbers: \(corpus.regionsCovered.sorted())")
        var known: [Known: Int] = [:]
        var unexpected: [String] = []
        var compared = 0
        for index in 0..<200_000 {
            let entry = corpus.next()
            let strict = index % 4 == 0
            let theirs = reference(entry.text, region: entry.defaultRegion, strict: strict)
            let ours = try cxv(entry.text, region: entry.defaultRegion, strict: strict)
            compared += 1
            guard ours != theirs else { continue }
            let onlyAllowed = entry.text.utf8.allSatisfy { (0x30...0x39).contains($0) || " -./()+".utf8.contains($0) }
            if ours == .rejected, !onlyAllowed || entry.text.dropFirst().contains("+") {
                known[.refusedShape, default: 0] += 1
            } else if !strict, ours == .number(entry.text) {
                known[.e164AsWritten, default: 0] += 1
            } else if unexpected.count < 20 {
                unexpected.append("\(entry.text) (region \(entry.defaultRegion ?? "none"), strict \(strict)): cxv \(ours), libphonenumber \(theirs)")
            }
        }
        XCTAssertEqual(compared, 200_000)
        XCTAssertEqual(unexpected, [], "cxv and libphonenumber disagree")
        for kind in Known.allCases { print("known difference: \(known[kind] ?? 0) \(kind.rawValue)") }
    }
}
