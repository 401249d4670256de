// An .xlsx workbook read sheet by sheet into RowBatch rows, streaming each part out of the zip.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CXVCore
import Foundation
import ZIPFoundation

/// An Excel workbook (.xlsx) read as rows of text, one sheet at a time, streaming: each part is
/// decompressed a chunk at a time into libxml2's push parser, so no sheet is ever whole in memory.
/// Only the shared-string table is held, compactly, once a sheet is read.
public final class XLSXWorkbook {
    /// One worksheet (or chartsheet, which has no rows) as xl/workbook.xml lists it.
    public struct Sheet: Sendable, Equatable {
        public let name: String
        /// The sheet's part within the zip, e.g. `xl/worksheets/sheet1.xml`.
        public let part: String
    }

    /// In workbook order (xl/workbook.xml), which is the order of the tabs in Excel.
    public let sheets: [Sheet]
    /// The file's path, or the name given to bytes in memory: the `source` of every error.
    public let source: String

    private let archive: Archive
    private var sharedStrings: SharedStrings?

    /// ZIPFoundation's read and inflate buffer: the most of a part held at once.
    private static let chunkSize = 1 << 16

    public convenience init(path: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CXVError.noInput(path: path, reason: "cannot read the workbook: no readable file there")
        }
        // A zip starts with a local file header (or, empty, its end record); ZIPFoundation would
        // search all of any other file for an end record, four bytes at a time.
        let start = FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: 4) } ?? Data()
        guard Self.startsLikeAZip(Array(start)),
              let archive = try? Archive(url: URL(fileURLWithPath: path), accessMode: .read) else {
            throw Self.notAZip(path)
        }
        try self.init(source: path, archive: archive)
    }

    /// A workbook held in memory, for fuzzing and tests.
    public convenience init(name: String, bytes: [UInt8]) throws {
        try self.init(name: name, streaming: InputSource(name: name, bytes: bytes))
    }

    /// A workbook that comes as a stream (stdin): a zip is read from its end, so it is copied to a
    /// private temporary file first, a block at a time, and read from there. Not ZIPFoundation's
    /// in-memory archive: in 0.9.20 that traps when a hostile offset points past the end, and leaks
    /// when there is no end record; a file read past its end just reads nothing.
    public convenience init(name: String, streaming source: any ByteSource) throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/cxv-xlsx-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }  // mode 0600
        let copy = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard fd >= 0 else { throw CXVError.io(path: copy, reason: "cannot make a temporary copy of workbook \(name): \(String(cString: strerror(errno)))") }
        // It leaves the directory once open, also when reading fails.
        defer { unlink(copy) }
        do {
            defer { close(fd) }
            var block = [UInt8](repeating: 0, count: Self.chunkSize)
            var head: [UInt8] = []
            while true {
                let n = try block.withUnsafeMutableBytes { try source.fill($0.baseAddress!, count: $0.count) }
                if n == 0 { break }
                if head.count < 4 { head += block[..<min(n, 4 - head.count)] }
                var written = 0
                while written < n {
                    let w = block.withUnsafeBytes { write(fd, $0.baseAddress! + written, n - written) }
                    if w < 0, errno == EINTR { continue }
                    guard w > 0 else { throw CXVError.io(path: copy, reason: "cannot write a temporary copy of workbook \(name): \(String(cString: strerror(errno)))") }
                    written += w
                }
            }
            guard Self.startsLikeAZip(head) else { throw Self.notAZip(name) }
        }
        guard let archive = try? Archive(url: URL(fileURLWithPath: copy), accessMode: .read) else { throw Self.notAZip(name) }
        try self.init(source: name, archive: archive)
    }

    private static func notAZip(_ source: String) -> CXVError {
        CXVError.data(source: source, line: 1, message: "not an .xlsx workbook: not a zip archive")
    }

    private init(source: String, archive: Archive) throws {
        self.source = source
        self.archive = archive
        guard archive[Self.workbookPart] != nil else {
            throw CXVError.data(source: source, line: 1, message: "not an .xlsx workbook: the zip has no \(Self.workbookPart)")
        }
        let workbook = WorkbookHandler(source: source)
        try Self.parse(Self.workbookPart, label: Self.workbookPart, in: archive, source: source, with: workbook)
        let relationships = RelationshipsHandler()
        try Self.parse(Self.relationshipsPart, label: Self.relationshipsPart, in: archive, source: source, with: relationships)
        sheets = try workbook.sheets.map { sheet in
            guard let target = relationships.targets[sheet.relationship] else {
                throw CXVError.data(source: source, line: 1, message: "\(Self.workbookPart): sheet \"\(sheet.name)\" names "
                                    + "relationship \"\(sheet.relationship)\", which \(Self.relationshipsPart) does not have")
            }
            return Sheet(name: sheet.name, part: Self.resolve(target: target))
        }
    }

    /// The sheet's first non-empty row as text, and its sheet row number; nil for an empty sheet.
    /// Parsing stops after that row. A first row past the row limit (1 MiB) is an error: it is no header.
    public func firstRow(of sheet: Sheet) throws -> (line: Int, fields: [String])? {
        var first: (line: Int, fields: [String])?
        try read(sheet, maxRows: 1) { batch in
            let row = batch.rows[0]
            if let problem = row.problem {
                throw CXVError.data(source: source, line: row.line,
                                    message: "\(Self.label(sheet)): the first row is \(problem.summary)")
            }
            first = (row.line, batch.strings(of: row))
            throw XMLPartComplete()
        }
        return first
    }

    /// Every non-empty row of the sheet, the first (header) row included, in batches of at most
    /// `maxRows` rows (fewer when a batch grows past a few MiB). Rows are positional, not keyed.
    public func read(_ sheet: Sheet, maxRows: Int, _ body: (RowBatch) throws -> Void) throws {
        let strings = try sharedStringTable()
        try withoutActuallyEscaping(body) { body in
            let reader = SheetRowReader(source: source, part: Self.label(sheet), strings: strings, maxRows: maxRows, emit: body)
            if try Self.parse(sheet.part, label: Self.label(sheet), in: archive, source: source, with: reader) == .more {
                try reader.flush()
            }
        }
    }

    private static func startsLikeAZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B
            && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
    }

    private static let workbookPart = "xl/workbook.xml"
    private static let relationshipsPart = "xl/_rels/workbook.xml.rels"
    private static let sharedStringsPart = "xl/sharedStrings.xml"

    private static func label(_ sheet: Sheet) -> String {
        "\(sheet.part) (sheet \"\(sheet.name)\")"
    }

    /// Read on first use: a workbook without shared strings (all inline) has an empty table.
    private func sharedStringTable() throws -> SharedStrings {
        if let sharedStrings { return sharedStrings }
        let handler = SharedStringsHandler()
        if archive[Self.sharedStringsPart] != nil {
            try Self.parse(Self.sharedStringsPart, label: Self.sharedStringsPart, in: archive, source: source, with: handler)
        }
        sharedStrings = handler.table
        return handler.table
    }

    /// A relationship target is relative to xl/ (where workbook.xml is) unless it starts with `/`.
    static func resolve(target: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : ["xl"]
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(component)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Thrown from ZIPFoundation's consumer to stop decompressing a part early.
    private struct StopExtracting: Error {}

    /// Streams `part` through libxml2 into `handler`. Returns `.complete` when the handler ended
    /// the pass early; rethrows the handler's errors; a part that is missing, cannot be inflated
    /// or is not well-formed XML is a `CXVError.data` naming `label`.
    @discardableResult
    private static func parse(_ part: String, label: String, in archive: Archive, source: String,
                              with handler: any XMLPartHandler) throws -> XMLPushParser.Progress {
        guard let entry = archive[part] else {
            throw CXVError.data(source: source, line: 1, message: "\(label) is not in the workbook")
        }
        let parser = XMLPushParser(handler: handler)
        var progress = XMLPushParser.Progress.more
        var failure: (any Error)?
        do {
            // The parser finds damage the CRC would, and checking it would cost a pass over every byte.
            _ = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: true) { chunk in
                do {
                    progress = try chunk.withUnsafeBytes { try parser.feed($0) }
                } catch {
                    failure = error
                }
                if progress == .complete || failure != nil { throw StopExtracting() }
            }
        } catch is StopExtracting {
        } catch {
            throw CXVError.data(source: source, line: handler.errorLine, message: "\(label) cannot be unpacked: \(error)")
        }
        if failure == nil, progress == .more {
            do { progress = try parser.finish() } catch { failure = error }
        }
        if let malformed = failure as? XMLMalformed {
            throw CXVError.data(source: source, line: handler.errorLine,
                                message: "\(label) is not well-formed XML (XML line \(malformed.xmlLine)): \(malformed.message)")
        }
        if let failure { throw failure }
        return progress
    }
}

