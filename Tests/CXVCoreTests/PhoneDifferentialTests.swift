import CPhoneNumber
import XCTest
@testable import CXVCore
@testable import CXVInput
@testable import CXVValidate

/// cxv-validate's answer for a phone number against libphonenumber's own full parse, possibility
/// and validity checks, on 200,000 numbers typed every way in 28 regions on six continents.
/// Any difference fails; so does a fast path that stops covering the shapes people type.
final class PhoneDifferentialTests: XCTestCase {
    enum Answer: Equatable {
        case number(String)
        case rejected(cxv_pn_status.RawValue)
        case invalidForCountry
    }

    typealias Normalize = (UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int,
                           UnsafeMutablePointer<Int32>?) -> cxv_pn_status

    /// One of the shim's entry points, its answer as cxv-validate would take it (E.164 of at most 15 digits).
    func answer(_ normalize: Normalize, _ text: String, region: String?, strict: Bool) -> Answer? {
        var out = [CChar](repeating: 0, count: 24)
        var valid: Int32 = 0
        let status = text.withCString { input in
            withUnsafeMutablePointer(to: &valid) { validity in
                normalize(input, strlen(input), region, &out, out.count, strict ? validity : nil)
            }
        }
        if status == CXV_PN_NOT_COVERED { return nil }
        guard status == CXV_PN_OK else { return .rejected(status.rawValue) }
        let e164 = String(cString: out)
        guard e164.utf8.count <= 16 else { return .rejected(CXV_PN_TOO_LONG.rawValue) }
        return strict && valid == 0 ? .invalidForCountry : .number(e164)
    }

    /// What PhoneNormalizer, the validator's own entry, answers; rejects compared by outcome only.
    func cxv(_ text: String, region: String?, strict: Bool) throws -> Answer {
        let normalizer = try PhoneNormalizer(region: region, strict: strict)
        var out: [UInt8] = []
        var text = text
        switch text.withUTF8({ normalizer.normalize(UnsafeRawBufferPointer($0), into: &out) }) {
        case .valid: return .number(String(decoding: out, as: UTF8.self))
        case .invalidForCountry: return .invalidForCountry
        case .missing, .notE164: return .rejected(0)
        }
    }

    func outcome(_ answer: Answer) -> Answer {
        if case .rejected = answer { return .rejected(0) }
        return answer
    }

    func testCxvAnswersWhatLibphonenumberAnswers() throws {
        var corpus = PhoneCorpus(seed: 20261201)
        XCTAssertGreaterThanOrEqual(corpus.regionsCovered.count, 20, "regions with example numbers: \(corpus.regionsCovered.sorted())")
        var differences: [String] = []
        var fastCovered = 0, plainShapes = 0, plainCovered = 0
        let total = 200_000
        for index in 0..<total {
            let entry = corpus.next()
            let strict = index % 4 == 0
            let region = entry.defaultRegion
            // The library is asked with "ZZ" for no region, as Parse is.
            let library = answer(cxv_pn_normalize_with_library, entry.text, region: region ?? "ZZ", strict: strict)!
            let fast = answer(cxv_pn_normalize_fast, entry.text, region: region, strict: strict)
            let ours = try cxv(entry.text, region: region, strict: strict)
            let plain = entry.text.utf8.allSatisfy { (0x30...0x39).contains($0) || " -./()+".utf8.contains($0) }
            plainShapes += plain ? 1 : 0
            if let fast {
                fastCovered += 1
                plainCovered += plain ? 1 : 0
            }
            let agrees = (fast == nil || fast == library) && ours == outcome(library)
            if !agrees, differences.count < 20 {
                differences.append("\(entry.text) (region \(region ?? "none"), strict \(strict)): cxv \(ours), fast path \(fast.map { "\($0)" } ?? "not covered"), libphonenumber \(library)")
            }
        }
        XCTAssertEqual(differences, [], "cxv and libphonenumber disagree")
        // Digits and punctuation are what the fast path is for: every one of them must stay on it.
        XCTAssertEqual(plainCovered, plainShapes, "numbers of digits and punctuation sent to the library")
        XCTAssertGreaterThan(plainShapes, total * 3 / 4)
        print("fast path answered \(fastCovered) of \(total); \(total - fastCovered) (letters, extensions, symbols) went to libphonenumber")
    }
}
