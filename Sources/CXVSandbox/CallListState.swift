// The calling lists the sandbox serves (docs/design.md §3b): records keyed by external id, upload jobs, the tenant's capacity.
import CXVCore
import Foundation

/// Every calling list and upload job, with the answers of the call-list routes. A value that
/// SandboxState owns, so one actor orders every change.
struct CallListState {
    struct List {
        let id: String
        /// Each external id's record, in the order the ids first arrived; `index` finds them.
        var records: [CallListRecord] = []
        var index: [String: Int] = [:]
        var validRecords = 0
        /// Records that came without an external id: counted invalid, held nowhere.
        var unkeyed = 0
        /// External ids not yet on the list that jobs not yet applied will add, with how many jobs reserved each.
        var pending: [String: Int] = [:]

        var totalRecords: Int { records.count + unkeyed }
        var invalidRecords: Int { totalRecords - validRecords }
    }

    struct Job {
        enum State: String, CaseIterable {
            case running, complete, cancelled
        }

        let listID: String
        let created: ContinuousClock.Instant
        let submitted: Date
        var state = State.running
        var completed: Date?
        /// What the job applies when it completes; nil once it is settled.
        var upload: CallListUpload?
        /// The external ids it reserved in its list's `pending`.
        var reserved: [String]
        /// --job-fail-rate: the job is cancelled when it would complete.
        let cancels: Bool
    }

    private let capacity: Int
    private let jobTime: Duration
    private let listOrder: [String]
    private var lists: [String: List] = [:]
    private var jobs: [Int: Job] = [:]
    /// Job ids increase from a random start, so an id from another run of the sandbox is unlikely to be one of this run's.
    private var nextJob = Int.random(in: 1_000...1_000_000)
    /// Running jobs in creation (so deadline) order, from `firstUnsettled`.
    private var unsettled: [Int] = []
    private var firstUnsettled = 0

    init(config: SandboxConfig) {
        capacity = config.tenantCapacity
        jobTime = config.jobTime
        listOrder = config.lists
        for id in config.lists { lists[id] = List(id: id) }
    }

    func hasList(_ id: String) -> Bool { lists[id] != nil }

    /// Records held under an external id, and ids that jobs not yet applied will add, on every list.
    var activeRecords: Int { lists.values.reduce(0) { $0 + $1.records.count + $1.pending.count } }

    // MARK: - Routes

    /// POST …/lists/call-lists/{listId}/upload, for a readable upload to a list that exists: 202
    /// `{"jobId": n}`, or 400 when its new external ids would take the tenant past its capacity.
    mutating func upload(_ upload: CallListUpload, to listID: String, cancels: Bool, now: ContinuousClock.Instant) -> APIResponse {
        settle(now)
        guard var list = lists[listID] else { return Self.unknownList(listID) }
        var fresh: Set<String> = []
        for record in upload.keyed where list.index[record.externalID] == nil { fresh.insert(record.externalID) }
        // Ids another running job already reserved are counted once, so two racing uploads cannot both pass.
        let added = fresh.reduce(0) { list.pending[$1] == nil ? $0 + 1 : $0 }
        let active = activeRecords
        guard active + added <= capacity else {
            return .error(400, "the upload adds \(added) records to the \(active) held or pending, past the tenant capacity of \(capacity) active records; nothing was changed")
        }
        for id in fresh { list.pending[id, default: 0] += 1 }
        lists[listID] = list
        let id = nextJob
        nextJob += 1
        jobs[id] = Job(listID: listID, created: now, submitted: Date(), upload: upload, reserved: Array(fresh), cancels: cancels)
        unsettled.append(id)
        return .json(202) { w in
            w.key("jobId")
            w.int(id)
        }
    }

    /// GET …/lists/call-lists/jobs/{jobId}.
    mutating func status(_ id: String, now: ContinuousClock.Instant) -> APIResponse {
        settle(now)
        guard let number = Int(id), let job = jobs[number] else { return Self.unknownJob(id) }
        return Self.status(number, job)
    }

    /// DELETE …/lists/call-lists/jobs/{jobId}: a running job is cancelled and never applied (200, its
    /// status); a complete one cannot be (409); a cancelled one stays so (200).
    mutating func cancel(_ id: String, now: ContinuousClock.Instant) -> APIResponse {
        settle(now)
        guard let number = Int(id), var job = jobs[number] else { return Self.unknownJob(id) }
        switch job.state {
        case .complete:
            return .error(409, "upload job \(id) is complete: its records are on list \(job.listID) and it cannot be cancelled")
        case .cancelled:
            break
        case .running:
            release(&job)
            job.state = .cancelled
            jobs[number] = job
        }
        return Self.status(number, job)
    }

    /// GET …/lists/call-lists/{listId}.
    mutating func counts(_ listID: String, now: ContinuousClock.Instant) -> APIResponse {
        settle(now)
        guard let list = lists[listID] else { return Self.unknownList(listID) }
        return .json(200) { w in
            w.key("resultSet")
            w.beginObject()
            w.key("listId"); w.string(list.id)
            w.key("listName"); w.string(list.id)
            w.key("totalRecords"); w.int(list.totalRecords)
            w.key("validRecords"); w.int(list.validRecords)
            w.key("invalidRecords"); w.int(list.invalidRecords)
            w.endObject()
        }
    }

