import Foundation

/// An `OutputSink` that concurrent tasks write whole records to, one writer at a
/// time, each write flushed so the next stage sees a record as soon as it is done.
public final class SharedOutput: @unchecked Sendable {
    private let lock = NSLock()  // guards `sink`
    private let sink: OutputSink

    public init(_ sink: OutputSink) {
        self.sink = sink
    }

    public func write(_ lines: [UInt8]...) throws {
        try lock.withLock {
            for line in lines { try sink.write(line) }
            try sink.flush()
        }
    }

    public func write(lines: [[UInt8]]) throws {
        try lock.withLock {
            for line in lines { try sink.write(line) }
            try sink.flush()
        }
    }
}
