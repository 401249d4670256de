import CXVCore
import Foundation

/// Where the import API is and who cxv is to it: flags, then environment, then defaults (DESIGN §4).
public struct APIConfig: Sendable {
    public var baseURL: URL
    public var tokenURL: URL
    public var clientID: String
    /// Never printed: `description` and errors leave it out.
    public var clientSecret: String
    public var scope = "contact:write contact:read"
    /// A CA bundle (PEM) to trust instead of the system's, for private CAs.
    public var caCertificate: String?

    public init(baseURL: URL, tokenURL: URL, clientID: String, clientSecret: String, caCertificate: String? = nil) {
        self.baseURL = baseURL
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.caCertificate = caCertificate
    }

    /// Builds the configuration from options (nil when not given) and the environment.
    /// The secret comes from `secretFile` or `CXONE_CLIENT_SECRET`, never from a flag.
    public static func resolve(baseURL: String?, tokenURL: String?, tenant: String?, clientID: String?,
                               secretFile: String?, caCertificate: String?, allowHTTP: Bool,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               warn: (String) -> Void) throws -> APIConfig {
        let base: String
        if let url = baseURL ?? environment["CXONE_BASE_URL"] {
            base = url
        } else if let tenant = tenant ?? environment["CXONE_TENANT"], !tenant.isEmpty {
            base = "https://\(tenant).api.nice-incontact.com"
        } else {
            throw CXVError.config("no API address: set --base-url, CXONE_BASE_URL or CXONE_TENANT")
        }
        guard let baseURL = URL(string: base.hasSuffix("/") ? String(base.dropLast()) : base), baseURL.host != nil else {
            throw CXVError.config("base URL \(base) is not a URL")
        }
        let tokenText = tokenURL ?? environment["CXONE_TOKEN_URL"] ?? "\(baseURL.absoluteString)/oauth/token"
        guard let tokenURL = URL(string: tokenText), tokenURL.host != nil else {
            throw CXVError.config("token URL \(tokenText) is not a URL")
        }
        for url in [baseURL, tokenURL] { try checkTransport(url, allowHTTP: allowHTTP) }
        guard let clientID = clientID ?? environment["CXONE_CLIENT_ID"], !clientID.isEmpty else {
            throw CXVError.config("no client id: set --client-id or CXONE_CLIENT_ID")
        }
        let secret: String
        if let secretFile {
            secret = try readSecret(secretFile, warn: warn)
        } else if let fromEnvironment = environment["CXONE_CLIENT_SECRET"], !fromEnvironment.isEmpty {
            secret = fromEnvironment
        } else {
            throw CXVError.config("no client secret: set CXONE_CLIENT_SECRET or --client-secret-file")
        }
        return APIConfig(baseURL: baseURL, tokenURL: tokenURL, clientID: clientID, clientSecret: secret,
                         caCertificate: caCertificate)
    }

    /// https, or plain http to loopback (the sandbox), or anywhere with `--allow-http`.
    static func checkTransport(_ url: URL, allowHTTP: Bool) throws {
        switch url.scheme?.lowercased() {
        case "https": return
        case "http":
            let host = url.host ?? ""
            if allowHTTP || host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.") { return }
            throw CXVError.config("\(url.absoluteString): plain http to a host that is not loopback; use https, or --allow-http if you mean it")
        default:
            throw CXVError.config("\(url.absoluteString): only https (or http to loopback) is supported")
        }
    }

    private static func readSecret(_ path: String, warn: (String) -> Void) throws -> String {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            warn("\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        let bytes: [UInt8]
        do {
            bytes = try InputSource.contents(of: path, limit: 64 << 10)
        } catch {
            throw CXVError.noInput(path: path, reason: "cannot read the client secret file")
        }
        let secret = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !secret.isEmpty else { throw CXVError.config("\(path): the client secret file is empty") }
        return secret
    }

    public func url(_ path: String) -> URL {
        baseURL.appendingPathComponent(path)
    }
}
