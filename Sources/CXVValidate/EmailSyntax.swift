import CXVCore
import CXVInput

/// Email syntax as people mean it (RFC 5321's dot-atom, not every corner of
/// RFC 5322): `local@domain.tld`, with UTF-8 allowed in the local part.
public enum EmailSyntax {
    private static let atext: [Bool] = (0..<256).map { b in
        if b >= 0x80 { return true }
        let c = UInt8(b)
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || "!#$%&'*+/=?^_`{|}~-".utf8.contains(c)
    }

    public static func isValid(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s.count <= 254, let at = s.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let atext = EmailSyntax.atext
        let local = UnsafeRawBufferPointer(rebasing: s[..<at])
        let domain = UnsafeRawBufferPointer(rebasing: s[(at + 1)...])
        guard !local.isEmpty, local.count <= 64, local.first != 0x2E, local.last != 0x2E else { return false }
        var previousDot = false
        for b in local {
            if b == 0x2E {
                if previousDot { return false }
                previousDot = true
            } else {
                guard atext[Int(b)] else { return false }
                previousDot = false
            }
        }
        // Domain: two or more labels of letters, digits and inner hyphens; the last not all digits.
        var labels = 0
        var labelStart = 0
        var tldAllDigits = true
        for i in 0...domain.count {
            let atEnd = i == domain.count
            let b = atEnd ? UInt8(ascii: ".") : domain[i]
            if b == 0x2E {
                let length = i - labelStart
                guard length > 0, length <= 63, domain[labelStart] != 0x2D, domain[i - 1] != 0x2D else { return false }
                labels += 1
                if atEnd {
                    tldAllDigits = domain[labelStart..<i].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                    guard length >= 2 else { return false }
                }
                labelStart = i + 1
            } else {
                let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                if !ok { return false }
            }
        }
        return labels >= 2 && !tldAllDigits
    }
}
