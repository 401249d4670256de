import CXVCore

/// The tutorial's contract (design doc, "the contacts-import API"): a gzip'd CSV POSTed to
/// `api/v2/contacts/import` under an Idempotency-Key; a job's status names refused rows.
public struct ContactsImportProfile: ImportProfile {
    public static let importPath = "api/v2/contacts/import"
    /// OAuth client credentials ask for this scope.
    public static let scope = "contact:write contact:read"

    /// The job states this contract defines; any other is waited on and named as undefined.
    public enum Status: String, Sendable, CaseIterable {
        case queued = "QUEUED"
        case processing = "PROCESSING"
        case completed = "COMPLETED"
        case failed = "FAILED"
    }

    public init() {}

    public var api: ImportAPI { .contactsImport }
    public var sendsIdempotencyKey: Bool { true }
    public var retriesFailedJobs: Bool { true }
    public var uploadReplacesTheList: Bool { false }

    public func upload(_ chunk: ChunkPayload, idempotencyKey: String) -> APIRequest {
        var headers = [("Content-Type", "text/csv"), ("Idempotency-Key", idempotencyKey)]
        if chunk.gzip { headers.append(("Content-Encoding", "gzip")) }
        return APIRequest(.POST, Self.importPath, headers: headers, body: chunk.body,
                          summary: "POST /\(Self.importPath)  seq \(chunk.seq), \(chunk.count) contacts, \(chunk.body.count) bytes\(chunk.gzip ? " gzip" : ""), Idempotency-Key \(idempotencyKey)")
    }

    public func jobID(in body: [UInt8]) -> String? {
        guard let id = JSONValue.object(body)?["jobId"]?.stringValue, !id.isEmpty else { return nil }
        return id
    }

    public func status(of job: String) -> APIRequest {
        APIRequest(.GET, "\(Self.importPath)/\(FormEncoding.encode(job))", headers: [("Accept", "application/json")])
    }

    public func parseStatus(_ body: [UInt8], job: String) -> ParsedStatus {
        guard let members = JSONValue.object(body), let id = members["jobId"]?.stringValue,
              let text = members["status"]?.stringValue else {
            return .malformed("not a job status: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard id == job else { return .malformed("the status of another job (\(id))") }
        let errors = members["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let state: JobStatus.State
        switch Status(rawValue: text) {
        case .completed: state = .completed
        case .failed: state = .failed
        case .queued, .processing, nil: state = .running  // nil: a state the API does not define
        }
        return .status(JobStatus(jobID: id, state: state, statusText: text,
                                 recordsProcessed: members["recordsProcessed"]?.intValue ?? 0,
                                 errors: errors, rowErrors: errors.compactMap(Self.rowError)))
    }

    public func defines(status: String) -> Bool { Status(rawValue: status) != nil }

    /// `row N: text` names data row N (1-based, header not counted).
    static func rowError(_ message: String) -> JobStatus.RowError? {
        guard message.hasPrefix("row "), let colon = message.firstIndex(of: ":"),
              let row = Int(message[message.index(message.startIndex, offsetBy: 4)..<colon]), row >= 1 else { return nil }
        return JobStatus.RowError(row: row, message: message)
    }

    public func cancel(_ job: String) -> APIRequest? { nil }
    public func listCounts() -> APIRequest? { nil }
    public func parseListCounts(_ body: [UInt8]) -> ListCounts? { nil }
}
