// CXone's calling-list API as the sandbox serves it (docs/design.md §3b), driven through CXVAPI's profile over real HTTP.
import CXVAPI
import CXVCore
import XCTest
@testable import CXVSandbox

/// The API root under the sandbox, at the version clients use by default.
private let root = "/\(Discovery.servicesPath)/\(Discovery.defaultVersion)"
private let header = "external_id,phone_number,first_name,last_name,email"

/// `count` valid records: id\(i), +1202555\(i), …
private func csv(records count: Int, from start: Int = 0, prefix: String = "id", first: String = "First") -> String {
    var text = header + "\n"
    for i in start..<start + count {
        text += "\(prefix)\(i),+1202555\(String(i).leftPadded(to: 4)),\(first)\(i),Last\(i),user\(i)@example.com\n"
    }
    return text
}

private func profile(_ list: String = "demo-list") -> CallListProfile {
    CallListProfile(settings: .init(listID: list))
}

extension RunningSandbox {
    /// A profile's request, sent under the API root.
    func send(_ api: APIRequest, token: String?, under base: String = root) async throws -> HTTPResult {
        let auth = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        return try await request(api.method.rawValue, "\(base)/\(api.path)", headers: api.headers + auth, body: api.body ?? [])
    }

    /// The upload the client makes of a CSV chunk.
    func listUpload(_ csv: String, list: String = "demo-list", token: String) async throws -> HTTPResult {
        let chunk = ChunkPayload(seq: 1, count: 0, body: Array(csv.utf8), gzip: false, sha256: nil)
        return try await send(try profile(list).upload(chunk, idempotencyKey: "unused"), token: token)
    }

    /// Uploads and returns the job id the client reads from the 202.
    func job(_ csv: String, list: String = "demo-list", token: String) async throws -> String {
        let answer = try await listUpload(csv, list: list, token: token)
        guard answer.status == 202, let job = profile(list).jobID(in: answer.body) else {
            throw HTTPTestError.unexpected("upload: \(answer.status) \(answer.text)")
        }
        return job
    }

    func callListStatus(_ job: String, token: String) async throws -> JobStatus {
        let answer = try await send(profile().status(of: job), token: token)
        guard answer.status == 200, case let .status(status) = profile().parseStatus(answer.body, job: job) else {
            throw HTTPTestError.unexpected("status: \(answer.status) \(answer.text)")
        }
        return status
    }

