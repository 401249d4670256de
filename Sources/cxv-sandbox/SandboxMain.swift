// cxv-sandbox: the command is in CXVSandboxCommand, which the multi-call program `cxv` runs too.
import CXVSandboxCommand

// An async function, not top-level code: there `main()` would be the synchronous one, which
// cannot run an asynchronous command.
@main
enum SandboxMain {
    static func main() async { await SandboxCommand.main() }
}
