/// A parsed JSON value, for the few places off the hot path that need a whole structure:
/// materialising an event for tests and rules, reading request and response bodies.
///
/// Objects keep their members in document order (an audit body is evidence; its order is kept).
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number as written, so that no precision is lost or invented.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object. When a document repeats a key, the last one counts, as
    /// in Go's decoder (which the apiserver and every Kubernetes tool use) and in the event scanner.
    package subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    package var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case let .array(elements) = self { return elements }
        return nil
    }

    /// Parses one JSON document from bytes.
    ///
    /// - Throws: ``ScanFailure`` when the bytes are not one complete JSON value.
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(ScanFailure) -> JSONValue {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw .unexpectedEnd }
        var scanner = JSONScanner(base: base, start: 0, end: bytes.count)
        let value = try parse(&scanner, depth: 0)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw .unexpectedByte }
        return value
    }

    package static func parse(_ text: String) throws(ScanFailure) -> JSONValue {
        var copy = text
        let result: Result<JSONValue, ScanFailure> = copy.withUTF8 { buffer in
            do throws(ScanFailure) {
                return .success(try parse(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parse(_ scanner: inout JSONScanner, depth: Int) throws(ScanFailure) -> JSONValue {
        guard depth < JSONScanner.maximumDepth else { throw .tooDeep }
        scanner.skipWhitespace()
        guard !scanner.isAtEnd else { throw .unexpectedEnd }
        switch scanner.current {
        case UInt8(ascii: "{"):
            var members: [(key: String, value: JSONValue)] = []
            try scanner.forEachMember { key, inner throws(ScanFailure) in
                let name = JSONText.string(inner.base, key) ?? ""
                members.append((name, try parse(&inner, depth: depth + 1)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try scanner.forEachElement { inner throws(ScanFailure) in
                elements.append(try parse(&inner, depth: depth + 1))
            }
            return .array(elements)
        case UInt8(ascii: "\""):
            let span = try scanner.scanString()
            return .string(JSONText.string(scanner.base, span) ?? "")
        default:
            let span = try scanner.skipValue()
            let text = String(decoding: UnsafeBufferPointer(start: scanner.base + span.start, count: span.end - span.start),
                              as: UTF8.self)
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                guard JSONScanner.isNumber(scanner.base + span.start, span.end - span.start) else { throw .unexpectedByte }
                return .number(text)
            }
        }
    }
}
