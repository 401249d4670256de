// A workbook's shared-string table (xl/sharedStrings.xml), held as one byte array and its ends.
/// Every string's UTF-8 bytes back to back: a sheet of a million rows can share millions of
/// strings, and one array of bytes and one of ends cost two allocations instead of millions.
struct SharedStrings {
    private(set) var bytes: [UInt8] = []
    private(set) var ends: [Int] = []

    var count: Int { ends.count }

    /// The bytes of string `index`, or nil if the table has no such string.
    func string(_ index: Int) -> ArraySlice<UInt8>? {
        guard index >= 0, index < ends.count else { return nil }
        return bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: text)
    }

    mutating func endString() {
        ends.append(bytes.count)
    }
}

/// Reads `<si>` items: a plain `<t>`, or rich-text runs whose `<t>`s are concatenated;
/// phonetic guides (`<rPh>`) are not part of the text.
final class SharedStringsHandler: XMLPartHandler {
    private(set) var table = SharedStrings()
    private var inItem = false
    private var phoneticDepth = 0
    private var inText = false

    var errorLine: Int { 1 }

    func startElement(_ name: XMLName, _ attributes: XMLAttributes) throws {
        if name.is("si") {
            inItem = true
        } else if name.is("rPh") {
            phoneticDepth += 1
        } else if name.is("t") {
            inText = inItem && phoneticDepth == 0
        }
    }

    func endElement(_ name: XMLName) throws {
        if name.is("si") {
            if inItem { table.endString() }
            inItem = false
        } else if name.is("rPh") {
            phoneticDepth -= 1
        } else if name.is("t") {
            inText = false
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) throws {
        if inText { table.append(text) }
    }
}
