import Foundation
import XCTest

/// Runs the built tools as a user would: through /bin/sh, in real pipes.
enum Pipeline {
    /// The folder holding the built executables (beside the test bundle).
    static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["CXV_BIN"] { return URL(fileURLWithPath: dir) }
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("cxv-validate").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// The sanitizer the tools were built with, if any (`make test-asan`, `make test-tsan`): the
    /// test bundle is built with the same flags, so its own runtime symbols tell.
    static let sanitizer: String? = {
        if dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil { return "AddressSanitizer" }
        if dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil { return "ThreadSanitizer" }
        return nil
    }()

    /// Skips a test that bounds memory: a sanitizer's shadow memory and ASan's quarantine of
    /// freed blocks make peak RSS measure the sanitizer, not the tool.
    static func skipMemoryBoundUnderSanitizer() throws {
        if let sanitizer {
            throw XCTSkip("a memory bound means nothing under \(sanitizer); `make test` checks it")
        }
    }

    /// The environment of the network stages against cxv-sandbox: its demo credentials, and a
    /// token cache in `cache` (a folder of the test's own, so no test shares another's token).
    static func demoCredentials(cache: String) -> String {
        "export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME='\(cache)'; "
    }

    /// Writes `csv` to `directory` and makes `chunks.ndjson` beside it: validated, chunked 100
    /// contacts a chunk, compressed; the input of the upload tests.
    static func writeChunks(of csv: String, in directory: URL) throws {
        try Data(csv.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        let chunks = try sh("cxv-validate contacts.csv | cxv-chunk --size 100 | cxv-gzip > chunks.ndjson", in: directory)
        XCTAssertEqual(chunks.status, 0, chunks.stderr)
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sample = packageRoot.appendingPathComponent("samples/messy-contacts.csv").path

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
        var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
        var records: [[String: Any]] {
            lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        }
    }

    /// Runs `script` with `set -o pipefail`, the tools on PATH, in `directory`.
    @discardableResult
    static func sh(_ script: String, stdin: Data? = nil, in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -o pipefail; " + script]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = binDirectory.path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        // Files, not pipes, for the outputs: nothing can fill up and block.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-run-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: scratch.path + ".out", contents: nil)
        FileManager.default.createFile(atPath: scratch.path + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: scratch.path + ".out")
            try? FileManager.default.removeItem(atPath: scratch.path + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".err"))
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: URL(fileURLWithPath: scratch.path + ".out"))
        let errData = try Data(contentsOf: URL(fileURLWithPath: scratch.path + ".err"))
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
