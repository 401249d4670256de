import CXVAPI
import CXVCore
import Foundation
import Logging
import NIOHTTP1

/// Counts of what the client did, for the tallies.
public actor RequestCounters {
    public private(set) var requests = 0
    public private(set) var throttled = 0
    public private(set) var retries = 0

    func count(status: Int?) {
        requests += 1
        if status == 429 { throttled += 1 }
    }

    func retried() { retries += 1 }
}

/// The authentication the API refused: the run cannot go on (exit 77).
public struct AuthenticationRefused: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Sends a contract's requests: each under the API root with a fresh token, refreshed once on
/// a 401, retried under the one `RetryPolicy`, within the `ConcurrencyLimit`. What the requests
/// are and what the answers mean is the profile's (CXVAPI).
public final class ImportClient: Sendable {
    public let config: APIConfig
    public let tokens: TokenProvider
    public let root: APIRoot
    public let counters = RequestCounters()
    private let transport: Transport
    private let retry: RetryPolicy
    private let limit: ConcurrencyLimit
    private let logger: Logger

    public init(config: APIConfig, transport: Transport, tokens: TokenProvider, root: APIRoot, retry: RetryPolicy,
                limit: ConcurrencyLimit, logger: Logger) {
        self.config = config
        self.root = root
        self.logger = logger
        self.transport = transport
        self.tokens = tokens
        self.retry = retry
        self.limit = limit
    }

    /// What a request finally came to.
    public enum Outcome: Sendable {
        /// An answer not worth retrying (2xx, or a 4xx such as 400, 404, 413).
        case answered(HTTPAnswer, attempts: Int)
        /// Retries ran out; the reason names the last failure.
        case gaveUp(String, attempts: Int)
    }

    /// `flaw` names what is wrong with a 2xx answer that breaks the contract (no jobId, not
    /// JSON): such an answer is retried like a 5xx (safe: an Idempotency-Key, or records keyed by external id).
    public func send(_ request: APIRequest, flaw: (HTTPAnswer) -> String? = { _ in nil }) async throws -> Outcome {
        let method = HTTPMethod(rawValue: request.method.rawValue)
        let path = request.path
        let base = try await root.url()
        var refreshed = false
        do {
            return try await retry.run({ attempt -> AttemptOutcome<Outcome> in
                try Task.checkCancellation()
                let token: String
                do {
                    token = try await tokens.token()
                } catch let error as TokenError {
                    if case .refused = error { throw AuthenticationRefused(description: error.description) }
                    if case .untrusted = error { throw error }  // the run cannot go on: exit 78
                    try Task.checkCancellation()  // a stopped stage's request was cut short; it did not give up
                    return .done(.gaveUp(error.description, attempts: attempt))
                }
                await limit.acquire()
                let answer: HTTPAnswer
                do {
                    let sent = ContinuousClock.now
                    answer = try await transport.send(method, base.appendingPathComponent(path),
                                                      headers: [("Authorization", "Bearer \(token)")] + request.headers,
                                                      body: request.body)
                    logger.debug("\(method) \(path) → \(answer.status)",
                                 metadata: ["attempt": "\(attempt)", "ms": "\((ContinuousClock.now - sent).milliseconds)"])
                    await limit.release()
                } catch let error as TransportError {
                    await limit.release()
                    await counters.count(status: nil)
                    logger.debug("\(error.description)", metadata: ["attempt": "\(attempt)"])
                    guard error.retryable else { return .done(.gaveUp(error.description, attempts: attempt)) }
                    return .retry(reason: error.description)
                } catch {
                    await limit.release()
                    throw error
                }
                await counters.count(status: answer.status)
                if answer.status == 401 {
                    await tokens.invalidate(token)
                    if refreshed {
                        throw AuthenticationRefused(description: "\(method) \(path): 401 again after a fresh token: \(answer.bodyText)")
                    }
                    refreshed = true
                    return .again  // a refresh is not a retry
                }
                let flawed = (200...299).contains(answer.status) ? flaw(answer) : nil
                guard RetryPolicy.isRetryable(status: answer.status) || flawed != nil else {
                    await limit.succeeded()
                    return .done(.answered(answer, attempts: attempt))
                }
                if answer.status == 429 { await limit.throttled() }
                return .retry(reason: "\(method) \(path): \(answer.status) \(flawed ?? answer.bodyText)",
                              retryAfter: RetryAfter.parse(answer.header("Retry-After")), throttled: answer.status == 429)
            }, willRetry: { reason, wait in
                await counters.retried()
                logger.info("retrying", metadata: ["after": "\(reason)", "in_ms": "\(wait.milliseconds)"])
            })
        } catch let error as RetriesExhausted {
            return .gaveUp("\(error.reason) (after \(error.attempts) attempts)", attempts: error.attempts)
        }
    }

