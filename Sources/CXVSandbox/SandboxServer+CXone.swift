// The HTTP face of CXone's routes in the sandbox (DESIGN §3b): access-key sign-in and discovery.
import CXVAPI
import Hummingbird

extension SandboxServer {
    static func addCXoneRoutes(to router: Router<SandboxContext>, config: SandboxConfig, state: SandboxState) {
        router.post("/\(SignIn.accessKeyPath)") { request, _ -> Response in
            let body = try await request.body.collect(upTo: maxFormBody)
            return await state.accessKeyToken(body: Array(body.readableBytesView)).response
        }

        router.get("/\(Discovery.path)") { request, _ -> Response in
            await state.discovery(tenantID: request.uri.queryParameters["tenantId"].map(String.init)).response
        }
    }
}
