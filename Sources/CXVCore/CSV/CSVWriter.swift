/// The one CSV writer: RFC 4180 quoting (a field is quoted when it holds the
/// delimiter, a quote, CR or LF, or starts or ends with a space), rows end in `\n`.
public struct CSVWriter {
    public let delimiter: UInt8

    public init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    @inline(__always)
    private func needsQuotes(_ field: UnsafeRawBufferPointer) -> Bool {
        guard let first = field.first, let last = field.last else { return false }
        if first == 0x20 || last == 0x20 { return true }
        // A leading U+FEFF would be read back as a byte-order mark.
        if field.count >= 3, first == 0xEF, field[1] == 0xBB, field[2] == 0xBF { return true }
        for b in field where b == delimiter || b == 0x22 || b == 0x0A || b == 0x0D {
            return true
        }
        return false
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
