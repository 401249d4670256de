import CXVAPI
import CXVCore
@testable import CXVInput
@testable import CXVValidate
import CXVNet
import XCTest
@testable import CXVSandbox

private let header = "phone_number,first_name,last_name,email"

/// `count` good rows: +1555000000i, FirstNamei, …
private func csv(rows count: Int, from start: Int = 0) -> String {
    var text = header + "\n"
    for i in start..<start + count {
        text += "+1555\(String(i).leftPadded(to: 7)),First\(i),Last\(i),user\(i)@example.com\n"
    }
    return text
}

// MARK: - The pure pieces

final class FormBodyTests: XCTestCase {
    func testPercentEncodedSecretWithReservedCharacters() {
        let secret = "s3cr&t+=%x y"
        let form = FormBody("grant_type=client_credentials&client_id=cxv-demo&client_secret=\(FormEncoding.encode(secret))&scope=contact%3Awrite+contact%3Aread")
        XCTAssertEqual(form["client_secret"], secret)
        XCTAssertEqual(form["scope"], "contact:write contact:read")
        XCTAssertEqual(form["grant_type"], "client_credentials")
    }

    func testPlusIsSpaceAndLowerCaseHex() {
        XCTAssertEqual(FormBody("a=x+y%2b%2Bz")["a"], "x y++z")
    }

    func testTutorialUnencodedBody() {
        let form = FormBody("client_id=cxv-demo&client_secret=cxv-demo-secret&grant_type=client_credentials&scope=contact:write")
        XCTAssertEqual(form.fields.map(\.name), ["client_id", "client_secret", "grant_type", "scope"])
        XCTAssertEqual(form["scope"], "contact:write")
    }

    func testMalformedEscapesStayAsTheyAre() {
        XCTAssertEqual(FormBody("a=100%&b=%zz%4&c")["a"], "100%")
        XCTAssertEqual(FormBody("a=100%&b=%zz%4&c")["b"], "%zz%4")
        XCTAssertEqual(FormBody("a=100%&b=%zz%4&c")["c"], "")
        XCTAssertEqual(FormBody("a=1&a=2")["a"], "1")
        XCTAssertEqual(FormBody("=v&&k=")["k"], "")
    }

    func testUTF8Escapes() {
        XCTAssertEqual(FormBody("n=Ren%C3%A9e")["n"], "Renée")
    }
}

final class ImportParserTests: XCTestCase {
    private func parse(_ text: String, gzip: Bool = false) throws(ImportError) -> ParsedImport {
        var body = Array(text.utf8)
        if gzip { body = body.withUnsafeBytes { try! Gzip.compress($0) } }
        return try ImportParser.parse(body: body, gzip: gzip, maxDecompressed: 1 << 20)
    }

    private func refusal(_ text: String, gzip: Bool = false) -> String? {
        do {
            _ = try parse(text, gzip: gzip)
            return nil
        } catch {
            return error.description
        }
    }

    func testGoodRowsAndRowErrors() throws {
        let upload = try parse(header + "\n+12025550123,Ada,Lovelace,ada@example.com\n555-CALL-NOW,Bad,Row,b@example.com\n\"+447911123456\",\"Grace, Rear Adm.\",Hopper,\n+0123,Zero,Lead,z@example.com\n")
        XCTAssertEqual(upload.dataRows, 4)
        XCTAssertEqual(upload.rows(), [
            ImportRow(phoneNumber: "+12025550123", firstName: "Ada", lastName: "Lovelace", email: "ada@example.com"),
            ImportRow(phoneNumber: "+447911123456", firstName: "Grace, Rear Adm.", lastName: "Hopper", email: ""),
        ])
        XCTAssertEqual(upload.rowErrors, ["row 2: phone_number must be in E.164 format", "row 4: phone_number must be in E.164 format"])
    }

    func testGzipAndExtraColumns() throws {
        let upload = try parse(header + ",segment\r\n+12025550123,Ada,Lovelace,ada@example.com,vip\r\n", gzip: true)
        XCTAssertEqual(upload.rows().count, 1)
        XCTAssertEqual(upload.rows()[0].email, "ada@example.com")
        XCTAssertEqual(try parse(header + "\n").rows(), [])
    }

