// cxv-upload: the command is in CXVUploadCommand, which the multi-call program `cxv` runs too.
import CXVUploadCommand

// An async function, not top-level code: there `main()` would be the synchronous one, which
// cannot run an asynchronous command.
@main
enum UploadMain {
    static func main() async { await UploadCommand.main() }
}
