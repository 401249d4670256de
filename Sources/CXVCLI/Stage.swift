import ArgumentParser
import Dispatch
import CMalloc
import CXVCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where a stage writes: `-o FILE` (atomic) or stdout, and how much it says on stderr.
public struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.", valueName: "file"),
            completion: .file())
    public var output: String?

    @Option(help: ArgumentHelp("What to say on stderr: error, warning, info (what was done) or debug (every request).",
                               valueName: "level"))
    public var logLevel: Logger.Level = .warning

    @Option(help: ArgumentHelp("text, or json: one object a line, for batch systems that collect logs.", valueName: "format"))
    public var logFormat: LogFormat = .text

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Say nothing on stderr but errors (--log-level error) and draw no progress line.")
    public var quiet = false

    @Flag(inversion: .prefixedNo, help: """
        Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr \
        is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), \
        not into a pipe. NO_COLOR turns its color off.
        """)
    public var progress: Bool?

    public init() {}

    public func sink() throws -> OutputSink { try OutputSink(path: output) }

    /// The stage's diagnostics; `progressDefault` says when it draws a live line unasked.
    public func diagnostics(tool: String, progressDefault: ProgressDefault = .whenWritingAFile) -> Diagnostics {
        let drawn = StatusLine.wanted(forced: progress, quiet: quiet, rule: progressDefault,
                                      writingAFile: output != nil || StatusLine.stdoutIsAFile)
        return Diagnostics(tool: tool, level: quiet ? .error : logLevel, format: logFormat, progress: drawn)
    }
}

/// How a stage treats lines of its input that are not records.
public struct StreamOptions: ParsableArguments {
    @Flag(help: "Turn input lines that are not JSON records into rejects instead of stopping with status 65.")
    public var skipInvalid = false

    @Option(help: ArgumentHelp("Refuse input lines longer than this many bytes.", valueName: "bytes"))
    public var maxLineBytes = 32 << 20

    @Argument(help: ArgumentHelp("NDJSON record files to read, in order; stdin when none or '-'.", valueName: "file"),
              completion: .file())
    public var inputs: [String] = []

    public init() {}

    public func validate() throws {
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
    }
}

/// Runs a stage's body: errors become one message on stderr and the exit status
/// of docs/design.md §4; a closed stdout ends the stage quietly.
public func runStage(_ diagnostics: Diagnostics, _ body: () throws -> ExitStatus) throws {
    signal(SIGPIPE, SIG_IGN)  // a closed pipe shows up as EPIPE, handled as OutputClosed
    tuneAllocator()
    let status: ExitStatus
    do {
        status = try body()
    } catch {
        status = try exitStatus(for: error, diagnostics: diagnostics)
    }
    if status != .ok { throw ExitCode(status.rawValue) }
}

/// The status a stage's error ends it with, after one message on stderr; errors
/// that are not the stage's own (ArgumentParser's) go on as they are.
private func exitStatus(for error: Error, diagnostics: Diagnostics) throws -> ExitStatus {
    switch error {
    case is OutputClosed:
        return .ok
    case let error as CXVError:
        diagnostics.error(error.description)
        return error.exitStatus
    case let error as StageFailure:
        diagnostics.error(error.message)
        return error.status
    case let stopped as Stopped:
        throw ExitCode(128 + stopped.signal)
    default:
        throw error
    }
}

/// `runStage` for the network stages, whose work is async and which stop cleanly
/// on SIGINT or SIGTERM: `body` gets the request to watch, and a stage that
/// stopped exits 130 or 143. A second signal ends the process at once.
public func runAsyncStage(_ diagnostics: Diagnostics, _ body: (StopRequest) async throws -> ExitStatus) async throws {
    signal(SIGPIPE, SIG_IGN)
    tuneAllocator()
    let stop = StopRequest()
    let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
        signal(number, SIG_IGN)  // delivered to the source below instead
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            stop.request(number)
            signal(number, SIG_DFL)
            diagnostics.warn("stopping: no more chunks are taken; the ones in flight get half a second to finish (signal again to quit now)")
        }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    let status: ExitStatus
    do {
        status = try await body(stop)
    } catch {
        status = try exitStatus(for: error, diagnostics: diagnostics)
    }
    if status != .ok { throw ExitCode(status.rawValue) }
}

/// Batches and chunks are large and short-lived. By default glibc gives each one
/// fresh mmap'd pages and returns them at once, so every batch pays for page
/// faults to zero its memory (a third of cxv-gzip's time). Keep them in the
/// heap, and keep freed memory for the next batch.
public func tuneAllocator() {
    _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
    _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
    _ = mallopt(M_TOP_PAD, 16 << 20)
}

/// A duration option: `2s`, `200ms`, `1m`, or a bare number of seconds.
public struct DurationOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let duration: Duration
    public let description: String

    public init?(argument: String) {
        guard let duration = DurationText.parse(argument) else { return nil }
        self.duration = duration
        self.description = argument
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}

