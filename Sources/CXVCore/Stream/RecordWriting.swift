/// One reason a row will not be imported: an entry of a reject record's `errors`.
public struct ValidationError: Equatable, Sendable {
    public var field: String
    public var code: String
    public var message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// The `tally` a stage writes last: its name, then its control totals in order.
public func tallyRecord(stage: String, mode: String? = nil, _ counts: KeyValuePairs<String, Int>,
                        more: [(String, Int)] = []) -> [UInt8] {
    var w = JSONWriter()
    w.beginObject()
    w.key("kind"); w.string("tally")
    w.key("stage"); w.string(stage)
    if let mode { w.key("mode"); w.string(mode) }
    for (name, count) in counts {
        w.key(name)
        w.int(count)
    }
    for (name, count) in more {
        w.key(name)
        w.int(count)
    }
    w.endObject()
    w.endRecord()
    return w.bytes
}

extension JSONWriter {
    /// Opens a reject record — kind, stage, where it came from, its errors — for
    /// the caller to add what it knows of the contact and close.
    public mutating func beginReject(stage: String, lineKey: String = "line", line: Int, file: String?, errors: [ValidationError]) {
        beginObject()
        key("kind"); string("reject")
        key("stage"); string(stage)
        key(lineKey); int(line)
        if let file { key("file"); string(file) }
        key("errors")
        beginArray()
        for error in errors {
            beginObject()
            key("field"); string(error.field)
            key("code"); string(error.code)
            key("message"); string(error.message)
            endObject()
        }
        endArray()
    }
}
