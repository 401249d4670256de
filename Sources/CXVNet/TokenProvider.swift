import CXVAPI
import CXVCore
import Crypto
import Foundation
import Logging

/// Why no token could be had.
public enum TokenError: Error, CustomStringConvertible, Sendable {
    /// 400/401/403 from the token endpoint: the credentials are wrong; retrying will not help.
    case refused(status: Int, credentials: String, detail: String)
    case unavailable(String)
    /// The token endpoint's certificate is not trusted: a configuration to fix (--cacert), not an outage.
    case untrusted(String)

    public var description: String {
        switch self {
        case let .untrusted(reason): return "no token: \(reason)"
        case let .refused(status, credentials, detail): return "the token endpoint refused the \(credentials) (\(status)): \(detail)"
        case let .unavailable(reason): return "no token: \(reason)"
        }
    }
}

/// The run's sign-in (OAuth client credentials or a CXone access key): one token shared by
/// every request of a process and, through a cache file, by the processes of a pipeline.
public actor TokenProvider {
    public struct Token: Codable, Sendable {
        public var value: String
        /// Seconds since 1970.
        public var expiresAt: Double
        /// What the server granted, in seconds.
        public var lifetime: Double = 3600
        /// The tenant the token's JWT names, which discovery needs; nil for an opaque token.
        public var tenantID: String?

        /// Still good for the refresh margin: 60 s, or half the lifetime of a short-lived token.
        func isFresh(at now: Double) -> Bool {
            expiresAt - min(TokenProvider.margin, lifetime / 2) > now
        }
    }

    private let config: APIConfig
    private let transport: Transport
    private let retry: RetryPolicy
    private let cache: TokenCache?
    private let now: @Sendable () -> Double
    private let logger: Logger
    private var current: Token?
    private var fetching: Task<Token, Error>?
    /// Token requests this process made, for the tally.
    public private(set) var fetched = 0
    /// Refresh this long before expiry.
    public static let margin: Double = 60

    public init(config: APIConfig, transport: Transport, retry: RetryPolicy = RetryPolicy(), cache: TokenCache?,
                logger: Logger = Logger(label: "cxv", factory: { _ in SwiftLogNoOpLogHandler() }),
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.config = config
        self.logger = logger
        self.transport = transport
        self.retry = retry
        self.cache = cache
        self.now = now
    }

    /// A token good for at least `margin` more seconds (half its lifetime, if shorter).
    public func token() async throws -> String {
        if let current, current.isFresh(at: now()) { return current.value }
        if let cached = cache?.load(), cached.isFresh(at: now()) {
            logger.debug("token from the cache file", metadata: ["expires_in_s": "\(Int(cached.expiresAt - now()))"])
            current = cached
            return cached.value
        }
        if let fetching { return try await TokenProvider.value(of: fetching).value }
        let task = Task { try await self.fetch() }
        fetching = task
        defer { fetching = nil }
        let token = try await TokenProvider.value(of: task)
        logger.info("fetched a token", metadata: ["from": "\(config.tokenURL.absoluteString)", "expires_in_s": "\(Int(token.lifetime))"])
        current = token
        cache?.store(token)
        return token.value
    }

    /// The fetch's result; a caller cancelled (a stage stopping) cancels the fetch, which
    /// would otherwise run on through its retries, unstructured.
    private static func value(of fetch: Task<Token, Error>) async throws -> Token {
        try await withTaskCancellationHandler { try await fetch.value } onCancel: { fetch.cancel() }
    }

    /// The API said 401 to `token`: forget it (here and in the cache) so the next call fetches anew.
    public func invalidate(_ token: String) {
        if current?.value == token { current = nil }
        cache?.remove(ifValue: token)
    }

    /// The tenant of the current token, signing in first if need be.
    public func tenantID() async throws -> String? {
        _ = try await token()
        return current?.tenantID
    }

    private func fetch() async throws -> Token {
        let request = config.signIn.request
        do {
            return try await retry.untilAccepted({
                fetched += 1
                return try await transport.send(.POST, config.tokenURL, headers: request.headers, body: request.body)
            }, accept: { answer in
                if answer.status == 200 { return try parse(answer) }
                if [400, 401, 403].contains(answer.status) {
                    throw TokenError.refused(status: answer.status, credentials: credentials, detail: answer.bodyText)
                }
                guard RetryPolicy.isRetryable(status: answer.status) else {
                    throw TokenError.unavailable("the token endpoint answered \(answer.status): \(answer.bodyText)")
                }
                return nil
            })
        } catch let error as RetriesExhausted {
            throw TokenError.unavailable("gave up after \(error.attempts) attempts: \(error.reason)")
        }
    }

    /// What the refusal names: the kind of credentials, never their secret.
    private var credentials: String {
        switch config.signIn {
        case .clientCredentials: return "client credentials"
        case .accessKey: return "access key"
        }
    }

    private func parse(_ answer: HTTPAnswer) throws -> Token {
        guard let granted = SignIn.granted(answer.body) else {
            throw TokenError.unavailable("the token endpoint's answer has no access_token")
        }
        return Token(value: granted.accessToken, expiresAt: now() + granted.expiresIn, lifetime: granted.expiresIn,
                     tenantID: granted.tenantID)
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
public enum RetryAfter {
    public static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}

/// The token shared by the processes of a pipeline: `$XDG_CACHE_HOME/cxv/token-<id>.json`,
/// mode 0600 in a 0700 folder, written atomically. One file per sign-in and token URL; the
/// API endpoint discovery found for its tenant is kept beside it (`…-endpoint.json`).
public struct TokenCache: Sendable {
    public let path: String

    public init(config: APIConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        let digest = SHA256.hash(data: Data("\(config.tokenURL.absoluteString) \(config.signIn.identity)".utf8))
        let id = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
        path = "\(base)/cxv/token-\(id).json"
    }

    public init(path: String) {
        self.path = path
    }

    func load() -> TokenProvider.Token? {
        guard let bytes = try? InputSource.contents(of: path, limit: 64 << 10) else { return nil }
        return try? JSONDecoder().decode(TokenProvider.Token.self, from: Data(bytes))
    }

    func store(_ token: TokenProvider.Token) {
        guard let data = try? JSONEncoder().encode(token) else { return }
        TokenCache.writePrivately(data, to: path)
    }

    /// The API endpoint discovery found, with the tenant and discovery service it is for.
    struct Endpoint: Codable, Equatable {
        var discoveryURL: String
        var tenantID: String
        var apiEndpoint: String
    }

    var endpointPath: String { path.hasSuffix(".json") ? String(path.dropLast(5)) + "-endpoint.json" : path + "-endpoint" }

    func loadEndpoint() -> Endpoint? {
        guard let bytes = try? InputSource.contents(of: endpointPath, limit: 64 << 10) else { return nil }
        return try? JSONDecoder().decode(Endpoint.self, from: Data(bytes))
    }

    func store(_ endpoint: Endpoint) {
        guard let data = try? JSONEncoder().encode(endpoint) else { return }
        TokenCache.writePrivately(data, to: endpointPath)
    }

    private static func writePrivately(_ data: Data, to path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        chmod(directory, 0o700)
        let temporary = "\(path).\(getpid()).tmp"
        // Created 0600 from the start: the token is never readable by others, not even briefly.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == data.count { rename(temporary, path) } else { unlink(temporary) }
    }

    func remove(ifValue value: String) {
        if load()?.value == value { unlink(path) }
    }
}
