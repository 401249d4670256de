import CXVAPI
import CXVCore
import Crypto
import Foundation
import Logging

/// Why no token could be had.
public enum TokenError: Error, CustomStringConvertible, Sendable {
    /// 400/401/403 from the token endpoint: the credentials are wrong; retrying will not help.
    case refused(status: Int, detail: String)
    case unavailable(String)
    /// The token endpoint's certificate is not trusted: a configuration to fix (--cacert), not an outage.
    case untrusted(String)

    public var description: String {
        switch self {
        case let .untrusted(reason): return "no token: \(reason)"
        case let .refused(status, detail): return "the token endpoint refused the client credentials (\(status)): \(detail)"
        case let .unavailable(reason): return "no token: \(reason)"
        }
    }
}

/// OAuth client credentials (DESIGN §3): one token shared by every request of a
/// process and, through a cache file, by the processes of a pipeline.
public actor TokenProvider {
    public struct Token: Codable, Sendable {
        public var value: String
        /// Seconds since 1970.
        public var expiresAt: Double
        /// What the server granted, in seconds.
        public var lifetime: Double = 3600

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

    private func fetch() async throws -> Token {
        let form = [("grant_type", "client_credentials"), ("client_id", config.clientID),
                    ("client_secret", config.clientSecret), ("scope", config.scope)]
            .map { "\(FormEncoding.encode($0.0))=\(FormEncoding.encode($0.1))" }.joined(separator: "&")
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            var retryAfter: Duration?
            let reason: String
            do {
                fetched += 1
                let answer = try await transport.send(.POST, config.tokenURL,
                                                      headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                                                ("Accept", "application/json")],
                                                      body: Array(form.utf8))
                if answer.status == 200 {
                    return try parse(answer)
                }
                if [400, 401, 403].contains(answer.status) {
                    throw TokenError.refused(status: answer.status, detail: answer.bodyText)
                }
                guard RetryPolicy.isRetryable(status: answer.status) else {
                    throw TokenError.unavailable("the token endpoint answered \(answer.status): \(answer.bodyText)")
                }
                retryAfter = RetryAfter.parse(answer.header("Retry-After"))
                reason = "status \(answer.status)"
            } catch let error as TransportError {
                guard error.retryable else { throw TokenError.untrusted(error.description) }
                reason = error.description
            }
            guard let wait = retry.delay(afterAttempt: attempt, elapsed: ContinuousClock.now - started,
                                         retryAfter: retryAfter) else {
                throw TokenError.unavailable("gave up after \(attempt) attempts: \(reason)")
            }
            try await Transport.sleep(for: wait)
        }
    }

    private func parse(_ answer: HTTPAnswer) throws -> Token {
        guard case let .object(members)? = answer.body.withUnsafeBytes({ try? JSONValue.parse($0) }),
              let value = members.first(where: { $0.0 == "access_token" })?.1.stringValue, !value.isEmpty else {
            throw TokenError.unavailable("the token endpoint's answer has no access_token")
        }
        let lifetime = members.first { $0.0 == "expires_in" }.flatMap { Double($0.1.numberText ?? "") } ?? 3600
        return Token(value: value, expiresAt: now() + lifetime, lifetime: lifetime)
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
/// mode 0600 in a 0700 folder, written atomically. One file per client and token URL.
public struct TokenCache: Sendable {
    public let path: String

    public init(config: APIConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        let digest = SHA256.hash(data: Data("\(config.tokenURL.absoluteString) \(config.clientID)".utf8))
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
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        chmod(directory, 0o700)
        guard let data = try? JSONEncoder().encode(token) else { return }
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
