// libxml2's SAX2 push parser over one workbook part, fed one decompressed chunk at a time.
import CXVCore
import CLibXML2

/// What a pass over one part does with the parser's events. A method throws to end the
/// pass early; the error comes back out of `XMLPushParser.feed` or `finish`.
protocol XMLPartHandler: AnyObject {
    func startElement(_ name: XMLName, _ attributes: XMLAttributes) throws
    func endElement(_ name: XMLName) throws
    func characters(_ text: UnsafeBufferPointer<UInt8>) throws
    /// The line an error in this part is reported at: the sheet row being read, or 1.
    var errorLine: Int { get }
}

/// Thrown by a handler (or a batch consumer) that has all it wants: reading stops, without an error.
struct XMLPartComplete: Error {}

/// A part that is not well-formed XML, as libxml2 found it.
struct XMLMalformed: Error {
    let xmlLine: Int
    let message: String
}

/// An element's local name, valid only during the callback; namespaces are ignored so that
/// transitional and strict OOXML read alike.
struct XMLName {
    let bytes: UnsafePointer<UInt8>

    func `is`(_ name: StaticString) -> Bool {
        let expected = name.utf8Start
        // A shorter name fails at its terminating NUL, so nothing past it is read.
        for i in 0..<name.utf8CodeUnitCount where bytes[i] != expected[i] { return false }
        return bytes[name.utf8CodeUnitCount] == 0
    }
}

/// An element's attributes as libxml2 hands them over: five pointers each (local name, prefix,
/// namespace, value start, value end), values already decoded, valid only during the callback.
struct XMLAttributes {
    let base: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    let count: Int

    /// The value of the attribute named `localName`, with a namespace prefix (`r:id`) or without (`r`).
    func value(_ localName: StaticString, prefixed: Bool = false) -> UnsafeBufferPointer<UInt8>? {
        guard let base else { return nil }
        for i in 0..<count {
            let entry = base + 5 * i
            guard let local = entry[0], XMLName(bytes: local).is(localName), (entry[1] != nil) == prefixed,
                  let start = entry[3], let end = entry[4] else { continue }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// The value as text. Without entity substitution libxml2 hands every `&` of an attribute
    /// (written `&amp;` or `&#38;`) over as `&#38;`, for a tree builder to reparse; this undoes that.
    func string(_ localName: StaticString, prefixed: Bool = false) -> String? {
        guard let value = value(localName, prefixed: prefixed) else { return nil }
        let escapedAmpersand = Array("&#38;".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(value.count)
        var i = 0
        while i < value.count {
            if value[i] == UInt8(ascii: "&"), value[i...].starts(with: escapedAmpersand) {
                text.append(UInt8(ascii: "&"))
                i += escapedAmpersand.count
            } else {
                text.append(value[i])
                i += 1
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// One pass of libxml2's push parser. The C callbacks find this object through the parser's
/// user-data pointer; a handler's error stops the parser (nothing may unwind through C frames)
/// and is rethrown once `xmlParseChunk` has returned.
final class XMLPushParser {
    enum Progress { case more, complete }

    private let handler: any XMLPartHandler
    private var context: xmlParserCtxtPtr?
    private var handlerError: (any Error)?
    private var malformed: XMLMalformed?

    init(handler: any XMLPartHandler) {
        self.handler = handler
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { userData, localName, _, _, _, _, attributeCount, _, attributes in
            guard let userData, let localName else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(userData).takeUnretainedValue()
            parser.deliver {
                try $0.startElement(XMLName(bytes: localName), XMLAttributes(base: attributes, count: Int(attributeCount)))
            }
        }
        sax.endElementNs = { userData, localName, _, _ in
            guard let userData, let localName else { return }
            Unmanaged<XMLPushParser>.fromOpaque(userData).takeUnretainedValue().deliver {
                try $0.endElement(XMLName(bytes: localName))
            }
        }
        let characters: charactersSAXFunc = { userData, text, length in
            guard let userData, let text, length > 0 else { return }
            Unmanaged<XMLPushParser>.fromOpaque(userData).takeUnretainedValue().deliver {
                try $0.characters(UnsafeBufferPointer(start: text, count: Int(length)))
            }
        }
        sax.characters = characters
        // Whitespace-only text (xml:space="preserve") and CDATA sections are text too.
        sax.ignorableWhitespace = characters
        sax.cdataBlock = characters
        // Structured errors come here instead of stderr; only fatal ones end the pass
        // (an undeclared namespace prefix, say, is an error libxml2 reads on past).
        sax.serror = { userData, error in
            guard let userData, let error, error.pointee.level == XML_ERR_FATAL else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(userData).takeUnretainedValue()
            guard parser.malformed == nil else { return }
            var message = error.pointee.message.map { String(cString: $0) } ?? "code \(error.pointee.code)"
            while message.last?.isWhitespace == true { message.removeLast() }
            parser.malformed = XMLMalformed(xmlLine: Int(error.pointee.line), message: message)
        }
        let userData = Unmanaged.passUnretained(self).toOpaque()
        context = xmlCreatePushParserCtxt(&sax, userData, nil, 0, nil)
        // No network and no entity substitution (no XML_PARSE_NOENT): a hostile part cannot
        // reach out or expand entities; the handler has no getEntity, so DTD entities stay unread.
        xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue))
    }

    deinit {
        // A part declaring entities gets a document of libxml2's own to hold them (its expat
        // compatibility in SAX mode), which freeing the context leaves behind.
        if let document = context?.pointee.myDoc { xmlFreeDoc(document) }
        xmlFreeParserCtxt(context)
    }

    private func deliver(_ event: (any XMLPartHandler) throws -> Void) {
        guard handlerError == nil else { return }
        do {
            try event(handler)
        } catch {
            handlerError = error
            xmlStopParser(context)
        }
    }

    /// Parses the next chunk of the part.
    func feed(_ chunk: UnsafeRawBufferPointer) throws -> Progress {
        guard let context else { throw XMLMalformed(xmlLine: 0, message: "libxml2 could not start a parser") }
        // Chunks are ZIPFoundation's read buffer, far below Int32.max.
        let base = chunk.baseAddress?.assumingMemoryBound(to: CChar.self)
        xmlParseChunk(context, base, Int32(chunk.count), 0)
        return try outcome()
    }

    /// Tells the parser the part has ended, which is when a truncated part is found out.
    func finish() throws -> Progress {
        guard let context else { throw XMLMalformed(xmlLine: 0, message: "libxml2 could not start a parser") }
        xmlParseChunk(context, nil, 0, 1)
        return try outcome()
    }

    private func outcome() throws -> Progress {
        if let handlerError {
            if handlerError is XMLPartComplete { return .complete }
            throw handlerError
        }
        if let malformed { throw malformed }
        return .more
    }
}