    func waitForCallListJob(_ job: String, token: String, timeout: Duration = .seconds(15)) async throws -> JobStatus {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = try await callListStatus(job, token: token)
            if status.state.isTerminal { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPTestError.unexpected("call-list job \(job) not terminal after \(timeout)")
    }

    func counts(_ list: String = "demo-list", token: String) async throws -> ListCounts {
        let answer = try await send(try XCTUnwrap(profile(list).listCounts()), token: token)
        guard answer.status == 200, let counts = profile(list).parseListCounts(answer.body) else {
            throw HTTPTestError.unexpected("counts: \(answer.status) \(answer.text)")
        }
        return counts
    }

    /// The call-list lines of /sandbox/contacts.
    func listContacts() async throws -> [JSONValue] {
        let answer = try await request("GET", "/sandbox/contacts")
        return answer.text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.filter { $0["list"] != nil }
    }
}

/// The JSON body of an upload with `fields` changed (nil removes one).
private func uploadBody(_ fields: [String: JSONValue?]) -> [UInt8] {
    var members: [(String, JSONValue)] = [
        ("listFile", .string(Base64Text.of(csv(records: 1)))), ("fileName", .string("a.csv")), ("forceOverwrite", .bool(false)),
        ("expirationDate", .string("2030-01-31T00:00:00Z")), ("startSkill", .bool(false)), ("sendEmail", .bool(false)),
    ]
    for (name, value) in fields {
        members.removeAll { $0.0 == name }
        if let value { members.append((name, value)) }
    }
    return Array(JSONValue.object(members).text.utf8)
}

private enum Base64Text {
    static func of(_ text: String) -> String { of(Array(text.utf8)) }
    static func of(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

final class CallListTests: XCTestCase {
    func testEitherSignInsTokenIsGood() async throws {
        let sandbox = try await RunningSandbox.start()
        for token in [try await sandbox.accessToken(), try await sandbox.token()] {
            let counts = try await sandbox.counts(token: token)
            XCTAssertEqual(counts, ListCounts(total: 0, valid: 0, invalid: 0))
        }
        let none = try await sandbox.send(try XCTUnwrap(profile().listCounts()), token: nil)
        XCTAssertEqual(none.status, 401)
        await sandbox.stop()
    }

    func testDiscoveredRootIsServedAtAnyVersion() async throws {
        let sandbox = try await RunningSandbox.start()
        let discovered = try await sandbox.request("GET", "/\(Discovery.request(tenantID: "cxv-sandbox-tenant"))")
        let endpoint = try XCTUnwrap(Discovery.apiEndpoint(discovered.body))
        let base = String(Discovery.apiRoot(endpoint: endpoint, version: "v31.0").dropFirst(endpoint.count))
        let token = try await sandbox.accessToken()
        let counts = try await sandbox.send(try XCTUnwrap(profile().listCounts()), token: token, under: base)
        XCTAssertEqual(counts.status, 200, counts.text)
        await sandbox.stop()
    }

    func testUploadJobCompletesThenCounts() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .seconds(1) }
        let token = try await sandbox.accessToken()
        let answer = try await sandbox.listUpload(csv(records: 3), token: token)
        XCTAssertEqual(answer.status, 202, answer.text)
        guard case .number = answer.json["jobId"] else { return XCTFail("jobId is not a number: \(answer.text)") }
        let job = try XCTUnwrap(profile().jobID(in: answer.body))

        let running = try await sandbox.callListStatus(job, token: token)
        XCTAssertEqual(running.state, .running)
        let raw = try await sandbox.send(profile().status(of: job), token: token).json["uploadJobs"]?.arrayValue?.first
        XCTAssertEqual(raw?["listId"]?.stringValue, "demo-list")
        XCTAssertEqual(raw?["listName"]?.stringValue, "demo-list")
        XCTAssertNotNil(raw?["submitDate"]?.stringValue)
        XCTAssertNotNil(raw?["startDate"]?.stringValue)
        XCTAssertEqual(raw?["completedDate"], .null)
        let before = try await sandbox.counts(token: token)
        XCTAssertEqual(before, ListCounts(total: 0, valid: 0, invalid: 0), "records take effect when the job completes")
        let contactsBefore = try await sandbox.listContacts()
        XCTAssertEqual(contactsBefore, [])

        let done = try await sandbox.waitForCallListJob(job, token: token)
        XCTAssertEqual(done.state, .completed)
        let after = try await sandbox.counts(token: token)
        XCTAssertEqual(after, ListCounts(total: 3, valid: 3, invalid: 0))
        let completed = try await sandbox.send(profile().status(of: job), token: token).json["uploadJobs"]?.arrayValue?.first
        XCTAssertNotNil(completed?["completedDate"]?.stringValue)

        let next = try await sandbox.job(csv(records: 1, from: 10), token: token)
        XCTAssertGreaterThan(try XCTUnwrap(Int(next)), try XCTUnwrap(Int(job)), "numeric job ids, increasing")
        await sandbox.stop()
    }

