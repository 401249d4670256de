import ArgumentParser
import CXVCLI
import CXVCore
import Foundation

public struct GzipCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-gzip",
        abstract: "Compress the CSV of built chunks for upload.",
        discussion: """
        Each `built` chunk becomes `compressed`: its `csv` is replaced by `gzip` (base64 of a \
        gzip stream that gzip(1) decompresses to exactly that CSV), and `sha256` (of the CSV \
        bytes) and `bytes` {csv, gzip} are added. Chunks are compressed on --jobs threads; \
        records come out in input order. -d restores `built` chunks, checking the sha256. \
        Everything else passes through unchanged. The last record is a tally.
        """,
        version: CXVVersion.current
    )

    @Option(help: ArgumentHelp("Compression level, 1 (fastest) to 9 (smallest).", valueName: "n"))
    var level: Int32 = 6

    @Flag(name: [.customShort("d"), .customLong("decompress")], help: "Turn compressed chunks back into built ones.")
    var decompress = false

    @Option(help: ArgumentHelp("Compress on this many threads (default: the number of cores).", valueName: "n"))
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        guard (1...9).contains(level) else { throw ValidationError("--level must be 1 to 9") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    public func run() throws {
        let diagnostics = output.diagnostics(tool: "cxv-gzip")
        try runStage(diagnostics) {
            let sink = try output.sink()
            let run = GzipRun(compressor: ChunkCompressor(level: level, decompress: decompress), jobs: jobs,
                              policy: InvalidLinePolicy(stage: "gzip", skip: stream.skipInvalid), output: sink)
            let meter = diagnostics.progress(GzipTally()) {
                [.init("chunks", $0.chunks), .init("csv", bytes: $0.csvBytes), .init("gzip", bytes: $0.gzipBytes)]
            }
            defer { meter?.finish() }
            run.progress = meter?.observer
            try run.run(inputs: stream.inputs, maxLineBytes: stream.maxLineBytes)
            try sink.commit()
            return .ok
        }
    }
}
