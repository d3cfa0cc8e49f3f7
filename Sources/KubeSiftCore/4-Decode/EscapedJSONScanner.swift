#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the event decoder reads: JSON text in a buffer (``JSONScanner``), or JSON text still escaped
/// inside a JSON string (``EscapedJSONScanner``). Spans always point into ``base``.
protocol EventTextScanner {
    /// The buffer spans point into.
    var base: UnsafePointer<UInt8> { get }
    /// The current offset in ``base``.
    var position: Int { get }
    var isAtEnd: Bool { get }
    /// The next byte of the JSON text.
    var current: UInt8 { get }
    mutating func skipWhitespace()
    /// Consumes the next character of the JSON text and returns its (first) byte.
    mutating func consume() throws(ScanFailure) -> UInt8
    mutating func scanString() throws(ScanFailure) -> StringSpan
    mutating func skipValue() throws(ScanFailure) -> ValueSpan
    // Requirements with default implementations below, so that generic code calls a scanner's own
    // (``JSONScanner`` keeps tight, inlined loops of its own on the native hot path).
    mutating func expect(_ byte: UInt8) throws(ScanFailure)
    mutating func stringOrAbsent() throws(ScanFailure) -> StringSpan
    mutating func scanInteger() throws(ScanFailure) -> Int?
    mutating func forEachMember(_ body: (StringSpan, inout Self) throws(ScanFailure) -> Void) throws(ScanFailure)
    mutating func forEachElement(_ body: (inout Self) throws(ScanFailure) -> Void) throws(ScanFailure)
}

extension EventTextScanner {
    /// Whether the string at `span` is exactly `literal` (compared as escaped bytes: keys and the
    /// enumerated values we compare against never need escapes).
    @inline(__always)
    func equals(_ span: StringSpan, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard span.end - span.start == count else { return false }
        return memcmp(base + span.start, literal.utf8Start, count) == 0
    }

    /// A string value, or (for `null` or a hostile non-string) an absent field after skipping it.
    @inline(__always)
    mutating func stringOrAbsent() throws(ScanFailure) -> StringSpan {
        if current == UInt8(ascii: "\"") { return try scanString() }
        _ = try skipValue()
        return .absent
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(ScanFailure) {
        skipWhitespace()
        guard !isAtEnd else { throw .unexpectedEnd }
        guard current == byte else { throw .unexpectedByte }
        _ = try consume()
    }

    /// Walks the members of an object, handing each key and the scanner (positioned at the value)
    /// to `body`, which must consume the value.
    mutating func forEachMember(_ body: (StringSpan, inout Self) throws(ScanFailure) -> Void) throws(ScanFailure) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        guard !isAtEnd else { throw .unexpectedEnd }
        if current == UInt8(ascii: "}") {
            _ = try consume()
            return
        }
        while true {
            skipWhitespace()
            let key = try scanString()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            guard !isAtEnd else { throw .unexpectedEnd }
            try body(key, &self)
            if try endOfItem(closedBy: UInt8(ascii: "}")) { return }
        }
    }

    /// Walks the elements of an array, handing the scanner (positioned at each element) to `body`,
    /// which must consume the element.
    mutating func forEachElement(_ body: (inout Self) throws(ScanFailure) -> Void) throws(ScanFailure) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        guard !isAtEnd else { throw .unexpectedEnd }
        if current == UInt8(ascii: "]") {
            _ = try consume()
            return
        }
        while true {
            skipWhitespace()
            try body(&self)
            if try endOfItem(closedBy: UInt8(ascii: "]")) { return }
        }
    }

    /// After a member or element: a comma (more follow), or the closing bracket (returns true).
    @inline(__always)
    private mutating func endOfItem(closedBy closing: UInt8) throws(ScanFailure) -> Bool {
        skipWhitespace()
        let separator = try consume()
        if separator == closing { return true }
        guard separator == UInt8(ascii: ",") else { throw .unexpectedByte }
        return false
    }

    /// Reads an integer value; anything else (a float, a string) is skipped and gives `nil`.
    mutating func scanInteger() throws(ScanFailure) -> Int? {
        skipWhitespace()
        return JSONScanner.integer(base, try skipValue())
    }
}

/// Reads JSON text that is still escaped inside a JSON string — an audit event a log service sent as
/// a string (`"message":"{\"kind\":\"Event\",…}"`) — and unescapes it into a buffer as it goes, so
/// that scanning the event and unescaping it are one pass: the branches on escapes are the branches
/// on the event's own quotes. Spans point into the unescaped copy.
///
/// The escaped text ends at the string's closing quote; a string that ends before the event does
/// is cut off.
struct EscapedJSONScanner: EventTextScanner {
    private let input: UnsafePointer<UInt8>
    /// The next input byte (escaped).
    private(set) var inputIndex: Int
    private let inputEnd: Int
    private let output: UnsafeMutablePointer<UInt8>
    /// Bytes written to the output so far: the position spans are counted in.
    private(set) var position = 0

    /// Reads from `start` (just after a string's opening quote) in `input`, never past `end`, and
    /// writes to `output`, which must hold twice as many bytes as the input may give.
    init(input: UnsafePointer<UInt8>, start: Int, end: Int, output: UnsafeMutablePointer<UInt8>) {
        self.input = input
        inputIndex = start
        inputEnd = end
        self.output = output
    }

