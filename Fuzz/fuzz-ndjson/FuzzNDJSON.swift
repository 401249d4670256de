// libFuzzer target: the NDJSON record reader and the JSON scanner over arbitrary bytes (make fuzz).
import CXVCore

/// Every line is a record or an invalid line, never both and never lost; a value
/// the scanner accepts is written back by JSONWriter and reads back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNDJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    var reader = RecordReader(source: InputSource(name: "fuzz", bytes: bytes), maxLineBytes: 1 << 16, owns: { _ in true })
    while let _ = try? reader.next({ item -> Void in
        guard case let .record(record) = item else { return }
        guard let value = try? JSONValue.parse(record.bytes) else { return }
        var writer = JSONWriter()
        writer.value(value)
        let again = writer.bytes.withUnsafeBytes { try? JSONValue.parse($0) }
        precondition(again == value, "a value does not survive a write and a read")
        if record.kind == .chunk { _ = try? ChunkRecord(record.bytes) }
    }) {}
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under its module's name; hand it to libFuzzer.
@_cdecl("fuzz_ndjson_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzNDJSON(data, size) }
}
