import AsyncHTTPClient
import CXVCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An HTTP answer, its body read up to a bound.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as text, for messages (cut short: servers send HTML pages too).
    public var bodyText: String {
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return body.count > 512 ? text + "…" : text
    }
}

/// A request that got no answer: the connection failed, was dropped, or timed out.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// False when trying again cannot help: the server's certificate is not trusted.
    public var retryable = true
}

/// The one HTTP client of cxv, over AsyncHTTPClient: TLS with certificate checks
/// (and `--cacert`), proxies from the environment, timeouts, a bound on what it reads.
public final class Transport: Sendable {
    private let client: HTTPClient
    public let timeout: Duration
    public static let maxBody = 4 << 20

    public init(config: APIConfig, timeout: Duration = .seconds(60),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caCertificate = config.caCertificate {
            guard FileManager.default.isReadableFile(atPath: caCertificate) else {
                throw CXVError.noInput(path: caCertificate, reason: "cannot read the CA certificate file")
            }
            tls.trustRoots = .file(caCertificate)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(timeout.components.seconds))),
            proxy: Transport.proxy(for: config.primaryURL, environment: environment))
        configuration.httpVersion = .http1Only
        // A refused connection fails at once and goes to the one RetryPolicy, rather than
        // AsyncHTTPClient retrying on its own until the connect timeout (10 s an attempt).
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// `HTTPS_PROXY` (or `HTTP_PROXY` for http), unless `NO_PROXY` names the host.
    static func proxy(for url: URL, environment: [String: String]) -> HTTPClient.Configuration.Proxy? {
        func value(_ name: String) -> String? { environment[name] ?? environment[name.lowercased()] }
        let host = url.host?.lowercased() ?? ""
        if let noProxy = value("NO_PROXY") {
            for entry in noProxy.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                if entry == "*" || host == entry || (entry.hasPrefix(".") ? host.hasSuffix(entry) : host.hasSuffix("." + entry)) {
                    return nil
                }
            }
        }
        let name = url.scheme == "https" ? "HTTPS_PROXY" : "HTTP_PROXY"
        guard let text = value(name), let proxy = URL(string: text.contains("://") ? text : "http://" + text),
              let proxyHost = proxy.host else { return nil }
        return .server(host: proxyHost, port: proxy.port ?? 3128)
    }

    public func send(_ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(NIOCore.ByteBuffer(bytes: body)) }
        do {
            let deadline = ContinuousClock.now + timeout
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            // AsyncHTTPClient's timeout ends with the head. A body that trickles in must end by the same
            // deadline; one that stops is cut by the read timeout. Checked per piece, not with a timer task:
            // a child task and a timer a request cost cxv-poll a fifth of its time.
            var buffer = ByteBuffer()
            for try await piece in response.body {
                guard ContinuousClock.now < deadline else { throw HTTPClientError.deadlineExceeded }
                guard buffer.readableBytes + piece.readableBytes <= Transport.maxBody else {
                    throw NIOTooManyBytesError(maxBytes: Transport.maxBody)
                }
                buffer.writeImmutableBuffer(piece)
            }
            return HTTPAnswer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                              body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if let tls = error as? NIOSSLError, case let .handshakeFailed(detail) = tls {
                throw TransportError(description: "\(method) \(url.path): TLS handshake failed (\(detail)); if the server's "
                                     + "certificate comes from a private CA, pass that CA with --cacert FILE", retryable: false)
            }
            throw TransportError(description: "\(method) \(url.path): \(Transport.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the server closed the connection without an answer"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .connectTimeout: return "could not connect in time"
            default: return "\(error)"
            }
        }
        if error is NIOTooManyBytesError { return "the answer is larger than \(Transport.maxBody) bytes" }
        if let error = error as? IOError { return "could not connect: \(String(cString: strerror(error.errnoCode)))" }
        return "\(error)"
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}

extension Transport {
    /// Runs Swift concurrency's tasks on the event loops that do the I/O, so an answer is not
    /// handed to another pool of threads to be read: about a tenth of cxv-upload's and cxv-poll's
    /// CPU under the six-stage bench on two cores. Call once, first thing in the process.
    public static func runTasksOnEventLoops() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Waits on an event loop's timer. A task resumed by `Task.sleep` first runs on a Dispatch
    /// thread even after `runTasksOnEventLoops()` (NIO takes over only undelayed work), so each
    /// job's poll interval woke two more threads. Cancellation ends the wait at once.
    public static func sleep(for duration: Duration) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let timer = loop.scheduleTask(in: TimeAmount(duration)) {}
        do {
            try await withTaskCancellationHandler {
                try await timer.futureResult.get()
            } onCancel: {
                timer.cancel()
            }
        } catch EventLoopError.cancelled {
            throw CancellationError()
        }
    }
}
