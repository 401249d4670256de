/// Exit statuses of docs/design.md §4 (sysexits).
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case someRejected = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case ioError = 74
    case authRefused = 77
    case config = 78
}

/// Every error a stage can end with: what failed, where, and the status it exits with.
public enum CXVError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A record or row the stage cannot read, at `source:line`.
    case data(source: String, line: Int, message: String)
    /// Input ended before the stream was complete.
    case incompleteStream(String)
    case noInput(path: String, reason: String)
    case io(path: String, reason: String)
    case usage(String)
    case config(String)

    public var description: String {
        switch self {
        case let .data(source, line, message): return "\(source):\(line): \(message)"
        case let .incompleteStream(message): return message
        case let .noInput(path, reason): return "\(path): \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .usage(message): return message
        case let .config(message): return message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .data, .incompleteStream: return .dataError
        case .noInput: return .noInput
        case .io: return .ioError
        case .usage: return .usage
        case .config: return .config
        }
    }
}

/// An error that carries its own exit status (refused credentials, an unreachable service).
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let status: ExitStatus

    public init(message: String, status: ExitStatus) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
