import CXVCore
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// When a stage draws its live line.
public enum ProgressDefault: Sendable {
    /// cxv-report, the end of a pipeline: whenever stderr is a terminal.
    case whenStderrIsATerminal
    /// The other stages: only when run alone, stderr a terminal and the records going
    /// to a file (in a pipeline their stdout is a pipe, and the report draws instead).
    case whenWritingAFile
}

/// The last line of the terminal, shared by the progress line and the messages of a
/// stage, so that a message clears the line, is written whole, and the line comes back.
public final class StatusLine: @unchecked Sendable {
    private let lock = NSLock()  // guards `shown` and every write to fd 2 while the line is up
    private var shown: [UInt8] = []
    let color: Bool

    init(color: Bool) { self.color = color }

    /// Draws `text` in place of the current line.
    func draw(_ text: String) {
        lock.withLock {
            shown = Array(text.utf8)
            writeAll(Array("\r".utf8) + shown + StatusLine.eraseToEnd)
        }
    }

    /// Writes a whole message line above the status line.
    func message(_ line: [UInt8]) {
        lock.withLock {
            if shown.isEmpty { writeAll(line); return }
            writeAll(Array("\r".utf8) + StatusLine.eraseToEnd + line + Array("\r".utf8) + shown + StatusLine.eraseToEnd)
        }
    }

    /// Takes the line away, leaving the cursor at the start of an empty line.
    func clear() {
        lock.withLock {
            guard !shown.isEmpty else { return }
            shown = []
            writeAll(Array("\r".utf8) + StatusLine.eraseToEnd)
        }
    }

    private static let eraseToEnd: [UInt8] = [0x1B, 0x5B, 0x4B]  // ESC [ K: no color, so NO_COLOR keeps it

    private func writeAll(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { CXVCore.writeAll(2, $0) }  // stderr gone: nothing left to tell
    }

    /// Columns of the terminal on stderr, or 80 when it does not say.
    static var columns: Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Whether a stage draws its line: `forced` from --progress/--no-progress, else `rule`.
    static func wanted(forced: Bool?, quiet: Bool, rule: ProgressDefault, writingAFile: Bool) -> Bool {
        if let forced { return forced }
        guard !quiet, isatty(2) == 1 else { return false }
        switch rule {
        case .whenStderrIsATerminal: return true
        case .whenWritingAFile: return writingAFile
        }
    }

    /// Whether stdout is a file or a device other than a terminal or a pipe.
    static var stdoutIsAFile: Bool {
        var info = stat()
        guard fstat(1, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type != S_IFIFO && type != S_IFSOCK && isatty(1) == 0
    }

    /// Color on a terminal, unless NO_COLOR is set (https://no-color.org) or the terminal is dumb.
    static var colorWanted: Bool {
        let env = ProcessInfo.processInfo.environment
        return isatty(2) == 1 && (env["NO_COLOR"] ?? "").isEmpty && env["TERM"] != "dumb"
    }
}

/// One figure of a progress line: `label value`, marked when it is bad news.
public struct ProgressField: Sendable {
    public let label: String
    public let value: String
    public let alert: Bool

    public init(_ label: String, _ count: Int, alert: Bool = false) {
        self.label = label
        self.value = ProgressField.grouped(count)
        self.alert = alert && count > 0
    }

    public init(_ label: String, bytes: Int) {
        self.label = label
        self.value = bytes < 1_000_000 ? "\((bytes + 999) / 1000) kB" : String(format: "%.1f MB", Double(bytes) / 1e6)
        self.alert = false
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = n < 0 ? "-" : ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}

/// A stage's live line: the stage hands it its latest counts (cheaply, as often as it
/// likes); a timer draws them with the elapsed time five times a second.
public final class ProgressMeter<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()  // guards `latest`
    private var latest: Value
    private let tool: String
    private let fields: @Sendable (Value) -> [ProgressField]
    private let line: StatusLine
    private let started = ContinuousClock.now
    private let timer: DispatchSourceTimer
    private let queue = DispatchQueue(label: "cxv.progress")

    init(tool: String, initial: Value, line: StatusLine, fields: @escaping @Sendable (Value) -> [ProgressField]) {
        self.tool = tool
        self.latest = initial
        self.fields = fields
        self.line = line
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// The stage's counts now.
    public func update(_ value: Value) {
        lock.withLock { latest = value }
    }

    /// `update` as a closure, for a run's progress hook.
    public var observer: @Sendable (Value) -> Void {
        { [self] value in update(value) }
    }

    /// Stops drawing and clears the line; call before the stage writes its last words.
    public func finish() {
        timer.cancel()
        queue.sync {}  // a draw under way ends before the line is cleared
        line.clear()
    }

    private func draw() {
        let value = lock.withLock { latest }
        let seconds = Int((ContinuousClock.now - started).components.seconds)
        let elapsed = seconds < 60 ? "\(seconds)s" : "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s"
        var plain = "\(tool):"
        var text = plain
        for field in fields(value) {
            let figure = "\(field.label) \(field.value)"
            plain += " \(figure) ·"
            text += field.alert && line.color ? " \u{1B}[33m\(figure)\u{1B}[0m ·" : " \(figure) ·"
        }
        plain += " \(elapsed)"
        text += " \(elapsed)"
        // A line wider than the terminal wraps, and \r would then redraw only its tail.
        line.draw(plain.count < StatusLine.columns ? text : String(plain.prefix(StatusLine.columns - 1)))
    }
}
