/// Where a chunk is on its way (the record stream's `state`): each stage moves the states it owns.
public enum ChunkState: String, Sendable, CaseIterable {
    case built, compressed, submitted, completed, failed

    /// Built or compressed: not sent yet.
    public var awaitsUpload: Bool { self == .built || self == .compressed }
    /// Done with, one way or the other: its rows are imported or given back.
    public var isFinal: Bool { self == .completed || self == .failed }
}

extension ChunkRecord {
    /// The chunk's state; nil when it is missing or not one the stream defines.
    public var chunkState: ChunkState? { state.flatMap(ChunkState.init(rawValue:)) }

    public mutating func set(state: ChunkState) { set("state", string: state.rawValue) }
}