    /// What an upload came to.
    public enum UploadResult: Sendable {
        case created(jobId: String, attempts: Int)
        /// The server will not take this payload (400, 404, 413 …): retrying it unchanged is pointless.
        case refused(status: Int, message: String, attempts: Int)
        case gaveUp(String, attempts: Int)
    }

    public func upload(_ request: APIRequest, profile: any ImportProfile) async throws -> UploadResult {
        switch try await send(request, flaw: { profile.jobID(in: $0.body) == nil ? "without a jobId: \($0.bodyText)" : nil }) {
        case let .gaveUp(reason, attempts):
            return .gaveUp(reason, attempts: attempts)
        case let .answered(answer, attempts):
            guard (200...299).contains(answer.status), let id = profile.jobID(in: answer.body) else {
                return .refused(status: answer.status, message: profile.errorMessage(status: answer.status, body: answer.body),
                                attempts: attempts)
            }
            return .created(jobId: id, attempts: attempts)
        }
    }

    public enum StatusResult: Sendable {
        case status(JobStatus)
        case unknownJob
        case gaveUp(String)
    }

    public func status(of jobId: String, profile: any ImportProfile) async throws -> StatusResult {
        // A status that is not JSON, or is about another job, is an answer to retry, not to believe.
        let flaw = { (answer: HTTPAnswer) -> String? in
            if case let .malformed(reason) = profile.parseStatus(answer.body, job: jobId) { return reason }
            return nil
        }
        switch try await send(profile.status(of: jobId), flaw: flaw) {
        case let .gaveUp(reason, _):
            return .gaveUp(reason)
        case let .answered(answer, _):
            if answer.status == 404 { return .unknownJob }
            guard answer.status == 200, case let .status(status) = profile.parseStatus(answer.body, job: jobId) else {
                return .gaveUp("job \(jobId): unexpected answer \(answer.status): \(answer.bodyText)")
            }
            return .status(status)
        }
    }

    /// Asks the server to cancel a job; the reason when it did not.
    public func cancel(_ jobId: String, profile: any ImportProfile) async throws -> String? {
        guard let request = profile.cancel(jobId) else { return "this API cannot cancel a job" }
        switch try await send(request) {
        case let .gaveUp(reason, _): return reason
        case let .answered(answer, _):
            return (200...299).contains(answer.status) ? nil : profile.errorMessage(status: answer.status, body: answer.body)
        }
    }

    /// The counts of the profile's list. A list the server does not know is a configuration error (78).
    public func listCounts(profile: any ImportProfile, list: String) async throws -> ListCounts? {
        guard let request = profile.listCounts() else { return nil }
        switch try await send(request, flaw: { profile.parseListCounts($0.body) == nil ? "not a list's counts: \($0.bodyText)" : nil }) {
        case let .gaveUp(reason, _):
            throw ServiceUnavailable(description: "the counts of list \(list): \(reason)")
        case let .answered(answer, _):
            if answer.status == 404 {
                throw CXVError.config("list \(list) does not exist in CXone (404): create the calling list first, or fix --list-id / CXONE_LIST_ID")
            }
            guard answer.status == 200, let counts = profile.parseListCounts(answer.body) else {
                throw CXVError.config("list \(list): \(profile.errorMessage(status: answer.status, body: answer.body))")
            }
            return counts
        }
    }
}
