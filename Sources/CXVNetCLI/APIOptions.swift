import ArgumentParser
import CXVCLI
import CXVCore
import CXVNet

/// Where the import API is and how to reach it: flags first, then the environment of DESIGN §4.
/// There is deliberately no option for the client secret: it stays off the command line.
public struct APIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("API address (default: $CXONE_BASE_URL, else https://$CXONE_TENANT.api.nice-incontact.com).", valueName: "url"))
    public var baseURL: String?

    @Option(help: ArgumentHelp("Token endpoint (default: $CXONE_TOKEN_URL, else BASE-URL/oauth/token).", valueName: "url"))
    public var tokenURL: String?

    @Option(help: ArgumentHelp("CXone tenant (default: $CXONE_TENANT).", valueName: "name"))
    public var tenant: String?

    @Option(help: ArgumentHelp("OAuth client id (default: $CXONE_CLIENT_ID).", valueName: "id"))
    public var clientID: String?

    @Option(help: ArgumentHelp("Read the client secret from this file (default: $CXONE_CLIENT_SECRET).", valueName: "file"),
            completion: .file())
    public var clientSecretFile: String?

    @Option(help: ArgumentHelp("Trust the CA certificates in this PEM file.", valueName: "file"), completion: .file())
    public var cacert: String?

    @Flag(help: "Allow plain http to hosts other than loopback.")
    public var allowHTTP = false

    @Option(help: ArgumentHelp("Give up on a request after this many attempts.", valueName: "n"))
    public var maxAttempts = 6

    @Option(help: ArgumentHelp("Wait at most this long for one answer (e.g. 60s); a body that stops coming part-way is cut once nothing has come for as long.", valueName: "duration"))
    public var requestTimeout = DurationOption(argument: "60s")!

    public init() {}
}

extension NetworkSession {
    /// The session a network stage's options describe.
    public init(options: APIOptions, concurrency: Int, diagnostics: Diagnostics) throws {
        let config = try APIConfig.resolve(baseURL: options.baseURL, tokenURL: options.tokenURL, tenant: options.tenant,
                                           clientID: options.clientID, secretFile: options.clientSecretFile,
                                           caCertificate: options.cacert, allowHTTP: options.allowHTTP, warn: diagnostics.warn)
        try self.init(config: config, retry: RetryPolicy(maxAttempts: options.maxAttempts), concurrency: concurrency,
                      timeout: options.requestTimeout.duration, logger: diagnostics.logger)
    }
}
