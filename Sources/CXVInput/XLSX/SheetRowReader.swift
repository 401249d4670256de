// Turns a worksheet's SAX events into positional RowBatch rows, one batch at a time.
import CXVCore
/// Rows are numbered as the sheet numbers them, entirely empty rows are left out, a cell's
/// column comes from its reference, and rows after the first are padded to the first's width.
final class SheetRowReader: XMLPartHandler {
    /// What a cell's `t` attribute says its `<v>` or `<is>` holds.
    private enum CellKind {
        case number, sharedString, inlineString, formulaString, boolean, error, other

        init(_ type: UnsafeBufferPointer<UInt8>?) {
            guard let type else {
                self = .number
                return
            }
            switch String(decoding: type, as: UTF8.self) {
            case "n": self = .number
            case "s": self = .sharedString
            case "inlineStr": self = .inlineString
            case "str": self = .formulaString
            case "b": self = .boolean
            case "e": self = .error
            default: self = .other
            }
        }
    }

    /// A row whose fields pass this many bytes becomes a `.tooLong` problem row, as in CSVReader.
    static let maxRowBytes = 1 << 20
    /// How much of such a row is kept to show, as CSVReader keeps of its line.
    private static let maxRawBytes = 4096
    /// A batch is handed on at `maxRows` rows, or earlier when it holds this many bytes or fields,
    /// so very wide or very long rows still keep memory bounded.
    private static let maxBatchBytes = 4 << 20
    private static let maxBatchFields = 1 << 18

    private let source: String
    private let part: String
    private let strings: SharedStrings
    private let maxRows: Int
    private let emit: (RowBatch) throws -> Void

    private var batch = RowBatch()
    private var inSheetData = false
    private var inRow = false
    private var lastLine = 0
    private var line = 0
    /// The first row's field count, once it has been read.
    private var width: Int?
    private var rowFirstField = 0
    private var rowStorageStart = 0
    private var rowTooLong = false
    /// Fields written for the current row: every column up to its last non-empty cell.
    private var filled = 0
    /// The column a cell without a reference takes.
    private var nextColumn = 1

    private var inCell = false
    private var cellColumn = 0
    private var cellKind = CellKind.number
    private var inInlineString = false
    private var phoneticDepth = 0
    private var capturing = false
    private var cellText: [UInt8] = []
    /// The cell's field text, made from `cellText` by its kind.
    private var cellValue: [UInt8] = []

    init(source: String, part: String, strings: SharedStrings, maxRows: Int, emit: @escaping (RowBatch) throws -> Void) {
        self.source = source
        self.part = part
        self.strings = strings
        self.maxRows = max(1, maxRows)
        self.emit = emit
    }

    var errorLine: Int { max(line, 1) }

    private func failure(_ message: String) -> CXVError {
        CXVError.data(source: source, line: errorLine, message: "\(part): \(message)")
    }

    func startElement(_ name: XMLName, _ attributes: XMLAttributes) throws {
        if name.is("c") {
            guard inRow else { return }
            if let reference = attributes.value("r") {
                guard let column = CellText.column(ofReference: reference) else {
                    throw failure("cell reference \"\(String(decoding: reference, as: UTF8.self))\" is not a column A to XFD")
                }
                guard column >= nextColumn else {
                    throw failure("cell \(String(decoding: reference, as: UTF8.self)) comes after a cell to its right")
                }
                cellColumn = column
            } else {
                guard nextColumn <= CellText.maxColumn else { throw failure("a row has more than \(CellText.maxColumn) cells") }
                cellColumn = nextColumn
            }
            cellKind = CellKind(attributes.value("t"))
            cellText.removeAll(keepingCapacity: true)
            inCell = true
        } else if name.is("v") {
            capturing = inCell
        } else if name.is("is") {
            inInlineString = inCell
        } else if name.is("rPh") {
            phoneticDepth += 1
        } else if name.is("t") {
            capturing = inInlineString && phoneticDepth == 0
        } else if name.is("row") {
            guard inSheetData else { return }
            guard !inRow else { throw failure("a row starts inside row \(line)") }
            try startRow(number: attributes.value("r"))
        } else if name.is("sheetData") {
            inSheetData = true
        }
    }

