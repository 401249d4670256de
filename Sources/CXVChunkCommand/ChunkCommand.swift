import ArgumentParser
import CXVCLI
import CXVCore
import Foundation

public struct ChunkCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-chunk",
        abstract: "Group contact records into import CSV chunks.",
        discussion: """
        Each chunk record (state `built`) carries the CSV its import API takes and `lines`, \
        the source line of each data row, so a server error about row 17 maps back to the \
        input. A chunk closes at --size rows or before its CSV would pass --max-bytes; a row \
        is never split, and a row too big for a chunk on its own becomes a reject (code \
        too_large). Records other than contacts pass through unchanged. The last record is \
        a tally.

        --api (or CXONE_API) names the import API the chunks are for, and every chunk \
        records it as "api" (after "seq"), so the later stages, and a saved output replayed, \
        speak the same one: contacts-import (the default), the tutorial's \
        /api/v2/contacts/import, with CSV header phone_number,first_name,last_name,email plus \
        any --columns; or call-lists, CXone's calling lists, with header \
        external_id,phone_number,first_name,last_name,email plus any --columns.

        Under call-lists CXone's limits hold: --size is clamped to 500000 records and \
        --max-bytes to 256000000 bytes, with a warning, and a contact becomes a reject (stage \
        chunk) instead of a row when it has no external id (code no_external_id: map a column \
        with cxv-validate --map external_id=COLUMN, or use --external-id phone), when an \
        earlier contact of the run has its external id (duplicate_external_id, naming that \
        contact's line: the list keeps one record per id), or when its CSV row is longer than \
        512 Unicode characters (too_long).

        Exit status: 0 when the input ended cleanly, rejects included (the tally counts them, \
        and so does cxv-report); 64 for bad options; 65 for input that is not a record stream; \
        66 when a file is missing.
        """,
        version: CXVVersion.current
    )

    @Option(help: ArgumentHelp("""
        The import API to shape chunks for: contacts-import (the tutorial's) or call-lists (CXone's \
        calling lists). Default: $\(ImportAPI.environmentVariable), else contacts-import.
        """, valueName: "api"),
            completion: .list(ImportAPI.allCases.map(\.rawValue)))
    var api: String?

    @Option(name: .customLong("external-id"), help: ArgumentHelp("""
        Under --api call-lists, where each contact's external id comes from: field, its external_id \
        (cxv-validate --map external_id=COLUMN), the default; or phone, its E.164 phone_number, for \
        files with no id column (an external_id is then ignored).
        """, valueName: "source"))
    var externalID: ExternalIDSource?

    @Option(help: ArgumentHelp("Rows per chunk at most (call-lists: at most 500000).", valueName: "rows"))
    var size = 1000

    @Option(help: ArgumentHelp("Bytes of CSV per chunk at most, header included (call-lists: at most 256000000).",
                               valueName: "bytes"))
    var maxBytes = 8 << 20

    @Option(help: ArgumentHelp("""
        Extra columns after the API's, comma-separated: each from the contact's `extra` member of that \
        name, or its external_id for external_id.
        """, valueName: "names"))
    var columns: String?

    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    var extraColumns: [String] {
        columns.map { $0.split(separator: ",").map { String($0) } } ?? []
    }

    var importAPI: ImportAPI {
        get throws(CXVError) { try ImportAPI.resolve(api, environment: ProcessInfo.processInfo.environment) }
    }

    public init() {}

    public func validate() throws {
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
        guard maxBytes >= 64 else { throw ValidationError("--max-bytes must be at least 64") }
        let api: ImportAPI
        do { api = try importAPI } catch { throw ValidationError(error.description) }
        if let clash = extraColumns.first(where: api.columns.contains) {
            throw ValidationError("--columns: \(clash) is already a column of every \(api.rawValue) chunk")
        }
        if externalID != nil, !api.requiresExternalID {
            throw ValidationError("--external-id applies to --api call-lists only; the API is \(api.rawValue)")
        }
    }

    public func run() throws {
        let diagnostics = output.diagnostics(tool: "cxv-chunk")
        try runStage(diagnostics) {
            let sink = try output.sink()
            let builder = ChunkBuilder(api: try importAPI, limits: ChunkLimits(rows: size, bytes: maxBytes),
                                       columns: extraColumns, externalID: externalID ?? .field)
            builder.warnings.forEach(diagnostics.warn)
            let meter = diagnostics.progress(ChunkTally()) {
                [.init("contacts", $0.contacts), .init("chunks", $0.chunks), .init("rejected", $0.rejects, alert: true)]
            }
            defer { meter?.finish() }
            try forEachRecord(inputs: stream.inputs, maxLineBytes: stream.maxLineBytes,
                              policy: InvalidLinePolicy(stage: "chunk", skip: stream.skipInvalid),
                              output: sink, owns: { $0 == .contact }) { record, source in
                try sink.write(try builder.add(record, source: source))
                meter?.update(builder.tally)
            }
            try sink.write(builder.finish())
            try sink.commit()
            return .ok
        }
    }
}

extension ExternalIDSource: ExpressibleByArgument {}
