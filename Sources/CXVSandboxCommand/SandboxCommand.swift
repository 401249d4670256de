import ArgumentParser
import CXVCLI
import CXVCore
import CXVSandbox
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct SandboxCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-sandbox",
        abstract: "Serve local, faithful implementations of the CXone import APIs, with fault injection.",
        discussion: """
        The first line on stdout is `listening on http://HOST:PORT` (https with --tls-cert), with the port \
        actually bound. Both APIs are served on that port.

        The tutorial's contacts-import API: POST /oauth/token (client credentials: --client-id, --client-secret), \
        POST /api/v2/contacts/import (a gzip'd CSV, --max-body) and GET /api/v2/contacts/import/{jobId}.

        CXone's calling-list API: POST /authentication/v1/token/access-key takes JSON \
        {"accessKeyId", "accessKeySecret"} (--access-key-id, --access-key-secret) and answers a JWT-shaped \
        access token whose payload carries "tenantId" (--tenant-id); a token from either sign-in is good on every \
        route. GET /.well-known/cxone-configuration?tenantId=ID (no auth) names this sandbox as the tenant's \
        api_endpoint. Under /inContactAPI/services/vNN.N/ (any version): POST lists/call-lists/{listId}/upload \
        (JSON: listFile, the CSV in base64, and fileName, forceOverwrite, expirationDate, startSkill, sendEmail; \
        answers 202 {"jobId": n}), GET lists/call-lists/jobs/{jobId} (isComplete, isCancelled), \
        DELETE lists/call-lists/jobs/{jobId} (cancels a running job) and GET lists/call-lists/{listId} \
        (totalRecords, validRecords, invalidRecords).

        Calling lists: only the lists named by --list exist. A file's header names its columns: external_id and \
        phone_number are required, first_name, last_name and email are read, others are ignored. The external id \
        is the list's key: a record sent again updates its record, never duplicates it. A record is invalid, \
        counted but not stored, without an external id, without an E.164 phone number, with other than the \
        header's number of columns, or longer than 512 characters as a CSV row. Records take effect when their job completes (--job-time); a cancelled job's \
        never do. A file over 256 MB or 500,000 records is refused with 413; an upload whose new external ids \
        would take the tenant past --tenant-capacity records, held or pending, is refused with 400 and changes \
        nothing.

        Faults (--throttle, --fail-rate, --drop-rate, --reset-rate, --reset-response-rate, --latency, \
        replayable with --seed) hit every route but /sandbox/*. A throttled CXone route answers 429 without \
        Retry-After, as CXone often does; the tutorial's routes send Retry-After: 1. --job-fail-rate fails \
        contacts-import jobs and cancels call-list jobs. A dropped request is handled, then its connection \
        closed with no answer: the client reads end of stream before any response byte (curl: "Empty reply \
        from server"). A reset request is cut with a TCP RST while its body is read and never takes effect \
        (curl: "Connection reset by peer" or "Send failure"); a reset answer is sent in part after the \
        request took effect, then cut the same way.

        GET /sandbox/stats, GET /sandbox/contacts (NDJSON; call-list records carry "list" and "external_id") and \
        GET /sandbox/tokens (no auth, never faulted) show what was stored and which tokens were issued: it is a \
        test double, never a place for real credentials.
        """,
        version: CXVVersion.current
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 lets the OS pick one.")
    var port = 0

    @Option(help: "The client id the token endpoint accepts.")
    var clientID = "cxv-demo"

    @Option(help: ArgumentHelp("The client secret the token endpoint accepts (default: $CXONE_CLIENT_SECRET, else cxv-demo-secret).", valueName: "secret"))
    var clientSecret: String?

    @Option(help: ArgumentHelp("The access key id CXone's sign-in accepts.", valueName: "id"))
    var accessKeyID = "cxv-demo-key"

    @Option(help: ArgumentHelp("The access key secret CXone's sign-in accepts (default: $CXONE_ACCESS_KEY_SECRET, else cxv-demo-key-secret).", valueName: "secret"))
    var accessKeySecret: String?

    @Option(help: ArgumentHelp("The tenant CXone's tokens name and discovery knows.", valueName: "id"))
    var tenantID = "cxv-sandbox-tenant"

    @Option(help: ArgumentHelp("How long an issued token lasts, from either sign-in.", valueName: "duration"))
    var tokenTTL = DurationOption(argument: "3600s")!

    @Option(help: ArgumentHelp("Refuse contacts-import bodies (as sent) larger than this many bytes with 413; call-list files have CXone's limits.", valueName: "bytes"))
    var maxBody = 10 << 20

    @Option(name: .customLong("list"), help: ArgumentHelp("A calling list that exists; repeat for more.", valueName: "id"))
    var lists = ["demo-list"]

    @Option(help: ArgumentHelp("The most records all calling lists together may hold, with those of jobs not yet complete.", valueName: "n"))
    var tenantCapacity = 1_000_000

    @Option(help: ArgumentHelp("How long a job takes to finish; 0 finishes it at once.", valueName: "duration"))
    var jobTime = DurationOption(argument: "2s")!

    @Flag(help: "Complete jobs with bad rows, storing the good ones, instead of failing them whole.")
    var partial = false

    @Option(help: ArgumentHelp("Seed the fault generators, so a run's faults can be replayed.", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Answer 429 beyond this many requests in any rolling second (Retry-After: 1 on the tutorial's routes, none on CXone's).", valueName: "rps"))
    var throttle: Int?

    @Option(help: ArgumentHelp("Probability of answering 503 instead of handling a request.", valueName: "p"))
    var failRate = 0.0

    @Option(help: ArgumentHelp("Probability of handling a request, then closing its connection with no answer.", valueName: "p"))
    var dropRate = 0.0

    @Option(help: ArgumentHelp("Probability of resetting a request's connection (TCP RST) after reading at most the first piece of its body; the request never takes effect.", valueName: "p"))
    var resetRate = 0.0

    @Option(help: ArgumentHelp("Probability of handling a request, then resetting its connection after sending the answer's head and half its body.", valueName: "p"))
    var resetResponseRate = 0.0

    @Option(help: ArgumentHelp("Delay added to every answer, after the request has taken effect.", valueName: "duration"))
    var latency = DurationOption(argument: "0")!

    @Option(help: ArgumentHelp("Probability that a job which would complete fails with a transient error instead (a call-list job is cancelled).", valueName: "p"))
    var jobFailRate = 0.0

    @Option(help: ArgumentHelp("Break the contacts-import API's contract in one way, for tests of the client: \(Misbehaviour.allCases.map(\.rawValue).joined(separator: ", ")). The request still takes effect; only its answer is wrong.", valueName: "mode"))
    var misbehave: Misbehaviour?

    @Option(help: ArgumentHelp("Serve https with this certificate chain (PEM); needs --tls-key.", valueName: "file"), completion: .file())
    var tlsCert: String?

    @Option(help: ArgumentHelp("The private key (PEM) of --tls-cert.", valueName: "file"), completion: .file())
    var tlsKey: String?

    @Flag(help: "Log each request on stderr.")
    var verbose = false

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxBody > 0 else { throw ValidationError("--max-body must be positive") }
        guard tokenTTL.duration > .zero else { throw ValidationError("--token-ttl must be positive") }
        guard tenantCapacity >= 0 else { throw ValidationError("--tenant-capacity must be 0 or more records") }
        for list in lists where list.isEmpty || list.contains("/") {
            throw ValidationError("--list \(list): a list id is not empty and has no '/'")
        }
        guard Set(lists).count == lists.count else { throw ValidationError("--list: each list is named once") }
        if let throttle, throttle < 1 { throw ValidationError("--throttle must be at least 1 request a second") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        for (name, p) in [("--fail-rate", failRate), ("--drop-rate", dropRate), ("--reset-rate", resetRate),
                          ("--reset-response-rate", resetResponseRate), ("--job-fail-rate", jobFailRate)] {
            guard (0...1).contains(p) else { throw ValidationError("\(name) must be a probability between 0 and 1") }
        }
    }

    public func run() async throws {
        SandboxServer.serveFromOneThread()
        tuneAllocator()
        var config = SandboxConfig()
        config.host = host
        config.port = port
        config.clientID = clientID
        config.clientSecret = clientSecret ?? getenv("CXONE_CLIENT_SECRET").map { String(cString: $0) } ?? "cxv-demo-secret"
        config.accessKeyID = accessKeyID
        config.accessKeySecret = accessKeySecret ?? getenv("CXONE_ACCESS_KEY_SECRET").map { String(cString: $0) } ?? "cxv-demo-key-secret"
        config.tenantID = tenantID
        config.tokenTTL = tokenTTL.duration
        config.maxBody = maxBody
        config.lists = lists
        config.tenantCapacity = tenantCapacity
        config.jobTime = jobTime.duration
        config.partial = partial
        config.verbose = verbose
        config.misbehave = misbehave
        if let tlsCert, let tlsKey { config.tls = (tlsCert, tlsKey) }
        config.faults.seed = seed
        config.faults.throttle = throttle
        config.faults.failRate = failRate
        config.faults.dropRate = dropRate
        config.faults.resetRate = resetRate
        config.faults.resetResponseRate = resetResponseRate
        config.faults.latency = latency.duration
        config.faults.jobFailRate = jobFailRate
        let scheme = config.scheme
        try await SandboxServer.run(SandboxState(config: config)) { host, port in
            // The one line on stdout, flushed at once: scripts wait for it to learn the port.
            print("listening on \(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            fflush(nil)
        }
    }
}

extension Misbehaviour: ExpressibleByArgument {}
