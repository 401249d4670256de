// cxv-poll: the command is in CXVPollCommand, which the multi-call program `cxv` runs too.
import CXVPollCommand

// An async function, not top-level code: there `main()` would be the synchronous one, which
// cannot run an asynchronous command.
@main
enum PollMain {
    static func main() async { await PollCommand.main() }
}
