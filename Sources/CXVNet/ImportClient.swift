import CXVCore
import Foundation
import Logging
import NIOHTTP1

/// A job's state as the status endpoint reports it.
public struct JobStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case queued = "QUEUED", processing = "PROCESSING", completed = "COMPLETED", failed = "FAILED"
        public var isTerminal: Bool { self == .completed || self == .failed }
    }

    public var jobId: String
    public var state: State
    /// The status as the server spelled it: a state the API does not define is taken as still running.
    public var statusText: String
    public var recordsProcessed: Int
    public var errors: [String]

    /// Reads the status endpoint's JSON; nil when it is not what DESIGN §3 says.
    public static func parse(_ body: [UInt8]) -> JobStatus? {
        guard case let .object(members)? = body.withUnsafeBytes({ try? JSONValue.parse($0) }) else { return nil }
        func member(_ name: String) -> JSONValue? { members.first { $0.0 == name }?.1 }
        guard let id = member("jobId")?.stringValue, let text = member("status")?.stringValue else { return nil }
        let errors = member("errors")?.arrayValue?.compactMap(\.stringValue) ?? []
        return JobStatus(jobId: id, state: State(rawValue: text) ?? .processing, statusText: text,
                         recordsProcessed: member("recordsProcessed")?.intValue ?? 0, errors: errors)
    }

    /// `row N: text` messages by data row (1-based); the others concern the whole job.
    public var rowErrors: [(row: Int, message: String)] {
        errors.compactMap { message in
            guard message.hasPrefix("row "), let colon = message.firstIndex(of: ":"),
                  let row = Int(message[message.index(message.startIndex, offsetBy: 4)..<colon]), row >= 1 else { return nil }
            return (row, message)
        }
    }
}

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

/// The import API of DESIGN §3: each request with a fresh token, refreshed once on
/// a 401, retried under the one `RetryPolicy`, within the `ConcurrencyLimit`.
public final class ImportClient: Sendable {
    public let config: APIConfig
    public let tokens: TokenProvider
    public let counters = RequestCounters()
    private let transport: Transport
    private let retry: RetryPolicy
    private let limit: ConcurrencyLimit
    private let logger: Logger

