import CXVCore

/// An answer as the sandbox's logic gives it, before Hummingbird writes it.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.contentType = contentType
        self.body = body
    }

    /// A JSON object whose members `members` writes.
    static func json(_ status: Int, headers: [(name: String, value: String)] = [], _ members: (inout JSONWriter) -> Void) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        members(&writer)
        writer.endObject()
        return APIResponse(status: status, headers: headers, body: writer.bytes)
    }

    /// `{"error":…}`, the shape of every refusal, with the OAuth description when there is one.
    static func error(_ status: Int, _ error: String, description: String? = nil,
                      headers: [(name: String, value: String)] = []) -> APIResponse {
        json(status, headers: headers) { w in
            w.key("error")
            w.string(error)
            if let description {
                w.key("error_description")
                w.string(description)
            }
        }
    }

    /// 429 for a throttled request.
    public static let throttled = error(429, "too many requests: retry after 1 second", headers: [("Retry-After", "1")])
    /// 429 as CXone often sends it: no Retry-After, so the client backs off on its own.
    public static let throttledWithoutRetryAfter = error(429, "too many requests: back off and retry")
    /// 503 for an injected failure.
    public static let unavailable = error(503, "service unavailable: injected failure, retry later")
}
