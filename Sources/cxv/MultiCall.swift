// Six tools in one program, for the .deb: /usr/bin/cxv-chunk and the others are links to it,
// and it runs the command of the name it is called by. Linked statically, the Swift runtime,
// Foundation and ICU's data (34 MB of it) are then in the package twice (here and in
// cxv-validate), not seven times. cxv-validate is a program of its own because it alone
// needs libphonenumber and libxml2, whose loading (with protobuf and ICU) would add 4 ms to
// every other tool's start. Each command is the one its own executable runs.
import ArgumentParser
import CXVChunkCommand
import CXVCore
import CXVGzipCommand
import CXVPollCommand
import CXVReportCommand
import CXVSandboxCommand
import CXVUploadCommand

/// `cxv` under its own name: what it is, and the names it answers to.
struct MultiCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxv",
        abstract: "Six cxv tools in one program: run it by one of their names.",
        discussion: """
        cxv-chunk, cxv-gzip, cxv-upload, cxv-poll, cxv-report and cxv-sandbox are links to \
        this program; it runs the tool whose name it is called by. cxv-validate is a program \
        of its own.
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