    func testRefusals() {
        XCTAssertEqual(refusal(""), "the body is empty: expected a header row phone_number,first_name,last_name,email")
        XCTAssertNotNil(refusal("+12025550123,Ada,Lovelace,ada@example.com\n")?.range(of: "header row must start with"))
        XCTAssertNotNil(refusal("phone_number,last_name,first_name,email\n")?.range(of: "header row must start with"))
        XCTAssertEqual(refusal(header + "\n+12025550123,Ada,Lovelace,a@x.com\n+12025550124,Bob\n"), "row 2: 2 fields where the header has 4")
        XCTAssertEqual(refusal(header + "\n+12025550123,\"Ada,Lovelace,a@x.com\n"), "row 1: a quoted field is never closed")
        // The same phrase cxv-validate's reject for such a row starts with: one set of messages.
        XCTAssertEqual(refusal(header + "\n+12025550123,\"Ada\"x,Lovelace,a@x.com\n"), "row 1: text follows a closing quote")
        for problem in [RowProblem.unterminatedQuote, .textAfterQuote, .tooLong(limit: 9)] {
            XCTAssertTrue(Validator.error(for: problem).message.contains(problem.summary), "\(problem)")
        }
        XCTAssertThrowsError(try ImportParser.parse(body: Array("not gzip".utf8), gzip: true, maxDecompressed: 1 << 20)) {
            XCTAssertTrue(($0 as? ImportError)?.description.hasPrefix("Content-Encoding is gzip but the body is") ?? false, "\($0)")
        }
        var gz = Array(csv(rows: 3).utf8).withUnsafeBytes { try! Gzip.compress($0) }
        XCTAssertThrowsError(try ImportParser.parse(body: gz, gzip: false, maxDecompressed: 1 << 20)) {
            XCTAssertEqual(($0 as? ImportError)?.description, "the body looks gzip'd but came without Content-Encoding: gzip")
        }
        gz.removeLast(4)
        XCTAssertThrowsError(try ImportParser.parse(body: gz, gzip: true, maxDecompressed: 1 << 20)) {
            guard case .unreadable = $0 as? ImportError else { return XCTFail("\($0)") }
        }
    }

    func testGzipBombIsTooLarge() {
        let zeros = [UInt8](repeating: UInt8(ascii: "0"), count: 4 << 20)
        let bomb = zeros.withUnsafeBytes { try! Gzip.compress($0) }
        XCTAssertThrowsError(try ImportParser.parse(body: bomb, gzip: true, maxDecompressed: 1 << 20)) {
            guard case .tooLarge = $0 as? ImportError else { return XCTFail("\($0)") }
        }
    }
}

final class FaultInjectorTests: XCTestCase {
    private func faults(_ configure: (inout FaultConfig) -> Void) -> FaultInjector {
        var config = FaultConfig()
        config.seed = 42
        configure(&config)
        return FaultInjector(config)
    }

    func testSameSeedSameFaults() {
        var a = faults { $0.failRate = 0.3; $0.dropRate = 0.2; $0.jobFailRate = 0.5 }
        var b = faults { $0.failRate = 0.3; $0.dropRate = 0.2; $0.jobFailRate = 0.5 }
        let now = ContinuousClock.now
        let seqA = (0..<200).map { _ in a.request(at: now) }
        let seqB = (0..<200).map { _ in b.request(at: now) }
        XCTAssertEqual(seqA, seqB)
        XCTAssertTrue(seqA.contains(.unavailable))
        XCTAssertTrue(seqA.contains(.drop))
        XCTAssertTrue(seqA.contains(.none))
        XCTAssertEqual((0..<50).map { _ in a.jobFails() }, (0..<50).map { _ in b.jobFails() })
        var c = faults { $0.seed = 43; $0.failRate = 0.3; $0.dropRate = 0.2 }
        XCTAssertNotEqual(seqA, (0..<200).map { _ in c.request(at: now) })
    }

    func testCertainties() {
        var never = faults { _ in }
        var always = faults { $0.failRate = 1; $0.jobFailRate = 1 }
        var drops = faults { $0.dropRate = 1 }
        let now = ContinuousClock.now
        for _ in 0..<100 {
            XCTAssertEqual(never.request(at: now), .none)
            XCTAssertFalse(never.jobFails())
            XCTAssertEqual(always.request(at: now), .unavailable)
            XCTAssertTrue(always.jobFails())
            XCTAssertEqual(drops.request(at: now), .drop)
        }
    }

