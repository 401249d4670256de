import Foundation

extension Report {
    private static func pad(_ label: String, _ value: Int) -> String {
        let number = String(value)
        return "  " + label + String(repeating: " ", count: max(1, 28 - label.count - number.count)) + number
    }

    /// The summary people read: the tutorial's lines, then the accounting.
    public var text: String {
        var lines: [String] = ["=== IMPORT SUMMARY ==="]
        lines.append("Total Chunks: \(chunks.total)")
        lines.append("Successful Chunks: \(chunks.completed)")
        lines.append("Failed Chunks: \(chunks.failed)")
        if chunks.submitted > 0 { lines.append("Submitted, not yet polled: \(chunks.submitted)") }
        if chunks.built + chunks.compressed > 0 {
            lines.append("Not Submitted Chunks: \(chunks.built + chunks.compressed) (no upload stage ran: a dry run)")
        }
        lines.append("Records Processed: \(recordsProcessed)")
        if ranNetwork {
            lines.append("Requests: \(network(\.requests)) (\(network(\.throttled)) throttled with 429, \(requestRetries) retried)")
            lines.append("Chunk Retries: \(retries) (uploaded again after FAILED)")
            lines.append("Token Requests: \(network(\.tokens))")
            lines.append("Elapsed: \(String(format: "%.1f", Double(elapsedMilliseconds) / 1000)) s")
        }
        let errors = errorLines
        if !errors.isEmpty {
            lines.append("Errors:")
            lines += errors.map { "  - \($0)" }
        }
        lines.append("")
        lines.append("=== ACCOUNTING ===")
        lines.append(Report.pad("read", read))
        lines.append(Report.pad("imported", imported))
        for stage in ["validate", "chunk", "import"] {
            lines.append(Report.pad("rejected at \(stage)", rejectsByStage[stage] ?? 0))
        }
        lines.append(Report.pad("in failed chunks", inFailedChunks))
        if rows.submitted > 0 { lines.append(Report.pad("submitted, not polled", rows.submitted)) }
        lines.append(Report.pad("not submitted", notSubmitted))
        lines.append(Report.pad("unaccounted", unaccounted))
        if apis.contains(where: { ImportAPI(rawValue: $0)?.namesRefusedRows == false }) {
            lines.append("  call-lists: imported counts the records of completed jobs. CXone names no rows, so an")
            lines.append("  invalid record cannot be traced to a line; the list's own verdict on this run:")
            if let list = listVerdict {
                lines.append(Report.pad("  valid records added", list.valid))
                lines.append(Report.pad("  invalid records added", list.invalid))
                if list.total != imported {
                    lines.append("  (the list grew by \(list.total), not \(imported): records already on it were updated, or others loaded it meanwhile)")
                }
            } else {
                lines.append("    not known: cxv-poll read no list counts (it did not finish, or cxv-upload's tally did not come through it)")
            }
        }
        for check in stageChecks {
            lines.append("  \(check.stage): \(check.ok ? "ok" : "MISMATCH"): \(check.detail)")
        }
        for stage in missingTallies {
            if let died = stageThatDied, stage != died {
                lines.append("  \(stage.rawValue): no tally: it would have come through \(died.rawValue)")
            } else {
                lines.append("  \(stage.rawValue): did not finish (no tally): it died or was killed before its input ended")
            }
        }
        if invalidLines > 0 { lines.append("  \(invalidLines) input line(s) were not records and were skipped") }
        lines.append("")
        lines.append(verdict)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line that says whether the books balance, and what to do if not.
    public var verdict: String {
        if let stage = stageThatDied {
            let resume = stage == .upload || stage == .poll ? " (with the same cxv-upload --journal, nothing is sent twice)" : ""
            return "FAILED: \(stage.rawValue) did not finish; its output is incomplete. Re-run the pipeline from \(stage.rawValue)\(resume)."
        }
        if read == 0 && tallies.stages.isEmpty { return "FAILED: the stream is empty: no stage wrote anything." }
        if unaccounted != 0 { return "FAILED: \(unaccounted) contact(s) unaccounted for." }
        if let bad = stageChecks.first(where: { !$0.ok }) { return "FAILED: \(bad.stage)'s totals do not balance: \(bad.detail)." }
        if rejected > 0 || chunks.failed > 0 {
            return "OK with rejects: every contact is accounted for; \(rejected) rejected, \(inFailedChunks) in failed chunks."
        }
        return "OK: every contact is accounted for."
    }

    var errorLines: [String] {
        var lines = chunkErrors
        for key in rejectCodes.keys.sorted() {
            let (count, first) = rejectCodes[key]!
            let more = count > first.count ? ", …" : ""
            lines.append("\(count) rejected at \(key.stage): \(key.code) (lines \(first.map(String.init).joined(separator: ", "))\(more))")
        }
        return lines
    }

    public var json: String {
        func object(_ pairs: [(String, Int)]) -> JSONValue {
            .object(pairs.map { ($0.0, .number(String($0.1))) })
        }
        let chunkCounts = object([("total", chunks.total), ("completed", chunks.completed), ("failed", chunks.failed),
                                  ("submitted", chunks.submitted), ("not_submitted", chunks.built + chunks.compressed)])
        let accounting = object([("read", read), ("imported", imported),
                                 ("rejected_validate", rejectsByStage["validate"] ?? 0),
                                 ("rejected_chunk", rejectsByStage["chunk"] ?? 0),
                                 ("rejected_import", rejectsByStage["import"] ?? 0),
                                 ("failed", inFailedChunks), ("submitted", rows.submitted),
                                 ("not_submitted", notSubmitted), ("unaccounted", unaccounted)])
        let stages: [JSONValue] = stageChecks.map {
            .object([("stage", .string($0.stage)), ("ok", .bool($0.ok)), ("detail", .string($0.detail))])
        }
        let rejects: [(String, JSONValue)] = rejectCodes.keys.sorted().map { key in
            ("\(key.stage).\(key.code)", .number(String(rejectCodes[key]!.count)))
        }
        var members: [(String, JSONValue)] = [("kind", .string("report"))]
        members.append(("status", .number(String(exitStatus.rawValue))))
        members.append(("verdict", .string(verdict)))
        members.append(("chunks", chunkCounts))
        members.append(("records_processed", .number(String(recordsProcessed))))
        members.append(("retries", .number(String(retries))))
        members.append(("network", object([("requests", network(\.requests)), ("throttled", network(\.throttled)),
                                           ("request_retries", requestRetries),
                                           ("tokens", network(\.tokens)), ("elapsed_ms", elapsedMilliseconds)])))
        members.append(("accounting", accounting))
        members.append(("stages", .array(stages)))
        members.append(("missing_tallies", .array(missingTallies.map { JSONValue.string($0.rawValue) })))
        members.append(("rejects", .object(rejects)))
        members.append(("invalid_lines", .number(String(invalidLines))))
        if let list = listVerdict {
            members.append(("list", object([("valid_added", list.valid), ("invalid_added", list.invalid), ("total_added", list.total)])))
        }
        members.append(("chunk_results", .array(chunkResults.map { chunk in
            var result: [(String, JSONValue)] = [("seq", .number(String(chunk.seq)))]
            if let part = chunk.part { result.append(("part", .string(part))) }
            result.append(("job", chunk.job.map(JSONValue.string) ?? .null))
            result.append(("state", .string(chunk.state.rawValue)))
            result.append(("rows", .number(String(chunk.rows))))
            result.append(("retries", .number(String(chunk.retries))))
            result.append(("seconds", chunk.seconds.map { .number(String(($0 * 1000).rounded() / 1000)) } ?? .null))
            return .object(result)
        })))
        members.append(("errors", .array(errorLines.map { JSONValue.string($0) })))
        let value = JSONValue.object(members)
        return value.text + "\n"
    }
}