    var base: UnsafePointer<UInt8> { UnsafePointer(output) }

    /// At the string's closing quote (or the input's end).
    @inline(__always)
    var isAtEnd: Bool { inputIndex >= inputEnd || input[inputIndex] == UInt8(ascii: "\"") }

    /// The next byte of the unescaped text (the first byte of a `\u` escape's character).
    @inline(__always)
    var current: UInt8 {
        let byte = input[inputIndex]
        guard byte == UInt8(ascii: "\\"), inputIndex + 1 < inputEnd else { return byte }
        let escape = input[inputIndex + 1]
        guard escape == UInt8(ascii: "u") else { return Self.translated(escape) }
        let scalar = JSONText.unicodeEscape(input, at: inputIndex + 2, limit: inputEnd).scalar
        return scalar.isASCII ? UInt8(scalar.value) : 0x80
    }

    @inline(__always)
    private static func translated(_ escape: UInt8) -> UInt8 {
        switch escape {
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        default: escape
        }
    }

    /// Consumes one character of the unescaped text, writes it, and returns its (first) byte.
    @inline(__always)
    mutating func consume() throws(ScanFailure) -> UInt8 {
        guard !isAtEnd else { throw .unexpectedEnd }
        let byte = input[inputIndex]
        guard byte == UInt8(ascii: "\\") else {
            output[position] = byte
            position += 1
            inputIndex += 1
            return byte
        }
        guard inputIndex + 1 < inputEnd else { throw .unexpectedEnd }
        let escape = input[inputIndex + 1]
        inputIndex += 2
        guard escape == UInt8(ascii: "u") else {
            let value = Self.translated(escape)
            output[position] = value
            position += 1
            return value
        }
        let decoded = JSONText.unicodeEscape(input, at: inputIndex, limit: inputEnd)
        inputIndex = decoded.next
        var first: UInt8?
        for byte in UTF8.encode(decoded.scalar)! {
            output[position] = byte
            position += 1
            if first == nil { first = byte }
        }
        return decoded.scalar.isASCII ? first! : 0x80
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while inputIndex < inputEnd {
            let byte = input[inputIndex]
            if byte == 0x20 {
                output[position] = byte
                position += 1
                inputIndex += 1
                continue
            }
            // Whitespace of the escaped text is `\n`, `\t` or `\r`; anything else ends it.
            guard byte == UInt8(ascii: "\\"), inputIndex + 1 < inputEnd else { return }
            let escape = input[inputIndex + 1]
            guard escape == UInt8(ascii: "n") || escape == UInt8(ascii: "t") || escape == UInt8(ascii: "r") else { return }
            output[position] = Self.translated(escape)
            position += 1
            inputIndex += 2
        }
    }

    /// Copies a string's content after its opening quote, through its closing quote; returns where
    /// the content ends and whether it holds an escape.
    @inline(__always)
    private mutating func copyStringContent() throws(ScanFailure) -> (end: Int, escaped: Bool) {
        var escaped = false
        while inputIndex < inputEnd {
            // Runs without a quote or backslash, eight bytes at a time; `\/` (Azure escapes every
            // slash) is content.
            JSONScanner.copyPlainRuns(input, &inputIndex, end: inputEnd, to: output, &position) { $0 == UInt8(ascii: "/") }
            guard inputIndex < inputEnd else { break }
            let byte = input[inputIndex]
            if byte != UInt8(ascii: "\\") {
                // A bare quote ends the outer string: the event was cut off.
                guard byte != UInt8(ascii: "\"") else { throw .unexpectedEnd }
                output[position] = byte
                position += 1
                inputIndex += 1
                continue
            }
            guard inputIndex + 1 < inputEnd else { throw .unexpectedEnd }
            switch input[inputIndex + 1] {
            case UInt8(ascii: "\""):
                // `\"`: the string's own closing quote.
                let end = position
                output[position] = UInt8(ascii: "\"")
                position += 1
                inputIndex += 2
                return (end, escaped)
            case UInt8(ascii: "\\"):
                // `\\`: the string's own escape; the character it escapes follows (escaped or not).
                output[position] = UInt8(ascii: "\\")
                position += 1
                inputIndex += 2
                escaped = true
                _ = try consume()
            default:
                _ = try consume()
            }
        }
        throw .unexpectedEnd
    }

    mutating func scanString() throws(ScanFailure) -> StringSpan {
        guard !isAtEnd else { throw .unexpectedEnd }
        guard current == UInt8(ascii: "\"") else { throw .unexpectedByte }
        _ = try consume()
        let start = position
        let content = try copyStringContent()
        return StringSpan(start: start, end: content.end, escaped: content.escaped)
    }

    mutating func skipValue() throws(ScanFailure) -> ValueSpan {
        skipWhitespace()
        guard !isAtEnd else { throw .unexpectedEnd }
        let start = position
        switch current {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                switch try consume() {
                case UInt8(ascii: "\""):
                    _ = try copyStringContent()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= JSONScanner.maximumDepth else { throw .tooDeep }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                default:
                    break
                }
            } while depth > 0
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "n"):
            while !isAtEnd, JSONScanner.isScalarByte(current) { _ = try consume() }
        default:
            throw .unexpectedByte
        }
        return ValueSpan(start: start, end: position)
    }
}