    func testThrottleRollingSecond() {
        var f = faults { $0.throttle = 2 }
        let t0 = ContinuousClock.now
        XCTAssertEqual(f.request(at: t0), .none)
        XCTAssertEqual(f.request(at: t0 + .milliseconds(100)), .none)
        XCTAssertEqual(f.request(at: t0 + .milliseconds(200)), .throttle)
        XCTAssertEqual(f.request(at: t0 + .milliseconds(999)), .throttle)
        XCTAssertEqual(f.request(at: t0 + .milliseconds(1000)), .none)  // the first has left the window
        XCTAssertEqual(f.request(at: t0 + .milliseconds(1050)), .throttle)
        XCTAssertEqual(f.request(at: t0 + .milliseconds(1100)), .none)
    }

    func testSplitMix64KnownValues() {
        // Reference outputs of SplitMix64 seeded with 0.
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}

// MARK: - Over HTTP

final class SandboxHTTPTests: XCTestCase {
    func testTokenWithEncodedSecret() async throws {
        let secret = "p&ss+w=rd% with spaces"
        let sandbox = try await RunningSandbox.start { $0.clientSecret = secret; $0.tokenTTL = .seconds(90) }
        let token = try await sandbox.token(secret: secret)
        XCTAssertEqual(token.count, 64)

        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        let ok = try await sandbox.request("POST", "/oauth/token", headers: form,
                                           body: Array("grant_type=client_credentials&client_id=cxv-demo&client_secret=\(FormEncoding.encode(secret))&scope=contact:write".utf8))
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.json["token_type"]?.stringValue, "Bearer")
        XCTAssertEqual(ok.json["expires_in"]?.intValue, 90)
        XCTAssertNotEqual(ok.json["access_token"]?.stringValue, token)

