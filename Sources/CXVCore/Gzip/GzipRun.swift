/// The cxv-gzip pipeline: chunk records compressed (or restored) on up to
/// `jobs` threads, every record written in input order.
public final class GzipRun {
    private let compressor: ChunkCompressor
    private let jobs: Int
    private let policy: InvalidLinePolicy
    private let output: OutputSink
    public private(set) var tally: GzipTally
    /// Told the tally after each chunk, for a progress line.
    public var progress: ((GzipTally) -> Void)?

    public init(compressor: ChunkCompressor, jobs: Int, policy: InvalidLinePolicy, output: OutputSink) {
        self.compressor = compressor
        self.jobs = jobs
        self.policy = policy
        self.output = output
        tally = GzipTally()
        tally.decompress = compressor.decompress
    }

    private enum Item: Sendable {
        case ready([UInt8])
        case chunk([UInt8], source: String, line: Int)
    }

    /// Records up to and including one chunk: a worker's unit, so the records
    /// passing through between chunks never hold a worker's place in line.
    private typealias Batch = [Item]
    private static let maxBatch = 512

    public func run(inputs: [String], maxLineBytes: Int) throws {
        for path in inputs.isEmpty ? ["-"] : inputs {
            var reader = RecordReader(source: try InputSource(path: path), maxLineBytes: maxLineBytes, owns: { $0 == .chunk })
            let source = reader.sourceName
            let compressor = self.compressor
            try orderedParallelMap(width: jobs, produce: { () throws -> Batch? in
                var batch: Batch = []
                while batch.count < GzipRun.maxBatch, let item = try reader.next({ item throws -> Item in
                    switch item {
                    case let .record(record) where record.kind == .chunk:
                        return .chunk(Array(record.bytes), source: source, line: record.line)
                    case let .record(record):
                        return .ready(Array(record.bytes) + [0x0A])
                    case let .invalid(invalid):
                        return .ready(try self.policy.reject(for: invalid, source: source))
                    }
                }) {
                    batch.append(item)
                    if case .chunk = item { break }
                }
                return batch.isEmpty ? nil : batch
            }, transform: { batch throws -> [ChunkCompressor.Result] in
                try batch.map { item in
                    switch item {
                    case let .ready(bytes):
                        return .init(record: bytes, sizes: nil)
                    case let .chunk(bytes, source, line):
                        return try bytes.withUnsafeBytes { try compressor.transform($0, source: source, lineNumber: line) }
                    }
                }
            }, consume: { results in
                for result in results {
                    if let sizes = result.sizes {
                        tally.chunks += 1
                        tally.csvBytes += sizes.csv
                        tally.gzipBytes += sizes.gzip
                        progress?(tally)
                    }
                    try output.write(result.record)
                }
            })
        }
        try output.write(tally.record)
    }
}
