import ArgumentParser
import CXVCLI
import CXVCore
import CXVNet
import CXVNetCLI

public struct PollCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-poll",
        abstract: "Follow submitted import jobs to the end.",
        discussion: """
        Every submitted chunk's job is polled at once, each from --interval doubling to \
        --max-interval, until it ends. The chunk is written on as `completed` or `failed` \
        with `records_processed`, `errors` and `retries`. Other records pass through. \
        Running it again on the same input resumes: it polls the same jobs.

        contacts-import: rows the server refused (`row N: …`) become `reject` records \
        (stage import) naming the source line and the row; a FAILED chunk is uploaded again \
        without them, and a FAILED job naming no row is uploaded again unchanged, each up to \
        --retries times.

        call-lists: a job is complete, or cancelled in CXone (the chunk fails). CXone names \
        no rows, so nothing is rejected here: after the last job the list's counts are read \
        and the tally says how many valid and invalid records the run added. \
        --cancel-on-stop cancels the jobs still running on SIGINT/SIGTERM and says which.

        Exit status: 0 when every chunk was written on as completed or failed; 69 when none \
        completed and chunks gave up after their retries (the service is unavailable: run it \
        again on the same input later); 77 when the credentials are refused; 78 for missing \
        configuration; 130/143 after SIGINT/SIGTERM.
        """,
        version: CXVVersion.current
    )

    @Option(help: ArgumentHelp("First wait before polling a job; doubles after each poll.", valueName: "duration"))
    var interval = DurationOption(argument: "2s")!

    @Option(help: ArgumentHelp("Longest wait between two polls of a job.", valueName: "duration"))
    var maxInterval = DurationOption(argument: "30s")!

    @Option(help: ArgumentHelp("Give up on a job not finished after this long.", valueName: "duration"))
    var timeout = DurationOption(argument: "10m")!

    @Option(help: ArgumentHelp("Upload a FAILED chunk again at most this many times.", valueName: "n"))
    var retries = 3

    @Option(help: ArgumentHelp("Requests in flight at most.", valueName: "n"))
    var concurrency = 8

    @Flag(help: "On SIGINT/SIGTERM, cancel the jobs still running (call-lists) and write their chunks as failed.")
    var cancelOnStop = false

    @OptionGroup var api: APIOptions
    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    public func run() async throws {
        Transport.runTasksOnEventLoops()
        let diagnostics = output.diagnostics(tool: "cxv-poll")
        try await runAsyncStage(diagnostics) { stop in try await mapNetworkErrors {
            let sink = try output.sink()
            let sessions = try api.sessions(concurrency: concurrency, diagnostics: diagnostics)
            var settings = PollSettings()
            settings.interval = interval.duration
            settings.maxInterval = maxInterval.duration
            settings.timeout = timeout.duration
            settings.retries = retries
            settings.cancelOnStop = cancelOnStop
            let run = PollRun(sessions: sessions, settings: settings, output: SharedOutput(sink),
                              policy: InvalidLinePolicy(stage: "poll", skip: stream.skipInvalid), log: diagnostics.warn)
            let meter = diagnostics.progress(PollTally()) { (t: PollTally) -> [ProgressField] in
                [.init("chunks", t.chunks), .init("waiting", t.chunks - t.completed - t.failed),
                 .init("completed", t.completed), .init("failed", t.failed, alert: true),
                 .init("rejected", t.rejects, alert: true)]
            }
            defer { meter?.finish() }
            run.progress = meter?.observer
            try await sessions.shuttingDown {
                try await run.run(inputs: stream.inputs, maxLineBytes: stream.maxLineBytes, stop: stop)
            }
            try sink.commit()
            guard !run.tally.serviceUnavailable else {
                diagnostics.warn("no job completed: \(run.tally.gaveUp) chunks gave up after retries (the service is unavailable); run cxv-poll again on the same input later")
                return .unavailable
            }
            return .ok
        } }
    }
}
