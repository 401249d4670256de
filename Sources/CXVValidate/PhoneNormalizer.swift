import CPhoneNumber
import CXVCore
import CXVInput

/// Turns what people type as a phone number into E.164. The answer is libphonenumber's
/// (Parse, IsPossibleNumber, and IsValidNumber under `strict`): the shim's fast path gives
/// it for numbers typed with digits and punctuation, the library itself for anything else.
public struct PhoneNormalizer: Sendable {
    public enum Outcome: Equatable, Sendable {
        case valid
        case missing
        /// Not E.164 and not convertible to it; `hint` says what would help.
        case notE164(hint: String)
        /// E.164, but not a number that exists in its country (only with `strict`).
        case invalidForCountry
    }

    public let region: String?
    public let strict: Bool
    /// `region` as the C string the shim takes, made once rather than per number.
    private let regionCString: [CChar]?

    /// `region` is an ISO 3166 code such as "US"; nil reads only international numbers.
    public init(region: String?, strict: Bool) throws {
        if let region {
            guard cxv_pn_region_supported(region.uppercased()) != 0 else {
                throw CXVError.usage("--region \(region): not a region libphonenumber knows (use an ISO 3166 code such as US or GB)")
            }
        }
        self.region = region?.uppercased()
        self.strict = strict
        self.regionCString = self.region.map { Array($0.utf8CString) }
    }

    /// Normalises `raw` (already trimmed), appending the E.164 form to `out` when valid.
    public func normalize(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Outcome {
        if raw.isEmpty { return .missing }
        var valid: Int32 = 0
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 24) { buffer -> Outcome in
            let status = raw.withMemoryRebound(to: CChar.self) { input in
                withUnsafeMutablePointer(to: &valid) { validity in
                    // Validity is asked only under --strict: without it, the check is skipped.
                    let asked = strict ? validity : nil
                    guard let regionCString else {
                        return cxv_pn_normalize(input.baseAddress, input.count, nil, buffer.baseAddress, buffer.count, asked)
                    }
                    return regionCString.withUnsafeBufferPointer {
                        cxv_pn_normalize(input.baseAddress, input.count, $0.baseAddress, buffer.baseAddress, buffer.count, asked)
                    }
                }
            }
            switch status {
            case CXV_PN_OK: break
            case CXV_PN_TOO_SHORT: return .notE164(hint: "too short")
            case CXV_PN_TOO_LONG: return .notE164(hint: "too long")
            case CXV_PN_NO_REGION:
                let national = region == nil && !raw.contains(UInt8(ascii: "+"))
                return .notE164(hint: national ? "national format: set --region to read it" : "unknown country code")
            case CXV_PN_IMPOSSIBLE: return .notE164(hint: "wrong number of digits for its country")
            default: return .notE164(hint: "not a phone number")
            }
            var length = 0
            while length < buffer.count, buffer[length] != 0 { length += 1 }
            let formatted = UnsafeRawBufferPointer(start: buffer.baseAddress, count: length)
            // cxv writes E.164 as the tutorial defines it: at most 15 digits.
            guard E164.matches(formatted) else { return .notE164(hint: "too long") }
            if strict && valid == 0 { return .invalidForCountry }
            out.append(contentsOf: formatted)
            return .valid
        }
    }

    /// Convenience for lists and tests: the E.164 form, or nil.
    public func normalize(_ text: String) -> String? {
        var out: [UInt8] = []
        var text = text
        let outcome = text.withUTF8 { normalize(Validator.trimmed(UnsafeRawBufferPointer($0)), into: &out) }
        return outcome == .valid ? String(decoding: out, as: UTF8.self) : nil
    }
}