    static func unknownList(_ id: String) -> APIResponse {
        .error(404, "no calling list with list ID \(id)")
    }

    private static func unknownJob(_ id: String) -> APIResponse {
        .error(404, "no call-list upload job \(id)")
    }

    private static func status(_ id: Int, _ job: Job) -> APIResponse {
        let submitted = iso8601(job.submitted)
        return .json(200) { w in
            w.key("uploadJobs")
            w.beginArray()
            w.beginObject()
            w.key("jobId"); w.int(id)
            w.key("listId"); w.string(job.listID)
            w.key("listName"); w.string(job.listID)
            w.key("startDate"); w.string(submitted)  // processing starts as the upload arrives
            w.key("submitDate"); w.string(submitted)
            w.key("isComplete"); w.bool(job.state == .complete)
            w.key("isCancelled"); w.bool(job.state == .cancelled)
            w.key("completedDate")
            if let completed = job.completed { w.string(iso8601(completed)) } else { w.null() }
            w.endObject()
            w.endArray()
        }
    }

    private static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    // MARK: - Jobs

    /// Settles every running job whose time is up: applies its records, or cancels it (--job-fail-rate).
    /// Each job is settled once, so no upload is applied twice.
    private mutating func settle(_ now: ContinuousClock.Instant) {
        while firstUnsettled < unsettled.count {
            let id = unsettled[firstUnsettled]
            guard var job = jobs[id], job.state != .running || now - job.created >= jobTime else { break }
            if job.state == .running {
                if !job.cancels, let upload = job.upload { apply(upload, to: job.listID) }
                release(&job)
                job.state = job.cancels ? .cancelled : .complete
                if !job.cancels { job.completed = Date() }
                jobs[id] = job
            }
            firstUnsettled += 1
        }
        if firstUnsettled > 1024, firstUnsettled * 2 > unsettled.count {  // compact now and then, not per job
            unsettled.removeFirst(firstUnsettled)
            firstUnsettled = 0
        }
    }

    /// An upload's records onto its list: an external id already there is updated, never duplicated.
    private mutating func apply(_ upload: CallListUpload, to listID: String) {
        guard var list = lists[listID] else { return }
        for record in upload.keyed {
            if let at = list.index[record.externalID] {
                if list.records[at].isValid { list.validRecords -= 1 }
                list.records[at] = record
            } else {
                list.index[record.externalID] = list.records.count
                list.records.append(record)
                list.pending[record.externalID] = nil  // held now, no longer pending for any job
            }
            if record.isValid { list.validRecords += 1 }
        }
        list.unkeyed += upload.unkeyed
        lists[listID] = list
    }

    /// Gives back what a job reserved, and drops its records: it is settled or cancelled.
    private mutating func release(_ job: inout Job) {
        if var list = lists[job.listID] {
            for id in job.reserved {
                guard let holders = list.pending[id] else { continue }
                list.pending[id] = holders > 1 ? holders - 1 : nil
            }
            lists[job.listID] = list
        }
        job.reserved = []
        job.upload = nil
    }

    // MARK: - /sandbox

    /// The members `lists`, `activeRecords` and `callListJobs` of /sandbox/stats.
    mutating func writeStats(_ w: inout JSONWriter, now: ContinuousClock.Instant) {
        settle(now)
        w.key("lists")
        w.beginObject()
        for id in listOrder {
            guard let list = lists[id] else { continue }
            w.key(id)
            w.beginObject()
            w.key("totalRecords"); w.int(list.totalRecords)
            w.key("validRecords"); w.int(list.validRecords)
            w.key("invalidRecords"); w.int(list.invalidRecords)
            w.endObject()
        }
        w.endObject()
        w.key("activeRecords")
        w.int(activeRecords)
        var byState: [Job.State: Int] = [:]
        for job in jobs.values { byState[job.state, default: 0] += 1 }
        w.key("callListJobs")
        w.beginObject()
        for state in Job.State.allCases {
            w.key(state.rawValue)
            w.int(byState[state] ?? 0)
        }
        w.endObject()
    }

    /// The valid records of every list as /sandbox/contacts lines, list by list in the order ids first arrived.
    mutating func writeContacts(_ w: inout JSONWriter, now: ContinuousClock.Instant) {
        settle(now)
        for id in listOrder {
            guard let list = lists[id] else { continue }
            for record in list.records where record.isValid {
                w.beginObject()
                w.key("list"); w.string(id)
                w.key("external_id"); w.string(record.externalID)
                w.key("phone_number"); w.string(record.phoneNumber)
                w.key("first_name"); w.string(record.firstName)
                w.key("last_name"); w.string(record.lastName)
                w.key("email"); w.string(record.email)
                w.endObject()
                w.endRecord()
            }
        }
    }

    /// Valid records on every list, to size /sandbox/contacts.
    var validRecords: Int { lists.values.reduce(0) { $0 + $1.validRecords } }
}
