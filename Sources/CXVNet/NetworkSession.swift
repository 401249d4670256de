import CXVCore
import Foundation
import Logging

/// What a network stage needs, built from its options: configuration, one transport,
/// the shared token, the retry policy and the concurrency limit.
public struct NetworkSession: Sendable {
    public let client: ImportClient
    private let transport: Transport

    public init(config: APIConfig, retry: RetryPolicy, concurrency: Int, timeout: Duration, logger: Logger) throws {
        transport = try Transport(config: config, timeout: timeout)
        let tokens = TokenProvider(config: config, transport: transport, retry: retry, cache: TokenCache(config: config),
                                   logger: logger)
        client = ImportClient(config: config, transport: transport, tokens: tokens, retry: retry,
                              limit: ConcurrencyLimit(maximum: concurrency), logger: logger)
    }

    public func shutdown() async {
        await transport.shutdown()
    }
}

/// Runs a network stage's body, giving refused credentials (77), an untrusted certificate
/// (78) and an unreachable token endpoint (69) the exit statuses of DESIGN §4.
public func mapNetworkErrors(_ body: () async throws -> ExitStatus) async throws -> ExitStatus {
    do {
        return try await body()
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
