// libFuzzer target: InputSniffer (BOM, UTF-16, format, delimiter), the readers it picks and
// the validator, over arbitrary bytes as cxv-validate opens a file (make fuzz).
#if canImport(Glibc)
import Glibc
#endif
import CXVCore
import CXVInput
import CXVValidate
import Foundation

/// National formats go through libphonenumber, as with --region US.
private let rules = ValidationRules(phone: try! PhoneNormalizer(region: "US", strict: false))

/// Every row read is one reject or one contact, lines only go forward, and nothing
/// crashes, hangs or grows without bound (rows are capped at 4 KiB here).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    // A file, as cxv-validate reads one: the sniffer peeks at it, then the reader it picks reads it.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-fuzz-\(getpid()).input").path
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
    defer { unlink(path) }
    var options = ReadOptions()
    options.maxRowBytes = 4096
    let quiet = InputNotices(warn: { _ in }, info: { _ in })
    guard let rows = try? InputSniffer.open(path, options: options, notices: quiet, isHeader: { _ in true }) else { return 0 }
    var map = HeaderMap(overrides: [:])
    var lastLine = 0
    do {
        if let header = try rows.readHeader() {
            try map.bind(header: header.names, source: "fuzz")
            lastLine = header.line
        }
    } catch {
        return 0
    }
    let validator = Validator(rules: rules, map: map, file: nil)
    try? rows.forEachBatch(maxRows: 16) { batch in
        precondition(!batch.rows.isEmpty && batch.rows.count <= 16, "a batch holds 1 to maxRows rows")
        for row in batch.rows {
            precondition(row.line > lastLine, "line numbers go forward")
            lastLine = row.line
        }
        let checked = validator.validate(batch)
        precondition(checked.entries.count == batch.rows.count, "one record per row")
        // What the validator writes is NDJSON the rest of cxv reads back, a record a row.
        var lines = RecordReader(source: InputSource(name: "out", bytes: checked.output), owns: { _ in true })
        var count = 0
        while let isRecord = try? lines.next({ item -> Bool in
            if case .record = item { return true }
            return false
        }) {
            precondition(isRecord, "the validator wrote a line that is not a record")
            count += 1
        }
        precondition(count == batch.rows.count, "one line per row")
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under its module's name; hand it to libFuzzer.
@_cdecl("fuzz_csv_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzCSV(data, size) }
}
