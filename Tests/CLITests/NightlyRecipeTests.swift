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

    /// The recipe on 100,000 contacts, SIGKILLed (make and its stage together) at 30 random
    /// moments, five inside each of the six stages, re-run after each kill and then to the end
    /// (Tests/Fixtures/kill-every-stage.py): the server holds every valid contact once, one job a
    /// chunk, the report balances, no re-run rewrote a finished checkpoint, and nothing is left over.
    func testThirtySIGKILLsSpreadOverTheSixStagesLoseNothingAndRedoNoFinishedStage() throws {
        let dir = try Pipeline.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try SandboxProcess(["--job-time", "0.2", "--latency", "20ms"])
        defer { sandbox.stop() }
        let calibration = try SandboxProcess(["--job-time", "0.2", "--latency", "20ms"])
        defer { calibration.stop() }
        let setup = try Pipeline.sh("""
            mkdir -p run/lists calibrate/lists
            python3 '\(root.path)/scripts/gen-contacts.py' --count 100000 --seed 18 > run/lists/big.csv
            cp run/lists/big.csv calibrate/lists/ && cp '\(root.path)/examples/nightly.mk' run/Makefile && cp run/Makefile calibrate/
            """, in: dir)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        let r = try Pipeline.sh("""
            export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME='\(dir.path)/cache'
            CXONE_BASE_URL=\(sandbox.url) python3 '\(root.path)/Tests/Fixtures/kill-every-stage.py' calibrate \(calibration.url) run 5 18
            """, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any], r.text + r.stderr)
        let kills = try XCTUnwrap(result["kills"] as? [[String: Any]])
        let hits = kills.compactMap { $0["hit"] as? String }
        print("kill-every-stage: seconds \(result["seconds"] ?? ""), hits \(Dictionary(hits.map { ($0, 1) }, uniquingKeysWith: +))")
        XCTAssertEqual(kills.count, 30, "five kills a stage: \(kills)")
        XCTAssertEqual(hits.count, 30, "each kill landed inside a stage: \(kills)")
        XCTAssertEqual(Set(hits), ["validate", "chunk", "gzip", "upload", "poll", "report"], "every stage was killed: \(kills)")
        XCTAssertEqual(result["redone"] as? [String], [], "no finished checkpoint was rewritten")
        XCTAssertEqual(result["final_status"] as? Int, 0, result["final_stderr"] as? String ?? "")
        XCTAssertEqual(result["files"] as? [String], ["chunks.ndjson", "compressed.ndjson", "contacts.ndjson", "polled.ndjson",
                                                      "rejects.csv", "report.txt", "submitted.ndjson", "upload.journal"],
                       "the checkpoints, the journal and the rejects: no temporary file left by a kill")

        let contacts = try Pipeline.sh("grep -c '\"kind\":\"contact\"' run/out/big/contacts.ndjson", in: dir).text
        let valid = try XCTUnwrap(Int(contacts.trimmingCharacters(in: .whitespacesAndNewlines)))
        let report = try String(contentsOf: dir.appendingPathComponent("run/out/big/report.txt"), encoding: .utf8)
        XCTAssertTrue(report.contains("  imported               \(valid)\n"), report)
        XCTAssertTrue(report.contains("  unaccounted                0\n"), report)
        let stats = try sandbox.stats()
        XCTAssertEqual(stats["contactsStored"] as? Int, valid, "every valid contact stored")
        XCTAssertEqual(stats["distinctPhoneNumbers"] as? Int, valid, "and once")
        XCTAssertEqual((stats["jobs"] as? [String: Int])?["COMPLETED"], (valid + 999) / 1000, "one job a chunk")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
