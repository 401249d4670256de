import CXVCore

/// Picks a CSV file's delimiter from its first lines, as Excel and CRM exports vary it:
/// among , ; tab and |, the one that splits every sampled record into the same number of
/// fields, quotes respected (the most fields wins; a comma wins ties).
public enum DialectSniffer {
    public static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]
    /// Records looked at: enough to see a pattern, few enough to stay in the first read.
    static let sampledRecords = 20

    /// The delimiter for a file that starts with `head` (`complete` when `head` is all of it),
    /// or nil when no candidate splits the header at all.
    public static func delimiter(in head: [UInt8], complete: Bool) -> UInt8? {
        var best: (delimiter: UInt8, fields: Int)?
        for candidate in candidates {
            let counts = fieldCounts(in: head, delimiter: candidate, complete: complete)
            guard let header = counts.first, header > 1, counts.allSatisfy({ $0 == header }) else { continue }
            if header > best?.fields ?? 0 { best = (candidate, header) }
        }
        if let best { return best.delimiter }
        // No candidate is consistent (ragged rows): the one that splits the header most.
        let header = candidates.map { (delimiter: $0, fields: fieldCounts(in: head, delimiter: $0, complete: complete).first ?? 0) }
        return header.filter { $0.fields > 1 }.max { $0.fields < $1.fields }?.delimiter
    }

    /// The header's fields when split by `delimiter`, read by the one CSV reader.
    public static func header(in head: [UInt8], delimiter: UInt8) -> [String] {
        var reader = CSVReader(source: InputSource(name: "header", bytes: head), delimiter: delimiter)
        var batch = RowBatch()
        guard (try? reader.readRow(into: &batch)) == true, let row = batch.rows.first else { return [] }
        return batch.strings(of: row)
    }

    /// A delimiter as a person names it: ';' or tab (unquoted, as an option's value takes it).
    public static func describe(_ delimiter: UInt8, quoted: Bool = true) -> String {
        if delimiter == UInt8(ascii: "\t") { return "tab" }
        let character = String(UnicodeScalar(delimiter))
        return quoted || delimiter == UInt8(ascii: "|") || delimiter == UInt8(ascii: ";") ? "'\(character)'" : character
    }

    /// Fields per record for the first `sampledRecords` complete records.
    static func fieldCounts(in head: [UInt8], delimiter: UInt8, complete: Bool) -> [Int] {
        var counts: [Int] = []
        var fields = 1
        var quoted = false
        var empty = true  // blank lines are not records
        var i = 0
        while i < head.count, counts.count < sampledRecords {
            let b = head[i]
            i += 1
            if b == UInt8(ascii: "\"") {
                quoted.toggle()  // a doubled quote toggles twice
                empty = false
            } else if quoted {
                continue
            } else if b == delimiter {
                fields += 1
                empty = false
            } else if b == 0x0A || b == 0x0D {
                if !empty { counts.append(fields) }
                fields = 1
                empty = true
            } else {
                empty = false
            }
        }
        // The last record counts only when the input ends there, not where the sample was cut.
        if complete, !empty, !quoted, counts.count < sampledRecords { counts.append(fields) }
        return counts
    }
}
