/// Splits an input into `\n`-terminated lines, in bounded memory: a line longer
/// than `maxLineBytes` is an error naming its line number.
public struct LineReader: ~Copyable {
    private var buffer: ReadBuffer
    private var scanned = 0
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0
    public var sourceName: String { buffer.source.name }

    public init(source: any ByteSource, maxLineBytes: Int = 32 << 20) {
        buffer = ReadBuffer(source: source, limit: maxLineBytes)
    }

    /// True when `next` returns without reading: a whole line is buffered, or the input has ended.
    /// The bytes looked through are not looked through again by `next`.
    public mutating func hasBufferedLine() -> Bool {
        guard let newline = buffer.find(UInt8(ascii: "\n"), from: buffer.start + scanned) else {
            scanned = buffer.count
            return buffer.atEOF
        }
        scanned = newline - buffer.start
        return true
    }

    /// Calls `body` with the next line (without its `\n`; the bytes are valid only
    /// inside `body`). Returns false at end of input.
    public mutating func next<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        while true {
            if let newline = buffer.find(UInt8(ascii: "\n"), from: buffer.start + scanned) {
                lineNumber += 1
                let line = buffer.bytes(buffer.start..<newline)
                buffer.start = newline + 1
                scanned = 0
                return try body(line)
            }
            scanned = buffer.count
            if buffer.count > buffer.limit {
                throw CXVError.data(source: sourceName, line: lineNumber + 1,
                                    message: "line is longer than \(buffer.limit) bytes; raise --max-line-bytes if it is genuine")
            }
            if try !buffer.refill() {
                if buffer.count > buffer.limit {
                    continue
                }
                guard buffer.count > 0 else { return nil }
                // A last line without its newline.
                lineNumber += 1
                let line = buffer.bytes(buffer.start..<buffer.end)
                buffer.start = buffer.end
                scanned = 0
                return try body(line)
            }
        }
    }
}
