// The text of a worksheet cell as a person would have typed it: column letters and number forms.
enum CellText {
    /// Excel's last column, XFD: a cell reference beyond it is not a worksheet's.
    static let maxColumn = 16_384

    /// The 1-based column of a cell reference such as `C5` or `AB12`; nil if it has no letters
    /// or names a column beyond XFD.
    static func column(ofReference reference: UnsafeBufferPointer<UInt8>) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference {
            let letter: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letter = byte - UInt8(ascii: "a")
            default:
                return letters == 0 ? nil : column
            }
            letters += 1
            column = column * 26 + Int(letter) + 1
            if column > maxColumn { return nil }
        }
        return letters == 0 ? nil : column
    }

    /// A non-negative decimal number of at most `maxDigits` digits, e.g. a row number or a
    /// shared-string index; nil for anything else.
    static func integer(_ text: some Collection<UInt8>, maxDigits: Int = 10) -> Int? {
        guard !text.isEmpty, text.count <= maxDigits else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Exponents beyond a Double's range are no number Excel wrote; such text is kept as it is.
    private static let maxExponent = 400

    /// Appends a number cell's `<v>` text in plain decimal form: an exponent is expanded digit
    /// by digit (`1.2025550101E10` → `12025550101`, `5E-3` → `0.005`) and a fraction of zeros
    /// is dropped (`12025550101.0` → `12025550101`). Never through Double, which would round
    /// long numbers such as phone numbers. Text that is not a decimal number is appended as it is.
    /// Dates are serial numbers in the file and come out as that number; the style that would
    /// show them as dates is not read.
    static func appendPlainDecimal(_ text: [UInt8], to out: inout [UInt8]) {
        guard let number = DecimalText(text) else {
            out.append(contentsOf: text)
            return
        }
        let digits = number.digits
        // Where the decimal point falls within `digits` (may be before or after them).
        let point = number.integerDigits + number.exponent
        var integerPart = ArraySlice<UInt8>()
        var fractionPart = ArraySlice<UInt8>()
        var leadingFractionZeros = 0
        var trailingIntegerZeros = 0
        if point <= 0 {
            leadingFractionZeros = -point
            fractionPart = digits[...]
        } else if point >= digits.count {
            integerPart = digits[...]
            trailingIntegerZeros = point - digits.count
        } else {
            integerPart = digits[..<point]
            fractionPart = digits[point...]
        }
        while integerPart.first == UInt8(ascii: "0") { integerPart = integerPart.dropFirst() }
        while fractionPart.last == UInt8(ascii: "0") { fractionPart = fractionPart.dropLast() }
        if integerPart.isEmpty { trailingIntegerZeros = 0 }
        let isZero = integerPart.isEmpty && fractionPart.isEmpty
        if number.negative && !isZero { out.append(UInt8(ascii: "-")) }
        if integerPart.isEmpty {
            out.append(UInt8(ascii: "0"))
        } else {
            out.append(contentsOf: integerPart)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: trailingIntegerZeros))
        }
        if !fractionPart.isEmpty {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: leadingFractionZeros))
            out.append(contentsOf: fractionPart)
        }
    }

    /// `[+-]digits[.digits][(e|E)[+-]digits]`, split into its parts.
    private struct DecimalText {
        var negative = false
        /// The integer and fraction digits together, the point removed.
        var digits: [UInt8] = []
        var integerDigits = 0
        var exponent = 0

        init?(_ text: [UInt8]) {
            var i = 0
            if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                negative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < text.count, Self.isDigit(text[i]) { digits.append(text[i]); i += 1 }
            integerDigits = digits.count
            if i < text.count, text[i] == UInt8(ascii: ".") {
                i += 1
                while i < text.count, Self.isDigit(text[i]) { digits.append(text[i]); i += 1 }
            }
            guard !digits.isEmpty else { return nil }
            if i < text.count, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
                i += 1
                var exponentNegative = false
                if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                    exponentNegative = text[i] == UInt8(ascii: "-")
                    i += 1
                }
                let start = i
                while i < text.count, Self.isDigit(text[i]) { i += 1 }
                guard i > start, let magnitude = CellText.integer(text[start..<i], maxDigits: 3),
                      magnitude <= CellText.maxExponent else { return nil }
                exponent = exponentNegative ? -magnitude : magnitude
            }
            guard i == text.count else { return nil }
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
