import CXVAPI
import CXVCore

/// Everything the sandbox remembers: tokens, jobs, contacts and counts. An actor,
/// so concurrent requests see one consistent history.
public actor SandboxState {
    public nonisolated let config: SandboxConfig
    /// Internal, not private: the call-list routes (SandboxState+CXone) draw job fates from it too.
    var faults: FaultInjector
    private var tokens: [String: ContinuousClock.Instant] = [:]  // token → expiry
    private var tokensIssued = 0
    /// Every token issued, for GET /sandbox/tokens: tests look for them where they must not be.
    private var issuedTokens: [String] = []
    private var jobs: [String: Job] = [:]
    /// Jobs not yet terminal, in creation (so deadline) order, from `firstUnsettled`.
    private var unsettled: [String] = []
    private var firstUnsettled = 0
    private var idempotency: [String: (job: String, at: ContinuousClock.Instant)] = [:]
    /// What completed jobs stored, job by job in the order they completed.
    private var stored: [(job: String, upload: ParsedImport)] = []
    private var contactsStored = 0
    /// Distinct stored numbers, counted when asked (by sorting E164 keys, which
    /// are one-to-one for E.164), not as jobs complete: hashing a million keys there cost
    /// an eighth of the server's time. `contactsStored` when counted, and the count.
    private var distinctPhones = (stored: 0, count: 0)
    private var requests: [String: [String: Int]] = [:]
    /// CXone's calling lists (SandboxState+CXone serves them).
    var callLists: CallListState
    /// Where clients reach this sandbox, `scheme://host:port`, once it listens: discovery points here.
    var endpoint = ""

    public static let transientFailure = "transient failure, retry the upload"
    static let idempotencyWindow: Duration = .seconds(24 * 3600)

    struct Job {
        enum Plan {
            /// Store the upload's rows; `errors` are the rows left out (with --partial).
            case complete(errors: [String])
            case fail(errors: [String])
        }

        let created: ContinuousClock.Instant
        /// Until the job settles, what it stores if it completes.
        var upload: ParsedImport?
        let plan: Plan
        var terminal = false
        var recordsProcessed = 0
    }

    public init(config: SandboxConfig) {
        self.config = config
        faults = FaultInjector(config.faults)
        callLists = CallListState(config: config)
    }

    // MARK: - Faults and counts

    public func fault() -> RequestFault {
        faults.request(at: .now)
    }

    /// Counts a request under its route and outcome (a status code, "dropped", "reset", "reset after 201"…).
    public func record(route: String, outcome: String) {
        requests[route, default: [:]][outcome, default: 0] += 1
    }

    // MARK: - Tokens

    /// POST /oauth/token.
    public func token(form: FormBody) -> APIResponse {
        let now = ContinuousClock.now
        guard let grant = form["grant_type"] else {
            return .error(400, "invalid_request", description: "grant_type is missing")
        }
        guard grant == "client_credentials" else {
            return .error(400, "unsupported_grant_type", description: "only client_credentials is supported")
        }
        guard form["client_id"] == config.clientID, form["client_secret"] == config.clientSecret else {
            return .error(401, "invalid_client", description: "unknown client or wrong secret")
        }
        let scopes = (form["scope"] ?? "").split(separator: " ")
        guard scopes.contains("contact:write") else {
            return .error(400, "invalid_scope", description: "the scope must include contact:write")
        }
        let token = SandboxState.randomHex(bytes: 32)
        issue(token, at: now)
        return .json(200) { w in
            w.key("access_token")
            w.string(token)
            w.key("token_type")
            w.string("Bearer")
            w.key("expires_in")
            w.int(tokenSeconds)
        }
    }

    /// Makes `token` live for --token-ttl and lists it in /sandbox/tokens, whichever sign-in issued it.
    func issue(_ token: String, at now: ContinuousClock.Instant) {
        tokens[token] = now + config.tokenTTL
        tokensIssued += 1
        issuedTokens.append(token)
    }

    /// A token's lifetime in whole seconds, rounded up, for `expires_in`.
    nonisolated var tokenSeconds: Int {
        let ttl = config.tokenTTL.components
        return Int(ttl.seconds) + (ttl.attoseconds > 0 ? 1 : 0)
    }

    /// Nil when `authorization` carries a live token this sandbox issued; else the 401.
    public func authorize(_ authorization: String?) -> APIResponse? {
        let now = ContinuousClock.now
        let challenge = [(name: "WWW-Authenticate", value: "Bearer error=\"invalid_token\"")]
        guard let authorization, authorization.count > 7,
              authorization.prefix(7).lowercased() == "bearer " else {
            return .error(401, "invalid_token", description: "send Authorization: Bearer <token>", headers: challenge)
        }
        let token = String(authorization.dropFirst(7)).trimmingSpaces()
        guard let expiry = tokens[token] else {
            return .error(401, "invalid_token", description: "the token is unknown", headers: challenge)
        }
        guard now < expiry else {
            tokens[token] = nil
            return .error(401, "invalid_token", description: "the token has expired", headers: challenge)
        }
        return nil
    }

    // MARK: - Jobs

    /// 201 for the first job made with `key` in the last 24 hours, with its status now; nil when there is none.
    public func replay(idempotencyKey key: String?) -> APIResponse? {
        let now = ContinuousClock.now
        guard let key, let first = idempotency[key], now - first.at < SandboxState.idempotencyWindow else { return nil }
        settle(now)
        return SandboxState.created(first.job, status(of: first.job, now: now) ?? .queued)
    }

    /// Makes a job of a readable upload: 201 `{"jobId","status":"QUEUED"}`.
    public func createJob(_ upload: ParsedImport, idempotencyKey key: String?) -> APIResponse {
        let now = ContinuousClock.now
        if let replayed = replay(idempotencyKey: key) { return replayed }
        let id = SandboxState.jobID()
        let transient = faults.jobFails()  // drawn for every job, so the seed replays job fates
        let plan: Job.Plan
        if !upload.rowErrors.isEmpty && !config.partial {
            plan = .fail(errors: upload.rowErrors)
        } else if transient {
            plan = .fail(errors: [SandboxState.transientFailure])
        } else {
            plan = .complete(errors: upload.rowErrors)
        }
        let completes: Bool
        if case .complete = plan { completes = true } else { completes = false }
        jobs[id] = Job(created: now, upload: completes ? upload : nil, plan: plan)
        unsettled.append(id)
        if let key { idempotency[key] = (id, now) }
        return SandboxState.created(id, .queued)
    }

    /// GET /api/v2/contacts/import/{jobId}.
    public func jobStatus(_ id: String) -> APIResponse {
        let now = ContinuousClock.now
        settle(now)
        guard let job = jobs[id], let status = status(of: id, now: now) else {
            return .error(404, "no import job \(id)")
        }
        let errors: [String]
        switch (job.terminal, job.plan) {
        case (false, _): errors = []
        case let (true, .complete(rowErrors)): errors = rowErrors
        case let (true, .fail(failure)): errors = failure
        }
        return .json(200) { w in
            w.key("jobId")
            w.string(id)
            w.key("status")
            w.string(status.rawValue)
            w.key("recordsProcessed")
            w.int(job.recordsProcessed)
            w.key("errors")
            w.beginArray()
            for error in errors { w.string(error) }
            w.endArray()
        }
    }

    private func status(of id: String, now: ContinuousClock.Instant) -> ContactsImportProfile.Status? {
        guard let job = jobs[id] else { return nil }
        if job.terminal {
            if case .complete = job.plan { return .completed }
            return .failed
        }
        return now - job.created < config.jobTime / 2 ? .queued : .processing
    }

    /// Brings every job whose time is up to its terminal state, storing a completed
    /// job's rows then: each job is settled once, so nothing is stored twice.
    private func settle(_ now: ContinuousClock.Instant) {
        while firstUnsettled < unsettled.count {
            let id = unsettled[firstUnsettled]
            guard var job = jobs[id], now - job.created >= config.jobTime else { break }
            if case .complete = job.plan, let upload = job.upload {
                stored.append((id, upload))
                contactsStored += upload.storableCount
                job.recordsProcessed = upload.storableCount
            }
            job.upload = nil
            job.terminal = true
            jobs[id] = job
            firstUnsettled += 1
        }
        if firstUnsettled > 1024, firstUnsettled * 2 > unsettled.count {  // compact now and then, not per job
            unsettled.removeFirst(firstUnsettled)
            firstUnsettled = 0
        }
    }

    private static func created(_ id: String, _ status: ContactsImportProfile.Status) -> APIResponse {
        .json(201) { w in
            w.key("jobId")
            w.string(id)
            w.key("status")
            w.string(status.rawValue)
        }
    }

    // MARK: - /sandbox

    /// GET /sandbox/stats.
    public func stats() -> APIResponse {
        let now = ContinuousClock.now
        settle(now)
        var byStatus: [ContactsImportProfile.Status: Int] = [:]
        for id in jobs.keys {
            if let status = status(of: id, now: now) { byStatus[status, default: 0] += 1 }
        }
        return .json(200) { w in
            w.key("seed")
            w.string(String(faults.seed))
            w.key("tokensIssued")
            w.int(tokensIssued)
            w.key("requests")
            w.beginObject()
            for route in requests.keys.sorted() {
                w.key(route)
                w.beginObject()
                for (outcome, count) in requests[route]!.sorted(by: { $0.key < $1.key }) {
                    w.key(outcome)
                    w.int(count)
                }
                w.endObject()
            }
            w.endObject()
            w.key("jobs")
            w.beginObject()
            for status in ContactsImportProfile.Status.allCases {
                w.key(status.rawValue)
                w.int(byStatus[status] ?? 0)
            }
            w.endObject()
            w.key("contactsStored")
            w.int(contactsStored)
            w.key("distinctPhoneNumbers")
            w.int(distinctPhoneNumbers())
            callLists.writeStats(&w, now: now)
        }
    }

    private func distinctPhoneNumbers() -> Int {
        guard distinctPhones.stored != contactsStored else { return distinctPhones.count }
        var keys = stored.flatMap(\.upload.phoneKeys)
        keys.sort()
        var count = 0
        for (index, key) in keys.enumerated() where index == 0 || keys[index - 1] != key { count += 1 }
        distinctPhones = (contactsStored, count)
        return count
    }

    /// GET /sandbox/tokens: every access token issued, oldest first.
    public func tokensJSON() -> APIResponse {
        var w = JSONWriter()
        w.beginArray()
        for token in issuedTokens { w.string(token) }
        w.endArray()
        return APIResponse(status: 200, body: w.bytes)
    }

    /// GET /sandbox/contacts: NDJSON, in the order stored, then each calling list's valid records.
    public func contactsNDJSON() -> APIResponse {
        let now = ContinuousClock.now
        settle(now)
        var w = JSONWriter(capacity: (contactsStored + callLists.validRecords) * 96 + 16)
        for (job, upload) in stored {
            for contact in upload.rows() {
                w.beginObject()
                w.key("phone_number")
                w.string(contact.phoneNumber)
                w.key("first_name")
                w.string(contact.firstName)
                w.key("last_name")
                w.string(contact.lastName)
                w.key("email")
                w.string(contact.email)
                w.key("job")
                w.string(job)
                w.endObject()
                w.endRecord()
            }
        }
        callLists.writeContacts(&w, now: now)
        return APIResponse(status: 200, contentType: "application/x-ndjson", body: w.bytes)
    }

    // MARK: - Identifiers

    /// Unguessable: from the system's generator, never from the fault seed.
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(bytes * 2)
        var word: UInt64 = 0
        for index in 0..<bytes {
            if index % 8 == 0 { word = generator.next() }  // a system call per draw: eight bytes each, not one
            let byte = UInt8(truncatingIfNeeded: word >> (8 * (index % 8)))
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0xF)])
        }
        return text
    }

    private static let hexDigits = Array("0123456789abcdef")

    /// A UUID-shaped id.
    static func jobID() -> String {
        let hex = Array(randomHex(bytes: 16))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