    func endElement(_ name: XMLName) throws {
        if name.is("c") {
            guard inCell else { return }
            inCell = false
            capturing = false
            inInlineString = false
            nextColumn = cellColumn + 1
            try endCell()
        } else if name.is("v") || name.is("t") {
            capturing = false
        } else if name.is("is") {
            inInlineString = false
        } else if name.is("rPh") {
            phoneticDepth -= 1
        } else if name.is("row") {
            guard inRow else { return }
            try endRow()
        } else if name.is("sheetData") {
            inSheetData = false
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) throws {
        // Past the row limit the row is a problem row: its text need not be kept.
        guard capturing, cellText.count <= Self.maxRowBytes else { return }
        cellText.append(contentsOf: text)
    }

    private func startRow(number: UnsafeBufferPointer<UInt8>?) throws {
        if let number {
            guard let parsed = CellText.integer(number, maxDigits: 9), parsed > 0 else {
                throw failure("row number \"\(String(decoding: number, as: UTF8.self))\" is not a row number")
            }
            // Excel writes rows in order; a row out of order would break line numbers going forward.
            guard parsed > lastLine else { throw failure("row \(parsed) comes after row \(lastLine)") }
            line = parsed
        } else {
            line = lastLine + 1
        }
        inRow = true
        filled = 0
        nextColumn = 1
        rowTooLong = false
        rowFirstField = batch.fieldEnds.count
        rowStorageStart = batch.storage.count
    }

    private func endCell() throws {
        guard !rowTooLong, !cellText.isEmpty || cellKind == .sharedString else { return }
        cellValue.removeAll(keepingCapacity: true)
        switch cellKind {
        case .sharedString:
            guard let index = CellText.integer(cellText), let text = strings.string(index) else {
                throw failure("shared string \"\(String(decoding: cellText, as: UTF8.self))\" is not one of the "
                              + "\(strings.count) in xl/sharedStrings.xml")
            }
            cellValue.append(contentsOf: text)
        case .number:
            CellText.appendPlainDecimal(cellText, to: &cellValue)
        case .boolean where cellText == [UInt8(ascii: "1")]:
            cellValue.append(contentsOf: "TRUE".utf8)
        case .boolean where cellText == [UInt8(ascii: "0")]:
            cellValue.append(contentsOf: "FALSE".utf8)
        case .inlineString, .formulaString, .boolean, .error, .other:
            cellValue.append(contentsOf: cellText)
        }
        // An empty value is no field: the row's fields reach its last non-empty cell only.
        guard !cellValue.isEmpty else { return }
        if batch.storage.count - rowStorageStart + cellColumn + cellValue.count > Self.maxRowBytes {
            // Kept only until the row ends, as the start of its raw text.
            batch.storage.append(contentsOf: cellValue.prefix(Self.maxRawBytes))
            rowTooLong = true
            return
        }
        for _ in filled..<max(filled, cellColumn - 1) { batch.endField() }
        batch.storage.append(contentsOf: cellValue)
        batch.endField()
        filled = cellColumn
    }

    private func endRow() throws {
        inRow = false
        // An empty row is not emitted, but it still numbers the rows after it.
        lastLine = line
        if rowTooLong {
            let raw = Array(batch.storage[rowStorageStart..<min(batch.storage.count, rowStorageStart + Self.maxRawBytes)])
            batch.storage.removeSubrange(rowStorageStart...)
            batch.fieldEnds.removeSubrange(rowFirstField...)
            batch.appendProblem(.tooLong(limit: Self.maxRowBytes), raw: raw, line: line)
        } else {
            guard filled > 0 else { return }
            if let width {
                for _ in filled..<max(filled, width) { batch.endField() }
            } else {
                width = filled
            }
            batch.rows.append(RowBatch.Row(line: line, firstField: rowFirstField,
                                           fieldCount: batch.fieldEnds.count - rowFirstField, problem: nil, raw: []))
        }
        if batch.rows.count >= maxRows || batch.storage.count >= Self.maxBatchBytes
            || batch.fieldEnds.count >= Self.maxBatchFields {
            try flush()
        }
    }

    /// Hands on the rows not yet handed on; called after each full batch and at the end of the sheet.
    func flush() throws {
        guard !batch.isEmpty else { return }
        try emit(batch)
        batch.removeAll()
    }
}
