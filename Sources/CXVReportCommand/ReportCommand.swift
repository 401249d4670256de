import ArgumentParser
import CXVCLI
import CXVCore

public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-report",
        abstract: "Summarise a finished stream and check that every contact is accounted for.",
        discussion: """
        Reads the records of a whole pipeline and prints a summary (chunks in all, completed \
        and failed, records the server processed, requests, retries and tokens, and the \
        errors by stage and code with their first lines) and the accounting: \
        read = imported + rejected (validate, chunk, import) + in failed chunks + not \
        submitted. Chunks no upload stage reached are "not submitted" (a dry run), not failures.

        Exit status: 0 when every contact was imported (or, in a dry run, is ready), 1 when \
        some were rejected or failed, 65 when contacts are unaccounted for or a stage died \
        before writing its tally (the report names it).
        """,
        version: CXVVersion.current
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Summary format.")
    var format: Format = .text

    @Option(help: ArgumentHelp("""
        Write every contact that was not imported to this CSV: its original columns plus 'error' \
        (rejected, with the reason, or in a failed chunk, with the chunk's; a failed chunk's rows \
        as sent unless cxv-validate had --keep-rows).
        """, valueName: "file"),
            completion: .file())
    var rejects: String?

    @Option(help: ArgumentHelp("""
        Write every imported contact to this CSV: its columns, then 'source_line' ('source_file' \
        with several inputs), 'chunk_seq' and 'job_id'. The columns are the row as read when \
        cxv-validate had --keep-rows, else as sent. With --rejects, every input row is in one \
        of the two files, once.
        """, valueName: "file"),
            completion: .file())
    var imported: String?

    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    public init() {}

    public func run() throws {
        let diagnostics = output.diagnostics(tool: "cxv-report", progressDefault: .whenStderrIsATerminal)
        try runStage(diagnostics) {
            let sink = try output.sink()
            var builder = ReportBuilder(rejects: try rejects.map { try RowsFile.rejects(path: $0) },
                                        imported: try imported.map { try RowsFile.imported(path: $0) })
            let meter = diagnostics.progress(ReportProgress()) { now in
                [.init("read", now.read), .init("rejected", now.rejected, alert: true)]
                    + (now.inFlight.map { [.init("in flight", $0)] } ?? [])
                    + [.init("completed", now.completed), .init("failed", now.failed, alert: true)]
            }
            defer { meter?.finish() }
            builder.progress = meter?.observer
            try builder.run(inputs: stream.inputs, maxLineBytes: stream.maxLineBytes,
                            policy: InvalidLinePolicy(stage: "report", skip: stream.skipInvalid))
            meter?.finish()  // the summary may go to the same terminal
            try builder.finish()
            let report = builder.report
            try sink.write(format == .json ? report.json : report.text)
            try sink.commit()
            return report.exitStatus
        }
    }
}
