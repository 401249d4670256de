/// The one CSV reader: RFC 4180 (quoted fields, doubled quotes, delimiters and
/// newlines inside quotes, CRLF or LF, blank lines skipped; a BOM is InputSniffer's to drop),
/// streaming in bounded memory. A malformed row becomes a row with a `problem`,
/// never the end of the input.
public struct CSVReader: ~Copyable {
    private var buffer: ReadBuffer
    private let delimiter: UInt8
    private let maxRowBytes: Int
    /// Physical line number of the byte at `buffer.start`.
    private var line = 1
    public var sourceName: String { buffer.source.name }

    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// `delimiter` is never a quote, CR or LF: cxv-validate's --delimiter refuses them.
    public init(source: any ByteSource, delimiter: UInt8 = UInt8(ascii: ","), maxRowBytes: Int = 1 << 20) {
        precondition(delimiter != CSVReader.quote && delimiter != CSVReader.lf && delimiter != CSVReader.cr,
                     "a CSV delimiter cannot be a quote or a line ending")
        // Room for a row of exactly maxRowBytes and its CRLF.
        buffer = ReadBuffer(source: source, initialCapacity: min(1 << 20, maxRowBytes + 3), limit: maxRowBytes + 2)
        self.maxRowBytes = maxRowBytes
        self.delimiter = delimiter
    }

    /// Reads rows into `batch` until it holds `maxRows` rows or `maxBytes` of
    /// fields. Returns false when the input is exhausted and nothing was added.
    public mutating func read(into batch: inout RowBatch, maxRows: Int, maxBytes: Int = 4 << 20) throws -> Bool {
        let before = batch.rows.count
        while batch.rows.count - before < maxRows, batch.storage.count < maxBytes {
            guard try readRow(into: &batch) else { break }
        }
        return batch.rows.count > before
    }

    /// Ensures a byte at `pos`, refilling (which may move the window: `pos` is
    /// adjusted). False at end of input or when the row has hit the limit.
    @inline(__always)
    private mutating func available(_ pos: inout Int) throws -> Bool {
        if pos < buffer.end { return true }
        let start = buffer.start
        let more = try buffer.refill()
        pos -= start - buffer.start
        return more && pos < buffer.end
    }

    private var rowHitLimit: Bool { buffer.end - buffer.start > buffer.limit }

    /// Reads one row. Returns false at end of input.
    public mutating func readRow(into batch: inout RowBatch) throws -> Bool {
        var pos = buffer.start
        guard try skipBlankLines(&pos) else { return false }
        let rowLine = line
        let storageMark = batch.storage.count
        let fieldMark = batch.fieldEnds.count
        if let next = readPlainRow(into: &batch, from: pos) {
            batch.rows.append(.init(line: rowLine, firstField: fieldMark,
                                    fieldCount: batch.fieldEnds.count - fieldMark, problem: nil, raw: []))
            buffer.start = next
            line += 1
            return true
        }
        let row = try readFields(into: &batch, from: pos)
        guard let problem = row.problem else {
            batch.rows.append(.init(line: rowLine, firstField: fieldMark,
                                    fieldCount: batch.fieldEnds.count - fieldMark, problem: nil, raw: []))
            buffer.start = row.end
            line += row.newlines
            return true
        }
        try keepBadRow(problem, row, line: rowLine, storageMark: storageMark, fieldMark: fieldMark, into: &batch)
        return true
    }

    /// Skips blank lines, which separate nothing; false at end of input.
    private mutating func skipBlankLines(_ pos: inout Int) throws -> Bool {
        while try available(&pos) {
            let b = buffer.storage[pos]
            if b == CSVReader.lf {
                pos += 1
            } else if b == CSVReader.cr, try ensure(2, at: &pos), buffer.storage[pos + 1] == CSVReader.lf {
                pos += 2
            } else {
                break
            }
            line += 1
            buffer.start = pos
        }
        return pos < buffer.end
    }

    /// A row read by the general path: where it ends, the line endings it spans, and what is wrong with it.
    private struct FieldsRead {
        var end: Int
        var newlines: Int
        var problem: RowProblem?
    }

