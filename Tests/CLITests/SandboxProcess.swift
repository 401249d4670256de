import Foundation
import XCTest

/// cxv-sandbox as a child process on 127.0.0.1, port chosen by the OS and read back; in
/// `namespace`, on that namespace's own loopback.
final class SandboxProcess {
    let url: String
    private let process: Process
    private let namespace: NetworkNamespace?

    init(_ arguments: [String], in namespace: NetworkNamespace? = nil) throws {
        self.namespace = namespace
        process = Process()
        let sandbox = Pipeline.binDirectory.appendingPathComponent("cxv-sandbox")
        let serve = ["--host", "127.0.0.1", "--port", "0"] + arguments
        if let namespace {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", namespace.name, sandbox.path] + serve
        } else {
            process.executableURL = sandbox
            process.arguments = serve
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening on http://127.0.0.1:") || text.hasPrefix("listening on https://127.0.0.1:") else {
            process.terminate()  // never leave a server behind a failed test
            process.waitUntilExit()
            throw SandboxProcessError.noAddress(text)
        }
        url = String(text.dropFirst("listening on ".count))
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// GET /sandbox/stats.
    func stats() throws -> [String: Any] {
        let curl = "curl -s --max-time 30 \(url)/sandbox/stats"
        let r = try Pipeline.sh(namespace?.exec(curl) ?? curl)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
    }

    /// Answers of `route` by status ("201", "dropped", …).
    func answers(_ route: String) throws -> [String: Int] {
        (try stats()["requests"] as? [String: [String: Int]])?[route] ?? [:]
    }
}

enum SandboxProcessError: Error {
    case noAddress(String)
}
