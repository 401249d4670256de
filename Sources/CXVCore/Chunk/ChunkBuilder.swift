/// Limits of a chunk: rows, and bytes of CSV (header included).
public struct ChunkLimits: Sendable, Equatable {
    public var rows: Int
    public var bytes: Int

    public init(rows: Int = 1000, bytes: Int = 8 << 20) {
        self.rows = rows
        self.bytes = bytes
    }

    /// These limits lowered to what `api` takes, with a line saying so for each one lowered.
    public func clamped(to api: ImportAPI) -> (limits: ChunkLimits, warnings: [String]) {
        var limits = self
        var warnings: [String] = []
        if let most = api.limits.rows, rows > most {
            limits.rows = most
            warnings.append("--size \(rows) is over the \(api.rawValue) limit of \(most) records a file: clamped to \(most)")
        }
        if let most = api.limits.bytes, bytes > most {
            limits.bytes = most
            warnings.append("--max-bytes \(bytes) is over the \(api.rawValue) limit of \(most) bytes a file: clamped to \(most)")
        }
        return (limits, warnings)
    }
}

/// Where a chunk's external_id column takes its value from.
public enum ExternalIDSource: String, Sendable, CaseIterable {
    /// The contact's `external_id` member (`cxv-validate --map external_id=COLUMN`).
    case field
    /// The contact's E.164 phone_number, for files with no id column.
    case phone
}

/// Control totals of cxv-chunk.
public struct ChunkTally: Equatable, Sendable {
    public var contacts = 0
    public var chunks = 0
    public var rows = 0
    public var rejects = 0

    public init() {}

    public var record: [UInt8] {
        tallyRecord(stage: "chunk", ["contacts": contacts, "chunks": chunks, "rows": rows, "rejects": rejects])
    }
}

/// Groups contact records into `built` chunks for `api`: CSV with the API's columns
/// (plus `columns` taken from `extra`), `lines[i]` naming the source line of data row
/// i+1. A row is never split; a row that alone exceeds the byte cap becomes a reject,
/// and so, for an API that keys records by external id, does a contact without one or
/// with one an earlier contact has, or a row over the API's record length.
public final class ChunkBuilder {
    public let api: ImportAPI
    /// Within the API's limits: see `warnings`.
    public let limits: ChunkLimits
    public let columns: [String]
    public let externalID: ExternalIDSource
    /// One line for each limit lowered to the API's.
    public let warnings: [String]
    private let writer = CSVWriter()
    private let header: [UInt8]
    /// The CSV's column names: the API's, then `columns`.
    private let names: [String]
    /// Where each contact field's value goes in `values`: its column, or a slot past the
    /// columns (read, never written) when the CSV has none for it.
    private let phoneSlot, firstSlot, lastSlot, emailSlot, externalIDSlot: Int
    /// The columns taken from `extra` (those that are no contact field), and their slots.
    private let extras: [String]
    private let extraSlots: [Int]
    /// Whether the `external_id` member is read: it is a column, and not taken from the phone.
    private let readsExternalID: Bool
    /// The API's, kept here so the hot path does not compute them per row.
    private let requiresExternalID: Bool
    private let recordCharacters: Int?

    private var csv = WriteBuffer(capacity: 1 << 16)
    private var row = WriteBuffer(capacity: 1024)
    private var lines: [Int] = []
    private var files: [String?] = []
    /// Each row's `record` (the row as read, from cxv-validate --keep-rows) as JSON,
    /// comma-separated, `null` for a contact without one; empty while no row of the chunk has one.
    private var records = WriteBuffer(capacity: 1 << 16)
    /// How many rows `records` holds.
    private var recordCount = 0
    /// Where the current contact's `record` is in its line.
    private var recordRange: Range<Int>?
    /// Where each column's value of the current contact is: in the record itself
    /// (no escapes, the usual case) or unescaped into `unescaped`. The record's bytes live
    /// only during `add`, so `add` leaves every slot `.none` when it returns.
    private enum Value {
        case none
        case inRecord(UnsafeRawBufferPointer)
        case unescaped(Range<Int>)
    }
    /// By column, then the fields that are no column.
    private var values: [Value]
    private var unescaped = WriteBuffer(capacity: 256)
    private var scratch: [UInt8] = []
    private var nextSeq = 1
    /// Each external id of this run's chunks, with where it was first seen.
    private var firstUse: [String: FirstUse] = [:]
    private struct FirstUse {
        var line: Int
        var file: Int32?
    }
    /// `file` members, each stored once however many contacts name it.
    private var fileNames: [String] = []
    private var fileIndex: [String: Int32] = [:]
    public private(set) var tally = ChunkTally()

