import CXVCore

/// Rows of one sheet of an .xlsx workbook: the one `--sheet` names, or else the first whose
/// first row is a header the caller can use (a cover sheet before the contacts is common).
final class WorkbookRows: RowSource {
    private let workbook: XLSXWorkbook
    private let sheet: XLSXWorkbook.Sheet

    init(workbook: XLSXWorkbook, sheetName: String?, isHeader: ([String]) -> Bool, notices: InputNotices) throws {
        self.workbook = workbook
        let names = workbook.sheets.map(\.name)
        if let sheetName {
            guard let named = workbook.sheets.first(where: { $0.name == sheetName })
                    ?? workbook.sheets.first(where: { $0.name.lowercased() == sheetName.lowercased() }) else {
                throw CXVError.usage("--sheet \(sheetName): \(workbook.source) has no such sheet; its sheets are \(names.map(ShellWord.quoted).joined(separator: ", "))")
            }
            sheet = named
            return
        }
        var firstWithRows: XLSXWorkbook.Sheet?
        var chosen: XLSXWorkbook.Sheet?
        for candidate in workbook.sheets {
            guard let row = try workbook.firstRow(of: candidate) else { continue }
            firstWithRows = firstWithRows ?? candidate
            if isHeader(row.fields) {
                chosen = candidate
                break
            }
        }
        guard let first = chosen ?? firstWithRows ?? workbook.sheets.first else {
            throw CXVError.data(source: workbook.source, line: 1, message: "the workbook has no sheets")
        }
        sheet = first
        notices.info("\(workbook.source): reading sheet \(ShellWord.quoted(first.name))"
                     + (chosen == nil ? " (no sheet's first row names the fields; --sheet picks one)"
                                      : ", the first whose first row is a header (--sheet picks another)"))
    }

    var name: String { workbook.source }

    func readHeader() throws -> HeaderRow? {
        guard let row = try workbook.firstRow(of: sheet) else {
            throw CXVError.data(source: name, line: 1, message: "sheet \(ShellWord.quoted(sheet.name)) is empty: no header row")
        }
        return HeaderRow(line: row.line, names: row.fields)
    }

    func alternativeHeaders() -> [AlternativeHeader] {
        workbook.sheets.filter { $0 != sheet }.compactMap { other in
            guard let row = try? workbook.firstRow(of: other) else { return nil }
            return AlternativeHeader(option: "--sheet \(ShellWord.quoted(other.name))", names: row.fields)
        }
    }

    func forEachBatch(maxRows: Int, _ body: (RowBatch) throws -> Void) throws {
        var header = true
        try workbook.read(sheet, maxRows: maxRows) { batch in
            guard header else { return try body(batch) }
            // The sheet's first row is the header, already read.
            header = false
            var rest = batch
            rest.rows.removeFirst()
            if !rest.rows.isEmpty { try body(rest) }
        }
    }
}
