/// The E.164 shape every contact record's phone_number has, and the compact key cxv counts
/// and dedupes numbers by. Pure byte checks: telling a real number from a typo is libphonenumber's
/// job, in cxv-validate alone.
public enum E164 {
    /// `^\+[1-9]\d{1,14}$`, the tutorial's rule.
    @inlinable
    public static func matches(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s.count >= 3, s.count <= 16, s[0] == UInt8(ascii: "+"), s[1] >= 0x31, s[1] <= 0x39 else { return false }
        for i in 2..<s.count where s[i] < 0x30 || s[i] > 0x39 { return false }
        return true
    }

    /// The E.164 digits as a number, a compact key for dedupe and suppression.
    @inlinable
    public static func key(_ e164: UnsafeRawBufferPointer) -> UInt64 {
        var k: UInt64 = 0
        for i in 1..<e164.count { k = k &* 10 &+ UInt64(e164[i] &- 0x30) }
        // The length too, so +1 0… and +10… stay apart.
        return k &* 16 &+ UInt64(e164.count)
    }
}
