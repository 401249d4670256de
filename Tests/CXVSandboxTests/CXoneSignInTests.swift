// CXone's access-key sign-in and discovery as the sandbox serves them (docs/design.md §3b), over real HTTP.
import CXVAPI
import CXVCore
import Foundation
import XCTest
@testable import CXVSandbox

extension RunningSandbox {
    func signIn(id: String = "cxv-demo-key", secret: String = "cxv-demo-key-secret") async throws -> HTTPResult {
        let (headers, body) = SignIn.accessKey(id: id, secret: secret).request
        return try await request("POST", "/\(SignIn.accessKeyPath)", headers: headers, body: body)
    }

    func accessToken() async throws -> String {
        let answer = try await signIn()
        guard answer.status == 200, let granted = SignIn.granted(answer.body) else {
            throw HTTPTestError.unexpected("sign-in: \(answer.status) \(answer.text)")
        }
        return granted.accessToken
    }
}

final class CXoneSignInTests: XCTestCase {
    func testAccessKeySignIn() async throws {
        let sandbox = try await RunningSandbox.start { $0.tenantID = "acme-tenant"; $0.tokenTTL = .seconds(90) }
        let answer = try await sandbox.signIn()
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.json["token_type"]?.stringValue, "Bearer")
        XCTAssertEqual(answer.json["expires_in"]?.intValue, 90)
        XCTAssertNotNil(answer.json["refresh_token"]?.stringValue)
        let token = try XCTUnwrap(answer.json["access_token"]?.stringValue)
        XCTAssertEqual(token.split(separator: ".").count, 3, "JWT-shaped: header.payload.signature")
        XCTAssertEqual(SignIn.tenantID(inJWT: token), "acme-tenant")
        XCTAssertEqual(SignIn.tenantID(inJWT: try XCTUnwrap(answer.json["id_token"]?.stringValue)), "acme-tenant")
        let granted = try XCTUnwrap(SignIn.granted(answer.body))
        XCTAssertEqual(granted.accessToken, token)
        XCTAssertEqual(granted.expiresIn, 90)
        XCTAssertEqual(granted.tenantID, "acme-tenant")
        let payload = try XCTUnwrap(Self.payload(of: token))
        let exp = try XCTUnwrap(payload["exp"]?.intValue)
        XCTAssertEqual(Double(exp), Date().timeIntervalSince1970 + 90, accuracy: 5)

        let again = try await sandbox.accessToken()
        XCTAssertNotEqual(again, token, "each token is drawn afresh")
        let listed = try await sandbox.request("GET", "/sandbox/tokens").json.arrayValue?.compactMap(\.stringValue)
        XCTAssertEqual(listed, [token, again])

        // One token table: the access key's token is good on the tutorial's routes too.
        let tutorial = try await sandbox.status("no-such-job", token: token)
        XCTAssertEqual(tutorial.status, 404)
        await sandbox.stop()
    }

    /// A JWT's payload, decoded from base64url.
    private static func payload(of token: String) -> JSONValue? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONValue.parse(String(decoding: data, as: UTF8.self))
    }

    func testWrongKeyAndBadBodies() async throws {
        let sandbox = try await RunningSandbox.start()
        let wrongSecret = try await sandbox.signIn(secret: "guess")
        XCTAssertEqual(wrongSecret.status, 401)
        XCTAssertNotNil(wrongSecret.json["error"]?.stringValue)
        let wrongID = try await sandbox.signIn(id: "someone")
        XCTAssertEqual(wrongID.status, 401)
        let json = [("Content-Type", "application/json")]
        for body in ["accessKeyId=cxv-demo-key", #"{"accessKeyId":"cxv-demo-key"}"#, #"{"accessKeyId":1,"accessKeySecret":"x"}"#, "[]", ""] {
            let answer = try await sandbox.request("POST", "/\(SignIn.accessKeyPath)", headers: json, body: Array(body.utf8))
            XCTAssertEqual(answer.status, 400, body)
            XCTAssertNotNil(answer.json["error"]?.stringValue, body)
        }
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["tokensIssued"]?.intValue, 0)
        await sandbox.stop()
    }

    func testExpiredAccessTokenIsRefused() async throws {
        let sandbox = try await RunningSandbox.start { $0.tokenTTL = .seconds(1) }
        let token = try await sandbox.accessToken()
        let live = try await sandbox.status("no-such-job", token: token)
        XCTAssertEqual(live.status, 404)
        try await Task.sleep(for: .milliseconds(1300))
        let expired = try await sandbox.status("no-such-job", token: token)
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.json["error"]?.stringValue, "invalid_token")
        await sandbox.stop()
    }

    func testDiscoveryPointsAtTheBoundPort() async throws {
        let sandbox = try await RunningSandbox.start { $0.tenantID = "acme-tenant" }
        let answer = try await sandbox.request("GET", "/\(Discovery.request(tenantID: "acme-tenant"))")
        XCTAssertEqual(answer.status, 200, answer.text)
        let endpoint = try XCTUnwrap(Discovery.apiEndpoint(answer.body))
        XCTAssertEqual(endpoint, "http://127.0.0.1:\(sandbox.port)")
        XCTAssertEqual(answer.json["auth_endpoint"]?.stringValue, endpoint)
        XCTAssertEqual(answer.json["area"]?.stringValue, "sandbox")
        XCTAssertEqual(answer.json["cluster"]?.stringValue, "sandbox")

        let unknown = try await sandbox.request("GET", "/\(Discovery.request(tenantID: "other"))")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertNotNil(unknown.json["error"]?.stringValue)
        let missing = try await sandbox.request("GET", "/\(Discovery.path)")
        XCTAssertEqual(missing.status, 400)
        XCTAssertNotNil(missing.json["error"]?.stringValue)
        await sandbox.stop()
    }

    func testBase64URL() {
        XCTAssertEqual(JWTShape.base64url([0xFB, 0xFF]), "-_8")
        XCTAssertEqual(JWTShape.base64url(Array("{}".utf8)), "e30")
    }
}
