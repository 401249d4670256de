import CXVCore
import Foundation
import XCTest
@testable import CXVNet

/// The reading side of cxv-upload and cxv-poll: chunks one at a time, the lines they pass
/// through sent on together while more are already read, and at once when the next would wait.
final class ReadAheadTests: XCTestCase {
    static let chunk = #"{"kind":"chunk","state":"built","seq":7,"count":1,"lines":[2],"csv":"phone_number,first_name,last_name,email\n+12025550123,Ada,L,\n"}"#
    let policy = InvalidLinePolicy(stage: "upload", skip: false)

    /// Each item as text: the lines of a pass-through, or "chunk SEQ".
    static func describe(_ item: StreamItem) -> String {
        switch item {
        case let .through(bytes): return String(decoding: bytes, as: UTF8.self)
        case let .chunk(record): return "chunk \(record.seq)"
        }
    }

    func testLinesReadTogetherGoOnTogetherAndChunksOneByOne() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-readahead-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.ndjson").path
        let lines = [#"{"kind":"reject","line":3}"#, #"{"kind":"note"}"#, Self.chunk, Self.chunk, #"{"kind":"tally","stage":"gzip"}"#]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))

        let ahead = ReadAhead(inputs: [path], maxLineBytes: 1 << 20, policy: policy)
        defer { ahead.close() }
        var items: [String] = []
        while let item = try await ahead.next() { items.append(Self.describe(item)) }
        XCTAssertEqual(items, [lines[0] + "\n" + lines[1] + "\n", "chunk 7", "chunk 7", lines[4] + "\n"])
    }

    func testALineGoesOnAtOnceWhenTheNextHasNotArrived() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-readahead-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("upstream").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let more = DispatchSemaphore(value: 0)
        // The upstream stage: one reject, then nothing until the test has seen it.
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            defer { close(fd) }
            let first = Array(#"{"kind":"reject","line":3}"#.utf8) + [0x0A]
            _ = first.withUnsafeBytes { writeAll(fd, $0) }
            guard more.wait(timeout: .now() + 20) == .success else { return }
            _ = Array((Self.chunk + "\n").utf8).withUnsafeBytes { writeAll(fd, $0) }
        }
        writer.start()
        defer { more.signal() }

        let ahead = ReadAhead(inputs: [fifo], maxLineBytes: 1 << 20, policy: policy)
        defer { ahead.close() }
        let first = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await ahead.next().map(Self.describe) }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        XCTAssertEqual(first, #"{"kind":"reject","line":3}"# + "\n", "the reject is sent on while its upstream is still open")
        more.signal()
        let second = try await ahead.next().map(Self.describe)
        XCTAssertEqual(second, "chunk 7")
        let end = try await ahead.next()
        XCTAssertNil(end)
    }
}
