// libFuzzer target: the .xlsx reader (zip, workbook parts, shared strings, every sheet) over arbitrary bytes (make fuzz).
import CXVCore
import CXVInput

/// Nothing crashes or hangs, the first row is the first row read, line numbers go forward
/// within a sheet, and no row is emitted empty.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let workbook = try? XLSXWorkbook(name: "fuzz", bytes: bytes) else { return 0 }
    for sheet in workbook.sheets {
        let first = try? workbook.firstRow(of: sheet)
        var lastLine = 0
        var firstRead: (line: Int, fields: [String])?
        try? workbook.read(sheet, maxRows: 16) { batch in
            precondition(!batch.rows.isEmpty && batch.rows.count <= 16, "a batch holds 1 to maxRows rows")
            for row in batch.rows {
                precondition(row.line > lastLine, "line numbers go forward")
                lastLine = row.line
                precondition(!row.keyed, "sheet rows are positional")
                if row.problem == nil {
                    let fields = batch.strings(of: row)
                    precondition(fields.contains { !$0.isEmpty }, "no row is emitted empty")
                    if firstRead == nil { firstRead = (row.line, fields) }
                }
            }
        }
        if let first = first ?? nil, let firstRead {
            precondition(first.line == firstRead.line && first.fields == firstRead.fields, "firstRow is the first row read")
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under its module's name; hand it to libFuzzer.
@_cdecl("fuzz_xlsx_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzXLSX(data, size) }
}
