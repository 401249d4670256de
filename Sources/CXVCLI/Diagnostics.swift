import ArgumentParser
import CXVCore
import Foundation
import Logging

/// How much a stage says on stderr, and in what shape.
public enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `cxv-upload: message`, `cxv-upload: debug: message`.
    case text
    /// One JSON object a line: time, level, tool, message, and the message's fields.
    case json
}

extension Logger.Level: @retroactive ExpressibleByArgument {
    public static var allValueStrings: [String] { ["error", "warning", "info", "debug"] }
}

/// The diagnostics of a stage: warnings and errors always, `info` (what it did) and
/// `debug` (each request) on demand; never on stdout, one write(2) a line.
public struct Diagnostics: Sendable {
    public let tool: String
    /// The swift-log logger the libraries log through; its handler writes here.
    public let logger: Logger
    /// The live line at the bottom of the terminal, when this stage draws one.
    let statusLine: StatusLine?

    public init(tool: String, level: Logger.Level = .warning, format: LogFormat = .text, progress: Bool = false) {
        self.tool = tool
        let statusLine = progress ? StatusLine(color: StatusLine.colorWanted) : nil
        var logger = Logger(label: tool) { _ in StderrLogHandler(tool: tool, format: format, statusLine: statusLine) }
        logger.logLevel = level
        self.logger = logger
        self.statusLine = statusLine
    }

    /// A live line showing `fields` of the stage's counts, or nil when this stage draws none.
    public func progress<Value: Sendable>(_ initial: Value, fields: @escaping @Sendable (Value) -> [ProgressField]) -> ProgressMeter<Value>? {
        statusLine.map { ProgressMeter(tool: tool, initial: initial, line: $0, fields: fields) }
    }

    public func warn(_ message: String) { logger.warning("\(message)") }
    public func info(_ message: String) { logger.info("\(message)") }
    public func error(_ message: String) { logger.error("\(message)") }
}

/// swift-log's handler for cxv: stderr, text or JSON, no buffering.
struct StderrLogHandler: LogHandler {
    let tool: String
    let format: LogFormat
    let statusLine: StatusLine?
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        var line: [UInt8]
        switch format {
        case .text:
            let prefix = event.level >= .warning ? "" : "\(event.level): "
            let extra = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            line = Array("\(tool): \(prefix)\(event.message)\(extra)\n".utf8)
        case .json:
            var w = JSONWriter()
            w.beginObject()
            w.key("time"); w.string(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            w.key("level"); w.string("\(event.level)")
            w.key("tool"); w.string(tool)
            w.key("message"); w.string("\(event.message)")
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                w.key(key); w.string("\(value)")
            }
            w.endObject()
            w.endRecord()
            line = w.bytes
        }
        if let statusLine {
            statusLine.message(line)
        } else {
            _ = line.withUnsafeBytes { writeAll(2, $0) }  // unbuffered: each line whole, at once
        }
    }
}
