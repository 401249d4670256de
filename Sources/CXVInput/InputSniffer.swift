import CXVCore

/// The formats cxv-validate reads.
public enum InputFormat: String, CaseIterable, Sendable {
    case csv, ndjson, xlsx, auto
}

/// How to read an input; what is left unset is found from the input itself.
public struct ReadOptions: Sendable {
    public var format: InputFormat = .auto
    /// nil: sniffed from the first lines (DialectSniffer).
    public var delimiter: UInt8?
    /// An iconv name (windows-1252, …); nil: UTF-8, or UTF-16 by its BOM.
    public var encoding: String?
    /// The sheet of a workbook to read; nil: the first whose first row is a header.
    public var sheet: String?
    public var maxRowBytes = 1 << 20

    public init() {}
}

/// Where the readers' remarks go: `warn` for what a person should act on, `info` for what was
/// decided on their behalf.
public struct InputNotices {
    public var warn: (String) -> Void
    public var info: (String) -> Void

    public init(warn: @escaping (String) -> Void, info: @escaping (String) -> Void) {
        self.warn = warn
        self.info = info
    }
}

/// Says, once the input is read, how many bytes its encoding did not define.
struct DecodingNotice {
    let source: TranscodingSource?
    let warn: (String) -> Void

    func report() {
        guard let source, source.replaced > 0 else { return }
        warn("\(source.name): \(source.replaced) byte(s) are not \(source.encoding) and were read as U+FFFD")
    }
}

/// Opens an input for reading rows, deciding from its first bytes, in this one place, what
/// it is: a workbook (`--input-format xlsx`, the name, or a zip's first bytes), else its
/// encoding (`--encoding`, or a UTF-16 BOM), its format (`--input-format`, the name, or a
/// leading `{`), and for CSV its delimiter (`--delimiter`, or DialectSniffer). A byte order
/// mark is dropped here; the readers after it see UTF-8 and nothing else.
public enum InputSniffer {
    /// How much of the input the sniffing looks at: the first read of any file.
    static let sample = 64 << 10

    /// `isHeader` tells a header the caller can use, to pick a workbook's sheet.
    public static func open(_ path: String, options: ReadOptions, notices: InputNotices,
                            isHeader: ([String]) -> Bool) throws -> any RowSource {
        let raw = Lookahead(try InputSource(path: path))
        if try isWorkbook(raw, options: options) {
            // A zip is read from its end: from a file where there is one, else from a copy.
            let workbook = path == "-" ? try XLSXWorkbook(name: raw.name, streaming: raw) : try XLSXWorkbook(path: path)
            return try WorkbookRows(workbook: workbook, sheetName: options.sheet, isHeader: isHeader, notices: notices)
        }
        let transcoding = try decoder(for: raw, options: options)
        let source = transcoding.map { Lookahead($0) } ?? raw
        try dropByteOrderMark(source)
        let decoding = DecodingNotice(source: transcoding, warn: notices.warn)
        switch try format(of: source, options: options) {
        case .ndjson:
            return NDJSONRows(source: source, maxRowBytes: options.maxRowBytes, decoding: decoding)
        case .csv, .xlsx, .auto:
            // Read once, for the sniffer and for the hint of a missing column.
            let head = try source.peek(sample)
            if transcoding == nil, !isUTF8(head, cut: head.count == sample) {
                // Rows with such bytes are rejected one by one; say once what would read them.
                notices.warn("\(source.name): not UTF-8; rows with such bytes are rejected as invalid_utf8. A file saved by Excel on Windows is read with --encoding windows-1252 (or iso-8859-1, iso-8859-15)")
            }
            let delimiter: UInt8
            if let forced = options.delimiter {
                delimiter = forced
            } else {
                delimiter = DialectSniffer.delimiter(in: head, complete: head.count < sample) ?? UInt8(ascii: ",")
                notices.info("\(source.name): fields separated by \(DialectSniffer.describe(delimiter)), found in the first lines (--delimiter sets it)")
            }
            return CSVRows(source: source, delimiter: delimiter, head: head, maxRowBytes: options.maxRowBytes, decoding: decoding)
        }
    }

    /// The conversion the input needs to be UTF-8: the one asked for, or the one its
    /// UTF-16 byte order mark declares (Excel's "Unicode Text"); nil for UTF-8.
    private static func decoder(for raw: Lookahead, options: ReadOptions) throws -> TranscodingSource? {
        if let encoding = options.encoding { return try TranscodingSource(raw, encoding: encoding) }
        let bom = try raw.peek(4)
        if bom.starts(with: [0xFF, 0xFE]), !bom.starts(with: [0xFF, 0xFE, 0, 0]) {
            return try TranscodingSource(raw, encoding: "UTF-16LE")
        }
        if bom.starts(with: [0xFE, 0xFF]) { return try TranscodingSource(raw, encoding: "UTF-16BE") }
        return nil
    }

    /// A UTF-8 BOM, or what a UTF-16 one becomes through iconv, is not part of the first field.
    private static func dropByteOrderMark(_ source: Lookahead) throws {
        let bom = InputSource.utf8BOM
        if try source.peek(bom.count) == bom { try source.skip(bom.count) }
    }

    private static func isWorkbook(_ raw: Lookahead, options: ReadOptions) throws -> Bool {
        if options.format != .auto { return options.format == .xlsx }
        let name = raw.name.lowercased()
        if name.hasSuffix(".xlsx") || name.hasSuffix(".xlsm") { return true }
        return try raw.peek(4) == [0x50, 0x4B, 0x03, 0x04]  // a zip's first local header
    }

    private static func format(of source: Lookahead, options: ReadOptions) throws -> InputFormat {
        if options.format != .auto { return options.format }
        let name = source.name.lowercased()
        if name.hasSuffix(".ndjson") || name.hasSuffix(".jsonl") { return .ndjson }
        if name.hasSuffix(".csv") { return .csv }
        let head = try source.peek(64)
        let first = head.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }.first
        return first == UInt8(ascii: "{") ? .ndjson : .csv
    }

    /// Is `sample` UTF-8, up to its last line break when `cut` (it may end inside a character)?
    static func isUTF8(_ sample: [UInt8], cut: Bool) -> Bool {
        let end = cut ? (sample.lastIndex(of: 0x0A) ?? 0) : sample.count
        return sample.withUnsafeBytes { JSONScanner.isValidUTF8(UnsafeRawBufferPointer(rebasing: $0[..<end])) }
    }
}
