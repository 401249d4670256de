import Foundation
import XCTest

/// The client secret and the access tokens stay where they belong: the secret in its
/// file or the environment, a token in the cache file, and nowhere else cxv writes.
final class SecretsTests: XCTestCase {
    var dir: URL!
    let secret = "Kn0wn-s3cret &+=% with spaces"

    override func setUpWithError() throws {
        dir = try Pipeline.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testNeitherTheSecretNorAnyTokenAppearsInAnythingCxvWrites() throws {
        // Short tokens and dropped answers: refreshes, 401s and retries all happen.
        let sandbox = try SandboxProcess(["--job-time", "1", "--token-ttl", "2s", "--drop-rate", "0.1", "--fail-rate", "0.1",
                                          "--latency", "50ms", "--seed", "11", "--client-secret", secret])
        try Data((secret + "\n").utf8).write(to: dir.appendingPathComponent("secret"))
        try Pipeline.sh("chmod 600 secret; mkdir out", in: dir)
        // Every stage at its most talkative: each request, each token fetched or read from the cache.
        let log = "--log-level debug"
        let api = "--base-url \(sandbox.url) --client-secret-file secret \(log)"
        let r = try Pipeline.sh("""
            export CXONE_CLIENT_ID=cxv-demo XDG_CACHE_HOME="$PWD/cache"
            cxv-validate \(log) --region US --dedupe '\(Pipeline.sample)' 2> out/validate.err | cxv-chunk \(log) --size 300 2> out/chunk.err \
            | cxv-gzip \(log) 2> out/gzip.err | tee out/chunks.ndjson | cxv-upload \(api) --journal out/journal.ndjson --concurrency 1 \
              2> out/upload.err | cxv-poll \(api) --interval 0.5 2> out/poll.err > out/stream.ndjson
            cxv-report \(log) --rejects out/rejects.csv < out/stream.ndjson > out/report.txt 2> out/report.err
            cxv-report \(log) --format json < out/stream.ndjson > out/report.json
            cxv-upload \(api) --dry-run < out/stream.ndjson > out/dry.ndjson 2> out/dry.err
            CXONE_CLIENT_SECRET='\(secret)' cxv-upload --base-url \(sandbox.url) --journal out/journal.ndjson \(log) \
              --log-format json < out/stream.ndjson > out/env.ndjson 2> out/env.err
            cxv-upload --base-url \(sandbox.url) --client-id nobody --client-secret-file secret \(log) < out/chunks.ndjson \
              > out/refused.ndjson 2> out/refused.err; echo "refused $?"
            """, in: dir)
        XCTAssertTrue(r.text.contains("refused 77"), r.text)
        let upload = try String(contentsOf: dir.appendingPathComponent("out/upload.err"), encoding: .utf8)
        XCTAssertTrue(upload.contains("debug: POST api/v2/contacts/import → 201"), "debug logs each request: \(upload)")
        XCTAssertTrue(upload.contains("info: fetched a token"), upload)
        let tokens = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: try Pipeline.sh("curl -s \(sandbox.url)/sandbox/tokens").stdout) as? [String])
        XCTAssertGreaterThan(tokens.count, 1, "short-lived tokens were refreshed during the run")

        let written = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        XCTAssertGreaterThanOrEqual(written.count, 14)
        for name in written {
            let text = try String(decoding: Data(contentsOf: dir.appendingPathComponent("out/\(name)")), as: UTF8.self)
            XCTAssertFalse(text.contains(secret), "the secret is in \(name)")
            XCTAssertFalse(text.contains("Kn0wn-s3cret"), "part of the secret is in \(name)")
            for token in tokens { XCTAssertFalse(text.contains(token), "a token is in \(name)") }
        }
        XCTAssertFalse(try String(contentsOf: dir.appendingPathComponent("out/refused.err"), encoding: .utf8).isEmpty,
                       "the refusal is explained")

