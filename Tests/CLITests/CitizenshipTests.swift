import Foundation
import XCTest

/// The committed man pages and completions match the commands, and `make install`
/// puts every file where man and the shells look, and `make uninstall` takes exactly those away.
final class CitizenshipTests: XCTestCase {
    static let tools = ["cxv-validate", "cxv-chunk", "cxv-gzip", "cxv-upload", "cxv-poll", "cxv-report", "cxv-sandbox"]
    let root = Pipeline.packageRoot

    /// A page that misses an option of its tool is stale: `make man`.
    func testEveryOptionIsInTheToolsManPage() throws {
        for tool in CitizenshipTests.tools {
            let dump = try Pipeline.sh("\(tool) --experimental-dump-help")
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any], tool)
            let arguments = (json["command"] as? [String: Any])?["arguments"] as? [[String: Any]] ?? []
            let options = arguments.flatMap { ($0["names"] as? [[String: String]] ?? []).filter { $0["kind"] == "long" } }
                .compactMap { $0["name"] }
            XCTAssertGreaterThan(options.count, 3, tool)
            let page = try String(contentsOf: root.appendingPathComponent("man/\(tool).1"), encoding: .utf8)
            for option in options {
                XCTAssertTrue(page.contains("Fl -\(option)"), "man/\(tool).1 lacks --\(option): run make man")
            }
        }
    }

    /// groff's own check: no warning on any page, generated or hand-written.
    func testEveryPageIsCleanGroff() throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("man").path)
            .filter { $0.hasSuffix(".1") || $0.hasSuffix(".7") }.sorted()
        XCTAssertEqual(pages.count, 8, "\(pages)")
        for page in pages {
            let check = try Pipeline.sh("groff -mandoc -ww -z 'man/\(page)'", in: root)
            XCTAssertEqual(check.status, 0, page)
            XCTAssertEqual(check.stderr, "", "man/\(page)")
        }
        let synopsis = try String(contentsOf: root.appendingPathComponent("man/cxv-chunk.1"), encoding: .utf8)
        XCTAssertFalse(synopsis.contains(".Ar subcommand"), "a command without subcommands has none in its SYNOPSIS")
    }

    /// Completions that differ from what the tool generates now are stale: `make completions`.
    func testCompletionsAreCurrent() throws {
        for tool in CitizenshipTests.tools {
            for (shell, file) in [("bash", "bash/\(tool)"), ("zsh", "zsh/_\(tool)"), ("fish", "fish/\(tool).fish")] {
                let now = try Pipeline.sh("\(tool) --generate-completion-script \(shell)").stdout
                let committed = try Data(contentsOf: root.appendingPathComponent("completions/\(file)"))
                XCTAssertEqual(now, committed, "completions/\(file) is stale: run make completions")
            }
        }
        let bash = try String(contentsOf: root.appendingPathComponent("completions/bash/cxv-upload"), encoding: .utf8)
        XCTAssertTrue(bash.contains("'--journal')\n        __cxv-upload_add_completions -f"), "options that take files complete files")
    }

    func testInstallAndUninstallIntoADestdir() throws {
        let destdir = try Pipeline.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: destdir) }
        let install = try Pipeline.sh("make -s install-files INSTALL_BIN='\(Pipeline.binDirectory.path)' PREFIX=/usr/local DESTDIR='\(destdir.path)'",
                                      in: root)
        XCTAssertEqual(install.status, 0, install.stderr)
        let prefix = destdir.appendingPathComponent("usr/local").path
        let files = try Pipeline.sh("cd '\(prefix)' && find . -type f | sort").lines
        XCTAssertEqual(files.count, 7 * 5 + 1, "\(files)")
        let overview = try Pipeline.sh("MANWIDTH=80 man -l '\(prefix)/share/man/man7/cxv.7' | head -5")
        XCTAssertTrue(overview.text.contains("CXV(7)"), "\(overview.text) \(overview.stderr)")
        for tool in CitizenshipTests.tools {
            for file in ["./bin/\(tool)", "./share/man/man1/\(tool).1", "./share/bash-completion/completions/\(tool)",
                         "./share/zsh/site-functions/_\(tool)", "./share/fish/vendor_completions.d/\(tool).fish"] {
                XCTAssertTrue(files.contains(file), "\(file) not installed")
            }
            let version = try Pipeline.sh("'\(prefix)/bin/\(tool)' --version")
            XCTAssertEqual(version.text, "0.1.0\n", tool)
            let page = try Pipeline.sh("MANWIDTH=80 man -l '\(prefix)/share/man/man1/\(tool).1' | head -5")
            XCTAssertTrue(page.text.contains(tool.uppercased()), "\(tool): \(page.text) \(page.stderr)")
        }
        let uninstall = try Pipeline.sh("make -s uninstall PREFIX=/usr/local DESTDIR='\(destdir.path)'", in: root)
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertEqual(try Pipeline.sh("cd '\(prefix)' && find . -type f").lines, [], "uninstall removes exactly what install put there")
    }
}
