import CXVAPI
import Foundation
import XCTest
@testable import CXVNet

/// SplitMix64: a seeded generator, so a policy's draws can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class RetryPolicyTests: XCTestCase {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1), maxTotal: .seconds(10))

    func testFullJitterStaysUnderTheExponentialCeiling() {
        var random = SystemRandomNumberGenerator()
        for attempt in 1...4 {
            let ceiling = min(1000, 100 << (attempt - 1))
            var seen = Set<Int64>()
            for _ in 0..<200 {
                let wait = policy.delay(afterAttempt: attempt, elapsed: .zero, retryAfter: nil, using: &random)!
                XCTAssertGreaterThanOrEqual(wait.milliseconds, 0)
                XCTAssertLessThanOrEqual(wait.milliseconds, Int64(ceiling), "attempt \(attempt)")
                seen.insert(wait.milliseconds)
            }
            XCTAssertGreaterThan(seen.count, 10, "jitter spreads the waits")
        }
    }

    func testDrawsComeFromTheInjectedSource() {
        func waits(seed: UInt64) -> [Int64] {
            var random = SeededRandom(state: seed)
            return (1...4).map { policy.delay(afterAttempt: $0, elapsed: .zero, retryAfter: nil, using: &random)!.milliseconds }
        }
        XCTAssertEqual(waits(seed: 1), waits(seed: 1))
        XCTAssertNotEqual(waits(seed: 1), waits(seed: 2))
    }

    func testRetryAfterWinsButIsCapped() {
        var random = SeededRandom(state: 3)
        XCTAssertEqual(policy.delay(afterAttempt: 1, elapsed: .zero, retryAfter: .milliseconds(700), using: &random), .milliseconds(700))
        XCTAssertEqual(policy.delay(afterAttempt: 1, elapsed: .zero, retryAfter: .seconds(60), using: &random), .seconds(1))
    }

    /// CXone throttles without Retry-After: full jitter from 200 ms would spend six attempts in about a second.
    func testA429WithoutRetryAfterBacksOffFromASecondAndAtLeastHalfOfEachStep() {
        var random = SeededRandom(state: 5)
        let wide = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(200), maxDelay: .seconds(30), maxTotal: .seconds(300))
        for attempt in 1...5 {
            let step = Int64(1000) << (attempt - 1)
            for _ in 0..<50 {
                let wait = wide.delay(afterAttempt: attempt, elapsed: .zero, retryAfter: nil, throttled: true, using: &random)!.milliseconds
                XCTAssertTrue((step / 2...step).contains(wait), "attempt \(attempt): \(wait) ms")
            }
        }
        XCTAssertEqual(wide.delay(afterAttempt: 1, elapsed: .zero, retryAfter: .milliseconds(300), throttled: true, using: &random),
                       .milliseconds(300), "a Retry-After still wins")
        let unthrottled = (0..<50).map { _ in wide.delay(afterAttempt: 1, elapsed: .zero, retryAfter: nil, using: &random)!.milliseconds }
        XCTAssertLessThanOrEqual(unthrottled.max()!, 200, "a 503 keeps the quick full jitter")
    }

    func testBoundedAttemptsAndTotalTime() {
        var random = SeededRandom(state: 3)
        XCTAssertNil(policy.delay(afterAttempt: 5, elapsed: .zero, retryAfter: nil, using: &random), "5 attempts is the most")
        XCTAssertNil(policy.delay(afterAttempt: 1, elapsed: .seconds(10), retryAfter: nil, using: &random))
        XCTAssertNil(policy.delay(afterAttempt: 1, elapsed: .milliseconds(9500), retryAfter: .seconds(1), using: &random),
                     "a wait that would end past the total is not started")
    }

    func testWhatIsRetryable() {
        for status in [408, 429, 500, 502, 503, 504] { XCTAssertTrue(RetryPolicy.isRetryable(status: status), "\(status)") }
        for status in [200, 201, 400, 401, 403, 404, 413] { XCTAssertFalse(RetryPolicy.isRetryable(status: status), "\(status)") }
    }

    func testRetryAfterParsing() {
        XCTAssertEqual(RetryAfter.parse("3"), .seconds(3))
        XCTAssertEqual(RetryAfter.parse(" 0.5 "), .milliseconds(500))
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        XCTAssertEqual(RetryAfter.parse("Sun, 09 Sep 2001 01:46:50 GMT", now: now), .seconds(10))
        XCTAssertNil(RetryAfter.parse("soon"))
        XCTAssertNil(RetryAfter.parse(nil))
    }
}