    func testRepeatedExternalIDUpdates() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero }
        let token = try await sandbox.accessToken()
        _ = try await sandbox.waitForCallListJob(try await sandbox.job(csv(records: 3), token: token), token: token)
        // id1 again, renamed, twice in one file (the last wins), and a new id3.
        let again = csv(records: 3, from: 1, first: "Renamed") + "id1,+12025550001,Final,Last1,user1@example.com\n"
        _ = try await sandbox.waitForCallListJob(try await sandbox.job(again, token: token), token: token)
        let counts = try await sandbox.counts(token: token)
        XCTAssertEqual(counts, ListCounts(total: 4, valid: 4, invalid: 0))
        let contacts = try await sandbox.listContacts()
        XCTAssertEqual(contacts.compactMap { $0["external_id"]?.stringValue }, ["id0", "id1", "id2", "id3"])
        XCTAssertEqual(contacts.compactMap { $0["first_name"]?.stringValue }, ["First0", "Final", "Renamed2", "Renamed3"])
        await sandbox.stop()
    }

    func testInvalidRecordsAreCounted() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero }
        let token = try await sandbox.accessToken()
        // A row of exactly `characters` Unicode characters: é is two bytes but one character.
        func row(_ id: String, characters: Int) -> String {
            let start = "\(id),+12025550199,"
            let end = ",Last,l@example.com"
            return start + String(repeating: "é", count: characters - start.count - end.count) + end
        }
        let long = row("long", characters: 513)
        let fits = row("fits", characters: 512)
        XCTAssertEqual(long.count, 513)
        XCTAssertGreaterThan(fits.utf8.count, 512)
        let file = [header, "ok,+12025550100,Ada,L,a@example.com", "nophone,,Bo,L,b@example.com",
                    "local,555-0100,Cy,L,c@example.com", ",+12025550101,Di,L,d@example.com", long, fits].joined(separator: "\n") + "\n"
        let done = try await sandbox.waitForCallListJob(try await sandbox.job(file, token: token), token: token)
        XCTAssertEqual(done.state, .completed)
        let counts = try await sandbox.counts(token: token)
        XCTAssertEqual(counts, ListCounts(total: 6, valid: 2, invalid: 4))
        let contacts = try await sandbox.listContacts()
        XCTAssertEqual(contacts.compactMap { $0["external_id"]?.stringValue }, ["ok", "fits"])

        // A fixed record is updated to valid under its id; an id-less record is counted again.
        let fixed = header + "\nnophone,+12025550102,Bo,L,b@example.com\n,+12025550101,Di,L,d@example.com\n"
        _ = try await sandbox.waitForCallListJob(try await sandbox.job(fixed, token: token), token: token)
        let after = try await sandbox.counts(token: token)
        XCTAssertEqual(after, ListCounts(total: 7, valid: 3, invalid: 4))
        await sandbox.stop()
    }

    func testUnknownListJobAndVersion() async throws {
        let sandbox = try await RunningSandbox.start()
        let token = try await sandbox.accessToken()
        let upload = try await sandbox.listUpload(csv(records: 1), list: "no-such-list", token: token)
        XCTAssertEqual(upload.status, 404)
        XCTAssertTrue(upload.json["error"]?.stringValue?.contains("list ID") ?? false, upload.text)
        let counts = try await sandbox.send(try XCTUnwrap(profile("no-such-list").listCounts()), token: token)
        XCTAssertEqual(counts.status, 404)
        XCTAssertNotNil(counts.json["error"]?.stringValue)
        for request in [profile().status(of: "12345"), try XCTUnwrap(profile().cancel("12345")), profile().status(of: "x")] {
            let answer = try await sandbox.send(request, token: token)
            XCTAssertEqual(answer.status, 404, request.summary)
            XCTAssertNotNil(answer.json["error"]?.stringValue)
        }
        let badVersion = try await sandbox.send(try XCTUnwrap(profile().listCounts()), token: token,
                                                under: "/\(Discovery.servicesPath)/30")
        XCTAssertEqual(badVersion.status, 404)
        let noToken = try await sandbox.listUpload(csv(records: 1), token: "forged")
        XCTAssertEqual(noToken.status, 401)
        await sandbox.stop()
    }

    func testUnreadableUploadsNameTheProblem() async throws {
        let sandbox = try await RunningSandbox.start()
        let token = try await sandbox.accessToken()
        let path = "\(root)/\(CallListProfile.listsPath)/demo-list/upload"
        let headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        func refusal(_ body: [UInt8], headers: [(String, String)] = headers) async throws -> (Int, String) {
            let answer = try await sandbox.request("POST", path, headers: headers, body: body)
            return (answer.status, answer.json["error"]?.stringValue ?? answer.text)
        }
        let missing = try await refusal(uploadBody(["startSkill": nil, "forceOverwrite": .string("yes")]))
        XCTAssertEqual(missing.0, 400)
        XCTAssertTrue(missing.1.contains("startSkill is missing"), missing.1)
        XCTAssertTrue(missing.1.contains("forceOverwrite must be true or false"), missing.1)
        for field in ["listFile", "fileName", "forceOverwrite", "expirationDate", "startSkill", "sendEmail"] {
            let answer = try await refusal(uploadBody([field: nil]))
            XCTAssertEqual(answer.0, 400, field)
            XCTAssertTrue(answer.1.contains(field), "\(field): \(answer.1)")
        }
        let date = try await refusal(uploadBody(["expirationDate": .string("next week")]))
        XCTAssertTrue(date.0 == 400 && date.1.contains("expirationDate"), date.1)
        let skill = try await refusal(uploadBody(["skillId": .bool(true)]))
        XCTAssertTrue(skill.0 == 400 && skill.1.contains("skillId"), skill.1)
        let notJSON = try await refusal(Array("listFile=abc".utf8))
        XCTAssertEqual(notJSON.0, 400)
        let notBase64 = try await refusal(uploadBody(["listFile": .string("not base64!")]))
        XCTAssertTrue(notBase64.0 == 400 && notBase64.1.contains("base64"), notBase64.1)
        let latin1 = try await refusal(uploadBody(["listFile": .string(Base64Text.of(Array((header + "\nx,+12025550100,Ren").utf8) + [0xE9] + Array(",L,e\n".utf8)))]))
        XCTAssertTrue(latin1.0 == 400 && latin1.1.contains("UTF-8"), latin1.1)
        let noKey = try await refusal(uploadBody(["listFile": .string(Base64Text.of("phone_number,first_name\n+12025550100,Ada\n"))]))
        XCTAssertTrue(noKey.0 == 400 && noKey.1.contains("external_id"), noKey.1)
        let noPhone = try await refusal(uploadBody(["listFile": .string(Base64Text.of("external_id,mobile\n1,+12025550100\n"))]))
        XCTAssertTrue(noPhone.0 == 400 && noPhone.1.contains("phone_number"), noPhone.1)
        let empty = try await refusal(uploadBody(["listFile": .string("")]))
        XCTAssertEqual(empty.0, 400)
        let form = try await refusal(uploadBody([:]), headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/csv")])
        XCTAssertEqual(form.0, 415)
        // Extra columns, in any order, are fine.
        let reordered = Base64Text.of("segment,email,phone_number,external_id\nvip,a@example.com,+12025550100,x1\n")
        let ok = try await sandbox.request("POST", path, headers: headers, body: uploadBody(["listFile": .string(reordered), "skillId": .number("42"), "defaultTimeZone": .string("UTC")]))
        XCTAssertEqual(ok.status, 202, ok.text)
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["callListJobs"]?["running"]?.intValue, 1, "only the readable upload made a job")
        await sandbox.stop()
    }

    func testFileOverTheRecordLimitIsRefused() async throws {
        let sandbox = try await RunningSandbox.start()
        let token = try await sandbox.accessToken()
        let limit = try XCTUnwrap(ImportAPI.callLists.limits.rows)
        XCTAssertEqual(limit, 500_000)
        // Records without an external id are the cheapest to read: they still count.
        var file = Array("external_id,phone_number\n".utf8)
        file.reserveCapacity(file.count + (limit + 1) * 2)
        for _ in 0...limit { file += [UInt8(ascii: ","), UInt8(ascii: "\n")] }
        let chunk = ChunkPayload(seq: 1, count: limit + 1, body: file, gzip: false, sha256: nil)
        let answer = try await sandbox.send(try profile().upload(chunk, idempotencyKey: "unused"), token: token)
        XCTAssertEqual(answer.status, 413, answer.text)
        XCTAssertTrue(answer.json["error"]?.stringValue?.contains("500000 records") ?? false, answer.text)
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["callListJobs"]?["running"]?.intValue, 0)
        await sandbox.stop()
    }

    func testLimitsAtTheirEdges() async throws {
        let sandbox = try await RunningSandbox.start { $0.callListLimits.rows = 3 }
        let token = try await sandbox.accessToken()
        let three = try await sandbox.listUpload(csv(records: 3), token: token)
        XCTAssertEqual(three.status, 202, three.text)
        let four = try await sandbox.listUpload(csv(records: 4), token: token)
        XCTAssertEqual(four.status, 413)
        XCTAssertTrue(four.json["error"]?.stringValue?.contains("more than 3 records") ?? false, four.text)
        await sandbox.stop()

        let small = try await RunningSandbox.start { $0.callListLimits.bytes = 200 }
        let smallToken = try await small.accessToken()
        // 52 bytes of header, 15 before the filler and 3 after it.
        let file = { (bytes: Int) in header + "\na,+12025550100," + String(repeating: "x", count: bytes - 70) + ",,\n" }
        XCTAssertEqual(file(201).utf8.count, 201)
        let over = try await small.listUpload(file(201), token: smallToken)
        XCTAssertEqual(over.status, 413)
        XCTAssertTrue(over.json["error"]?.stringValue?.contains("limit of 200 bytes") ?? false, over.text)
        let at = try await small.listUpload(file(200), token: smallToken)
        XCTAssertEqual(at.status, 202, at.text)
        await small.stop()
    }

    func testTenantCapacityRefusesAndChangesNothing() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .seconds(1); $0.tenantCapacity = 5; $0.lists = ["a", "b"] }
        let token = try await sandbox.accessToken()
        let first = try await sandbox.job(csv(records: 3), list: "a", token: token)
        // The first job is not applied yet: its three ids are pending and count.
        let racing = try await sandbox.listUpload(csv(records: 3, prefix: "other"), list: "b", token: token)
        XCTAssertEqual(racing.status, 400, racing.text)
        XCTAssertTrue(racing.json["error"]?.stringValue?.contains("tenant capacity of 5 active records") ?? false, racing.text)
        let fits = try await sandbox.job(csv(records: 2, prefix: "other"), list: "b", token: token)
        let updates = try await sandbox.job(csv(records: 3, first: "Again"), list: "a", token: token)
        for job in [first, fits, updates] { _ = try await sandbox.waitForCallListJob(job, token: token) }

        let before = try await sandbox.request("GET", "/sandbox/stats").json
        let refused = try await sandbox.listUpload(csv(records: 1, from: 3), list: "a", token: token)
        XCTAssertEqual(refused.status, 400)
        XCTAssertTrue(refused.json["error"]?.stringValue?.contains("tenant capacity of 5 active records") ?? false, refused.text)
        try await Task.sleep(for: .milliseconds(1100))
        let after = try await sandbox.request("GET", "/sandbox/stats").json
        XCTAssertEqual(after["lists"], before["lists"])
        XCTAssertEqual(after["callListJobs"], before["callListJobs"])
        XCTAssertEqual(after["activeRecords"]?.intValue, 5)
        XCTAssertEqual(after["lists"]?["a"]?["totalRecords"]?.intValue, 3)
        XCTAssertEqual(after["lists"]?["b"]?["totalRecords"]?.intValue, 2)
        await sandbox.stop()
    }

    func testCancelledJobIsNeverApplied() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .seconds(1); $0.tenantCapacity = 2 }
        let token = try await sandbox.accessToken()
        let job = try await sandbox.job(csv(records: 2), token: token)
        let cancel = try await sandbox.send(try XCTUnwrap(profile().cancel(job)), token: token)
        XCTAssertTrue(cancel.status == 200 || cancel.status == 204, cancel.text)
        let status = try await sandbox.callListStatus(job, token: token)
        XCTAssertEqual(status.state, .cancelled)
        let raw = try await sandbox.send(profile().status(of: job), token: token).json["uploadJobs"]?.arrayValue?.first
        XCTAssertEqual(raw?["isCancelled"], .bool(true))
        XCTAssertEqual(raw?["isComplete"], .bool(false))
        try await Task.sleep(for: .milliseconds(1200))
        let counts = try await sandbox.counts(token: token)
        XCTAssertEqual(counts, ListCounts(total: 0, valid: 0, invalid: 0))
        let contacts = try await sandbox.listContacts()
        XCTAssertEqual(contacts, [])
        // What it reserved of the tenant's capacity is free again.
        let next = try await sandbox.job(csv(records: 2, from: 5), token: token)
        let completed = try await sandbox.waitForCallListJob(next, token: token)
        XCTAssertEqual(completed.state, .completed)
        let stats = try await sandbox.request("GET", "/sandbox/stats").json
        XCTAssertEqual(stats["callListJobs"]?["cancelled"]?.intValue, 1)
        XCTAssertEqual(stats["callListJobs"]?["complete"]?.intValue, 1)
        await sandbox.stop()
    }

    func testCancellingACompletedJobConflicts() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero }
        let token = try await sandbox.accessToken()
        let job = try await sandbox.job(csv(records: 1), token: token)
        let done = try await sandbox.waitForCallListJob(job, token: token)
        XCTAssertEqual(done.state, .completed)
        let cancel = try await sandbox.send(try XCTUnwrap(profile().cancel(job)), token: token)
        XCTAssertEqual(cancel.status, 409)
        XCTAssertNotNil(cancel.json["error"]?.stringValue)
        let status = try await sandbox.callListStatus(job, token: token)
        XCTAssertEqual(status.state, .completed)
        let counts = try await sandbox.counts(token: token)
        XCTAssertEqual(counts.total, 1)
        await sandbox.stop()
    }

    func testJobFailRateCancels() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero; $0.faults.jobFailRate = 1; $0.faults.seed = 3 }
        let token = try await sandbox.accessToken()
        let job = try await sandbox.job(csv(records: 2), token: token)
        let status = try await sandbox.waitForCallListJob(job, token: token)
        XCTAssertEqual(status.state, .cancelled)
        let counts = try await sandbox.counts(token: token)
        XCTAssertEqual(counts, ListCounts(total: 0, valid: 0, invalid: 0))
        await sandbox.stop()
    }

    func testThrottledCallListRoutesHaveNoRetryAfter() async throws {
        let sandbox = try await RunningSandbox.start { $0.faults.throttle = 1 }
        let token = try await sandbox.accessToken()  // the second's one request
        let counts = try await sandbox.send(try XCTUnwrap(profile().listCounts()), token: token)
        XCTAssertEqual(counts.status, 429)
        XCTAssertNil(counts.headers["retry-after"])
        XCTAssertNotNil(counts.json["error"]?.stringValue)
        let signIn = try await sandbox.signIn()
        XCTAssertEqual(signIn.status, 429)
        XCTAssertNil(signIn.headers["retry-after"])
        let discovery = try await sandbox.request("GET", "/\(Discovery.request(tenantID: "cxv-sandbox-tenant"))")
        XCTAssertEqual(discovery.status, 429)
        XCTAssertNil(discovery.headers["retry-after"])
        let tutorial = try await sandbox.status("x", token: token)
        XCTAssertEqual(tutorial.status, 429)
        XCTAssertEqual(tutorial.headers["retry-after"], "1", "the tutorial's routes keep Retry-After")
        let stats = try await sandbox.request("GET", "/sandbox/stats")
        XCTAssertEqual(stats.json["requests"]?["GET \(CallListRoute.counts)"]?["429"]?.intValue, 1)
        await sandbox.stop()
    }

    func testStatsAndContactsIncludeTheLists() async throws {
        let sandbox = try await RunningSandbox.start { $0.jobTime = .zero; $0.lists = ["east", "west"] }
        let token = try await sandbox.accessToken()
        let tutorial = try await sandbox.upload("phone_number,first_name,last_name,email\n+12025550100,Ada,Lovelace,ada@example.com\n", token: token)
        let tutorialJob = try XCTUnwrap(tutorial.json["jobId"]?.stringValue)
        _ = try await sandbox.waitForJob(tutorialJob, token: token)
        _ = try await sandbox.waitForCallListJob(try await sandbox.job(csv(records: 2), list: "east", token: token), token: token)
        let invalid = header + "\nw1,+12025550100,W,L,w@example.com\nw2,,X,L,x@example.com\n"
        _ = try await sandbox.waitForCallListJob(try await sandbox.job(invalid, list: "west", token: token), token: token)

        let stats = try await sandbox.request("GET", "/sandbox/stats").json
        XCTAssertEqual(stats["lists"], .object([
            ("east", .object([("totalRecords", .number("2")), ("validRecords", .number("2")), ("invalidRecords", .number("0"))])),
            ("west", .object([("totalRecords", .number("2")), ("validRecords", .number("1")), ("invalidRecords", .number("1"))])),
        ]))
        XCTAssertEqual(stats["callListJobs"], .object([("running", .number("0")), ("complete", .number("2")), ("cancelled", .number("0"))]))
        XCTAssertEqual(stats["contactsStored"]?.intValue, 1, "the tutorial's count is its own")

        let lines = try await sandbox.request("GET", "/sandbox/contacts").text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], .object([("phone_number", .string("+12025550100")), ("first_name", .string("Ada")), ("last_name", .string("Lovelace")),
                                          ("email", .string("ada@example.com")), ("job", .string(tutorialJob))]))
        XCTAssertEqual(lines[1], .object([("list", .string("east")), ("external_id", .string("id0")), ("phone_number", .string("+12025550000")),
                                          ("first_name", .string("First0")), ("last_name", .string("Last0")), ("email", .string("user0@example.com"))]))
        XCTAssertEqual(lines.dropFirst().map { "\($0["list"]?.stringValue ?? "")/\($0["external_id"]?.stringValue ?? "")" },
                       ["east/id0", "east/id1", "west/w1"])
        await sandbox.stop()
    }
}

