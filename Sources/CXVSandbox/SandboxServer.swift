// Only HTTP here; what the API does, over CXVCore, is in SandboxState and ImportParser (CXone's routes: the +CXone files).
import CXVCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request context: Hummingbird's, plus the connection, which a dropped or reset request closes.
public struct SandboxContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Closes the connection at once, without an answer.
    let closeConnection: @Sendable () async -> Void
    /// Closes the connection with a TCP reset (SO_LINGER 0) instead of a FIN.
    let resetConnection: @Sendable () async -> Void

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        closeConnection = { try? await channel.close() }
        resetConnection = {
            if let socket = channel as? any SocketOptionProvider {
                try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await channel.close()
        }
    }
}

/// The HTTP face of the sandbox: routes, auth, body limits and fault injection over `SandboxState`.
public enum SandboxServer {
    /// The most a token request may send; a form of four fields is far smaller.
    static let maxFormBody = 64 << 10

    /// Serve from one event loop that also runs the handlers (Swift concurrency's tasks), so a
    /// request never hops between threads: under a full pipeline on two cores that saved a tenth
    /// of the sandbox's CPU. Call once, first thing, before anything uses the event loops.
    public static func serveFromOneThread() {
        NIOSingletons.groupLoopCountSuggestion = 1
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Serves until cancelled, or until SIGINT/SIGTERM when `handleSignals`.
    /// `onListening` gets the bound address once the socket listens.
    public static func run(_ state: SandboxState, handleSignals: Bool = true,
                           onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void) async throws {
        let config = state.config
        var logger = Logger(label: "cxv-sandbox")
        logger.logLevel = .critical  // quiet: --verbose has its own one-line request log
        let app = Application(
            router: router(config, state: state),
            server: try serverBuilder(config),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "cxv-sandbox"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                await state.listening(at: "\(config.scheme)://\(config.host.contains(":") ? "[\(config.host)]" : config.host):\(port)")
                await onListening(config.host, port)
            },
            logger: logger
        )
        if handleSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    /// Plain HTTP/1.1, or over TLS with the configured certificate and key (PEM).
    static func serverBuilder(_ config: SandboxConfig) throws -> HTTPServerBuilder {
        guard let tls = config.tls else { return .http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        return try .tls(.http1(), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }

    static func router(_ config: SandboxConfig, state: SandboxState) -> Router<SandboxContext> {
        let router = Router(context: SandboxContext.self)
        router.add(middleware: FaultMiddleware(config: config, state: state))

        router.post("/oauth/token") { request, _ -> Response in
            let body = try await request.body.collect(upTo: maxFormBody)
            return await state.token(form: FormBody(body.readableBytesView)).response
        }

        /// The answer as the API would give it, or as `--misbehave` breaks it.
        @Sendable func answer(_ api: APIResponse, _ route: String) -> Response {
            config.misbehave?.answer(api, route: route) ?? api.response
        }

        router.post("/api/v2/contacts/import") { request, _ -> Response in
            answer(try await importJob(request, config: config, state: state), Misbehaviour.importRoute)
        }

        router.get("/api/v2/contacts/import/{jobId}") { request, context -> Response in
            if let refusal = await state.authorize(request.headers[.authorization]) { return refusal.response }
            return answer(await state.jobStatus(try context.parameters.require("jobId")), Misbehaviour.statusRoute)
        }

        addCXoneRoutes(to: router, config: config, state: state)

        router.get("/sandbox/stats") { _, _ -> Response in
            await state.stats().response
        }

        router.get("/sandbox/tokens") { _, _ -> Response in
            await state.tokensJSON().response
        }

        router.get("/sandbox/contacts") { _, _ -> Response in
            await state.contactsNDJSON().response
        }
        return router
    }

    /// POST /api/v2/contacts/import.
    static func importJob(_ request: Request, config: SandboxConfig, state: SandboxState) async throws -> APIResponse {
        if let refusal = await state.authorize(request.headers[.authorization]) { return refusal }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > config.maxBody {
            return tooLarge(config)
        }
        let body: [UInt8]
        do {
            body = Array(try await request.body.collect(upTo: config.maxBody).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return tooLarge(config)
        }
        let key = request.headers[idempotencyKey]
        if let replayed = await state.replay(idempotencyKey: key) { return replayed }
        let encoding = (request.headers[.contentEncoding] ?? "identity").lowercased().trimmingSpaces()
        guard encoding == "gzip" || encoding == "identity" else {
            return APIResponse.error(415, "unsupported Content-Encoding \(encoding): send gzip or none")
        }
        let upload: ParsedImport
        do throws(ImportError) {
            upload = try ImportParser.parse(body: body, gzip: encoding == "gzip", maxDecompressed: config.maxDecompressed)
        } catch {
            switch error {
            case .unreadable: return APIResponse.error(400, error.description)
            case .tooLarge: return APIResponse.error(413, error.description)
            }
        }
        return await state.createJob(upload, idempotencyKey: key)
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    static func tooLarge(_ config: SandboxConfig) -> APIResponse {
        .error(413, "the body is larger than \(config.maxBody) bytes: send smaller chunks")
    }
}

/// Latency, throttling, failures, drops and resets for every route but /sandbox/*, then
/// the count of each answer; with --verbose, a line per request on stderr.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = SandboxContext
    let config: SandboxConfig
    let state: SandboxState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix("/sandbox/") else {
            let response = try await respond(request, context: context, next: next)
            log(request, outcome: "\(response.status.code)")
            return response
        }
        let endpoint = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "(no route)"  // Hummingbird's name for a miss
        let route = "\(request.method) \(endpoint)"
        let fault = await state.fault()
        let response: Response
        switch fault {
        case .throttle:
            // CXone's routes (§3b) throttle as CXone does, without Retry-After; the tutorial's say when to retry.
            response = (SandboxServer.isCXonePath(path) ? APIResponse.throttledWithoutRetryAfter : APIResponse.throttled).response
        case .unavailable:
            response = APIResponse.unavailable.response
        case .none:
            response = try await respond(request, context: context, next: next)
        case .drop:
            // Read the whole body first, so the close is a clean FIN and not a reset
            // for unread data; the request then takes effect and only its answer is lost.
            var request = request
            if (try? await request.collectBody(upTo: max(config.maxBody, config.callListMaxBody))) != nil {
                _ = try await respond(request, context: context, next: next)
            }
            await state.record(route: route, outcome: "dropped")
            log(request, outcome: "dropped")
            try await answerLatency()
            await context.closeConnection()
            return Response(status: .internalServerError)  // never written: the channel is closed
        case .resetRequest:
            // At most the body's first piece is read, so the request never takes effect.
            var body = request.body.makeAsyncIterator()
            _ = try? await body.next()
            await state.record(route: route, outcome: "reset")
            log(request, outcome: "reset mid-request")
            await context.resetConnection()
            return Response(status: .internalServerError)  // never written: the channel is closed
        case .resetResponse:
            let handled = try await respond(request, context: context, next: next)
            await state.record(route: route, outcome: "reset after \(handled.status.code)")
            log(request, outcome: "\(handled.status.code), reset mid-answer")
            try await answerLatency()
            return await FaultMiddleware.cutShort(handled, reset: context.resetConnection)
        }
        await state.record(route: route, outcome: "\(response.status.code)")
        log(request, outcome: "\(response.status.code)\(fault == .none ? "" : " (injected)")")
        try await answerLatency()
        return response
    }

    /// `response` with its full Content-Length but only the first half of its body (none of an
    /// empty one), then a reset: the client has the head and part of the answer, never all of it.
    static func cutShort(_ response: Response, reset: @escaping @Sendable () async -> Void) async -> Response {
        let collected = CollectedBody()
        try? await response.body.write(CollectingWriter(into: collected))
        let body = collected.buffer
        return Response(status: response.status, headers: response.headers, body: ResponseBody(contentLength: body.readableBytes) { writer in
            if let half = body.getSlice(at: body.readerIndex, length: body.readableBytes / 2), half.readableBytes > 0 {
                try await writer.write(half)
            }
            try await Task.sleep(for: .milliseconds(20))  // let what was written leave before the reset
            await reset()
        })
    }

    /// --latency, after the request took effect and before its answer leaves: a client
    /// stopped meanwhile has made a job it never hears of, as over a slow network.
    private func answerLatency() async throws {
        if config.faults.latency > .zero { try await Task.sleep(for: config.faults.latency) }
    }

    /// The handler's answer, or the refusal the router or Hummingbird threw instead.
    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Hummingbird's own refusals (no route, a form body too large) in the API's {"error":…} shape.
            let message = error.status == .notFound
                ? "no route for \(request.method) \(request.uri.path)"
                : error.status.reasonPhrase.lowercased()
            return APIResponse.error(error.status.code, message).response
        }
    }

    private func log(_ request: Request, outcome: String) {
        guard config.verbose else { return }
        let line = Array("cxv-sandbox: \(request.method) \(request.uri.path) → \(outcome)\n".utf8)
        _ = line.withUnsafeBytes { writeAll(2, $0) }  // unbuffered: each line whole, at once
    }
}

/// A response body's bytes, gathered to send part of them (`cutShort`).
private final class CollectedBody: @unchecked Sendable {  // one task writes, then reads
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let into: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        into.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension APIResponse {
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        for (name, value) in self.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: status), headers: headers,
                        body: .init(byteBuffer: ByteBufferAllocator().buffer(bytes: body)))
    }
}
