/// The one CSV writer: RFC 4180 quoting (a field is quoted when it holds the
/// delimiter, a quote, CR or LF, or starts or ends with a space), rows end in `\n`.
public struct CSVWriter {
    public let delimiter: UInt8

    /// The delimiter in every byte of a word, for `hasByteToQuote`.
    private let delimiters: UInt64

    public init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
        delimiters = CSVWriter.ones &* UInt64(delimiter)
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let high: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the eight bytes is the delimiter, a quote, CR or LF: a word at a time,
    /// where byte by byte cost cxv-chunk a ninth of its instructions.
    @inline(__always)
    private func hasByteToQuote(_ x: UInt64) -> Bool {
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- CSVWriter.ones) & ~v & CSVWriter.high }
        let ones = CSVWriter.ones
        return zeroBytes(x ^ delimiters) | zeroBytes(x ^ (ones &* 0x22)) | zeroBytes(x ^ (ones &* 0x0A))
            | zeroBytes(x ^ (ones &* 0x0D)) != 0
    }

    @inline(__always)
    private func needsQuotes(_ field: UnsafeRawBufferPointer) -> Bool {
        guard let first = field.first, let last = field.last else { return false }
        if first == 0x20 || last == 0x20 { return true }
        // A leading U+FEFF would be read back as a byte-order mark.
        if field.count >= 3, first == 0xEF, field[1] == 0xBB, field[2] == 0xBF { return true }
        guard field.count >= 8 else {
            for b in field where b == delimiter || b == 0x22 || b == 0x0A || b == 0x0D { return true }
            return false
        }
        var i = 0
        while i + 8 < field.count {
            if hasByteToQuote(field.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        // The last eight bytes, overlapping the words before: no byte-by-byte tail.
        return hasByteToQuote(field.loadUnaligned(fromByteOffset: field.count - 8, as: UInt64.self))
    }

    /// Appends one field (no separator).
    public func appendField(_ field: UnsafeRawBufferPointer, to out: inout WriteBuffer) {
        guard needsQuotes(field) else {
            out.append(field)
            return
        }
        out.append(0x22)
        var runStart = 0
        for i in 0..<field.count where field[i] == 0x22 {
            out.append(UnsafeRawBufferPointer(rebasing: field[runStart...i]))
            out.append(0x22)
            runStart = i + 1
        }
        out.append(UnsafeRawBufferPointer(rebasing: field[runStart...]))
        out.append(0x22)
    }

    public func appendField(_ field: String, to out: inout WriteBuffer) {
        var field = field
        field.withUTF8 { appendField(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends a whole row and its `\n`.
    public func appendRow(_ fields: [String], to out: inout WriteBuffer) {
        if fields == [""] {  // written bare, a row of one empty field is a blank line, which readers skip
            out.append(Array("\"\"\n".utf8))
            return
        }
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(delimiter) }
            appendField(field, to: &out)
        }
        out.append(0x0A)
    }
}