    /// The general path: quoted fields (with doubled quotes and line endings inside), and any row
    /// the plain path declined, field by field into `batch`.
    private mutating func readFields(into batch: inout RowBatch, from start: Int) throws -> FieldsRead {
        var pos = start
        var newlinesInRow = 0
        var quotedNewlines = 0
        var problem: RowProblem?
        var terminator = 0  // bytes of the row's line ending, not counted against maxRowBytes

        fields: while true {
            // One field.
            guard try available(&pos) else {
                batch.endField()
                break fields
            }
            if buffer.storage[pos] == CSVReader.quote {
                pos += 1
                quoted: while true {
                    guard try available(&pos) else {
                        problem = rowHitLimit ? .tooLong(limit: maxRowBytes) : .unterminatedQuote
                        break fields
                    }
                    let close = buffer.find(CSVReader.quote, from: pos) ?? buffer.end
                    let run = buffer.bytes(pos..<close)
                    batch.storage.append(contentsOf: run)
                    let newlines = CSVReader.countNewlines(run)
                    newlinesInRow += newlines
                    quotedNewlines += newlines
                    pos = close
                    if close == buffer.end { continue quoted }
                    pos += 1
                    guard try available(&pos) else { break quoted }
                    if buffer.storage[pos] == CSVReader.quote {
                        batch.storage.append(CSVReader.quote)
                        pos += 1
                    } else {
                        break quoted
                    }
                }
                // After the closing quote: a delimiter, the end of the row, or a problem.
                if try available(&pos) {
                    let b = buffer.storage[pos]
                    let crlf = b == CSVReader.cr ? try ensure(2, at: &pos) && buffer.storage[pos + 1] == CSVReader.lf : false
                    if b != delimiter, b != CSVReader.lf, !crlf {
                        problem = .textAfterQuote
                    }
                }
            }
            // Unquoted text (or what follows a bad closing quote) up to the field's end.
            while true {
                guard try available(&pos) else {
                    if rowHitLimit { problem = .tooLong(limit: maxRowBytes) }
                    batch.endField()
                    break fields
                }
                let b = buffer.storage[pos]
                if b == delimiter {
                    batch.endField()
                    pos += 1
                    continue fields
                }
                if b == CSVReader.lf {
                    batch.endField()
                    pos += 1
                    newlinesInRow += 1
                    terminator = 1
                    break fields
                }
                if b == CSVReader.cr, try ensure(2, at: &pos), buffer.storage[pos + 1] == CSVReader.lf {
                    batch.endField()
                    pos += 2
                    newlinesInRow += 1
                    terminator = 2
                    break fields
                }
                // Copy the plain run up to the next byte that could end the field.
                var runEnd = pos + 1
                while runEnd < buffer.end {
                    let c = buffer.storage[runEnd]
                    if c == delimiter || c == CSVReader.lf || c == CSVReader.cr { break }
                    runEnd += 1
                }
                batch.storage.append(contentsOf: buffer.bytes(pos..<runEnd))
                pos = runEnd
            }
        }


        // Too long is the first thing to fix, whatever else is wrong with the row.
        if problem != .unterminatedQuote, pos - terminator - buffer.start > maxRowBytes { problem = .tooLong(limit: maxRowBytes) }
        // A stray quote that swallowed later lines is read as unterminated: one bad line, not many.
        if problem == .textAfterQuote && quotedNewlines > 0 { problem = .unterminatedQuote }
        return FieldsRead(end: pos, newlines: newlinesInRow, problem: problem)
    }

    /// A bad row: its first physical line kept as read, its fields dropped, and reading resumed
    /// after that line (for text after a quote, after the row), so one stray quote costs one row.
    private mutating func keepBadRow(_ problem: RowProblem, _ row: FieldsRead, line rowLine: Int, storageMark: Int,
                                     fieldMark: Int, into batch: inout RowBatch) throws {
        batch.storage.removeSubrange(storageMark...)
        batch.fieldEnds.removeSubrange(fieldMark...)
        let rowStart = buffer.start
        let firstNewline = buffer.find(CSVReader.lf, from: rowStart)
        var rawEnd = firstNewline ?? buffer.end
        if rawEnd > rowStart, buffer.storage[rawEnd - 1] == CSVReader.cr { rawEnd -= 1 }
        let raw = Array(buffer.bytes(rowStart..<min(rawEnd, rowStart + 4096)))
        batch.rows.append(.init(line: rowLine, firstField: fieldMark, fieldCount: 0, problem: problem, raw: raw))
        switch problem {
        case .textAfterQuote:
            buffer.start = row.end
            line += row.newlines
        case .unterminatedQuote, .tooLong, .notAnObject:
            if let firstNewline {
                buffer.start = firstNewline + 1
                line += 1
            } else {
                try skipPastNewline()
            }
        }
    }

    /// The common row, found with memchr and copied at once: no quote in it, its line ending already
    /// in the buffer, within the limit. Its delimiters and line ending stay in `batch` as the
    /// byte after each field. Returns where the next row starts, or nil (having added nothing)
    /// for any other row, which the general path reads.
    @inline(__always)
    private func readPlainRow(into batch: inout RowBatch, from pos: Int) -> Int? {
        guard let lf = buffer.find(CSVReader.lf, from: pos) else { return nil }
        let contentEnd = lf > pos && buffer.storage[lf - 1] == CSVReader.cr ? lf - 1 : lf
        guard contentEnd - pos <= maxRowBytes, buffer.find(CSVReader.quote, from: pos, to: contentEnd) == nil else { return nil }
        let base = batch.storage.count - pos  // where buffer byte p lands in batch.storage, less p
        var fieldStart = pos
        while let next = buffer.find(delimiter, from: fieldStart, to: contentEnd) {
            batch.fieldEnds.append(base + next)
            fieldStart = next + 1
        }
        batch.fieldEnds.append(base + contentEnd)
        batch.storage.append(contentsOf: buffer.bytes(pos..<contentEnd + 1))
        return lf + 1
    }

    /// Makes `n` bytes from `pos` available if the input has them.
    private mutating func ensure(_ n: Int, at pos: inout Int) throws -> Bool {
        while buffer.end - pos < n {
            let start = buffer.start
            let more = try buffer.refill()
            pos -= start - buffer.start
            if !more { return buffer.end - pos >= n }
        }
        return true
    }

    /// Discards input up to and including the next newline (a line too long to keep).
    private mutating func skipPastNewline() throws {
        while true {
            if let newline = buffer.find(CSVReader.lf, from: buffer.start) {
                buffer.start = newline + 1
                line += 1
                return
            }
            buffer.start = buffer.end
            if try !buffer.refill() { return }
        }
    }

    private static func countNewlines(_ bytes: UnsafeRawBufferPointer) -> Int {
        var n = 0
        for b in bytes where b == lf { n += 1 }
        return n
    }
}
