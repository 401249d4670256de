import CXVAPI
import CXVCore
import CXVNet
import Dispatch
import XCTest
@testable import CXVSandbox
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A sandbox served in-process on 127.0.0.1 and an OS-chosen port, for one test.
final class RunningSandbox: Sendable {
    let port: Int
    let state: SandboxState
    private let task: Task<Void, any Error>

    private init(port: Int, state: SandboxState, task: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.task = task
    }

    static func start(_ configure: (inout SandboxConfig) -> Void = { _ in }) async throws -> RunningSandbox {
        var config = SandboxConfig()
        config.host = "127.0.0.1"
        config.port = 0
        configure(&config)
        let state = SandboxState(config: config)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await SandboxServer.run(state, handleSignals: false) { _, port in continuation.yield(port) }
        }
        for await port in ports {
            return RunningSandbox(port: port, state: state, task: task)
        }
        try await task.value
        throw HTTPTestError.notListening
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    // MARK: - Requests

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws -> HTTPResult {
        try await RawHTTP.send(port: port, method: method, path: path, headers: headers, body: body)
    }

    func token(id: String = "cxv-demo", secret: String = "cxv-demo-secret") async throws -> String {
        let body = "grant_type=client_credentials&client_id=\(FormEncoding.encode(id))&client_secret=\(FormEncoding.encode(secret))&scope=contact%3Awrite+contact%3Aread"
        let result = try await request("POST", "/oauth/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        guard result.status == 200, let token = result.json["access_token"]?.stringValue else {
            throw HTTPTestError.unexpected("token: \(result.status) \(result.text)")
        }
        return token
    }

    func upload(_ csv: String, token: String, gzip: Bool = true, key: String? = nil) async throws -> HTTPResult {
        var headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "text/csv")]
        var body = Array(csv.utf8)
        if gzip {
            headers.append(("Content-Encoding", "gzip"))
            body = try body.withUnsafeBytes { try Gzip.compress($0) }
        }
        if let key { headers.append(("Idempotency-Key", key)) }
        return try await request("POST", "/api/v2/contacts/import", headers: headers, body: body)
    }

    func status(_ job: String, token: String) async throws -> HTTPResult {
        try await request("GET", "/api/v2/contacts/import/\(job)", headers: [("Authorization", "Bearer \(token)")])
    }

    /// Polls until the job is terminal, returning every status seen.
    func waitForJob(_ job: String, token: String, timeout: Duration = .seconds(15)) async throws -> (seen: [String], last: HTTPResult) {
        var seen: [String] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let result = try await status(job, token: token)
            guard result.status == 200, let status = result.json["status"]?.stringValue else {
                throw HTTPTestError.unexpected("status: \(result.status) \(result.text)")
            }
            if seen.last != status { seen.append(status) }
            if status == "COMPLETED" || status == "FAILED" { return (seen, result) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPTestError.unexpected("job \(job) not terminal after \(timeout): \(seen)")
    }
}

enum HTTPTestError: Error {
    case notListening
    case closedWithoutAnswer
    case unexpected(String)
}

/// An HTTP/1.1 answer, read to the end of the connection.
struct HTTPResult {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// A minimal HTTP/1.1 client over a blocking socket to 127.0.0.1 (and nowhere else):
/// it sends exactly the bytes a test means, and sees a dropped connection as it is.
enum RawHTTP {
    static func send(port: Int, method: String, path: String, headers: [(String, String)], body: [UInt8]) async throws -> HTTPResult {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" }
        if !chunked, !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        // Blocking I/O off the cooperative pool, which the server's handlers share.
        let raw: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchange(port: port, request: request) })
            }
        }
        guard !raw.isEmpty else { throw HTTPTestError.closedWithoutAnswer }
        return try parse(raw)
    }

    private static func exchange(port: Int, request: [UInt8]) throws -> [UInt8] {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HTTPTestError.unexpected("socket: \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPTestError.unexpected("connect: \(errno)") }
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { write(fd, $0.baseAddress! + sent, request.count - sent) }
            // The server may answer (413) and close before reading everything: read what it said.
            if n <= 0 { break }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNRESET { break }
            guard n > 0 else {
                if n < 0 { throw HTTPTestError.unexpected("read: \(errno)") }
                break
            }
            response += chunk[..<n]
        }
        return response
    }

    private static func parse(_ raw: [UInt8]) throws -> HTTPResult {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else {
            throw HTTPTestError.unexpected("no end of head in \(String(decoding: raw, as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPTestError.unexpected("bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPResult(status: status, headers: headers, body: Array(raw[(end + 4)...]))
    }
}
