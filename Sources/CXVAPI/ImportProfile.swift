import CXVCore

/// One import contract, as the stages need it: how a chunk is uploaded, where its job id is,
/// how a job's status reads, how a job is cancelled. cxv-upload and cxv-poll ask the profile
/// of the chunk's `api`; nothing else knows which contract it is speaking.
public protocol ImportProfile: Sendable {
    var api: ImportAPI { get }
    /// A repeated upload under the same Idempotency-Key returns the first job, so a chunk is
    /// re-sent under a key of its own (`ChunkUploader` makes them) and a failed job can be retried.
    var sendsIdempotencyKey: Bool { get }
    /// A failed job (not a cancelled one) may be sent again.
    var retriesFailedJobs: Bool { get }
    /// Each upload replaces what the ones before it loaded (a call list's forceOverwrite), so a run may send only one.
    var uploadReplacesTheList: Bool { get }

    func upload(_ chunk: ChunkPayload, idempotencyKey: String) throws(ProfileError) -> APIRequest
    /// The job id in a 2xx answer to an upload; nil when it has none (a contract break).
    func jobID(in body: [UInt8]) -> String?
    func status(of job: String) -> APIRequest
    /// The status of `job` in a 200 answer; nil when the answer is not one (retried, not believed).
    func parseStatus(_ body: [UInt8], job: String) -> ParsedStatus
    /// Whether `status` (as the server spelled it) is one the contract defines: any other is waited on, and named.
    func defines(status: String) -> Bool
    /// Nil when the contract cannot cancel a job.
    func cancel(_ job: String) -> APIRequest?
    /// The counts of the list the chunks go to; nil when the contract has no list.
    func listCounts() -> APIRequest?
    func parseListCounts(_ body: [UInt8]) -> ListCounts?
}

/// What a status answer came to.
public enum ParsedStatus: Sendable, Equatable {
    case status(JobStatus)
    /// Not a status of this job; the text says why, for messages.
    case malformed(String)
}

/// A chunk the profile cannot turn into a request: its payload does not hold what it claims.
public struct ProfileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ImportProfile {
    /// The server's `{"error": …}` (or `message`), else the start of what it sent.
    public func errorMessage(status: Int, body: [UInt8]) -> String {
        let answer = JSONValue.object(body)
        if let message = (answer?["error"] ?? answer?["message"])?.stringValue {
            return "\(status): \(message)"
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return "\(status): \(text)\(body.count > 512 ? "…" : "")"
    }
}
