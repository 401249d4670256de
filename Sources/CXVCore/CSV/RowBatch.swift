/// Why an input row (CSV, NDJSON or sheet) could not be read as fields: the one row-problem
/// type, so cxv-validate's rejects and cxv-sandbox's refusals say the same thing.
public enum RowProblem: Equatable, Sendable {
    /// A quote opened and never closed (before end of input or `maxRowBytes`);
    /// the row is taken to be its first physical line and reading resumes after it.
    case unterminatedQuote
    /// Text after a closing quote, e.g. `"Ada"x,`.
    case textAfterQuote
    /// A row longer than the reader's limit.
    case tooLong(limit: Int)
    /// An NDJSON input line that is not an object of scalar values.
    case notAnObject(String)

    /// The reject code cxv-validate writes for it.
    public var code: String {
        switch self {
        case .unterminatedQuote: return "unterminated_quote"
        case .textAfterQuote: return "bad_quote"
        case .tooLong: return "too_long"
        case .notAnObject: return "invalid_json"
        }
    }

    /// What is wrong, in a phrase: cxv-validate's reject and cxv-sandbox's refusal both say it.
    public var summary: String {
        switch self {
        case .unterminatedQuote: return "a quoted field is never closed"
        case .textAfterQuote: return "text follows a closing quote"
        case let .tooLong(limit): return "longer than \(limit) bytes"
        case let .notAnObject(reason): return "not a JSON object of contact fields: \(reason)"
        }
    }

    /// The phrase and what a person can do about it: the message of cxv-validate's reject.
    public var message: String {
        switch self {
        case .unterminatedQuote: return summary + "; this line was read alone and reading went on after it"
        case .textAfterQuote: return summary + "; quote the whole field and double inner quotes"
        case .tooLong: return "row is " + summary
        case .notAnObject: return summary
        }
    }
}

/// Input rows packed for hand-off to a worker: every field's unescaped bytes in
/// one array, each followed by one separator byte (so a row without quotes is copied
/// whole, its delimiters standing as separators), and a batch costs a handful of
/// allocations. CSV rows are positional (named by the file's header); NDJSON rows
/// are `keyed`: fields alternate key, value.
public struct RowBatch: Sendable {
    public struct Row: Sendable {
        /// 1-based physical line where the row starts.
        public var line: Int
        public var firstField: Int
        public var fieldCount: Int
        public var keyed = false
        public var problem: RowProblem?
        /// The row's first physical line as read, kept only for rows with a problem.
        public var raw: [UInt8]

        public init(line: Int, firstField: Int, fieldCount: Int, keyed: Bool = false, problem: RowProblem? = nil,
                    raw: [UInt8] = []) {
            self.line = line
            self.firstField = firstField
            self.fieldCount = fieldCount
            self.keyed = keyed
            self.problem = problem
            self.raw = raw
        }
    }

    public var storage: [UInt8] = []
    public var fieldEnds: [Int] = []
    public var rows: [Row] = []

    public init() {}

    public var isEmpty: Bool { rows.isEmpty }

    /// Room for reading `bytes` bytes of CSV in one batch, sized for rows of 32 bytes or more
    /// in fields of 8 or more (a contact's): a row's fields and separators never take more
    /// bytes than the row did.
    public mutating func reserveCapacity(forCSVBytes bytes: Int) {
        storage.reserveCapacity(bytes + 1)
        fieldEnds.reserveCapacity(bytes / 8)
        rows.reserveCapacity(bytes / 32)
    }

    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
    }

    /// What cxv-validate reads from NDJSON input: an object of scalar values.
    public mutating func appendKeyed(_ members: [(String, String)], line: Int) {
        let first = fieldEnds.count
        for (key, value) in members {
            storage.append(contentsOf: key.utf8)
            endField()
            storage.append(contentsOf: value.utf8)
            endField()
        }
        rows.append(Row(line: line, firstField: first, fieldCount: members.count * 2, keyed: true, problem: nil, raw: []))
    }

    /// A row that could not be read at all, with the text to show for it.
    public mutating func appendProblem(_ problem: RowProblem, raw: [UInt8], line: Int) {
        rows.append(Row(line: line, firstField: fieldEnds.count, fieldCount: 0, problem: problem, raw: raw))
    }

    /// Ends the field whose bytes were just appended to `storage`.
    public mutating func endField() {
        fieldEnds.append(storage.count)
        storage.append(RowBatch.separator)
    }

    static let separator = UInt8(ascii: "\n")

    public func fieldRange(_ index: Int) -> Range<Int> {
        RowBatch.fieldRange(index, in: fieldEnds)
    }

    /// Field `index`'s bytes, from every field's end: each starts after the one before and
    /// its separator. Also for readers that hold `fieldEnds` by pointer, not the batch.
    @inlinable
    public static func fieldRange<Ends: RandomAccessCollection<Int>>(_ index: Int, in ends: Ends) -> Range<Int>
    where Ends.Index == Int {
        (index == 0 ? 0 : ends[index - 1] + 1)..<ends[index]
    }

    /// The fields of `row` as strings (lossy for invalid UTF-8), for headers and messages.
    public func strings(of row: Row) -> [String] {
        (row.firstField..<row.firstField + row.fieldCount).map {
            String(decoding: storage[fieldRange($0)], as: UTF8.self)
        }
    }
}