/// Reads `<sheet name= r:id=>` from xl/workbook.xml, in order.
private final class WorkbookHandler: XMLPartHandler {
    struct ListedSheet {
        let name: String
        let relationship: String
    }

    private let source: String
    private(set) var sheets: [ListedSheet] = []
    var errorLine: Int { 1 }

    init(source: String) {
        self.source = source
    }

    func startElement(_ name: XMLName, _ attributes: XMLAttributes) throws {
        guard name.is("sheet") else { return }
        guard let sheetName = attributes.string("name"), let relationship = attributes.string("id", prefixed: true) else {
            throw CXVError.data(source: source, line: 1, message: "xl/workbook.xml: a <sheet> has no name or no r:id")
        }
        sheets.append(ListedSheet(name: sheetName, relationship: relationship))
    }

    func endElement(_ name: XMLName) throws {}
    func characters(_ text: UnsafeBufferPointer<UInt8>) throws {}
}

/// Reads `<Relationship Id= Target=>` from xl/_rels/workbook.xml.rels; external targets are no parts.
private final class RelationshipsHandler: XMLPartHandler {
    private(set) var targets: [String: String] = [:]
    var errorLine: Int { 1 }

    func startElement(_ name: XMLName, _ attributes: XMLAttributes) throws {
        guard name.is("Relationship"), attributes.string("TargetMode") != "External",
              let id = attributes.string("Id"), let target = attributes.string("Target") else { return }
        targets[id] = target
    }

    func endElement(_ name: XMLName) throws {}
    func characters(_ text: UnsafeBufferPointer<UInt8>) throws {}
}
