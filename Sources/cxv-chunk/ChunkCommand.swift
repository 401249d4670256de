import ArgumentParser
import CXVCLI
import CXVCore

@main
struct ChunkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxv-chunk",
        abstract: "Group contact records into import CSV chunks.",
        discussion: """
        Each chunk record (state `built`) carries the CSV the import API takes (header \
        phone_number,first_name,last_name,email plus any --columns) and `lines`, the source \
        line of each data row, so a server error about row 17 maps back to the input. \
        A chunk closes at --size rows or before its CSV would pass --max-bytes; a row is \
        never split, and a row too big for a chunk on its own becomes a reject. \
        Records other than contacts pass through unchanged. The last record is a tally.
        """,
        version: CXVVersion.current
    )

    @Option(help: ArgumentHelp("Rows per chunk at most.", valueName: "rows"))
    var size = 1000

    @Option(help: ArgumentHelp("Bytes of CSV per chunk at most, header included.", valueName: "bytes"))
    var maxBytes = 8 << 20

    @Option(help: ArgumentHelp("Extra columns to add from each contact's `extra`, comma-separated.", valueName: "names"))
    var columns: String?

    @OptionGroup var stream: StreamOptions
    @OptionGroup var output: OutputOptions

    var extraColumns: [String] {
        columns.map { $0.split(separator: ",").map { String($0) } } ?? []
    }

    func validate() throws {
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
        guard maxBytes >= 64 else { throw ValidationError("--max-bytes must be at least 64") }
        let known = Set(ImportAPI.contactsImport.columns)
        if let clash = extraColumns.first(where: { known.contains($0) }) {
            throw ValidationError("--columns: \(clash) is already a column of every chunk")
        }
    }

    func run() throws {
        let diagnostics = output.diagnostics(tool: "cxv-chunk")
        try runStage(diagnostics) {
            let sink = try output.sink()
            let builder = ChunkBuilder(limits: ChunkLimits(rows: size, bytes: maxBytes), columns: extraColumns)
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
