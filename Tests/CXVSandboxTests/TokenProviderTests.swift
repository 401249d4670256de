import CXVNet
import Foundation
import XCTest
@testable import CXVSandbox

/// Seconds since 1970 that a test sets by hand: the provider's clock.
final class ManualSeconds: @unchecked Sendable {
    private let lock = NSLock()  // guards `value`
    private var value = Date().timeIntervalSince1970
    var now: Double { lock.withLock { value } }
    func advance(_ seconds: Double) { lock.withLock { value += seconds } }
}

/// The TokenProvider alone, against an in-process sandbox's token endpoint.
final class TokenProviderTests: XCTestCase {
    private var sandbox: RunningSandbox!
    private var transports: [Transport] = []
    private var folder: URL!

    override func tearDown() async throws {
        for transport in transports { await transport.shutdown() }
        await sandbox?.stop()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func start(_ configure: (inout SandboxConfig) -> Void = { _ in }) async throws {
        sandbox = try await RunningSandbox.start(configure)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cxv-token-\(UUID().uuidString)")
    }

    private func provider(secret: String = "cxv-demo-secret", cache: Bool = false,
                          clock: ManualSeconds = ManualSeconds()) throws -> TokenProvider {
        let base = URL(string: "http://127.0.0.1:\(sandbox.port)")!
        let config = APIConfig(root: .fixed(base), tokenURL: base.appendingPathComponent("oauth/token"),
                               signIn: .clientCredentials(clientID: "cxv-demo", secret: secret))
        let transport = try Transport(config: config, timeout: .seconds(10))
        transports.append(transport)
        return TokenProvider(config: config, transport: transport, retry: RetryPolicy(maxAttempts: 2),
                             cache: cache ? TokenCache(path: folder.appendingPathComponent("cxv/token.json").path) : nil,
                             now: { clock.now })
    }

    private func tokensIssued() async throws -> Int {
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        return stats.json["tokensIssued"]?.intValue ?? -1
    }

    func testConcurrentCallersShareOneRequest() async throws {
        try await start()
        let tokens = try provider()
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await tokens.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(values.count, 1)
        let fetched = await tokens.fetched
        XCTAssertEqual(fetched, 1)
        let issued = try await tokensIssued()
        XCTAssertEqual(issued, 1)
    }

    func testRefreshesSixtySecondsBeforeExpiry() async throws {
        try await start()  // expires_in 3600
        let clock = ManualSeconds()
        let tokens = try provider(clock: clock)
        let first = try await tokens.token()
        clock.advance(3600 - 61)
        let stillFirst = try await tokens.token()
        XCTAssertEqual(stillFirst, first)
        clock.advance(2)  // 59 s left: inside the margin
        let second = try await tokens.token()
        XCTAssertNotEqual(second, first)
        let fetched = await tokens.fetched
        XCTAssertEqual(fetched, 2)
    }

    func testAShortLivedTokenRefreshesAtHalfItsLife() async throws {
        try await start { $0.tokenTTL = .seconds(10) }
        let clock = ManualSeconds()
        let tokens = try provider(clock: clock)
        let first = try await tokens.token()
        clock.advance(4)
        let same = try await tokens.token()
        XCTAssertEqual(same, first)
        clock.advance(2)
        let next = try await tokens.token()
        XCTAssertNotEqual(next, first)
    }

    func testTheCacheFileServesAnotherProcessAndIsPrivate() async throws {
        try await start()
        let clock = ManualSeconds()
        let first = try provider(cache: true, clock: clock)
        let token = try await first.token()
        let second = try provider(cache: true, clock: clock)  // as another process would
        let shared = try await second.token()
        XCTAssertEqual(shared, token)
        let fetched = await second.fetched
        XCTAssertEqual(fetched, 0, "read from the cache, not fetched")
        let issued = try await tokensIssued()
        XCTAssertEqual(issued, 1)

        let file = folder.appendingPathComponent("cxv/token.json").path
        let fileMode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("cxv").path)[.posixPermissions] as? Int
        XCTAssertEqual(fileMode, 0o600)
        XCTAssertEqual(folderMode, 0o700)

        // A cached token inside the refresh margin is not used.
        clock.advance(3600 - 30)
        let third = try provider(cache: true, clock: clock)
        let fresh = try await third.token()
        XCTAssertNotEqual(fresh, token)
    }

    func testInvalidateForgetsTheTokenHereAndInTheCache() async throws {
        try await start()
        let tokens = try provider(cache: true)
        let first = try await tokens.token()
        await tokens.invalidate(first)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cxv/token.json").path))
        let second = try await tokens.token()
        XCTAssertNotEqual(second, first)
        let fetched = await tokens.fetched
        XCTAssertEqual(fetched, 2)
    }

    func testAWrongSecretIsRefusedWithoutRetrying() async throws {
        try await start()
        let tokens = try provider(secret: "not-the-secret")
        do {
            _ = try await tokens.token()
            XCTFail("expected a refusal")
        } catch let error as TokenError {
            guard case let .refused(status, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 401)
            XCTAssertFalse(error.description.contains("not-the-secret"), "the secret never appears in a message")
        }
        let fetched = await tokens.fetched
        XCTAssertEqual(fetched, 1)
    }

    func testASecretWithReservedCharactersIsPercentEncoded() async throws {
        let secret = "s3cr&t+=%x y"
        try await start { $0.clientSecret = secret }
        let tokens = try provider(secret: secret)
        let token = try await tokens.token()
        // The token the server issued for that secret: good on a route that needs one (404, not 401).
        let status = try await sandbox.status("no-such-job", token: token)
        XCTAssertEqual(status.status, 404, status.text)
    }
}
