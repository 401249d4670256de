import ArgumentParser
import CXVCLI
import CXVCore
import CXVNet
import CXVNetCLI

public struct UploadCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-upload",
        abstract: "Upload chunks to CXone: the contacts import API or a calling list.",
        discussion: """
        Each built or compressed chunk is sent to the API its `api` member names (set by \
        cxv-chunk --api; CXONE_API, if set, must agree) and written on as `submitted` with \
        its job id, or `failed` with the reason; up to --concurrency at once, halved while \
        the server throttles. 429, 5xx and dropped connections are retried with backoff \
        (Retry-After when the server sends one); 400, 404 and 413 are not. Other records \
        pass through at once. The last record is a tally.

        contacts-import: the gzip'd CSV is POSTed to /api/v2/contacts/import with an \
        Idempotency-Key (the payload's sha256). Credentials: CXONE_CLIENT_ID and \
        CXONE_CLIENT_SECRET (or --client-secret-file).

        call-lists: the CSV (inflated and checked against its sha256) goes base64 in a JSON \
        body to lists/call-lists/LIST/upload under the tenant's Admin API. Sign-in with a \
        CXone access key: CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET (or \
        --access-key-secret-file). Without CXONE_BASE_URL the API endpoint is discovered \
        from the token's tenant. --list-id (CXONE_LIST_ID) is required; the list's counts \
        are read before the first upload (a list CXone does not know stops the run, 78) and \
        written into the tally.

        With --journal, every created job is recorded (flushed to disk) before the chunk \
        is written on: a re-run with the same journal re-emits those jobs and uploads \
        nothing twice. The token (and a discovered endpoint) is cached under \
        $XDG_CACHE_HOME/cxv/ and shared with cxv-poll. --dry-run prints each request \
        (method, path, body fields and sizes; never a secret) and sends nothing.

        Exit status: 0 when every chunk was submitted or written on as failed; 69 when none \
        was submitted and chunks gave up after their retries (the service is unavailable: \
        run again later with the same --journal); 77 when the credentials are refused; \
        78 for missing configuration; 130/143 after SIGINT/SIGTERM.
        """,
        version: CXVVersion.current
    )

    @Option(help: ArgumentHelp("Uploads in flight at most.", valueName: "n"))
    var concurrency = 4

    @Option(help: ArgumentHelp("Record created jobs here, and skip chunks it already holds.", valueName: "file"),
            completion: .file())
    var journal: String?

    @Flag(help: "Describe the requests on stderr and send nothing.")
    var dryRun = false

    @OptionGroup var api: APIOptions
    @OptionGroup var callList: CallListOptions
    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        _ = try callList.expiration()
    }

    public func run() async throws {
        Transport.runTasksOnEventLoops()
        let diagnostics = output.diagnostics(tool: "cxv-upload")
        try await runAsyncStage(diagnostics) { stop in try await mapNetworkErrors {
            let sink = try output.sink()
            let sessions = try api.sessions(concurrency: concurrency, dryRun: dryRun, diagnostics: diagnostics)
            let run = UploadRun(sessions: sessions, callList: try callList.settings(), dryRun: dryRun,
                                journal: try journal.map { try UploadJournal(path: $0) }, concurrency: concurrency,
                                output: SharedOutput(sink), policy: InvalidLinePolicy(stage: "upload", skip: stream.skipInvalid),
                                log: diagnostics.warn)
            let meter = diagnostics.progress(UploadTally()) { (t: UploadTally) -> [ProgressField] in
                [.init("chunks", t.chunks), .init("in flight", t.chunks - t.submitted - t.failed - t.dryRun),
                 .init("submitted", t.submitted), .init("failed", t.failed, alert: true)]
            }
            defer { meter?.finish() }
            run.progress = meter?.observer
            try await sessions.shuttingDown {
                try await run.run(inputs: stream.inputs, maxLineBytes: stream.maxLineBytes, stop: stop)
            }
            try sink.commit()
            guard !run.tally.serviceUnavailable else {
                diagnostics.warn("no chunk was submitted: \(run.tally.gaveUp) gave up after retries (the service is unavailable); run again with the same --journal later")
                return .unavailable
            }
            return .ok
        } }
    }
}