    public init(config: APIConfig, transport: Transport, tokens: TokenProvider, retry: RetryPolicy, limit: ConcurrencyLimit,
                logger: Logger) {
        self.config = config
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
    /// JSON): such an answer is retried like a 5xx, which the Idempotency-Key makes safe.
    public func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     flaw: (HTTPAnswer) -> String? = { _ in nil }) async throws -> Outcome {
        let started = ContinuousClock.now
        var refreshed = false
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let token: String
            do {
                token = try await tokens.token()
            } catch let error as TokenError {
                if case .refused = error { throw AuthenticationRefused(description: error.description) }
                if case .untrusted = error { throw error }  // the run cannot go on: exit 78
                try Task.checkCancellation()  // a stopped stage's request was cut short; it did not give up
                return .gaveUp(error.description, attempts: attempt)
            }
            var retryAfter: Duration?
            let failure: String
            await limit.acquire()
            do {
                let sent = ContinuousClock.now
                let answer = try await transport.send(method, config.url(path),
                                                      headers: [("Authorization", "Bearer \(token)")] + headers, body: body)
                logger.debug("\(method) \(path) → \(answer.status)",
                             metadata: ["attempt": "\(attempt)", "ms": "\((ContinuousClock.now - sent).milliseconds)"])
                await limit.release()
                await counters.count(status: answer.status)
                if answer.status == 401 {
                    await tokens.invalidate(token)
                    if refreshed {
                        throw AuthenticationRefused(description: "\(method) \(path): 401 again after a fresh token: \(answer.bodyText)")
                    }
                    refreshed = true
                    attempt -= 1  // a refresh is not a retry
                    continue
                }
                let flawed = (200...299).contains(answer.status) ? flaw(answer) : nil
                guard RetryPolicy.isRetryable(status: answer.status) || flawed != nil else {
                    await limit.succeeded()
                    return .answered(answer, attempts: attempt)
                }
                if answer.status == 429 { await limit.throttled() }
                retryAfter = RetryAfter.parse(answer.header("Retry-After"))
                failure = "\(method) \(path): \(answer.status) \(flawed ?? answer.bodyText)"
            } catch let error as TransportError {
                await limit.release()
                await counters.count(status: nil)
                logger.debug("\(error.description)", metadata: ["attempt": "\(attempt)"])
                guard error.retryable else { return .gaveUp(error.description, attempts: attempt) }
                failure = error.description
            } catch {
                await limit.release()
                throw error
            }
            try Task.checkCancellation()
            guard let wait = retry.delay(afterAttempt: attempt, elapsed: ContinuousClock.now - started,
                                         retryAfter: retryAfter) else {
                return .gaveUp("\(failure) (after \(attempt) attempts)", attempts: attempt)
            }
            await counters.retried()
            logger.info("retrying", metadata: ["after": "\(failure)", "in_ms": "\(wait.milliseconds)"])
            try await Transport.sleep(for: wait)
        }
    }

    /// What an upload came to.
    public enum UploadResult: Sendable {
        case created(jobId: String, attempts: Int)
        /// The server will not take this payload (400, 413 …): retrying it unchanged is pointless.
        case refused(status: Int, message: String, attempts: Int)
        case gaveUp(String, attempts: Int)
    }

    public func upload(_ body: [UInt8], gzip: Bool, idempotencyKey: String) async throws -> UploadResult {
        var headers = [("Content-Type", "text/csv"), ("Idempotency-Key", idempotencyKey)]
        if gzip { headers.append(("Content-Encoding", "gzip")) }
        switch try await send(.POST, "api/v2/contacts/import", headers: headers, body: body,
                              flaw: { ImportClient.jobId(in: $0) == nil ? "without a jobId: \($0.bodyText)" : nil }) {
        case let .gaveUp(reason, attempts):
            return .gaveUp(reason, attempts: attempts)
        case let .answered(answer, attempts):
            guard let id = ImportClient.jobId(in: answer) else {
                return .refused(status: answer.status, message: ImportClient.errorMessage(answer), attempts: attempts)
            }
            return .created(jobId: id, attempts: attempts)
        }
    }

    /// The jobId of a 2xx answer to an import.
    static func jobId(in answer: HTTPAnswer) -> String? {
        guard (200...299).contains(answer.status),
              case let .object(members)? = answer.body.withUnsafeBytes({ try? JSONValue.parse($0) }),
              let id = members.first(where: { $0.0 == "jobId" })?.1.stringValue, !id.isEmpty else { return nil }
        return id
    }

    public enum StatusResult: Sendable {
        case status(JobStatus)
        case unknownJob
        case gaveUp(String)
    }

    public func status(of jobId: String) async throws -> StatusResult {
        let path = "api/v2/contacts/import/\(jobId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? jobId)"
        // A status that is not JSON, or is about another job, is an answer to retry, not to believe.
        let flaw = { (answer: HTTPAnswer) -> String? in
            guard let status = JobStatus.parse(answer.body) else { return "not a job status: \(answer.bodyText)" }
            return status.jobId == jobId ? nil : "the status of another job (\(status.jobId))"
        }
        switch try await send(.GET, path, headers: [("Accept", "application/json")], flaw: flaw) {
        case let .gaveUp(reason, _):
            return .gaveUp(reason)
        case let .answered(answer, _):
            if answer.status == 404 { return .unknownJob }
            guard answer.status == 200, let status = JobStatus.parse(answer.body) else {
                return .gaveUp("job \(jobId): unexpected answer \(answer.status): \(answer.bodyText)")
            }
            return .status(status)
        }
    }

    /// The server's `{"error": …}`, or the start of whatever it sent.
    static func errorMessage(_ answer: HTTPAnswer) -> String {
        if case let .object(members)? = answer.body.withUnsafeBytes({ try? JSONValue.parse($0) }),
           let message = members.first(where: { $0.0 == "error" })?.1.stringValue {
            return "\(answer.status): \(message)"
        }
        return "\(answer.status): \(answer.bodyText)"
    }
}