final class MessageParsingTests: XCTestCase {
    private func parse(_ text: String, job: String = "j1") -> JobStatus? {
        guard case let .status(status) = ContactsImportProfile().parseStatus(Array(text.utf8), job: job) else { return nil }
        return status
    }

    func testJobStatusAndRowErrors() throws {
        let status = try XCTUnwrap(parse(#"{"jobId":"j1","status":"FAILED","recordsProcessed":0,"errors":["row 3: phone_number must be in E.164 format","row 12: bad","transient failure","row x: no","rows 4: no"]}"#))
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.rowErrors.map(\.row), [3, 12])
        XCTAssertEqual(status.rowErrors.first?.message, "row 3: phone_number must be in E.164 format")
        let unknown = try XCTUnwrap(parse(#"{"jobId":"j1","status":"DONE"}"#))
        XCTAssertEqual(unknown.state, .running, "a status the API does not define is waited on, not taken as an end")
        XCTAssertEqual(unknown.statusText, "DONE", "and named as the server spelled it")
        XCTAssertFalse(ContactsImportProfile().defines(status: "DONE"))
        XCTAssertNil(parse(#"{"jobId":"j1"}"#), "no status at all is not a job status")
        XCTAssertNil(parse("<html>oops</html>"))
        XCTAssertNil(parse(#"{"jobId":"j2","status":"QUEUED"}"#), "the status of another job is not this job's")
        XCTAssertEqual(parse(#"{"jobId":"j1","status":"QUEUED"}"#)?.errors, [])
    }

    func testFormEncodingKeepsSecretsIntact() {
        XCTAssertEqual(FormEncoding.encode("a&b=c+d %e/é"), "a%26b%3Dc%2Bd%20%25e%2F%C3%A9")
        XCTAssertEqual(FormEncoding.encode("contact:write contact:read"), "contact%3Awrite%20contact%3Aread")
    }

    func testTransportRules() throws {
        for url in ["https://t.api.nice-incontact.com", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            XCTAssertNoThrow(try APIConfig.checkTransport(URL(string: url)!, allowHTTP: false), url)
        }
        XCTAssertThrowsError(try APIConfig.checkTransport(URL(string: "http://example.com")!, allowHTTP: false))
        XCTAssertNoThrow(try APIConfig.checkTransport(URL(string: "http://example.com")!, allowHTTP: true))
        XCTAssertThrowsError(try APIConfig.checkTransport(URL(string: "ftp://example.com")!, allowHTTP: true))
    }

    func testConfigurationFromEnvironmentNeverTakesTheSecretFromAFlag() throws {
        let env = ["CXONE_TENANT": "acme", "CXONE_CLIENT_ID": "id", "CXONE_CLIENT_SECRET": "s3cret"]
        let config = try APIConfig.resolve(.contactsImport, APIConfig.Options(), environment: env, warn: { _ in })
        guard case let .fixed(base) = config.root else { return XCTFail("a tenant's address is fixed") }
        XCTAssertEqual(base.absoluteString, "https://acme.api.nice-incontact.com")
        XCTAssertEqual(config.tokenURL.absoluteString, "https://acme.api.nice-incontact.com/oauth/token")
        guard case let .clientCredentials(_, secret) = config.signIn else { return XCTFail("client credentials") }
        XCTAssertEqual(secret, "s3cret")
        XCTAssertFalse("\(config.signIn)".contains("s3cret"))
        XCTAssertThrowsError(try APIConfig.resolve(.contactsImport, APIConfig.Options(),
                                                   environment: ["CXONE_TENANT": "acme", "CXONE_CLIENT_ID": "id"], warn: { _ in }))
    }

    func testCallListsSignInWithAnAccessKeyAndDiscoverTheirEndpointUnlessGivenOne() throws {
        let env = ["CXONE_ACCESS_KEY_ID": "AK1", "CXONE_ACCESS_KEY_SECRET": "k3y"]
        let discovered = try APIConfig.resolve(.callLists, APIConfig.Options(), environment: env, warn: { _ in })
        guard case let .discovered(url, version) = discovered.root else { return XCTFail("no base URL: discovery") }
        XCTAssertEqual(url.absoluteString, "https://cxone.niceincontact.com")
        XCTAssertEqual(version, "v30.0")
        XCTAssertEqual(discovered.tokenURL.absoluteString, "https://na1.nice-incontact.com/authentication/v1/token/access-key")
        guard case let .accessKey(id, secret) = discovered.signIn else { return XCTFail("an access key") }
        XCTAssertEqual([id, secret], ["AK1", "k3y"])
        XCTAssertFalse("\(discovered.signIn)".contains("k3y"))

        var options = APIConfig.Options()
        options.apiVersion = "v31.0"
        let fixed = try APIConfig.resolve(.callLists, options, environment: env.merging(["CXONE_BASE_URL": "https://api-x.niceincontact.com/"]) { $1 },
                                          warn: { _ in })
        guard case let .fixed(root) = fixed.root else { return XCTFail("a base URL skips discovery") }
        XCTAssertEqual(root.absoluteString, "https://api-x.niceincontact.com/inContactAPI/services/v31.0")

        XCTAssertThrowsError(try APIConfig.resolve(.callLists, APIConfig.Options(), environment: ["CXONE_ACCESS_KEY_ID": "AK1"], warn: { _ in })) {
            XCTAssertTrue("\($0)".contains("CXONE_ACCESS_KEY_SECRET"), "\($0)")
        }
        XCTAssertThrowsError(try APIConfig.resolve(.callLists, APIConfig.Options(), environment: ["CXONE_CLIENT_ID": "id", "CXONE_CLIENT_SECRET": "s"],
                                                   warn: { _ in })) {
            XCTAssertTrue("\($0)".contains("CXONE_ACCESS_KEY_ID"), "client credentials do not sign in to call-lists: \($0)")
        }
    }

    func testSecretFileReadableByOthersIsWarnedAbout() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-secret-\(UUID().uuidString)").path
        try Data("s3cret\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        chmod(path, 0o644)
        var warnings: [String] = []
        var options = APIConfig.Options()
        options.baseURL = "http://127.0.0.1:1"
        options.clientID = "id"
        options.clientSecretFile = path
        let config = try APIConfig.resolve(.contactsImport, options, environment: [:], warn: { warnings.append($0) })
        guard case let .clientCredentials(_, secret) = config.signIn else { return XCTFail("client credentials") }
        XCTAssertEqual(secret, "s3cret")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertFalse(warnings[0].contains("s3cret"))
        chmod(path, 0o600)
        warnings = []
        _ = try APIConfig.resolve(.contactsImport, options, environment: [:], warn: { warnings.append($0) })
        XCTAssertEqual(warnings, [])
        options.accessKeyID = "AK1"
        options.accessKeySecretFile = path
        chmod(path, 0o640)
        _ = try APIConfig.resolve(.callLists, options, environment: [:], warn: { warnings.append($0) })
        XCTAssertEqual(warnings.count, 1, "the access key secret file is warned about the same way")
    }

    func testTokenCacheFileIsPrivate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = TokenCache(path: dir + "/cxv/token.json")
        cache.store(.init(value: "tok", expiresAt: 42))
        XCTAssertEqual(cache.load()?.value, "tok")
        var info = stat()
        XCTAssertEqual(stat(cache.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(dir + "/cxv", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        cache.remove(ifValue: "other")
        XCTAssertNotNil(cache.load(), "only the token the API refused is dropped")
        cache.remove(ifValue: "tok")
        XCTAssertNil(cache.load())
    }
}