/// The routes as /sandbox/stats names them.
private enum CallListRoute {
    static let counts = "/\(Discovery.servicesPath)/{version}/\(CallListProfile.listsPath)/{listId}"
}

final class CallListParserTests: XCTestCase {
    func testVersions() {
        for good in ["v30.0", "v1.10", "v31.0"] { XCTAssertTrue(SandboxServer.isVersion(good), good) }
        for bad in ["30.0", "v30", "v.0", "v30.", "v30.0.1", "vx.0", ""] { XCTAssertFalse(SandboxServer.isVersion(bad), bad) }
    }

    func testRecordCharactersCountTheRowAsWritten() throws {
        // A quoted field's quotes and a doubled quote count, as cxv-chunk's CSVWriter writes them.
        let quoted = "q,+12025550100,\"a, \"\"b\"\"\",L,e\n"
        var limits = ImportAPI.callLists.limits
        limits.recordCharacters = "q,+12025550100,\"a, \"\"b\"\"\",L,e".count
        var upload = try CallListParser.records(file: Array((header + "\n" + quoted).utf8), limits: limits)
        XCTAssertEqual(upload.keyed.map(\.isValid), [true])
        XCTAssertEqual(upload.keyed.first?.firstName, "a, \"b\"")
        limits.recordCharacters? -= 1
        upload = try CallListParser.records(file: Array((header + "\n" + quoted).utf8), limits: limits)
        XCTAssertEqual(upload.keyed.map(\.isValid), [false])
    }
}