    public init(api: ImportAPI = .contactsImport, limits: ChunkLimits, columns: [String] = [],
                externalID: ExternalIDSource = .field) {
        self.api = api
        let clamped = limits.clamped(to: api)
        self.limits = clamped.limits
        warnings = clamped.warnings
        self.columns = columns
        self.externalID = externalID
        let names = api.columns + columns
        self.names = names
        var slots = names.count
        func slot(_ field: ContactField) -> Int {
            if let column = names.firstIndex(of: field.name) { return column }
            defer { slots += 1 }
            return slots
        }
        phoneSlot = slot(.phoneNumber)
        firstSlot = slot(.firstName)
        lastSlot = slot(.lastName)
        emailSlot = slot(.email)
        externalIDSlot = slot(.externalID)
        let extras = names.indices.filter { ContactField(name: names[$0]) == nil }
        self.extras = extras.map { names[$0] }
        extraSlots = extras
        readsExternalID = externalID == .field && externalIDSlot < names.count
        requiresExternalID = api.requiresExternalID
        recordCharacters = api.limits.recordCharacters
        var header = WriteBuffer()
        writer.appendRow(names, to: &header)
        self.header = header.array
        values = Array(repeating: .none, count: slots)
    }

    /// Adds one contact record; returns what to write now (a finished chunk, a reject, or nothing).
    public func add(_ record: RawRecord, source: String) throws -> [UInt8] {
        tally.contacts += 1
        defer { values.withUnsafeMutableBufferPointer { $0.update(repeating: .none) } }  // one uniqueness check, not one a slot
        let (line, file) = try read(record, source: source)
        if externalID == .phone { values[externalIDSlot] = values[phoneSlot] }
        if requiresExternalID, isEmpty(values[externalIDSlot]) {
            return reject(record, line: line, file: file, field: "external_id", code: "no_external_id", message: """
                contact has no external_id, the key of a calling list: map a column with \
                cxv-validate --map external_id=COLUMN, or pass cxv-chunk --external-id phone to use its phone number
                """)
        }
        writeRow()
        if let refusal = refusal(record, line: line, file: file) { return refusal }
        return append(record, line: line, file: file)
    }

