// libFuzzer target: the dialect sniffer, the CSV reader and the validator over arbitrary bytes (make fuzz).
import CXVCore
import CXVInput
import CXVValidate

/// National formats go through libphonenumber, as with --region US.
private let rules = ValidationRules(phone: try! PhoneNormalizer(region: "US", strict: false))

/// Every row read is one reject or one contact, lines only go forward, and nothing
/// crashes, hangs or grows without bound (rows are capped at 4 KiB here).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    // The delimiter as cxv-validate finds it, so the sniffer meets the same bytes.
    let delimiter = DialectSniffer.delimiter(in: bytes, complete: true) ?? UInt8(ascii: ",")
    precondition(DialectSniffer.candidates.contains(delimiter), "the sniffer picks one of its candidates")
    _ = DialectSniffer.header(in: bytes, delimiter: delimiter)
    var reader = CSVReader(source: InputSource(name: "fuzz", bytes: bytes), delimiter: delimiter, maxRowBytes: 4096)
    var header = RowBatch()
    guard (try? reader.readRow(into: &header)) == true, header.rows[0].problem == nil else { return 0 }
    var map = HeaderMap(overrides: [:])
    guard (try? map.bind(header: header.strings(of: header.rows[0]), source: "fuzz")) != nil else { return 0 }
    let validator = Validator(rules: rules, map: map, file: nil)
    var lastLine = header.rows[0].line
    while true {
        var batch = RowBatch()
        guard let more = try? reader.read(into: &batch, maxRows: 16), more else { break }
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
