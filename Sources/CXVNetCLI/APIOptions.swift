import ArgumentParser
import CXVAPI
import CXVCLI
import CXVCore
import CXVNet
import Foundation

/// Where the import API is and how to reach it: flags first, then the environment of the design
/// doc. There is deliberately no option for a secret: secrets stay off the command line.
public struct APIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("API address (default: $CXONE_BASE_URL, else https://$CXONE_TENANT.api.nice-incontact.com). Under call-lists: the tenant's API endpoint, which skips discovery.", valueName: "url"))
    public var baseURL: String?

    @Option(help: ArgumentHelp("Token endpoint (default: $CXONE_TOKEN_URL, else BASE-URL/oauth/token; under call-lists AUTH-URL/authentication/v1/token/access-key).", valueName: "url"))
    public var tokenURL: String?

    @Option(help: ArgumentHelp("CXone tenant (default: $CXONE_TENANT).", valueName: "name"))
    public var tenant: String?

    @Option(help: ArgumentHelp("OAuth client id (default: $CXONE_CLIENT_ID).", valueName: "id"))
    public var clientID: String?

    @Option(help: ArgumentHelp("Read the client secret from this file (default: $CXONE_CLIENT_SECRET).", valueName: "file"),
            completion: .file())
    public var clientSecretFile: String?

    @Option(help: ArgumentHelp("Call-lists: CXone access key id (default: $CXONE_ACCESS_KEY_ID).", valueName: "id"))
    public var accessKeyID: String?

    @Option(help: ArgumentHelp("Call-lists: read the access key secret from this file (default: $CXONE_ACCESS_KEY_SECRET).", valueName: "file"),
            completion: .file())
    public var accessKeySecretFile: String?

    @Option(help: ArgumentHelp("Call-lists: where to sign in (default: $CXONE_AUTH_URL, else \(Discovery.defaultAuthURL)).", valueName: "url"))
    public var authURL: String?

    @Option(help: ArgumentHelp("Call-lists: where to look up the tenant's API endpoint when no base URL is set (default: $CXONE_DISCOVERY_URL, else \(Discovery.defaultURL)).", valueName: "url"))
    public var discoveryURL: String?

    @Option(help: ArgumentHelp("Call-lists: Admin API version (default: $CXONE_API_VERSION, else \(Discovery.defaultVersion)).", valueName: "version"))
    public var apiVersion: String?

    @Option(help: ArgumentHelp("Trust the CA certificates in this PEM file.", valueName: "file"), completion: .file())
    public var cacert: String?

    @Flag(help: "Allow plain http to hosts other than loopback.")
    public var allowHTTP = false

    @Option(help: ArgumentHelp("Give up on a request after this many attempts.", valueName: "n"))
    public var maxAttempts = 6

    @Option(help: ArgumentHelp("Wait at most this long for one answer (e.g. 60s); a body that stops coming part-way is cut once nothing has come for as long.", valueName: "duration"))
    public var requestTimeout = DurationOption(argument: "60s")!

    public init() {}

    /// The checks both network stages share: ArgumentParser runs a group's validate() with its command's.
    public func validate() throws {
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
    }

    var configOptions: APIConfig.Options {
        var options = APIConfig.Options()
        options.baseURL = baseURL
        options.tokenURL = tokenURL
        options.tenant = tenant
        options.clientID = clientID
        options.clientSecretFile = clientSecretFile
        options.accessKeyID = accessKeyID
        options.accessKeySecretFile = accessKeySecretFile
        options.authURL = authURL
        options.discoveryURL = discoveryURL
        options.apiVersion = apiVersion
        options.caCertificate = cacert
        options.allowHTTP = allowHTTP
        return options
    }
}

extension APIOptions {
    /// Opens, for the API the chunks (or `CXONE_API`) name, the session these options describe;
    /// `dryRun` opens none.
    public func sessions(concurrency: Int, dryRun: Bool = false, diagnostics: Diagnostics) throws -> SessionOpener {
        let (configOptions, retry, timeout) = (self.configOptions, RetryPolicy(maxAttempts: maxAttempts), requestTimeout.duration)
        return try SessionOpener { api in
            guard !dryRun else { return nil }
            let config = try APIConfig.resolve(api, configOptions, warn: diagnostics.warn)
            return try NetworkSession(config: config, retry: retry, concurrency: concurrency, timeout: timeout,
                                      logger: diagnostics.logger)
        }
    }
}

/// Where call-list chunks go and how CXone is to treat them: the upload body's settings.
public struct CallListOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Call-lists: the calling list to load, which must exist in CXone with a field mapping for the file's columns (default: $CXONE_LIST_ID).", valueName: "id"))
    public var listID: String?

    @Flag(help: "Call-lists: replace the list's records instead of adding to them (forceOverwrite).")
    public var forceOverwrite = false

    @Option(help: ArgumentHelp("Call-lists: when the records expire, an ISO-8601 date or time (default: 30 days from now, as long as CXone keeps inventory).", valueName: "date"))
    public var expirationDate: String?

    @Flag(help: "Call-lists: start the list's skill once the upload completes (startSkill).")
    public var startSkill = false

    @Flag(help: "Call-lists: have CXone e-mail the upload's result (sendEmail).")
    public var sendEmail = false

    @Option(help: ArgumentHelp("Call-lists: the skill to load the records into (skillId).", valueName: "id"))
    public var skillID: String?

    @Option(help: ArgumentHelp("Call-lists: time zone of records that name none (defaultTimeZone).", valueName: "zone"))
    public var defaultTimeZone: String?

    public init() {}

    /// The expiration date as given; nil for the default.
    public func expiration() throws -> Date? {
        guard let text = expirationDate else { return nil }
        let full = ISO8601DateFormatter()
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = full.date(from: text) ?? day.date(from: text) else {
            throw ValidationError("--expiration-date \(text): expected an ISO-8601 date (2026-12-31) or time (2026-12-31T18:00:00Z)")
        }
        return date
    }

    /// The settings, or nil when no list is named (then a call-list chunk stops the run, saying so).
    public func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CallListProfile.UploadSettings? {
        guard let list = listID ?? environment["CXONE_LIST_ID"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        var settings = CallListProfile.UploadSettings(listID: list)
        if let date = try expiration() { settings.expirationDate = date }
        settings.forceOverwrite = forceOverwrite
        settings.startSkill = startSkill
        settings.sendEmail = sendEmail
        settings.skillID = skillID
        settings.defaultTimeZone = defaultTimeZone
        return settings
    }
}
