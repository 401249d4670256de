import CXVCore
import Foundation

/// How a run proves who it is, and what the token endpoint answers: OAuth client credentials
/// (contacts-import) or a CXone access key (call-lists). The secret is never in `description`.
public enum SignIn: Sendable, CustomStringConvertible {
    case clientCredentials(clientID: String, secret: String)
    case accessKey(id: String, secret: String)

    /// Where the access-key endpoint is under the auth URL.
    public static let accessKeyPath = "authentication/v1/token/access-key"

    /// Names who signs in, for the token cache's file name; never the secret.
    public var identity: String {
        switch self {
        case let .clientCredentials(id, _): return "client \(id)"
        case let .accessKey(id, _): return "access key \(id)"
        }
    }

    public var description: String { identity }

    /// The token request's headers and body.
    public var request: (headers: [(String, String)], body: [UInt8]) {
        switch self {
        case let .clientCredentials(id, secret):
            let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret),
                        ("scope", ContactsImportProfile.scope)]
                .map { "\(FormEncoding.encode($0.0))=\(FormEncoding.encode($0.1))" }.joined(separator: "&")
            return ([("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")], Array(form.utf8))
        case let .accessKey(id, secret):
            var w = JSONWriter()
            w.beginObject()
            w.key("accessKeyId"); w.string(id)
            w.key("accessKeySecret"); w.string(secret)
            w.endObject()
            return ([("Content-Type", "application/json"), ("Accept", "application/json")], w.bytes)
        }
    }

    /// A token answer: the access token, its lifetime, and (from a JWT's payload, unverified) the tenant.
    public struct Granted: Sendable, Equatable {
        public var accessToken: String
        public var expiresIn: Double
        public var tenantID: String?
    }

    /// Reads a 200 answer; nil when it has no access_token.
    public static func granted(_ body: [UInt8]) -> Granted? {
        guard let members = JSONValue.object(body), let token = members["access_token"]?.stringValue, !token.isEmpty else { return nil }
        let lifetime = members["expires_in"].flatMap { Double($0.numberText ?? $0.stringValue ?? "") } ?? 3600
        let tenant = [token, members["id_token"]?.stringValue].compactMap { $0 }.lazy.compactMap(tenantID(inJWT:)).first
        return Granted(accessToken: token, expiresIn: lifetime, tenantID: tenant)
    }

    /// The `tenantId` claim of a JWT's payload (base64url), read without checking the signature:
    /// the client only needs to know where to look, and the API checks the token itself.
    public static func tenantID(inJWT token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        let bytes = Array(text.utf8)
        guard let payload = bytes.withUnsafeBytes({ Base64.decode($0) }),
              let id = JSONValue.object(payload)?["tenantId"]?.stringValue, !id.isEmpty else { return nil }
        return id
    }
}

/// Where a CXone tenant's API is: the discovery document names its `api_endpoint`, under
/// which the Admin API lives at `inContactAPI/services/{version}`.
public enum Discovery {
    public static let path = ".well-known/cxone-configuration"
    public static let defaultURL = "https://cxone.niceincontact.com"
    public static let defaultAuthURL = "https://na1.nice-incontact.com"
    public static let defaultVersion = "v30.0"
    /// Under an endpoint, before the version: `{api_endpoint}/inContactAPI/services/{version}` is the API root.
    public static let servicesPath = "inContactAPI/services"

    /// The path and query of the discovery request for a tenant.
    public static func request(tenantID: String) -> String {
        "\(path)?tenantId=\(FormEncoding.encode(tenantID))"
    }

    /// The `api_endpoint` of a discovery answer.
    public static func apiEndpoint(_ body: [UInt8]) -> String? {
        guard let endpoint = JSONValue.object(body)?["api_endpoint"]?.stringValue, !endpoint.isEmpty else { return nil }
        return endpoint
    }

    /// The API root under an endpoint.
    public static func apiRoot(endpoint: String, version: String) -> String {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        return "\(trimmed)/\(servicesPath)/\(version)"
    }
}

/// RFC 3986 unreserved characters as they are, %XX for every other byte: form fields and path segments.
public enum FormEncoding {
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
