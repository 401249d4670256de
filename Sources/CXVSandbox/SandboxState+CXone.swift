// CXone's side of the sandbox (docs/design.md §3b): access-key sign-in, discovery, and the calling lists' routes.
import CXVCore
import Foundation

extension SandboxState {
    // MARK: - Sign-in and discovery

    /// POST /authentication/v1/token/access-key: JSON `{"accessKeyId","accessKeySecret"}`.
    public func accessKeyToken(body: [UInt8]) -> APIResponse {
        let request = body.withUnsafeBytes { try? JSONValue.parse($0) }
        guard let id = request?["accessKeyId"]?.stringValue, let secret = request?["accessKeySecret"]?.stringValue else {
            return .error(400, "invalid_request", description: #"send JSON {"accessKeyId": "…", "accessKeySecret": "…"}"#)
        }
        guard id == config.accessKeyID, secret == config.accessKeySecret else {
            return .error(401, "invalid_client", description: "unknown access key or wrong secret")
        }
        let seconds = tokenSeconds
        let token = JWTShape.token(tenantID: config.tenantID, subject: id, lifetime: seconds)
        issue(token, at: .now)
        return .json(200) { w in
            w.key("access_token"); w.string(token)
            w.key("token_type"); w.string("Bearer")
            w.key("expires_in"); w.int(seconds)
            w.key("id_token"); w.string(JWTShape.token(tenantID: config.tenantID, subject: id, lifetime: seconds))
            w.key("refresh_token"); w.string(SandboxState.randomHex(bytes: 32))
        }
    }

    /// Tells discovery where clients reach this sandbox, once the port is bound.
    public func listening(at endpoint: String) {
        self.endpoint = endpoint
    }

    /// GET /.well-known/cxone-configuration?tenantId=…: the tenant's API is this sandbox.
    public func discovery(tenantID: String?) -> APIResponse {
        guard let tenantID, !tenantID.isEmpty else {
            return .error(400, "send ?tenantId=<your tenant's id>")
        }
        guard tenantID == config.tenantID else {
            return .error(404, "no tenant \(tenantID) here: this sandbox serves tenant \(config.tenantID)")
        }
        return .json(200) { w in
            w.key("api_endpoint"); w.string(endpoint)
            w.key("auth_endpoint"); w.string(endpoint)
            w.key("area"); w.string("sandbox")
            w.key("cluster"); w.string("sandbox")
        }
    }

    // MARK: - Calling lists

    public func hasCallList(_ id: String) -> Bool {
        callLists.hasList(id)
    }

    /// A readable upload to a list: its job, or the tenant's refusal. Every readable upload draws its
    /// fate (--job-fail-rate), refused or not, so a seed replays the same cancellations.
    public func callListUpload(_ upload: CallListUpload, to listID: String) -> APIResponse {
        let cancels = faults.jobFails()
        return callLists.upload(upload, to: listID, cancels: cancels, now: .now)
    }

    public func callListJob(_ id: String) -> APIResponse {
        callLists.status(id, now: .now)
    }

    public func cancelCallListJob(_ id: String) -> APIResponse {
        callLists.cancel(id, now: .now)
    }

    public func callListCounts(_ listID: String) -> APIResponse {
        callLists.counts(listID, now: .now)
    }
}

/// The access-key sign-in's tokens are JWT-shaped, as CXone's are: a header and a payload a client
/// may read (base64url JSON with `tenantId` and `exp`), and a signature of random bytes nobody can forge.
enum JWTShape {
    static func token(tenantID: String, subject: String, lifetime seconds: Int) -> String {
        let now = Int(Date().timeIntervalSince1970)
        var header = JSONWriter()
        header.beginObject()
        header.key("alg"); header.string("HS256")
        header.key("typ"); header.string("JWT")
        header.endObject()
        var payload = JSONWriter()
        payload.beginObject()
        payload.key("iss"); payload.string("cxv-sandbox")
        payload.key("sub"); payload.string(subject)
        payload.key("tenantId"); payload.string(tenantID)
        payload.key("iat"); payload.int(now)
        payload.key("exp"); payload.int(now + seconds)
        payload.key("jti"); payload.string(SandboxState.randomHex(bytes: 16))
        payload.endObject()
        // Hex digits are base64url characters too: 32 random bytes, written as 64 of them.
        return [base64url(header.bytes), base64url(payload.bytes), SandboxState.randomHex(bytes: 32)].joined(separator: ".")
    }

    /// RFC 4648 §5: base64 with `-` and `_` for `+` and `/`, unpadded.
    static func base64url(_ bytes: [UInt8]) -> String {
        var encoded: [UInt8] = []
        bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &encoded) }
        return String(decoding: encoded.lazy.filter { $0 != UInt8(ascii: "=") }.map {
            $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0
        }, as: UTF8.self)
    }
}
