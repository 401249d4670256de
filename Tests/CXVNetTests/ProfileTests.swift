import CXVAPI
import CXVCore
import Foundation
import XCTest
@testable import CXVNet

/// The two contracts' profiles: what they send and how they read what comes back.
final class ProfileTests: XCTestCase {
    let csv = Array("external_id,phone_number,first_name,last_name,email\nA1,+12025550101,Zoë,\"O'Neil, Jr\",z@example.com\n".utf8)

    func settings() -> CallListProfile.UploadSettings {
        var settings = CallListProfile.UploadSettings(listID: "list 7", expirationDate: Date(timeIntervalSince1970: 1_800_000_000))
        settings.skillID = "42"
        return settings
    }

    func testACallListUploadIsTheCSVBase64InAJSONBodyWithEveryRequiredField() throws {
        let gzip = try csv.withUnsafeBytes { (b) throws(GzipError) in try Gzip.compress(b) }
        let sha = csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
        let request = try CallListProfile(settings: settings())
            .upload(ChunkPayload(seq: 3, count: 1, body: gzip, gzip: true, sha256: sha), idempotencyKey: sha)
        XCTAssertEqual(request.method, .POST)
        XCTAssertEqual(request.path, "lists/call-lists/list%207/upload")
        XCTAssertFalse(request.headers.contains { $0.0 == "Idempotency-Key" }, "call-lists has no Idempotency-Key")
        XCTAssertTrue(request.headers.contains { $0 == ("Content-Type", "application/json") })
        let body = try XCTUnwrap(request.body.flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) })
        let file = try XCTUnwrap(body["listFile"]?.stringValue)
        XCTAssertEqual(Data(base64Encoded: file).map { Array($0) }, csv, "the CSV itself, inflated, not the gzip")
        XCTAssertEqual(body["fileName"]?.stringValue, "list 7-3.csv")
        XCTAssertEqual(body["forceOverwrite"], .bool(false))
        XCTAssertEqual(body["startSkill"], .bool(false))
        XCTAssertEqual(body["sendEmail"], .bool(false))
        XCTAssertEqual(body["expirationDate"]?.stringValue, "2027-01-15T08:00:00Z")
        XCTAssertEqual(body["skillId"]?.stringValue, "42")
        XCTAssertNil(body["defaultTimeZone"], "an optional field not given is not sent")
        XCTAssertTrue(request.summary.contains("listFile (\(file.utf8.count) bytes of base64 of \(csv.count) bytes of CSV)"), request.summary)
        XCTAssertFalse(request.summary.contains(file), "the summary names the file's size, not its contents")
    }

    func testACompressedChunkWhoseCSVIsNotItsSha256IsRefusedBeforeAnythingIsSent() throws {
        let gzip = try csv.withUnsafeBytes { (b) throws(GzipError) in try Gzip.compress(b) }
        XCTAssertThrowsError(try CallListProfile(settings: settings())
            .upload(ChunkPayload(seq: 3, count: 1, body: gzip, gzip: true, sha256: String(repeating: "0", count: 64)), idempotencyKey: "k")) {
            XCTAssertTrue("\($0)".contains("sha256"), "\($0)")
        }
        XCTAssertThrowsError(try CallListProfile(settings: settings())
            .upload(ChunkPayload(seq: 3, count: 1, body: [1, 2, 3], gzip: true, sha256: nil), idempotencyKey: "k"))
    }

    func testCallListJobStatusesAndCounts() {
        let profile = CallListProfile(settings: settings())
        func status(_ text: String) -> ParsedStatus { profile.parseStatus(Array(text.utf8), job: "17") }
        guard case let .status(done) = status(#"{"uploadJobs":[{"jobId":16,"isComplete":false},{"jobId":17,"listId":7,"isComplete":true,"isCancelled":false}]}"#) else {
            return XCTFail("a complete job")
        }
        XCTAssertEqual(done.state, .completed)
        XCTAssertNil(done.recordsProcessed, "CXone does not count a job's records")
        guard case let .status(cancelled) = status(#"{"uploadJobs":[{"jobId":"17","isComplete":false,"isCancelled":true}]}"#) else {
            return XCTFail("a cancelled job")
        }
        XCTAssertEqual(cancelled.state, .cancelled)
        XCTAssertEqual(cancelled.errors, ["cancelled in CXone"])
        guard case let .status(running) = status(#"{"uploadJobs":[{"jobId":17,"isComplete":false,"isCancelled":false}]}"#) else {
            return XCTFail("a running job")
        }
        XCTAssertEqual(running.state, .running)
        for broken in [#"{"uploadJobs":[]}"#, #"{"uploadJobs":[{"jobId":18,"isComplete":true}]}"#, #"{"jobs":[]}"#, "<html>"] {
            guard case .malformed = status(broken) else { return XCTFail("a contract break: \(broken)") }
        }
        XCTAssertEqual(profile.jobID(in: Array(#"{"jobId": 123}"#.utf8)), "123")
        XCTAssertNil(profile.jobID(in: Array(#"{"id": 123}"#.utf8)))
        XCTAssertEqual(profile.parseListCounts(Array(#"{"resultSet":{"listId":7,"totalRecords":10,"validRecords":8,"invalidRecords":2}}"#.utf8)),
                       ListCounts(total: 10, valid: 8, invalid: 2))
        XCTAssertEqual(profile.cancel("17")?.method, .DELETE)
        XCTAssertNil(ContactsImportProfile().cancel("17"), "the tutorial's API cannot cancel")
    }

    func testTheTenantIsReadFromTheTokensJWTPayload() {
        func jwt(_ payload: String) -> String {
            let encoded = Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            return "eyJhbGciOiJSUzI1NiJ9.\(encoded).c2ln"
        }
        XCTAssertEqual(SignIn.tenantID(inJWT: jwt(#"{"tenantId":"11e9-abc","sub":"user?>"}"#)), "11e9-abc")
        XCTAssertNil(SignIn.tenantID(inJWT: jwt(#"{"sub":"x"}"#)))
        XCTAssertNil(SignIn.tenantID(inJWT: "opaque-token"))
        let granted = SignIn.granted(Array(#"{"access_token":"opaque","expires_in":3600,"id_token":"\#(jwt(#"{"tenantId":"t9"}"#))"}"#.utf8))
        XCTAssertEqual(granted?.tenantID, "t9", "the id_token names the tenant when the access token is opaque")
        XCTAssertEqual(granted?.expiresIn, 3600)
        let key = SignIn.accessKey(id: "AK", secret: "s3cret")
        XCTAssertFalse("\(key)".contains("s3cret"))
        XCTAssertEqual(String(decoding: key.request.body, as: UTF8.self), #"{"accessKeyId":"AK","accessKeySecret":"s3cret"}"#)
    }

    func testOneKeySchemeForFirstSendsAndReSends() {
        XCTAssertEqual(ChunkUploader.key(csvSHA256: "abc", resend: 0), "abc")
        XCTAssertEqual(ChunkUploader.key(csvSHA256: "abc", resend: 2), "abc-retry-2")
    }

    func testARunSpeaksOneAPIAndRefusesAChunkForAnother() async throws {
        func chunk(_ api: String?) throws -> ChunkRecord {
            let member = api.map { #","api":"\#($0)""# } ?? ""
            let line = Array(#"{"kind":"chunk","state":"built","seq":2\#(member),"count":0,"csv":""}"#.utf8)
            return try line.withUnsafeBytes { try ChunkRecord($0) }
        }
        let opened = OpenedAPIs()
        let declared = try SessionOpener(environment: ["CXONE_API": "call-lists"]) { api in opened.add(api); return nil }
        try await declared.start()
        _ = try await declared.session(for: try chunk("call-lists"))
        do {
            _ = try await declared.session(for: try chunk(nil))
            XCTFail("a chunk without api is a contacts-import chunk, which CXONE_API=call-lists refuses")
        } catch let error as CXVError {
            XCTAssertEqual(error.exitStatus, .config)
            XCTAssertTrue(error.description.contains("CXONE_API=call-lists"), error.description)
        }
        let fromChunks = try SessionOpener(environment: [:]) { api in opened.add(api); return nil }
        _ = try await fromChunks.session(for: try chunk("call-lists"))
        await XCTAssertThrowsErrorAsync(try await fromChunks.session(for: try chunk("contacts-import")))
        await XCTAssertThrowsErrorAsync(try await fromChunks.session(for: try chunk("carrier-pigeon")))
        XCTAssertEqual(opened.apis, [.callLists, .callLists], "each run opened once, for the API it speaks")
        XCTAssertThrowsError(try SessionOpener(environment: ["CXONE_API": "calllists"]) { _ in nil })
    }
}

final class OpenedAPIs: @unchecked Sendable {
    private let lock = NSLock()  // guards `list`
    private var list: [ImportAPI] = []
    func add(_ api: ImportAPI) { lock.withLock { list.append(api) } }
    var apis: [ImportAPI] { lock.withLock { list } }
}

func XCTAssertThrowsErrorAsync<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await expression()
        XCTFail("no error thrown", file: file, line: line)
    } catch {}
}
