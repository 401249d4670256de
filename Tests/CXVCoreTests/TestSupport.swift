import Foundation
import XCTest
@testable import CXVCore
@testable import CXVInput
@testable import CXVValidate

/// SplitMix64: a tiny seeded generator so every "random" test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Temporary files that are removed when the test case finishes.
enum TempFiles {
    static func write(_ bytes: [UInt8], in test: XCTestCase, suffix: String = ".csv") throws -> String {
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("cxvcoretests-\(UUID().uuidString)\(suffix)")
        try Data(bytes).write(to: url)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    static func write(_ text: String, in test: XCTestCase, suffix: String = ".csv") throws -> String {
        try write(Array(text.utf8), in: test, suffix: suffix)
    }
}

/// One row read by CSVReader, flattened for easy comparison.
struct ReadRow: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]
    var problem: RowProblem?
    var raw: String

    var description: String { "line \(line) \(fields) \(problem.map { "\($0)" } ?? "-") raw=\(raw.debugDescription)" }
}

extension XCTestCase {
    /// Reads every row of `bytes` with a CSVReader (via a temp file).
    func readCSV(_ bytes: [UInt8], delimiter: Character = ",", maxRowBytes: Int = 1 << 20,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [ReadRow] {
        let path = try TempFiles.write(bytes, in: self)
        var reader = CSVReader(source: try InputSource(path: path),
                               delimiter: delimiter.asciiValue!, maxRowBytes: maxRowBytes)
        var batch = RowBatch()
        var guardCount = 0
        while try reader.readRow(into: &batch) {
            guardCount += 1
            if guardCount > 1_000_000 {
                XCTFail("reader does not terminate", file: file, line: line)
                break
            }
        }
        return batch.rows.map { row in
            ReadRow(line: row.line, fields: batch.strings(of: row), problem: row.problem,
                    raw: String(decoding: row.raw, as: UTF8.self))
        }
    }

    func readCSV(_ text: String, delimiter: Character = ",", maxRowBytes: Int = 1 << 20,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [ReadRow] {
        try readCSV(Array(text.utf8), delimiter: delimiter, maxRowBytes: maxRowBytes, file: file, line: line)
    }
}

/// Calls `body` with the UTF-8 bytes of `s`.
func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(s.utf8).withUnsafeBytes(body)
}

func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes(body)
}
