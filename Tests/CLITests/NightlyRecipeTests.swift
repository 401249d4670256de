import Foundation
import XCTest

/// The README's Makefile batch recipe (examples/nightly.mk), run as a user would run it:
/// interrupted in the middle of an upload, run again, and every contact imported once.
final class NightlyRecipeTests: XCTestCase {
    let root = Pipeline.packageRoot

    func testTheREADMEShowsTheRecipeTheTestRuns() throws {
        let recipe = try String(contentsOf: root.appendingPathComponent("examples/nightly.mk"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains("```make\n" + recipe + "```\n"), "README.md must show examples/nightly.mk exactly")
    }

    func testAnInterruptedNightlyRunFinishesOnTheNextWithEveryContactImportedOnce() throws {
        let dir = try Pipeline.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Answers a quarter of a second late, so an upload of 27 chunks takes a while.
        let sandbox = try SandboxProcess(["--latency", "250ms", "--job-time", "0.3"])
        defer { sandbox.stop() }
        let setup = try Pipeline.sh("""
            mkdir lists && cp '\(root.path)/examples/nightly.mk' Makefile && cp '\(Pipeline.sample)' lists/a.csv
            { echo phone_number,first_name,last_name,email
              for i in $(seq 1000 1599); do echo "+1718555$i,Grace,Hopper,grace.$i@example.com"; done; } > lists/b.csv
            printf 'name,email\\nAda,ada@example.com\\n' > lists/c.csv
            """, in: dir)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        let env = """
            export CXONE_BASE_URL=\(sandbox.url) CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret \
            XDG_CACHE_HOME='\(dir.path)/cache'; 
            """

        // Ctrl-C, as a terminal sends it to the whole job, once a few chunks of a.csv are in.
        let first = try Pipeline.sh(env + """
            set -m
            make -k CHUNK=100 > first.log 2>&1 &
            job=$!
            until [ "$(cat out/a/upload.journal 2>/dev/null | wc -l)" -ge 4 ]; do sleep 0.02; done
            kill -INT -$job
            wait $job
            echo "make=$?"
            """, in: dir)
        XCTAssertNotEqual(first.text, "make=0\n", "an interrupted make fails")
        let journal = try Pipeline.sh("wc -l < out/a/upload.journal; ls out/a", in: dir).lines
        let journaled = Int(journal[0].trimmingCharacters(in: .whitespaces)) ?? 0
        XCTAssertTrue((4..<27).contains(journaled), "stopped in the middle of the upload: \(journaled) of 27 journaled")
        XCTAssertEqual(Array(journal.dropFirst()), ["chunks.ndjson", "compressed.ndjson", "contacts.ndjson", "upload.journal"],
                       "the checkpoints before the upload, and no half-written one")

        let second = try Pipeline.sh(env + "make -k CHUNK=100", in: dir)
        XCTAssertEqual(second.status, 2, "c.csv has no phone column; -k finished the others: \(second.stderr)")
        XCTAssertTrue(second.stderr.contains("lists/c.csv:1"), second.stderr)
        XCTAssertFalse(second.text.contains("cxv-validate --region US --dedupe -o out/a/contacts.ndjson"),
                       "finished stages are not redone:\n\(second.text)")
        XCTAssertTrue(second.text.contains("cxv-upload --journal out/a/upload.journal -o out/a/submitted.ndjson"), second.text)
        let files = try Pipeline.sh("ls out/a out/b out/c", in: dir)
        XCTAssertTrue(files.text.contains("out/c:\n\n") || files.text.hasSuffix("out/c:\n"), "c leaves no checkpoint: \(files.text)")
        for (list, imported) in [("a", 2675), ("b", 600)] {
            let report = try String(contentsOf: dir.appendingPathComponent("out/\(list)/report.txt"), encoding: .utf8)
            XCTAssertTrue(report.contains("  imported                \(String(imported).leftPadded(4))"), report)
            XCTAssertTrue(report.contains("  unaccounted                0"), report)
        }

        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, 2675 + 600, "every contact stored once")
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, 2675 + 600, "no number stored twice")
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], 27 + 6, "one job per chunk")

        // Nothing left to do: a third run only reports c again.
        let third = try Pipeline.sh(env + "make -k CHUNK=100", in: dir)
        XCTAssertEqual(third.status, 2)
        XCTAssertFalse(third.text.contains("cxv-upload"), third.text)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
