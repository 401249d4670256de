import CXVAPI
import CXVCore
import Foundation

/// Where the import API is and who cxv is to it, for one contract: flags, then environment,
/// then defaults (design doc, "configuration"). The secret is in `signIn`, which never prints it.
public struct APIConfig: Sendable {
    /// Where requests go.
    public enum Root: Sendable {
        /// A configured address: the base URL, or under call-lists its services root.
        case fixed(URL)
        /// Call-lists without a base URL: the discovery document names the tenant's endpoint.
        case discovered(discoveryURL: URL, version: String)
    }

    public var api: ImportAPI
    public var root: Root
    public var tokenURL: URL
    public var signIn: SignIn
    /// A CA bundle (PEM) to trust instead of the system's, for private CAs.
    public var caCertificate: String?

    public init(api: ImportAPI = .contactsImport, root: Root, tokenURL: URL, signIn: SignIn, caCertificate: String? = nil) {
        self.api = api
        self.root = root
        self.tokenURL = tokenURL
        self.signIn = signIn
        self.caCertificate = caCertificate
    }

    /// The host requests mostly go to, for the proxy decision: the root, or the discovery service.
    public var primaryURL: URL {
        switch root {
        case let .fixed(url): return url
        case let .discovered(url, _): return url
        }
    }

    /// What a network stage was told on its command line; nil where it was not.
    public struct Options: Sendable {
        public var baseURL, tokenURL, tenant, clientID, clientSecretFile: String?
        public var authURL, discoveryURL, apiVersion, accessKeyID, accessKeySecretFile: String?
        public var caCertificate: String?
        public var allowHTTP = false

        public init() {}
    }

    /// Builds the configuration of `api` from options and the environment. Secrets come from a
    /// file or the environment, never from a flag.
    public static func resolve(_ api: ImportAPI, _ options: Options,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               warn: (String) -> Void) throws -> APIConfig {
        func setting(_ option: String?, _ variable: String) -> String? {
            option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let config: APIConfig
        switch api {
        case .contactsImport:
            let base: String
            if let url = setting(options.baseURL, "CXONE_BASE_URL") {
                base = url
            } else if let tenant = setting(options.tenant, "CXONE_TENANT") {
                base = "https://\(tenant).api.nice-incontact.com"
            } else {
                throw CXVError.config("no API address: set --base-url, CXONE_BASE_URL or CXONE_TENANT")
            }
            let baseURL = try url(base, "base URL")
            let tokenURL = try url(setting(options.tokenURL, "CXONE_TOKEN_URL") ?? "\(baseURL.absoluteString)/oauth/token", "token URL")
            guard let clientID = setting(options.clientID, "CXONE_CLIENT_ID") else {
                throw CXVError.config("no client id: set --client-id or CXONE_CLIENT_ID")
            }
            let secret = try secret(file: options.clientSecretFile, variable: "CXONE_CLIENT_SECRET", what: "client secret",
                                    environment: environment, warn: warn)
            config = APIConfig(api: api, root: .fixed(baseURL), tokenURL: tokenURL,
                               signIn: .clientCredentials(clientID: clientID, secret: secret), caCertificate: options.caCertificate)
        case .callLists:
            let version = setting(options.apiVersion, "CXONE_API_VERSION") ?? Discovery.defaultVersion
            let root: Root
            if let base = setting(options.baseURL, "CXONE_BASE_URL") {
                root = .fixed(try url(Discovery.apiRoot(endpoint: base, version: version), "base URL"))
            } else {
                root = .discovered(discoveryURL: try url(setting(options.discoveryURL, "CXONE_DISCOVERY_URL") ?? Discovery.defaultURL,
                                                         "discovery URL"), version: version)
            }
            let authURL = try url(setting(options.authURL, "CXONE_AUTH_URL") ?? Discovery.defaultAuthURL, "auth URL")
            // Not CXONE_TOKEN_URL: left over from a contacts-import setup, it would point the access key at an OAuth endpoint.
            let tokenURL = try url(options.tokenURL ?? "\(authURL.absoluteString)/\(SignIn.accessKeyPath)", "token URL")
            guard let keyID = setting(options.accessKeyID, "CXONE_ACCESS_KEY_ID") else {
                throw CXVError.config("no access key id: call-lists signs in with a CXone access key; set CXONE_ACCESS_KEY_ID or --access-key-id")
            }
            let secret = try secret(file: options.accessKeySecretFile, variable: "CXONE_ACCESS_KEY_SECRET", what: "access key secret",
                                    environment: environment, warn: warn)
            config = APIConfig(api: api, root: root, tokenURL: tokenURL, signIn: .accessKey(id: keyID, secret: secret),
                               caCertificate: options.caCertificate)
        }
        for url in [config.primaryURL, config.tokenURL] { try checkTransport(url, allowHTTP: options.allowHTTP) }
        return config
    }

    private static func url(_ text: String, _ what: String) throws -> URL {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), url.host != nil else { throw CXVError.config("\(what) \(text) is not a URL") }
        return url
    }

    /// https, or plain http to loopback (the sandbox), or anywhere with `--allow-http`.
    static func checkTransport(_ url: URL, allowHTTP: Bool) throws {
        switch url.scheme?.lowercased() {
        case "https": return
        case "http":
            if allowHTTP || isLoopback(url) { return }
            throw CXVError.config("\(url.absoluteString): plain http to a host that is not loopback; use https, or --allow-http if you mean it")
        default:
            throw CXVError.config("\(url.absoluteString): only https (or http to loopback) is supported")
        }
    }

    static func isLoopback(_ url: URL) -> Bool {
        let host = url.host ?? ""
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// From `file` (warning when others can read it), else the environment variable.
    private static func secret(file: String?, variable: String, what: String, environment: [String: String],
                               warn: (String) -> Void) throws -> String {
        guard let path = file else {
            guard let secret = environment[variable], !secret.isEmpty else {
                throw CXVError.config("no \(what): set \(variable) or --\(what.replacingOccurrences(of: " ", with: "-"))-file")
            }
            return secret
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            warn("\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        let bytes: [UInt8]
        do {
            bytes = try InputSource.contents(of: path, limit: 64 << 10)
        } catch {
            throw CXVError.noInput(path: path, reason: "cannot read the \(what) file")
        }
        let secret = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !secret.isEmpty else { throw CXVError.config("\(path): the \(what) file is empty") }
        return secret
    }
}
