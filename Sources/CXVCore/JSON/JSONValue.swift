/// A parsed JSON value, objects keeping their member order. Numbers keep their
/// source text so that nothing is rounded on the way through.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var scanner = JSONScanner(bytes)
        let value = try scanner.readValue()
        try scanner.expectEnd()
        return value
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        let bytes = Array(text.utf8)
        var result: Result<JSONValue, JSONError> = .failure(JSONError(offset: 0, reason: "empty"))
        bytes.withUnsafeBytes { raw in
            do throws(JSONError) { result = .success(try parse(raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// `bytes` parsed, when they are a JSON object; nil for anything else (an answer that is
    /// not JSON, an array).
    public static func object(_ bytes: [UInt8]) -> JSONValue? {
        let value = bytes.withUnsafeBytes { try? JSONValue.parse($0) }
        guard case .object? = value else { return nil }
        return value
    }

    /// The first member named `key` of an object (JSON leaves repeated names to the reader).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// A number's text as it was written.
    public var numberText: String? {
        if case let .number(text) = self { return text }
        return nil
    }

    public var intValue: Int? {
        if case let .number(text) = self { return Int(text) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(items) = self { return items }
        return nil
    }

    /// Compact JSON text.
    public var text: String {
        var writer = JSONWriter()
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
