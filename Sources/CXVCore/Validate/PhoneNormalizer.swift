import CPhoneNumber

/// Turns what people type as a phone number into E.164, through libphonenumber
/// when the input is not already E.164 (it costs ~35 µs a number).
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

    /// `region` is an ISO 3166 code such as "US"; nil reads only international numbers.
    public init(region: String?, strict: Bool) throws {
        if let region {
            guard cxv_pn_region_supported(region.uppercased()) != 0 else {
                throw CXVError.usage("--region \(region): not a region libphonenumber knows (use an ISO 3166 code such as US or GB)")
            }
        }
        self.region = region?.uppercased()
        self.strict = strict
    }

    /// `^\+[1-9]\d{1,14}$`, the tutorial's rule.
    @inline(__always)
    public static func isE164(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s.count >= 3, s.count <= 16, s[0] == UInt8(ascii: "+"), s[1] >= 0x31, s[1] <= 0x39 else { return false }
        for i in 2..<s.count where s[i] < 0x30 || s[i] > 0x39 { return false }
        return true
    }

    /// The E.164 digits as a number, a compact key for dedupe and suppression.
    @inline(__always)
    public static func key(_ e164: UnsafeRawBufferPointer) -> UInt64 {
        var k: UInt64 = 0
        for i in 1..<e164.count { k = k &* 10 &+ UInt64(e164[i] &- 0x30) }
        // The length too, so +1 0… and +10… stay apart.
        return k &* 16 &+ UInt64(e164.count)
    }

    /// Normalises `raw` (already trimmed), appending the E.164 form to `out` when valid.
    public func normalize(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Outcome {
        if raw.isEmpty { return .missing }
        if PhoneNormalizer.isE164(raw), !strict {
            out.append(contentsOf: raw)
            return .valid
        }
        // Letters ("555-CALL-NOW") are never a number here, though libphonenumber would map them to digits.
        var digits = 0
        for (i, b) in raw.enumerated() {
            switch b {
            case 0x30...0x39: digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "/"):
                continue
            case UInt8(ascii: "+") where i == 0:
                continue
            default:
                return .notE164(hint: "only digits, spaces and + - . ( ) / may appear")
            }
        }
        if digits < 2 { return .notE164(hint: "too few digits") }
        let international = raw[0] == UInt8(ascii: "+")
        if !international && region == nil {
            return .notE164(hint: "national format: set --region to read it")
        }
        var e164 = [CChar](repeating: 0, count: 24)
        var valid: Int32 = 0
        let status = e164.withUnsafeMutableBufferPointer { buffer in
            raw.withMemoryRebound(to: CChar.self) { input in
                withUnsafeMutablePointer(to: &valid) { validity in
                    // Validity is asked only under --strict: without it, libphonenumber's check is skipped.
                    let asked = strict ? validity : nil
                    if let region {
                        return region.withCString {
                            cxv_pn_normalize(input.baseAddress, input.count, $0, buffer.baseAddress, buffer.count, asked)
                        }
                    }
                    return cxv_pn_normalize(input.baseAddress, input.count, nil, buffer.baseAddress, buffer.count, asked)
                }
            }
        }
        switch status {
        case CXV_PN_OK: break
        case CXV_PN_TOO_SHORT: return .notE164(hint: "too short")
        case CXV_PN_TOO_LONG: return .notE164(hint: "too long")
        case CXV_PN_NO_REGION: return .notE164(hint: "unknown country code")
        case CXV_PN_IMPOSSIBLE: return .notE164(hint: "wrong number of digits for its country")
        default: return .notE164(hint: "not a phone number")
        }
        let length = e164.firstIndex(of: 0) ?? 0
        let ok = e164.withUnsafeBytes { bytes -> Bool in
            let formatted = UnsafeRawBufferPointer(rebasing: bytes[..<length])
            guard PhoneNormalizer.isE164(formatted) else { return false }
            out.append(contentsOf: formatted)
            return true
        }
        guard ok else { return .notE164(hint: "too long") }
        if strict && valid == 0 {
            out.removeLast(length)
            return .invalidForCountry
        }
        return .valid
    }

    /// Convenience for lists and tests: the E.164 form, or nil.
    public func normalize(_ text: String) -> String? {
        var out: [UInt8] = []
        var text = text
        let outcome = text.withUTF8 { normalize(Validator.trimmed(UnsafeRawBufferPointer($0)), into: &out) }
        return outcome == .valid ? String(decoding: out, as: UTF8.self) : nil
    }
}
