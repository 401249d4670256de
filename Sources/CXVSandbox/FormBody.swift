/// An application/x-www-form-urlencoded body (the WHATWG URL standard's parser).
public struct FormBody: Sendable {
    /// The fields in the order sent; a name may repeat.
    public let fields: [(name: String, value: String)]

    public init(_ body: some Collection<UInt8>) {
        var fields: [(String, String)] = []
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                fields.append((FormBody.decode(pair[..<eq]), FormBody.decode(pair[pair.index(after: eq)...])))
            } else {
                fields.append((FormBody.decode(pair), ""))
            }
        }
        self.fields = fields
    }

    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// The first value sent for `name`.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// `+` is a space and `%XX` a byte; a `%` without two hex digits stays as it is,
    /// as the standard says, so an unencoded body (the tutorial's) still reads.
    static func decode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), let hi = hexValue(at: i + 1, in: bytes), let lo = hexValue(at: i + 2, in: bytes) {
                out.append(hi << 4 | lo)
                i += 3
                continue
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(at index: Int, in bytes: [UInt8]) -> UInt8? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return bytes[index] - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return bytes[index] - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return bytes[index] - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
