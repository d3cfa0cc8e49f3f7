#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a record could not be scanned as JSON.
package enum ScanFailure: Error {
    /// The input ended inside a value: the record was cut off.
    case unexpectedEnd
    /// A byte that cannot appear here in JSON.
    case unexpectedByte
    /// Containers nested deeper than the scanner's limit.
    case tooDeep
}

/// A JSON string's content inside a buffer: the bytes between its quotes, still escaped.
struct StringSpan {
    /// Offset of the first content byte, or -1 when the field was absent.
    var start: Int = -1
    var end: Int = -1
    /// Whether the content holds a backslash escape and must be unescaped before use.
    var escaped = false

    static let absent = StringSpan()

    var isPresent: Bool { start >= 0 }
    var count: Int { end - start }
}

/// A whole JSON value inside a buffer (object, array, string with quotes, number or literal).
struct ValueSpan {
    var start: Int = -1
    var end: Int = -1

    var isPresent: Bool { start >= 0 }
}

/// A forward-only scanner over the bytes of one JSON record.
///
/// This is the decoder's hot path: it walks bytes through a raw pointer and records where values
/// are, copying nothing. Foundation's `JSONDecoder` builds every value and caps the tool near
/// 0.12 GB/s; a scanner that skips what it does not need runs at about 1 GB/s per core.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position: Int

    /// Containers deeper than this are refused instead of walked: hostile input can nest 100 000 deep.
    static let maximumDepth = 512

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.position = start
        self.end = end
    }

    @inline(__always)
    var isAtEnd: Bool { position >= end }

    /// Whether the string at `span` is exactly `literal` (compared as escaped bytes: keys and the
    /// enumerated values we compare against never need escapes).
    @inline(__always)
    func equals(_ span: StringSpan, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard span.end - span.start == count else { return false }
        return memcmp(base + span.start, literal.utf8Start, count) == 0
    }

    @inline(__always)
    var current: UInt8 { base[position] }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            let byte = base[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(ScanFailure) {
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        guard base[position] == byte else { throw .unexpectedByte }
        position += 1
    }

    /// A string value, or (for `null` or a hostile non-string) an absent field after skipping it.
    @inline(__always)
    mutating func stringOrAbsent() throws(ScanFailure) -> StringSpan {
        if current == UInt8(ascii: "\"") { return try scanString() }
        _ = try skipValue()
        return .absent
    }

    /// Reads an integer value; anything else (a float, a string) is skipped and gives `nil`.
    mutating func scanInteger() throws(ScanFailure) -> Int? {
        skipWhitespace()
        return Self.integer(base, try skipValue())
    }

    /// The integer a scalar value at `span` of `base` writes, or nil (a float, a string, too long).
    static func integer(_ base: UnsafePointer<UInt8>, _ span: ValueSpan) -> Int? {
        var index = span.start
        var negative = false
        if base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < span.end, span.end - index <= 18 else { return nil }
        var value = 0
        while index < span.end {
            let digit = Int(base[index]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return negative ? -value : value
    }

    /// Walks the members of an object, handing each key and the scanner (positioned at the value)
    /// to `body`, which must consume the value.
    mutating func forEachMember(
        _ body: (StringSpan, inout JSONScanner) throws(ScanFailure) -> Void
    ) throws(ScanFailure) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        if base[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            let key = try scanString()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            guard position < end else { throw .unexpectedEnd }
            try body(key, &self)
            if try endOfItem(closedBy: UInt8(ascii: "}")) { return }
        }
    }

    /// Walks the elements of an array, handing the scanner (positioned at each element) to `body`,
    /// which must consume the element.
    mutating func forEachElement(_ body: (inout JSONScanner) throws(ScanFailure) -> Void) throws(ScanFailure) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        if base[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            // After a comma, the bytes may end: `body` reads the element's first byte unchecked.
            guard position < end else { throw .unexpectedEnd }
            try body(&self)
            if try endOfItem(closedBy: UInt8(ascii: "]")) { return }
        }
    }

    /// After a member or element: a comma (more follow), or the closing bracket (true).
    @inline(__always)
    private mutating func endOfItem(closedBy closing: UInt8) throws(ScanFailure) -> Bool {
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        let separator = base[position]
        position += 1
        if separator == closing { return true }
        guard separator == UInt8(ascii: ",") else { throw .unexpectedByte }
        return false
    }

    /// Consumes the next byte and returns it.
    @inline(__always)
    mutating func consume() throws(ScanFailure) -> UInt8 {
        guard position < end else { throw .unexpectedEnd }
        position += 1
        return base[position - 1]
    }

    /// Scans a string starting at its opening quote; leaves the position after the closing quote.
    @inline(__always)
    mutating func scanString() throws(ScanFailure) -> StringSpan {
        guard position < end else { throw .unexpectedEnd }
        guard base[position] == UInt8(ascii: "\"") else { throw .unexpectedByte }
        let start = position + 1
        var index = start
        var escaped = false
        // Sixteen bytes at a time to the next quote or backslash; the last few one at a time.
        while end - index >= 16 {
            let stops = JSONWindow.stringStops16(base + index)
            guard stops != 0 else {
                index += 16
                continue
            }
            index += stops.trailingZeroBitCount
            if base[index] == UInt8(ascii: "\"") {
                position = index + 1
                return StringSpan(start: start, end: index, escaped: escaped)
            }
            escaped = true
            index += 2
        }
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return StringSpan(start: start, end: index, escaped: escaped)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        throw .unexpectedEnd
    }

    /// Skips one value of any kind and returns where it was.
    mutating func skipValue() throws(ScanFailure) -> ValueSpan {
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        let start = position
        switch base[position] {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "n"):
            while position < end, Self.isScalarByte(base[position]) { position += 1 }
        default:
            throw .unexpectedByte
        }
        return ValueSpan(start: start, end: position)
    }

    @inline(__always)
    static func isScalarByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"),
             UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }

    /// Skips an object or array by bracket depth, stepping over strings so brackets inside them
    /// do not count. It checks nesting, not grammar: bodies are validated only when a rule reads them.
    ///
    /// Bodies are most of an event's bytes, so they are skipped 64 bytes at a time (``JSONWindow``):
    /// the quotes no backslash escapes mark the strings, and a window whose closing brackets cannot
    /// bring the depth to zero only adds to it. A backslash escapes the byte after it inside a
    /// string or out (outside one, it is not JSON either way); the last bytes are read one at a time
    /// by the same rules.
    private mutating func skipContainer() throws(ScanFailure) {
        var depth = 0
        var index = position
        // 1 when the byte at `index` is escaped; all ones when it is inside a string.
        var escapedCarry: UInt64 = 0
        var insideCarry: UInt64 = 0
        while end - index >= 64 {
            let window = JSONWindow(base + index)
            let escaped = window.escaped(carry: &escapedCarry)
            let inside = JSONWindow.insideStrings(quotes: window.quotes & ~escaped, carry: &insideCarry)
            let opens = window.opens & ~inside & ~escaped
            let closes = window.closes & ~inside & ~escaped
            let opened = opens.nonzeroBitCount
            let closed = closes.nonzeroBitCount
            if closed < depth && depth + opened <= Self.maximumDepth {
                depth += opened - closed
            } else {
                var brackets = opens | closes
                while brackets != 0 {
                    let bit = brackets.trailingZeroBitCount
                    if opens >> bit & 1 == 1 {
                        depth += 1
                        guard depth <= Self.maximumDepth else { throw .tooDeep }
                    } else {
                        depth -= 1
                        if depth == 0 {
                            position = index + bit + 1
                            return
                        }
                    }
                    brackets &= brackets - 1
                }
            }
            index += 64
        }
        var inString = insideCarry != 0
        if escapedCarry == 1 { index += 1 }
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if inString {
                inString = byte != UInt8(ascii: "\"")
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= Self.maximumDepth else { throw .tooDeep }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        position = index + 1
                        return
                    }
                default:
                    break
                }
            }
            index += 1
        }
        throw .unexpectedEnd
    }

    /// An object value, or an absent one after skipping anything else.
    mutating func objectOrAbsent() throws(ScanFailure) -> ValueSpan {
        let span = try skipValue()
        return base[span.start] == UInt8(ascii: "{") ? span : ValueSpan()
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }
        if index < count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let leadingZero = index < count && bytes[index] == UInt8(ascii: "0")
        let integer = digits()
        guard integer > 0, !(leadingZero && integer > 1) else { return false }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == count
    }

    /// Walks the members of an object (see ``forEachMember(_:)``); skips a value that is not one.
    mutating func forEachMemberOfObject(
        _ body: (StringSpan, inout JSONScanner) throws(ScanFailure) -> Void
    ) throws(ScanFailure) {
        guard current == UInt8(ascii: "{") else {
            _ = try skipValue()
            return
        }
        try forEachMember(body)
    }
}

