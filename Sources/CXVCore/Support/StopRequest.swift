import Foundation

/// Set when the user asks a stage to stop (SIGINT, SIGTERM): the stage takes no
/// more work, settles what is in flight, writes no tally, and exits 128 + signal.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()  // guards `signal`
    private var signal: Int32?

    public init() {}

    public func request(_ signal: Int32) {
        lock.withLock { if self.signal == nil { self.signal = signal } }
    }

    /// The signal that asked to stop, if one did.
    public var requested: Int32? { lock.withLock { signal } }
}

/// Thrown by a stage that stopped on request, after settling its work.
public struct Stopped: Error, Sendable {
    public let signal: Int32

    public init(signal: Int32) {
        self.signal = signal
    }

    /// SIGINT, SIGTERM, or the number.
    public var name: String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