        let wrong = try await sandbox.request("POST", "/oauth/token", headers: form,
                                              body: Array("grant_type=client_credentials&client_id=cxv-demo&client_secret=p%26ss&scope=contact:write".utf8))
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.json["error"]?.stringValue, "invalid_client")
        let grant = try await sandbox.request("POST", "/oauth/token", headers: form, body: Array("grant_type=password&client_id=cxv-demo".utf8))
        XCTAssertEqual(grant.status, 400)
        XCTAssertEqual(grant.json["error"]?.stringValue, "unsupported_grant_type")
        let scope = try await sandbox.request("POST", "/oauth/token", headers: form,
                                              body: Array("grant_type=client_credentials&client_id=cxv-demo&client_secret=\(FormEncoding.encode(secret))&scope=contact:read".utf8))
        XCTAssertEqual(scope.status, 400)
        let huge = try await sandbox.request("POST", "/oauth/token", headers: form, body: [UInt8](repeating: UInt8(ascii: "a"), count: 100_000))
        XCTAssertEqual(huge.status, 413)
        XCTAssertNotNil(huge.json["error"]?.stringValue)
        await sandbox.stop()
    }

    func testTutorialClientRawTokenBody() async throws {
        let sandbox = try await RunningSandbox.start()
        // Exactly what the tutorial's Go client sends: fmt.Sprintf, no encoding.
        let body = "client_id=cxv-demo&client_secret=cxv-demo-secret&grant_type=client_credentials&scope=contact:write"
        let result = try await sandbox.request("POST", "/oauth/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        XCTAssertEqual(result.status, 200, result.text)
        let token = try XCTUnwrap(result.json["access_token"]?.stringValue)
        XCTAssertEqual(result.json["expires_in"]?.intValue, 3600)
        // A contact:write token may also poll, as the tutorial does.
        let created = try await sandbox.upload(csv(rows: 2), token: token)
        XCTAssertEqual(created.status, 201)
        let job = try XCTUnwrap(created.json["jobId"]?.stringValue)
        let polled = try await sandbox.status(job, token: token)
        XCTAssertEqual(polled.status, 200)
        // Its buildCSVChunk returns the buffer before the deferred Flush: the body ends where
        // bufio.Writer last flushed, inside a row. Cut inside the row's second field, the row
        // is refused by name (cut inside its email, no server could tell).
        let full = csv(rows: 1000)
        let cutRows = 988
        let rowStart = full.range(of: "\n+1555\(String(cutRows - 1).leftPadded(to: 7)),")!.lowerBound
        let cut = String(full[...rowStart]) + "+1555\(String(cutRows - 1).leftPadded(to: 7)),Fir"
        let truncated = try await sandbox.upload(cut, token: token)
        XCTAssertEqual(truncated.status, 400, truncated.text)
        XCTAssertTrue(truncated.json["error"]?.stringValue?.hasPrefix("row \(cutRows):") == true, truncated.text)
        await sandbox.stop()
    }

    func testAuthAndTokenExpiry() async throws {
        let sandbox = try await RunningSandbox.start { $0.tokenTTL = .seconds(1) }
        let none = try await sandbox.request("GET", "/api/v2/contacts/import/x")
        XCTAssertEqual(none.status, 401)
        XCTAssertNotNil(none.json["error"]?.stringValue)
        let forged = try await sandbox.status("x", token: "forged")
        XCTAssertEqual(forged.status, 401)
        let token = try await sandbox.token()
        let live = try await sandbox.status("x", token: token)
        XCTAssertEqual(live.status, 404)
        try await Task.sleep(for: .milliseconds(1300))
        let expired = try await sandbox.upload(csv(rows: 1), token: token)
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.json["error"]?.stringValue, "invalid_token")
        await sandbox.stop()
    }

    func testImportAndIdempotency() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero }
        let token = try await sandbox.token()
        let first = try await sandbox.upload(csv(rows: 3), token: token, key: "k1")
        XCTAssertEqual(first.status, 201)
        XCTAssertEqual(first.json["status"]?.stringValue, "QUEUED")
        let job = try XCTUnwrap(first.json["jobId"]?.stringValue)
        let again = try await sandbox.upload(csv(rows: 3), token: token, key: "k1")
        XCTAssertEqual(again.status, 201)
        XCTAssertEqual(again.json["jobId"]?.stringValue, job)
        let other = try await sandbox.upload(csv(rows: 3), token: token, key: "k2")
        XCTAssertNotEqual(other.json["jobId"]?.stringValue, job)
        let plain = try await sandbox.upload(csv(rows: 1, from: 10), token: token, gzip: false)
        XCTAssertEqual(plain.status, 201)

        let done = try await sandbox.waitForJob(job, token: token)
        XCTAssertEqual(done.last.json["status"]?.stringValue, "COMPLETED")
        XCTAssertEqual(done.last.json["recordsProcessed"]?.intValue, 3)
        XCTAssertEqual(done.last.json["errors"]?.arrayValue, [])
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["jobs"]?["COMPLETED"]?.intValue, 3)
        XCTAssertEqual(stats.json["contactsStored"]?.intValue, 7)
        XCTAssertEqual(stats.json["distinctPhoneNumbers"]?.intValue, 4)
        XCTAssertEqual(stats.json["requests"]?["POST /api/v2/contacts/import"]?["201"]?.intValue, 4)
        await sandbox.stop()
    }

    func testUnreadableUploads() async throws {
        let sandbox = try await RunningSandbox.start { $0.maxBody = 4096 }
        let token = try await sandbox.token()
        let auth = [("Authorization", "Bearer \(token)")]
        let badGzip = try await sandbox.request("POST", "/api/v2/contacts/import", headers: auth + [("Content-Encoding", "gzip")], body: Array("plain text".utf8))
        XCTAssertEqual(badGzip.status, 400)
        XCTAssertNotNil(badGzip.json["error"]?.stringValue)
        let noHeader = try await sandbox.upload("+12025550123,Ada,Lovelace,ada@example.com\n", token: token)
        XCTAssertEqual(noHeader.status, 400)
        let ragged = try await sandbox.upload(header + "\n+12025550123,Ada,Lovelace\n", token: token)
        XCTAssertEqual(ragged.status, 400)
        XCTAssertEqual(ragged.json["error"]?.stringValue, "row 1: 3 fields where the header has 4")
        let big = try await sandbox.upload(csv(rows: 200), token: token, gzip: false)
        XCTAssertEqual(big.status, 413)
        let encoding = try await sandbox.request("POST", "/api/v2/contacts/import", headers: auth + [("Content-Encoding", "br")], body: [1, 2])
        XCTAssertEqual(encoding.status, 415)
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["requests"]?["POST /api/v2/contacts/import"]?["400"]?.intValue, 3)
        XCTAssertEqual(stats.json["requests"]?["POST /api/v2/contacts/import"]?["413"]?.intValue, 1)
        XCTAssertEqual(stats.json["jobs"]?["QUEUED"]?.intValue, 0)
        await sandbox.stop()
    }

    func testChunkedBodyLimit() async throws {
        let sandbox = try await RunningSandbox.start { $0.maxBody = 4096 }
        let token = try await sandbox.token()
        let headers = [("Authorization", "Bearer \(token)"), ("Transfer-Encoding", "chunked")]
        func chunked(_ text: String) -> [UInt8] {
            Array("\(String(text.utf8.count, radix: 16))\r\n\(text)\r\n0\r\n\r\n".utf8)
        }
        let small = try await sandbox.request("POST", "/api/v2/contacts/import", headers: headers, body: chunked(csv(rows: 3)))
        XCTAssertEqual(small.status, 201, small.text)
        let big = try await sandbox.request("POST", "/api/v2/contacts/import", headers: headers, body: chunked(csv(rows: 200)))
        XCTAssertEqual(big.status, 413)
        XCTAssertNotNil(big.json["error"]?.stringValue)
        await sandbox.stop()
    }

    func testJobLifecycle() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .seconds(1) }
        let token = try await sandbox.token()
        let created = try await sandbox.upload(csv(rows: 5), token: token)
        let job = try XCTUnwrap(created.json["jobId"]?.stringValue)
        let contactsBefore = try await sandbox.request("GET", "/sandbox/contacts")
        XCTAssertEqual(contactsBefore.body, [])
        let done = try await sandbox.waitForJob(job, token: token)
        XCTAssertEqual(done.seen, ["QUEUED", "PROCESSING", "COMPLETED"])
        XCTAssertEqual(done.last.json["recordsProcessed"]?.intValue, 5)
        let unknown = try await sandbox.status("no-such-job", token: token)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertNotNil(unknown.json["error"]?.stringValue)
        await sandbox.stop()
    }

    func testBadRowsFailTheJob() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero }
        let token = try await sandbox.token()
        let body = header + "\n+12025550123,Ada,Lovelace,a@x.com\n2025550124,Bob,B,b@x.com\n+12025550125,Cy,C,c@x.com\n+1-202-555-0126,Di,D,d@x.com\n"
        let created = try await sandbox.upload(body, token: token)
        let job = try XCTUnwrap(created.json["jobId"]?.stringValue)
        let done = try await sandbox.waitForJob(job, token: token)
        XCTAssertEqual(done.last.json["status"]?.stringValue, "FAILED")
        XCTAssertEqual(done.last.json["recordsProcessed"]?.intValue, 0)
        XCTAssertEqual(done.last.json["errors"], .array([.string("row 2: phone_number must be in E.164 format"),
                                                         .string("row 4: phone_number must be in E.164 format")]))
        let contacts = try await sandbox.request("GET", "/sandbox/contacts")
        XCTAssertEqual(contacts.body, [])
        await sandbox.stop()
    }

    func testPartialStoresGoodRows() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero; $0.partial = true }
        let token = try await sandbox.token()
        let body = header + "\n+12025550123,Ada,Lovelace,a@x.com\nnope,Bob,B,b@x.com\n+12025550125,Cy,C,c@x.com\n"
        let created = try await sandbox.upload(body, token: token)
        let job = try XCTUnwrap(created.json["jobId"]?.stringValue)
        let done = try await sandbox.waitForJob(job, token: token)
        XCTAssertEqual(done.last.json["status"]?.stringValue, "COMPLETED")
        XCTAssertEqual(done.last.json["recordsProcessed"]?.intValue, 2)
        XCTAssertEqual(done.last.json["errors"], .array([.string("row 2: phone_number must be in E.164 format")]))
        let contacts = try await sandbox.request("GET", "/sandbox/contacts")
        let lines = contacts.text.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.map { $0?["phone_number"]?.stringValue }, ["+12025550123", "+12025550125"])
        XCTAssertEqual(lines.first??["job"]?.stringValue, job)
        XCTAssertEqual(lines.first??["first_name"]?.stringValue, "Ada")
        await sandbox.stop()
    }

    func testJobFailRateOne() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero; $0.faults.jobFailRate = 1; $0.faults.seed = 7 }
        let token = try await sandbox.token()
        let created = try await sandbox.upload(csv(rows: 4), token: token)
        let job = try XCTUnwrap(created.json["jobId"]?.stringValue)
        let done = try await sandbox.waitForJob(job, token: token)
        XCTAssertEqual(done.last.json["status"]?.stringValue, "FAILED")
        XCTAssertEqual(done.last.json["errors"], .array([.string(SandboxState.transientFailure)]))
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["contactsStored"]?.intValue, 0)
        XCTAssertEqual(stats.json["seed"]?.stringValue, "7")
        await sandbox.stop()
    }

    func testThrottle() async throws {
        let sandbox = try await RunningSandbox.start { $0.faults.throttle = 2 }
        let token = try await sandbox.token()  // the first of the second's two
        _ = try await sandbox.status("x", token: token)
        let throttled = try await sandbox.status("x", token: token)
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(throttled.headers["retry-after"], "1")
        // /sandbox/* is never throttled.
        for _ in 0..<5 {
            let stats = try await sandbox.request("GET", "/sandbox/stats")
            XCTAssertEqual(stats.status, 200)
        }
        try await Task.sleep(for: .milliseconds(1100))
        let after = try await sandbox.status("x", token: token)
        XCTAssertEqual(after.status, 404)
        await sandbox.stop()
    }

    func testFailRateOne() async throws {
        let sandbox = try await RunningSandbox.start { $0.faults.failRate = 1 }
        let form = "grant_type=client_credentials&client_id=cxv-demo&client_secret=cxv-demo-secret&scope=contact:write"
        let token = try await sandbox.request("POST", "/oauth/token", body: Array(form.utf8))
        XCTAssertEqual(token.status, 503)
        let status = try await sandbox.request("GET", "/api/v2/contacts/import/x")
        XCTAssertEqual(status.status, 503)
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.status, 200)
        XCTAssertEqual(stats.json["tokensIssued"]?.intValue, 0)
        XCTAssertEqual(stats.json["requests"]?["POST /oauth/token"]?["503"]?.intValue, 1)
        await sandbox.stop()
    }

    func testDropClosesWithoutAnswerAfterHandling() async throws {
        let sandbox = try await RunningSandbox.start { $0.faults.dropRate = 1 }
        let form = "grant_type=client_credentials&client_id=cxv-demo&client_secret=cxv-demo-secret&scope=contact:write"
        do {
            let answer = try await sandbox.request("POST", "/oauth/token", body: Array(form.utf8))
            XCTFail("expected no answer, got \(answer.status)")
        } catch HTTPTestError.closedWithoutAnswer {}
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["tokensIssued"]?.intValue, 1)
        XCTAssertEqual(stats.json["requests"]?["POST /oauth/token"]?["dropped"]?.intValue, 1)
        await sandbox.stop()
    }

    func testStatsAndContactsAgree() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero; $0.faults.seed = 1 }
        let token = try await sandbox.token()
        var jobs: [String] = []
        for (start, count) in [(0, 3), (2, 4), (0, 1)] {
            let created = try await sandbox.upload(csv(rows: count, from: start), token: token)
            jobs.append(try XCTUnwrap(created.json["jobId"]?.stringValue))
        }
        for job in jobs { _ = try await sandbox.waitForJob(job, token: token) }
        let stats = try await sandbox.request("GET", "/sandbox/stats").json
        let contacts = try await sandbox.request("GET", "/sandbox/contacts")
        XCTAssertEqual(contacts.headers["content-type"], "application/x-ndjson")
        let lines = contacts.text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 8)
        XCTAssertEqual(stats["contactsStored"]?.intValue, lines.count)
        XCTAssertEqual(stats["distinctPhoneNumbers"]?.intValue, Set(lines.compactMap { $0["phone_number"]?.stringValue }).count)
        XCTAssertEqual(stats["distinctPhoneNumbers"]?.intValue, 6)
        XCTAssertEqual(stats["tokensIssued"]?.intValue, 1)
        XCTAssertEqual(stats["jobs"]?["COMPLETED"]?.intValue, 3)
        XCTAssertEqual(Set(lines.compactMap { $0["job"]?.stringValue }), Set(jobs))
        XCTAssertEqual(stats["requests"]?["POST /oauth/token"]?["200"]?.intValue, 1)
        XCTAssertEqual(stats["requests"]?["POST /api/v2/contacts/import"]?["201"]?.intValue, 3)
        XCTAssertNotNil(stats["requests"]?["GET /api/v2/contacts/import/{jobId}"]?["200"]?.intValue)
        XCTAssertNil(stats["requests"]?["GET /sandbox/stats"])
        await sandbox.stop()
    }
}
