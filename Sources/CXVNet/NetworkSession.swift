import CXVAPI
import CXVCore
import Foundation
import Logging

/// What a network stage needs once it knows its API: configuration, one transport, the shared
/// token, the API root, the retry policy and the concurrency limit.
public struct NetworkSession: Sendable {
    public let client: ImportClient
    private let transport: Transport

    public init(config: APIConfig, retry: RetryPolicy, concurrency: Int, timeout: Duration, logger: Logger) throws {
        transport = try Transport(config: config, timeout: timeout)
        let cache = TokenCache(config: config)
        let tokens = TokenProvider(config: config, transport: transport, retry: retry, cache: cache, logger: logger)
        let root = APIRoot(config: config, transport: transport, retry: retry, tokens: tokens, cache: cache, logger: logger)
        client = ImportClient(config: config, transport: transport, tokens: tokens, root: root, retry: retry,
                              limit: ConcurrencyLimit(maximum: concurrency), logger: logger)
    }

    public func shutdown() async {
        await transport.shutdown()
    }
}

/// Which API a network stage speaks, and its session, opened once that is known: at once when
/// `CXONE_API` names it, else at the first chunk (its `api`), else at the end of the input for
/// the default, so a misconfiguration is reported even when no chunk came. Every chunk must be
/// for the same API: a stream that mixes them, or disagrees with `CXONE_API`, is refused.
public actor SessionOpener {
    private let declared: ImportAPI?
    private let open: @Sendable (ImportAPI) throws -> NetworkSession?
    private var opened: (api: ImportAPI, session: NetworkSession?, from: String)?

    /// `open` nil makes no session (a dry run) but still checks the chunks agree.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                open: @escaping @Sendable (ImportAPI) throws -> NetworkSession?) throws {
        let variable = environment[ImportAPI.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        declared = try variable.map { text throws -> ImportAPI in
            guard let api = ImportAPI(rawValue: text) else {
                throw CXVError.config("\(ImportAPI.environmentVariable)=\(text): expected \(ImportAPI.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            return api
        }
        self.open = open
    }

    /// Opens the declared API's session now, if one is declared.
    public func start() throws {
        if let declared { _ = try session(declared, from: "\(ImportAPI.environmentVariable)=\(declared.rawValue)") }
    }

    /// The API and session for a chunk.
    public func session(for chunk: ChunkRecord) throws -> (ImportAPI, NetworkSession?) {
        let api = try chunk.api()
        return (api, try session(api, from: "chunk \(chunk.seq)"))
    }

    /// At the end of the input: the session, opened for the default API if nothing opened one.
    public func finish() throws -> NetworkSession? {
        if let opened { return opened.session }
        return try session(declared ?? .contactsImport, from: "the default")
    }

    public var current: NetworkSession? { opened?.session }

    /// Runs a stage's `body`, then shuts the open session down, whether `body` finished or threw.
    public nonisolated func shuttingDown(after body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await current?.shutdown()
            throw error
        }
        await current?.shutdown()
    }

    private func session(_ api: ImportAPI, from origin: String) throws -> NetworkSession? {
        if let opened {
            guard opened.api == api else {
                throw CXVError.config("\(origin) is for the \(api.rawValue) API, but this run speaks \(opened.api.rawValue) (from \(opened.from)): "
                                      + "re-chunk with the API you mean (cxv-chunk --api), or unset \(ImportAPI.environmentVariable)")
            }
            return opened.session
        }
        let session = try open(api)
        opened = (api, session, origin)
        return session
    }
}

extension ChunkRecord {
    /// The API the chunk was built for (`api`; contacts-import when absent, as chunks before it were).
    public func api() throws -> ImportAPI {
        guard let text = string("api") else { return .contactsImport }
        guard let api = ImportAPI(rawValue: text) else {
            throw CXVError.data(source: "chunk \(seq)", line: 0,
                                message: "unknown api \"\(text)\": expected \(ImportAPI.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return api
    }
}

/// Runs a network stage's body, giving refused credentials (77), an untrusted certificate
/// (78) and an unreachable token endpoint (69) the exit statuses of the design doc.
public func mapNetworkErrors(_ body: () async throws -> ExitStatus) async throws -> ExitStatus {
    do {
        return try await body()
    } catch let error as ServiceUnavailable {
        throw StageFailure(message: error.description, status: .unavailable)
    } catch let error as AuthenticationRefused {
        throw StageFailure(message: error.description, status: .authRefused)
    } catch let error as TokenError {
        switch error {
        case .refused: throw StageFailure(message: error.description, status: .authRefused)
        case .untrusted: throw StageFailure(message: error.description, status: .config)
        case .unavailable: throw StageFailure(message: error.description, status: .unavailable)
        }
    }
}

/// A service the run needs could not be reached within the retries (exit 69).
public struct ServiceUnavailable: Error, CustomStringConvertible, Sendable {
    public let description: String
}
