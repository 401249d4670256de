import CXVAPI
import CXVCore
import Foundation
import Logging

/// The address requests go under: the configured one, or the one CXone's discovery document
/// names for the signed-in tenant, looked up once a run and cached beside the token, so the
/// stages of a pipeline (and its re-runs) ask once.
public actor APIRoot {
    private let config: APIConfig
    private let transport: Transport
    private let retry: RetryPolicy
    private let tokens: TokenProvider
    private let cache: TokenCache?
    private let logger: Logger
    private var resolved: URL?
    private var resolving: Task<URL, Error>?
    /// Discovery requests this process made.
    public private(set) var lookups = 0

    public init(config: APIConfig, transport: Transport, retry: RetryPolicy, tokens: TokenProvider, cache: TokenCache?, logger: Logger) {
        self.config = config
        self.transport = transport
        self.retry = retry
        self.tokens = tokens
        self.cache = cache
        self.logger = logger
    }

    public func url() async throws -> URL {
        if let resolved { return resolved }
        switch config.root {
        case let .fixed(url):
            resolved = url
            return url
        case let .discovered(discoveryURL, version):
            if let resolving { return try await resolving.value }
            let task = Task { try await self.discover(discoveryURL, version: version) }
            resolving = task
            defer { resolving = nil }
            let url = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            resolved = url
            return url
        }
    }

    private func discover(_ discoveryURL: URL, version: String) async throws -> URL {
        guard let tenant = try await tokens.tenantID() else {
            throw CXVError.config("the access token names no tenantId, so the API cannot be discovered: set CXONE_BASE_URL (or --base-url) to your tenant's API endpoint")
        }
        let endpoint: String
        if let cached = cache?.loadEndpoint(), cached.tenantID == tenant, cached.discoveryURL == discoveryURL.absoluteString {
            endpoint = cached.apiEndpoint
            logger.debug("API endpoint from the cache file", metadata: ["endpoint": "\(endpoint)"])
        } else {
            endpoint = try await lookUp(tenant, at: discoveryURL)
            cache?.store(.init(discoveryURL: discoveryURL.absoluteString, tenantID: tenant, apiEndpoint: endpoint))
            logger.info("discovered the API endpoint", metadata: ["tenant": "\(tenant)", "endpoint": "\(endpoint)"])
        }
        guard let root = URL(string: Discovery.apiRoot(endpoint: endpoint, version: version)), root.host != nil else {
            throw CXVError.config("the discovery document names an API endpoint that is not a URL: \(endpoint)")
        }
        try APIConfig.checkTransport(root, allowHTTP: APIConfig.isLoopback(discoveryURL) || discoveryURL.scheme == "http")
        return root
    }

    private func lookUp(_ tenant: String, at discoveryURL: URL) async throws -> String {
        guard let url = URL(string: "\(discoveryURL.absoluteString)/\(Discovery.request(tenantID: tenant))") else {
            throw CXVError.config("discovery URL \(discoveryURL.absoluteString) does not take a path")
        }
        do {
            return try await retry.untilAccepted({
                lookups += 1
                return try await transport.send(.GET, url, headers: [("Accept", "application/json")])
            }, accept: { answer in
                if answer.status == 200 {
                    guard let endpoint = Discovery.apiEndpoint(answer.body) else {
                        throw CXVError.config("the discovery document for tenant \(tenant) has no api_endpoint: \(answer.bodyText)")
                    }
                    return endpoint
                }
                guard RetryPolicy.isRetryable(status: answer.status) else {
                    throw CXVError.config("discovery at \(discoveryURL.absoluteString) answered \(answer.status) for tenant \(tenant): \(answer.bodyText); set CXONE_DISCOVERY_URL, or CXONE_BASE_URL to skip discovery")
                }
                return nil
            })
        } catch let error as RetriesExhausted {
            throw ServiceUnavailable(description: "API discovery gave up after \(error.attempts) attempts: \(error.reason)")
        }
    }
}
