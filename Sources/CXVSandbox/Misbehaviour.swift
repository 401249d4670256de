import CXVCore
import Hummingbird
import NIOCore

/// A server that breaks the API contract in one way, always, so tests can show
/// what cxv does about it (`--misbehave`). The request still takes effect: a job
/// is made, contacts are stored; only the answer is wrong.
public enum Misbehaviour: String, CaseIterable, Sendable {
    /// The import's 201 carries a body that is not JSON.
    case malformedJSON = "malformed-json"
    /// The import's 201 carries no jobId.
    case noJobID = "no-job-id"
    /// Job status answers with a state the API does not define.
    case unknownStatus = "unknown-status"
    /// The import and status routes answer 502 with an HTML page, as a proxy in front would.
    case htmlError = "html-error"
    /// Job status answers 200 with a body that never ends.
    case endlessBody = "endless-body"
    /// Job status sends its answer one byte every 200 ms.
    case trickle
    /// Job status answers 200 COMPLETED for any id, naming a job it never issued.
    case phantomJob = "phantom-job"

    static let importRoute = "POST /api/v2/contacts/import"
    static let statusRoute = "GET /api/v2/contacts/import/{jobId}"

    /// What to send on `route` instead of `api`; `api` itself when this route is not affected.
    func answer(_ api: APIResponse, route: String) -> Response {
        let response = api.response
        let body = api.body
        switch (self, route) {
        case (.malformedJSON, Misbehaviour.importRoute) where response.status == .created:
            return Misbehaviour.replacing(response, body: Array(#"{"jobId": "#.utf8))
        case (.noJobID, Misbehaviour.importRoute) where response.status == .created:
            return Misbehaviour.replacing(response, body: Array(#"{"status":"QUEUED"}"#.utf8))
        case (.unknownStatus, Misbehaviour.statusRoute) where response.status == .ok:
            let text = String(decoding: body, as: UTF8.self)
            let changed = text.replacingFirst(of: #""status":""#, upTo: "\"", with: "REVIEWING")
            return Misbehaviour.replacing(response, body: Array(changed.utf8))
        case (.htmlError, Misbehaviour.importRoute), (.htmlError, Misbehaviour.statusRoute):
            let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n"
            var headers = HTTPFields()
            headers[.contentType] = "text/html"
            return Response(status: .badGateway, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
        case (.endlessBody, Misbehaviour.statusRoute) where response.status == .ok:
            return Response(status: .ok, headers: Misbehaviour.json, body: ResponseBody { writer in
                let spaces = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 << 10)
                try await writer.write(ByteBuffer(string: "{\"jobId\":"))
                while true {
                    try await writer.write(spaces)
                    try await Task.sleep(for: .milliseconds(5))
                }
            })
        case (.trickle, Misbehaviour.statusRoute) where response.status == .ok:
            return Response(status: .ok, headers: Misbehaviour.json, body: ResponseBody { writer in
                for byte in body {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.finish(nil)
            })
        case (.phantomJob, Misbehaviour.statusRoute):
            return Misbehaviour.replacing(response, status: .ok, body: Array(
                #"{"jobId":"00000000-0000-0000-0000-000000000000","status":"COMPLETED","recordsProcessed":1000,"errors":[]}"#.utf8))
        default:
            return response
        }
    }

    /// Headers without a Content-Length: a streamed body is sent chunked.
    private static var json: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return headers
    }

    private static func replacing(_ response: Response, status: HTTPResponse.Status? = nil, body: [UInt8]) -> Response {
        var headers = response.headers
        headers[.contentLength] = nil
        return Response(status: status ?? response.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension String {
    /// `self` with the text between the first `prefix` and the next `end` after it replaced.
    fileprivate func replacingFirst(of prefix: String, upTo end: Character, with replacement: String) -> String {
        guard let start = range(of: prefix)?.upperBound, let stop = self[start...].firstIndex(of: end) else { return self }
        return String(self[..<start]) + replacement + String(self[stop...])
    }
}
