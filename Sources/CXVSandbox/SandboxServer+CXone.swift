// The HTTP face of CXone's routes in the sandbox (docs/design.md §3b): access-key sign-in, discovery, calling lists.
import CXVAPI
import CXVCore
import HTTPTypes
import Hummingbird

extension SandboxServer {
    /// `/inContactAPI/services/{version}/lists/call-lists`: any `vNN.N` version is served.
    static let callListsRoot = "/\(Discovery.servicesPath)/{version}/\(CallListProfile.listsPath)"

    /// Whether a path is CXone's (§3b) rather than the tutorial's: CXone's 429s come without Retry-After.
    static func isCXonePath(_ path: String) -> Bool {
        path.hasPrefix("/\(Discovery.servicesPath)/") || path == "/\(SignIn.accessKeyPath)" || path == "/\(Discovery.path)"
    }

    static func addCXoneRoutes(to router: Router<SandboxContext>, config: SandboxConfig, state: SandboxState) {
        router.post("/\(SignIn.accessKeyPath)") { request, _ -> Response in
            let body = try await request.body.collect(upTo: maxFormBody)
            return await state.accessKeyToken(body: Array(body.readableBytesView)).response
        }

        router.get("/\(Discovery.path)") { request, _ -> Response in
            await state.discovery(tenantID: request.uri.queryParameters["tenantId"].map(String.init)).response
        }

        router.post("\(callListsRoot)/{listId}/upload") { request, context -> Response in
            try await callListUpload(request, context: context, config: config, state: state).response
        }

        router.get("\(callListsRoot)/jobs/{jobId}") { request, context -> Response in
            if let refusal = await callListRefusal(request, context: context, state: state) { return refusal.response }
            return await state.callListJob(try context.parameters.require("jobId")).response
        }

        router.delete("\(callListsRoot)/jobs/{jobId}") { request, context -> Response in
            if let refusal = await callListRefusal(request, context: context, state: state) { return refusal.response }
            return await state.cancelCallListJob(try context.parameters.require("jobId")).response
        }

        router.get("\(callListsRoot)/{listId}") { request, context -> Response in
            if let refusal = await callListRefusal(request, context: context, state: state) { return refusal.response }
            return await state.callListCounts(try context.parameters.require("listId")).response
        }
    }

    /// 401 without a live token, 404 for a version that is not `vNN.N`; nil when the request may go on.
    static func callListRefusal(_ request: Request, context: SandboxContext, state: SandboxState) async -> APIResponse? {
        if let refusal = await state.authorize(request.headers[.authorization]) { return refusal }
        let version = context.parameters.get("version") ?? ""
        guard isVersion(version) else {
            return .error(404, "no API version \(version): the API root is /\(Discovery.servicesPath)/vNN.N, e.g. \(Discovery.defaultVersion)")
        }
        return nil
    }

    /// `v` and two dot-separated numbers, as `v30.0`.
    static func isVersion(_ text: String) -> Bool {
        guard text.first == "v" else { return false }
        let numbers = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        return numbers.count == 2 && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// POST …/lists/call-lists/{listId}/upload: the checks in the order a client can act on them,
    /// then the job (made in SandboxState, off this task: the file is read here).
    static func callListUpload(_ request: Request, context: SandboxContext, config: SandboxConfig,
                               state: SandboxState) async throws -> APIResponse {
        if let refusal = await callListRefusal(request, context: context, state: state) { return refusal }
        let listID = try context.parameters.require("listId")
        guard await state.hasCallList(listID) else { return CallListState.unknownList(listID) }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { String($0).trimmingSpaces().lowercased() }
        guard mediaType == "application/json" else {
            return .error(415, "send the upload as Content-Type: application/json, not \(mediaType ?? "no Content-Type")")
        }
        let limit = config.callListMaxBody
        let tooLarge = APIResponse.error(413, "the body is larger than \(limit) bytes: a call-list file is at most \(config.callListLimits.bytes ?? 0) bytes before base64")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return tooLarge }
        let body: [UInt8]
        do {
            body = Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return tooLarge
        }
        let upload: CallListUpload
        do throws(ImportError) {
            upload = try CallListParser.parse(body: body, limits: config.callListLimits)
        } catch {
            switch error {
            case .unreadable: return APIResponse.error(400, error.description)
            case .tooLarge: return APIResponse.error(413, error.description)
            }
        }
        return await state.callListUpload(upload, to: listID)
    }
}
