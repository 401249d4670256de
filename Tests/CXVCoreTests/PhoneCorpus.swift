import CPhoneNumber

/// Phone numbers typed every way people type them, in regions on every continent, from
/// libphonenumber's own example numbers: the corpus of the differential test. Seeded, so a
/// failure names an input that comes back on the next run.
struct PhoneCorpus {
    /// Where a number lives, and how callers there dial out (the IDD a national file would use).
    static let regions: [(code: String, idd: String)] = [
        ("US", "011"), ("CA", "011"), ("MX", "00"), ("BR", "0021"), ("AR", "00"), ("CL", "00"), ("CO", "005"),
        ("GB", "00"), ("DE", "00"), ("FR", "00"), ("ES", "00"), ("IT", "00"), ("NL", "00"), ("SE", "00"), ("PL", "00"),
        ("RU", "810"), ("IN", "00"), ("CN", "00"), ("JP", "010"), ("KR", "001"), ("SG", "001"), ("AE", "00"),
        ("AU", "0011"), ("NZ", "00"), ("ZA", "00"), ("NG", "009"), ("EG", "00"), ("KE", "000"),
    ]

    struct Entry {
        /// The region a file's --region would name; nil reads only international numbers.
        var defaultRegion: String?
        var text: String
    }

    private struct Example {
        var region: String
        var countryCode: Int
        var number: [UInt8]
        var nationalPrefix: String
    }

    private var random: SplitMix64
    private let examples: [Example]

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        var examples: [Example] = []
        for (region, _) in PhoneCorpus.regions {
            for type: Int32 in [0, 1, 3] {  // fixed line, mobile, toll free
                var number = [CChar](repeating: 0, count: 32)
                var prefix = [CChar](repeating: 0, count: 16)
                var code: Int32 = 0
                guard cxv_pn_example(region, type, &number, number.count, &code, &prefix, prefix.count) != 0 else { continue }
                examples.append(Example(region: region, countryCode: Int(code),
                                        number: Array(String(cString: number).utf8),
                                        nationalPrefix: String(cString: prefix)))
            }
        }
        self.examples = examples
    }

    /// Regions the examples came from.
    var regionsCovered: Set<String> { Set(examples.map(\.region)) }

    mutating func next() -> Entry {
        let example = examples[random.below(examples.count)]
        let home = example.region
        let dialling: String? = {
            switch random.below(10) {
            case 0..<7: return home
            case 7, 8: return PhoneCorpus.regions[random.below(PhoneCorpus.regions.count)].code
            default: return nil
            }
        }()
        var digits = example.number
        // Other numbers of the same plan: the last few digits changed.
        for i in max(0, digits.count - 1 - random.below(4))..<digits.count { digits[i] = UInt8(0x30 + random.below(10)) }
        switch random.below(20) {
        case 0, 1: if digits.count > 1 { digits.remove(at: random.below(digits.count)) }  // a digit lost
        case 2: digits.insert(UInt8(0x30 + random.below(10)), at: random.below(digits.count + 1))  // one too many
        case 3: digits = Array(digits.prefix(1 + random.below(4)))  // far too short
        case 4: digits += (0..<(3 + random.below(6))).map { _ in UInt8(0x30 + random.below(10)) }  // far too long
        default: break
        }
        let nsn = String(decoding: digits, as: UTF8.self)
        let cc = String(example.countryCode)
        let idd = PhoneCorpus.regions.first { $0.code == (dialling ?? home) }?.idd ?? "00"
        let text: String
        switch random.below(16) {
        case 0, 1: text = "+\(cc)\(nsn)"
        case 2, 3: text = "+\(cc) \(grouped(nsn))"
        case 4: text = "+\(cc) (\(nsn.prefix(3))) \(grouped(String(nsn.dropFirst(3))))"
        case 5, 6, 7: text = grouped(nsn)
        case 8, 9: text = example.nationalPrefix + grouped(nsn)
        case 10: text = "(\(example.nationalPrefix)\(nsn.prefix(3))) \(grouped(String(nsn.dropFirst(3))))"
        case 11: text = "\(idd) \(cc) \(grouped(nsn))"
        case 12: text = "\(idd)\(cc)\(nsn)"
        case 13: text = "\(grouped(nsn)) ext. \(random.below(999) + 1)"
        case 14: text = garbled(nsn)
        default: text = "\(cc)\(nsn)"  // the country code without its +
        }
        return Entry(defaultRegion: dialling, text: text)
    }

    /// Digits in groups of 2 to 4, joined by what people put between them.
    private mutating func grouped(_ digits: String) -> String {
        let separators = [" ", "-", ".", "/", " - ", ""]
        let separator = separators[random.below(separators.count)]
        var groups: [Substring] = []
        var rest = Substring(digits)
        while !rest.isEmpty {
            let size = min(rest.count, 2 + random.below(3))
            groups.append(rest.prefix(size))
            rest = rest.dropFirst(size)
        }
        return groups.joined(separator: separator)
    }

    /// What a CRM export also holds: letters, stray symbols, doubled pluses, nothing at all.
    private mutating func garbled(_ digits: String) -> String {
        let forms = ["1-800-FLOWERS", "\(digits)x", "++\(digits)", "+\(digits)+", "tel:+\(digits)", "#\(digits)", "\(digits) (home)",
                     "N/A", "+", "-", "0", "(\(digits)", "\(digits.prefix(3))*\(digits.dropFirst(3))", "\u{FF0B}\(digits)", "٠١٢٣٤٥٦٧٨٩"]
        return forms[random.below(forms.count)]
    }
}

extension SplitMix64 {
    /// A draw in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