    /// Reads a contact's members into `values` (and `recordRange`); returns its line and file.
    private func read(_ record: RawRecord, source: String) throws -> (line: Int, file: String?) {
        var line = 0
        var file: String?
        unescaped.removeAll()
        recordRange = nil
        var hasPhone = false
        var kinds = 0
        do throws(JSONError) {
            var scanner = JSONScanner(record.bytes)
            var members = try scanner.beginMembers()
            // A field given twice: which value a reader keeps is undefined in JSON, so refuse to guess.
            func once(_ index: Int, _ name: String) throws(JSONError) {
                if case .none = values[index] { return }
                throw scanner.fail("duplicate key \"\(name)\"")
            }
            while let key = try scanner.nextKey(&members) {
                if key.is("phone_number") {
                    try once(phoneSlot, "phone_number")
                    hasPhone = true
                    values[phoneSlot] = try readString(&scanner)
                } else if key.is("first_name") {
                    try once(firstSlot, "first_name")
                    values[firstSlot] = try readString(&scanner)
                } else if key.is("last_name") {
                    try once(lastSlot, "last_name")
                    values[lastSlot] = try readString(&scanner)
                } else if key.is("email") {
                    try once(emailSlot, "email")
                    values[emailSlot] = try readString(&scanner)
                } else if key.is("kind") {
                    kinds += 1
                    if kinds > 1 { throw scanner.fail("duplicate key \"kind\"") }
                    try scanner.skipValue(depth: 1)
                } else if key.is("line") {
                    line = try scanner.readInt()
                } else if key.is("file") {
                    file = try scanner.readString()
                } else if key.is("record") {
                    recordRange = try scanner.skipValue(depth: 1)
                } else if key.is("extra"), !extras.isEmpty {
                    var extraMembers = try scanner.beginMembers()
                    while let name = try scanner.nextKey(&extraMembers) {
                        if let index = extras.firstIndex(of: name.string) {
                            values[extraSlots[index]] = try readString(&scanner)
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    }
                } else if readsExternalID, key.is("external_id") {
                    try once(externalIDSlot, "external_id")
                    values[externalIDSlot] = try readString(&scanner)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            }
            try scanner.expectEnd()
        } catch {
            throw error.at(source, line: record.line)
        }
        guard hasPhone else {
            throw CXVError.data(source: source, line: record.line, message: "contact has no phone_number")
        }
        return (line, file)
    }

    /// The current contact's CSV row into `row`, with its newline.
    private func writeRow() {
        row.removeAll()
        unescaped.withUnsafeBytes { owned in
            for i in names.indices {
                if i > 0 { row.append(writer.delimiter) }
                writer.appendField(ChunkBuilder.bytes(of: values[i], owned), to: &row)
            }
        }
        row.append(0x0A)
    }

    /// The reject of a row no chunk can take: over the API's record length, over the chunk's
    /// byte cap alone, or (a calling list) with an external id an earlier row has.
    private func refusal(_ record: RawRecord, line: Int, file: String?) -> [UInt8]? {
        // Bytes bound characters from above, so most rows need no count.
        if let most = recordCharacters, row.count - 1 > most {
            let characters = row.withUnsafeBytes { ChunkBuilder.scalarCount($0) } - 1
            if characters > most {
                return reject(record, line: line, file: file, field: "", code: "too_long", message: """
                    row is \(characters) characters as written in the CSV, over the \(api.rawValue) limit of \
                    \(most) Unicode characters a record; shorten its fields
                    """)
            }
        }
        if header.count + row.count > limits.bytes {
            return reject(record, line: line, file: file, field: "", code: "too_large", message: """
                row is \(row.count) bytes of CSV, over the chunk cap of \(limits.bytes) bytes with the header; raise --max-bytes
                """)
        }
        if requiresExternalID, let first = earlierUse(line: line, file: file) {
            return reject(record, line: line, file: file, field: "external_id", code: "duplicate_external_id", message: """
                external_id \(externalIDText.debugDescription) repeats that of \(first); a calling list keeps one record \
                per external id, so one of the two would be lost: give each contact its own id
                """)
        }
        return nil
    }

    /// Adds `row` to the chunk (first finishing the chunk it would overflow); returns any chunk finished.
    private func append(_ record: RawRecord, line: Int, file: String?) -> [UInt8] {
        var out: [UInt8] = []
        if !lines.isEmpty && csv.count + row.count > limits.bytes {
            out = finishChunk()
        }
        if lines.isEmpty { csv.append(header) }
        row.withUnsafeBytes { csv.append($0) }
        if let recordRange {
            padRecords(to: lines.count)
            if recordCount > 0 { records.append(UInt8(ascii: ",")) }
            records.append(UnsafeRawBufferPointer(rebasing: record.bytes[recordRange]))
            recordCount += 1
        }
        lines.append(line)
        files.append(file)
        if lines.count >= limits.rows {
            out += finishChunk()
        }
        return out
    }

    /// The current contact's external id.
    private var externalIDText: String {
        unescaped.withUnsafeBytes { String(decoding: ChunkBuilder.bytes(of: values[externalIDSlot], $0), as: UTF8.self) }
    }

    /// Records the current contact's external id as seen at `line`; if an earlier contact
    /// has it, says where that one is (`line 12`, or `a.csv:12`) and keeps it the first.
    private func earlierUse(line: Int, file: String?) -> String? {
        let id = externalIDText
        // One hash on the usual path; the rare duplicate puts the first back.
        guard let first = firstUse.updateValue(FirstUse(line: line, file: file.map(intern)), forKey: id) else { return nil }
        firstUse[id] = first
        return first.file.map { "\(fileNames[Int($0)]):\(first.line)" } ?? "line \(first.line)"
    }

    private func intern(_ file: String) -> Int32 {
        if let index = fileIndex[file] { return index }
        let index = Int32(fileNames.count)
        fileNames.append(file)
        fileIndex[file] = index
        return index
    }

    private func isEmpty(_ value: Value) -> Bool {
        switch value {
        case .none: return true
        case let .inRecord(bytes): return bytes.isEmpty
        case let .unescaped(range): return range.isEmpty
        }
    }

    /// Unicode scalars in valid UTF-8: every byte but continuation bytes starts one.
    static func scalarCount(_ utf8: UnsafeRawBufferPointer) -> Int {
        var count = 0
        for byte in utf8 where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private static let null: [UInt8] = Array("null".utf8)

    /// `null` for the rows before this one whose contacts carried no record.
    private func padRecords(to rows: Int) {
        while recordCount < rows {
            if recordCount > 0 { records.append(UInt8(ascii: ",")) }
            records.append(ChunkBuilder.null)
            recordCount += 1
        }
    }

    private static func bytes(of value: Value, _ owned: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        switch value {
        case .none: return UnsafeRawBufferPointer(start: nil, count: 0)
        case let .inRecord(bytes): return bytes
        case let .unescaped(range): return UnsafeRawBufferPointer(rebasing: owned[range])
        }
    }

    /// The last, partial chunk (if any) and the tally.
    public func finish() -> [UInt8] {
        var out = lines.isEmpty ? [] : finishChunk()
        out += tally.record
        return out
    }

    private func finishChunk() -> [UInt8] {
        var w = JSONWriter(capacity: csv.count + csv.count / 8 + lines.count * 8 + 128)
        w.beginObject()
        w.key("kind"); w.string("chunk")
        w.key("state"); w.string(ChunkState.built.rawValue)
        w.key("seq"); w.int(nextSeq)
        w.key("api"); w.string(api.rawValue)
        w.key("count"); w.int(lines.count)
        w.key("lines")
        w.beginArray()
        for line in lines { w.int(line) }
        w.endArray()
        if files.contains(where: { $0 != nil }) {
            w.key("files")
            w.beginArray()
            for file in files { w.string(file ?? "") }
            w.endArray()
        }
        if recordCount > 0 {
            padRecords(to: lines.count)
            w.key("records")
            w.beginArray()
            records.withUnsafeBytes { w.raw($0) }
            w.endArray()
        }
        w.key("csv")
        csv.withUnsafeBytes { w.string(utf8: $0) }
        w.endObject()
        w.endRecord()
        tally.chunks += 1
        tally.rows += lines.count
        nextSeq += 1
        csv.removeAll()
        records.removeAll()
        recordCount = 0
        lines.removeAll(keepingCapacity: true)
        files.removeAll(keepingCapacity: true)
        return w.bytes
    }

    /// A reject of the current contact (of `record`), with its row as read, or, for a contact
    /// that does not carry it, as the row would have been written.
    private func reject(_ record: RawRecord, line: Int, file: String?, field: String, code: String, message: String) -> [UInt8] {
        tally.rejects += 1
        var w = JSONWriter()
        w.beginReject(stage: "chunk", line: line, file: file, errors: [ValidationError(field: field, code: code, message: message)])
        w.key("record")
        if let recordRange {
            w.raw(UnsafeRawBufferPointer(rebasing: record.bytes[recordRange]))
        } else {
            w.beginObject()
            unescaped.withUnsafeBytes { owned in
                for (i, name) in names.enumerated() {
                    w.key(name)
                    w.string(utf8: ChunkBuilder.bytes(of: values[i], owned))
                }
            }
            w.endObject()
        }
        w.endObject()
        w.endRecord()
        return w.bytes
    }

    /// A string value, where it lies; null reads as empty, numbers as their text.
    private func readString(_ s: inout JSONScanner) throws(JSONError) -> Value {
        switch s.peekNonWhitespace() {
        case UInt8(ascii: "\""):
            // `scratch`, a member, is touched only for escapes: each access costs a retain and a release.
            if let raw = try s.readPlainString() { return .inRecord(raw) }
            scratch.removeAll(keepingCapacity: true)
            try s.readEscapedString(into: &scratch)
        default:
            scratch.removeAll(keepingCapacity: true)
            switch try s.readValue(depth: 1) {
            case .null: return .none
            case let .number(text): scratch.append(contentsOf: text.utf8)
            default: throw s.fail("expected a string")
            }
        }
        let start = unescaped.count
        unescaped.append(scratch)
        return .unescaped(start..<unescaped.count)
    }
}
