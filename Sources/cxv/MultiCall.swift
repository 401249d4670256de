// The seven tools in one program, for the .deb: /usr/bin/cxv-validate and the others are
// links to it, and it runs the command of the name it is called by. Linked statically, the
// Swift runtime, Foundation and ICU's data (34 MB of it) are then in the package once, not
// seven times. Each command is the one its own executable (Sources/cxv-*/main.swift) runs.
import ArgumentParser
import CXVChunkCommand
import CXVCore
import CXVGzipCommand
import CXVPollCommand
import CXVReportCommand
import CXVSandboxCommand
import CXVUploadCommand
import CXVValidateCommand

/// `cxv` under its own name: what it is, and the names it answers to.
struct MultiCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxv",
        abstract: "The cxv tools in one program: run it by one of their names.",
        discussion: """
        cxv-validate, cxv-chunk, cxv-gzip, cxv-upload, cxv-poll, cxv-report and cxv-sandbox \
        are links to this program; it runs the tool whose name it is called by.
        """,
        version: CXVVersion.current
    )
}

@main
enum MultiCall {
    // An async function, not top-level code: there `main()` of an asynchronous command would
    // be the synchronous one, which cannot run it.
    static func main() async {
        switch CommandLine.arguments[0].split(separator: "/").last ?? "" {
        case "cxv-validate": ValidateCommand.main()
        case "cxv-chunk": ChunkCommand.main()
        case "cxv-gzip": GzipCommand.main()
        case "cxv-report": ReportCommand.main()
        case "cxv-upload": await UploadCommand.main()
        case "cxv-poll": await PollCommand.main()
        case "cxv-sandbox": await SandboxCommand.main()
        default: MultiCallCommand.main()
        }
    }
}
