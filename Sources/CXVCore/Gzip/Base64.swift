/// Standard base64 (RFC 4648, padded), written straight into a byte buffer.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encodedCount(_ n: Int) -> Int { (n + 2) / 3 * 4 }

    public static func encode(_ input: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: encodedCount(input.count)))
        out.withUnsafeMutableBytes { encode(input, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
    }

    /// Writes the encoding of `input` into `buffer`, which holds exactly `encodedCount(input.count)` bytes.
    public static func encode(_ input: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) {
        let n = input.count
        alphabet.withUnsafeBufferPointer { table in
            do {
                var o = 0
                var i = 0
                while i + 3 <= n {
                    let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    buffer[o + 2] = table[Int(v >> 6 & 63)]
                    buffer[o + 3] = table[Int(v & 63)]
                    i += 3
                    o += 4
                }
                if i < n {
                    let b1 = i + 1 < n ? UInt32(input[i + 1]) : 0
                    let v = UInt32(input[i]) << 16 | b1 << 8
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    buffer[o + 2] = i + 1 < n ? table[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                    buffer[o + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    /// Decodes padded base64; nil for anything else.
    public static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        var valid = true
        // Written in place: three appends a quad, each checking capacity, cost cxv-upload 4 % of its time.
        let out = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3) { out, written in
            values.withUnsafeBufferPointer { table in
                var i = 0
                while i < input.count {
                    let last = i + 4 == input.count
                    let c2 = input[i + 2], c3 = input[i + 3]
                    let pad = last ? (c3 == UInt8(ascii: "=") ? (c2 == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = pad >= 2 ? 0 : table[Int(c2)]
                    let d = pad >= 1 ? 0 : table[Int(c3)]
                    guard (a | b | c | d) & 0xC0 == 0 else {  // 0xFF marks a byte outside the alphabet
                        valid = false
                        return
                    }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[written] = UInt8(v >> 16)
                    if pad < 2 { out[written + 1] = UInt8(v >> 8 & 0xFF) }
                    if pad < 1 { out[written + 2] = UInt8(v & 0xFF) }
                    written += 3 - pad
                    i += 4
                }
            }
        }
        return valid ? out : nil
    }
}