        // The one place a token lives: the cache, 0600 in a 0700 folder, without the secret.
        let cache = try Pipeline.sh("ls cache/cxv", in: dir).lines
        XCTAssertEqual(cache.count, 1, "\(cache)")
        let cacheText = try String(contentsOf: dir.appendingPathComponent("cache/cxv/\(cache[0])"), encoding: .utf8)
        XCTAssertTrue(tokens.contains { cacheText.contains($0) })
        XCTAssertFalse(cacheText.contains("Kn0wn-s3cret"))
        XCTAssertEqual(try Pipeline.sh("stat -c %a cache/cxv cache/cxv/\(cache[0])", in: dir).lines, ["700", "600"])
    }

    /// The same under call-lists: the access key's secret, and the JWTs it buys, are nowhere cxv writes.
    func testNeitherTheAccessKeySecretNorAnyTokenAppearsUnderCallLists() throws {
        let sandbox = try SandboxProcess(["--job-time", "1", "--token-ttl", "2s", "--drop-rate", "0.1", "--fail-rate", "0.1",
                                          "--latency", "50ms", "--seed", "11", "--access-key-id", "AK1", "--access-key-secret", secret])
        try Data((secret + "\n").utf8).write(to: dir.appendingPathComponent("secret"))
        try Pipeline.sh("chmod 600 secret; mkdir out", in: dir)
        let log = "--log-level debug"
        let api = "--access-key-secret-file secret \(log)"
        let r = try Pipeline.sh("""
            export CXONE_API=call-lists CXONE_ACCESS_KEY_ID=AK1 CXONE_LIST_ID=demo-list CXONE_AUTH_URL=\(sandbox.url) \
              CXONE_DISCOVERY_URL=\(sandbox.url) XDG_CACHE_HOME="$PWD/cache"
            cxv-validate \(log) --region US --dedupe '\(Pipeline.sample)' 2> out/validate.err \
            | cxv-chunk \(log) --external-id phone --size 300 2> out/chunk.err | cxv-gzip \(log) 2> out/gzip.err | tee out/chunks.ndjson \
            | cxv-upload \(api) --journal out/journal.ndjson --concurrency 1 2> out/upload.err \
            | cxv-poll \(api) --interval 0.5 2> out/poll.err > out/stream.ndjson
            cxv-report \(log) --rejects out/rejects.csv < out/stream.ndjson > out/report.txt 2> out/report.err
            cxv-upload \(api) --dry-run < out/chunks.ndjson > out/dry.ndjson 2> out/dry.err
            CXONE_ACCESS_KEY_SECRET='\(secret)' cxv-upload --journal out/journal.ndjson \(log) \
              --log-format json < out/chunks.ndjson > out/env.ndjson 2> out/env.err
            cxv-upload --access-key-id nobody --access-key-secret-file secret \(log) < out/chunks.ndjson \
              > out/refused.ndjson 2> out/refused.err; echo "refused $?"
            """, in: dir)
        XCTAssertTrue(r.text.contains("refused 77"), r.text + r.stderr)
        let upload = try String(contentsOf: dir.appendingPathComponent("out/upload.err"), encoding: .utf8)
        XCTAssertTrue(upload.contains("lists/call-lists/demo-list/upload → 202"), "debug logs each request: \(upload)")
        XCTAssertTrue(upload.contains("discovered the API endpoint"), upload)
        let tokens = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: try Pipeline.sh("curl -s \(sandbox.url)/sandbox/tokens").stdout) as? [String])
        XCTAssertGreaterThan(tokens.count, 1, "short-lived tokens were refreshed during the run")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path) {
            let text = try String(decoding: Data(contentsOf: dir.appendingPathComponent("out/\(name)")), as: UTF8.self)
            XCTAssertFalse(text.contains("Kn0wn-s3cret"), "part of the secret is in \(name)")
            for token in tokens { XCTAssertFalse(text.contains(token), "a token is in \(name)") }
        }
        // The token and the discovered endpoint live in the cache, private, and the secret nowhere there.
        let cache = try Pipeline.sh("ls cache/cxv", in: dir).lines
        XCTAssertEqual(cache.count, 2, "a token file and an endpoint file: \(cache)")
        for file in cache {
            XCTAssertFalse(try String(contentsOf: dir.appendingPathComponent("cache/cxv/\(file)"), encoding: .utf8).contains("Kn0wn-s3cret"))
            XCTAssertEqual(try Pipeline.sh("stat -c %a cache/cxv/\(file)", in: dir).lines, ["600"])
        }
    }

    func testTheSecretCannotBeGivenOnTheCommandLineAndAnOpenSecretFileIsWarnedAbout() throws {
        let sandbox = try SandboxProcess(["--job-time", "0"])
        let flag = try Pipeline.sh("cxv-upload --base-url \(sandbox.url) --client-secret x < /dev/null")
        XCTAssertEqual(flag.status, 64, "no such option")
        for tool in ["cxv-upload", "cxv-poll"] {
            let help = try Pipeline.sh("\(tool) --help").text
            XCTAssertTrue(help.contains("--client-secret-file"), tool)
            XCTAssertFalse(help.contains("--client-secret "), "\(tool) has no option that takes the secret itself")
        }
        try Data("s3cret\n".utf8).write(to: dir.appendingPathComponent("secret"))
        let r = try Pipeline.sh("""
            chmod 644 secret; export CXONE_CLIENT_ID=cxv-demo XDG_CACHE_HOME="$PWD/cache"
            cxv-upload --base-url \(sandbox.url) --client-secret-file secret < /dev/null > /dev/null
            """, in: dir)
        XCTAssertTrue(r.stderr.contains("secret is readable by others (mode 644); chmod 600 it"), r.stderr)
    }

    func testPlainHTTPToAHostThatIsNotLoopbackIsRefused() throws {
        let r = try Pipeline.sh("""
            export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=s
            cxv-upload --base-url http://example.com < /dev/null; echo "status $?"
            cxv-poll --base-url https://127.0.0.1:1 --token-url http://example.com/oauth/token < /dev/null; echo "status $?"
            """)
        XCTAssertEqual(r.lines, ["status 78", "status 78"], r.stderr)
        XCTAssertTrue(r.stderr.contains("plain http to a host that is not loopback"), r.stderr)
    }

    /// cxv-sandbox over TLS with a self-signed certificate: refused (78, with what to do)
    /// until the client is given that certificate with --cacert.
    func testASelfSignedCertificateIsRefusedWithoutCacertAndTrustedWithIt() throws {
        let made = try Pipeline.sh("""
            openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
              -addext subjectAltName=IP:127.0.0.1 2>&1
            { cxv-validate '\(Pipeline.sample)' 2>/dev/null || [ $? -eq 1 ]; } | cxv-chunk | cxv-gzip > chunks.ndjson
            """, in: dir)
        XCTAssertEqual(made.status, 0, made.text)
        let sandbox = try SandboxProcess(["--job-time", "0", "--tls-cert", dir.appendingPathComponent("cert.pem").path,
                                          "--tls-key", dir.appendingPathComponent("key.pem").path])
        XCTAssertTrue(sandbox.url.hasPrefix("https://127.0.0.1:"), sandbox.url)
        let r = try Pipeline.sh("""
            export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME="$PWD/cache"
            cxv-upload --base-url \(sandbox.url) < chunks.ndjson > refused.ndjson; echo "without $?"
            cxv-upload --base-url \(sandbox.url) --cacert cert.pem < chunks.ndjson | grep -c '"state":"submitted"'
            """, in: dir)
        XCTAssertEqual(r.lines, ["without 78", "3"], r.stderr)
        XCTAssertTrue(r.stderr.contains("CERTIFICATE_VERIFY_FAILED"), r.stderr)
        XCTAssertTrue(r.stderr.contains("pass that CA with --cacert FILE"), r.stderr)
    }
}
