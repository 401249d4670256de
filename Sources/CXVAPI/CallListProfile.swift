import CXVCore
import Foundation

/// CXone's calling lists (design doc, "the call-lists API"): the chunk's CSV, base64 in a JSON
/// body, POSTed to `lists/call-lists/{listId}/upload`; a job is complete or cancelled and names
/// no rows: the list's counts are the server's only verdict. No Idempotency-Key: records are
/// keyed by external id, so a chunk sent twice updates the same records.
public struct CallListProfile: ImportProfile {
    /// What every upload of a run says besides the file; the API requires all but skill and time zone.
    public struct UploadSettings: Sendable {
        public var listID: String
        public var forceOverwrite = false
        public var expirationDate: Date
        public var startSkill = false
        public var sendEmail = false
        public var skillID: String?
        public var defaultTimeZone: String?

        /// CXone keeps a list's inventory 30 days; the default expiration matches it.
        public static let defaultLifetime: TimeInterval = 30 * 24 * 3600

        public init(listID: String, expirationDate: Date = Date().addingTimeInterval(defaultLifetime)) {
            self.listID = listID
            self.expirationDate = expirationDate
        }
    }

    public static let listsPath = "lists/call-lists"

    public let settings: UploadSettings

    public init(settings: UploadSettings) {
        self.settings = settings
    }

    public var api: ImportAPI { .callLists }
    public var sendsIdempotencyKey: Bool { false }
    public var retriesFailedJobs: Bool { false }
    public var uploadReplacesTheList: Bool { settings.forceOverwrite }

    private var list: String { FormEncoding.encode(settings.listID) }

    public func upload(_ chunk: ChunkPayload, idempotencyKey: String) throws(ProfileError) -> APIRequest {
        let csv = try Self.csv(of: chunk)
        var w = JSONWriter(capacity: csv.count * 4 / 3 + 512)
        let fileName = "\(settings.listID)-\(chunk.seq).csv"
        let encodedCount = Base64.encodedCount(csv.count)
        w.beginObject()
        w.key("listFile")
        csv.withUnsafeBytes { raw in w.unescapedString(count: encodedCount) { Base64.encode(raw, into: $0) } }
        w.key("fileName"); w.string(fileName)
        w.key("forceOverwrite"); w.bool(settings.forceOverwrite)
        w.key("expirationDate"); w.string(Self.iso8601(settings.expirationDate))
        w.key("startSkill"); w.bool(settings.startSkill)
        w.key("sendEmail"); w.bool(settings.sendEmail)
        if let skill = settings.skillID { w.key("skillId"); w.string(skill) }
        if let zone = settings.defaultTimeZone { w.key("defaultTimeZone"); w.string(zone) }
        w.endObject()
        let body = w.bytes
        let named = ["fileName \(fileName)", "forceOverwrite \(settings.forceOverwrite)",
                     "expirationDate \(Self.iso8601(settings.expirationDate))", "startSkill \(settings.startSkill)",
                     "sendEmail \(settings.sendEmail)"]
            + (settings.skillID.map { ["skillId \($0)"] } ?? []) + (settings.defaultTimeZone.map { ["defaultTimeZone \($0)"] } ?? [])
        return APIRequest(.POST, "\(Self.listsPath)/\(list)/upload",
                          headers: [("Content-Type", "application/json"), ("Accept", "application/json")], body: body,
                          summary: "POST /\(Self.listsPath)/\(list)/upload  seq \(chunk.seq), \(chunk.count) records, "
                              + "\(body.count) bytes of JSON: listFile (\(encodedCount) bytes of base64 of \(csv.count) bytes of CSV), "
                              + named.joined(separator: ", "))
    }

    /// The chunk's CSV: a compressed chunk is inflated and checked against its sha256 first.
    static func csv(of chunk: ChunkPayload) throws(ProfileError) -> [UInt8] {
        guard chunk.gzip else { return chunk.body }
        let csv: [UInt8]
        // withUnsafeBytes rethrows untyped: the Result keeps GzipError's type through it.
        switch chunk.body.withUnsafeBytes({ b in Result { () throws(GzipError) in try Gzip.decompress(b) } }) {
        case let .success(bytes): csv = bytes
        case let .failure(error): throw ProfileError("chunk \(chunk.seq): the gzip payload is \(error.description)")
        }
        if let expected = chunk.sha256 {
            let actual = csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
            guard actual == expected else {
                throw ProfileError("chunk \(chunk.seq): the CSV's sha256 is \(actual), not the \(expected) the chunk records")
            }
        }
        return csv
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `{"jobId": number}`; a string is taken too.
    public func jobID(in body: [UInt8]) -> String? {
        switch JSONValue.object(body)?["jobId"] {
        case let .number(text)?: return text
        case let .string(text)? where !text.isEmpty: return text
        default: return nil
        }
    }

    public func status(of job: String) -> APIRequest {
        APIRequest(.GET, "\(Self.listsPath)/jobs/\(FormEncoding.encode(job))", headers: [("Accept", "application/json")])
    }

    public func parseStatus(_ body: [UInt8], job: String) -> ParsedStatus {
        guard let jobs = JSONValue.object(body)?["uploadJobs"]?.arrayValue else {
            return .malformed("not a job status (no uploadJobs): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        let mine = jobs.first { entry in
            switch entry["jobId"] {
            case let .number(text)?, let .string(text)?: return text == job
            default: return false
            }
        }
        guard let mine else { return .malformed("uploadJobs has no entry for job \(job)") }
        let complete = mine["isComplete"] == .bool(true)
        let cancelled = mine["isCancelled"] == .bool(true)
        let state: JobStatus.State = cancelled ? .cancelled : complete ? .completed : .running
        let text = cancelled ? "cancelled" : complete ? "complete" : "running"
        return .status(JobStatus(jobID: job, state: state, statusText: text, recordsProcessed: nil,
                                 errors: cancelled ? ["cancelled in CXone"] : [], rowErrors: []))
    }

    /// The states are cxv's names for the job's two flags, so every one is defined.
    public func defines(status: String) -> Bool { true }

    public func cancel(_ job: String) -> APIRequest? {
        APIRequest(.DELETE, "\(Self.listsPath)/jobs/\(FormEncoding.encode(job))", headers: [("Accept", "application/json")])
    }

    public func listCounts() -> APIRequest? {
        APIRequest(.GET, "\(Self.listsPath)/\(list)", headers: [("Accept", "application/json")])
    }

    public func parseListCounts(_ body: [UInt8]) -> ListCounts? {
        guard let set = JSONValue.object(body)?["resultSet"], let total = set["totalRecords"]?.intValue,
              let valid = set["validRecords"]?.intValue, let invalid = set["invalidRecords"]?.intValue else { return nil }
        return ListCounts(total: total, valid: valid, invalid: invalid)
    }
}
