#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes `Encodable` values as JSON with sorted keys: the same bytes as Foundation's `JSONEncoder`
/// with `[.sortedKeys, .withoutEscapingSlashes]` (and `.prettyPrinted` when asked), several times
/// faster.
///
/// Foundation builds a tree of boxed values, sorts every object's keys through `String`, then
/// writes the tree; a report of a few thousand findings took as long to encode that way as the
/// analysis that found them. Here each value is written straight into bytes, and an object's
/// members are sorted by their keys' UTF-8 (Foundation's order) as the object closes.
///
/// Unlike Foundation it gives `Date`, `Data`, `URL` and `Decimal` no special form (they encode as
/// their own `Encodable` conformance says; KubeSift's documents hold none), and `codingPath` is
/// always empty.
package struct SortedJSONEncoder: Sendable {
    package var prettyPrinted: Bool

    package init(prettyPrinted: Bool = false) {
        self.prettyPrinted = prettyPrinted
    }

    package func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(value, into: &bytes)
        return bytes
    }

    /// Appends the encoding of `value` to `bytes`.
    package func encode<T: Encodable>(_ value: T, into bytes: inout [UInt8]) throws {
        let writer = JSONValueWriter(pretty: prettyPrinted, depth: 0)
        try value.encode(to: writer)
        guard writer.kind != .none else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        writer.finish(into: &bytes)
    }
}

extension SortedJSONEncoder {
    /// Appends `string` quoted and escaped as this encoder writes strings.
    static func appendString(_ string: String, to output: inout [UInt8]) {
        JSONValueWriter.appendQuoted(string, to: &output)
    }

    /// Appends `value` as this encoder writes integers.
    static func appendInteger(_ value: Int, to output: inout [UInt8]) {
        JSONValueWriter.appendInteger(value, to: &output)
    }
}

/// A value already encoded by a compact ``SortedJSONEncoder``, written as it is (re-indented when
/// the document is pretty-printed): what two documents share (a finding in `findings.jsonl` and in
/// `report.json`) is encoded once. Only ``SortedJSONEncoder`` can write one.
package struct EncodedJSON: Encodable, Sendable {
    package var compact: ArraySlice<UInt8>

    package init(compact: ArraySlice<UInt8>) {
        self.compact = compact
    }

    package func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath,
                                                     debugDescription: "pre-encoded JSON is written by SortedJSONEncoder only"))
    }

    /// A list of these values in the pretty form of a value at `depth`, in consecutive chunks.
    static func prettyList(_ elements: [EncodedJSON], depth: Int) -> [[UInt8]] {
        [[UInt8(ascii: "[")]] + prettyElements(elements, depth: depth, first: 0)
            + [prettyListEnd(depth: depth, count: elements.count)]
    }

    /// Elements of a pretty list at `depth` after its `[`, the first of them the list's element
    /// number `first`: each after its comma (the list's first has none) on a line of its own,
    /// re-indented on every core, a range of elements per chunk.
    static func prettyElements(_ elements: [EncodedJSON], depth: Int, first: Int) -> [[UInt8]] {
        concurrentMap(ranges: elements.count) { range in
            var bytes: [UInt8] = []
            // Indentation adds about half again to compact JSON.
            bytes.reserveCapacity(range.reduce(0) { $0 + elements[$1].compact.count } * 3 / 2)
            for index in range {
                if first + index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(0x0A)
                bytes.append(contentsOf: repeatElement(0x20, count: 2 * (depth + 1)))
                elements[index].appendPretty(depth: depth + 1, to: &bytes)
            }
            return bytes
        }
    }

    /// What closes a pretty list at `depth` of `count` elements (none: a blank line between its
    /// brackets, as Foundation writes it).
    static func prettyListEnd(depth: Int, count: Int) -> [UInt8] {
        (count == 0 ? [0x0A, 0x0A] : [0x0A]) + repeatElement(0x20, count: 2 * depth) + [UInt8(ascii: "]")]
    }

    /// Appends `compact` in the pretty form of a value at `depth`: the bytes a pretty encoder writes.
    /// Runs between structural bytes (strings above all) are copied whole.
    func appendPretty(depth: Int, to output: inout [UInt8]) {
        compact.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            // Reserving here would size the buffer exactly, so a list of values appended one by one
            // would be copied whole for each: the caller reserves, growth stays geometric.
            var level = depth
            var runStart = 0
            var index = 0
            func flush(_ end: Int) {
                if end > runStart { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end])) }
            }
            func newline(_ level: Int) {
                output.append(0x0A)
                output.append(contentsOf: repeatElement(0x20, count: 2 * level))
            }
            while index < count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    // To the closing quote, over escapes; the string stays in the run.
                    while index < count {
                        let inside = bytes[index]
                        index += inside == UInt8(ascii: "\\") ? 2 : 1
                        if inside == UInt8(ascii: "\"") { break }
                    }
                    index = min(index, count)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    flush(index)
                    level += 1
                    if index < count, bytes[index] == UInt8(ascii: "}") || bytes[index] == UInt8(ascii: "]") {
                        // An empty container: a blank line, then its close.
                        output.append(0x0A)
                    } else {
                        newline(level)
                    }
                    runStart = index
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    flush(index - 1)
                    level -= 1
                    newline(level)
                    output.append(byte)
                    runStart = index
                case UInt8(ascii: ","):
                    flush(index)
                    newline(level)
                    runStart = index
                case UInt8(ascii: ":"):
                    flush(index - 1)
                    output.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
                    runStart = index
                default:
                    break
                }
            }
            flush(count)
        }
    }
}

/// The writer of one JSON value: a single value, or an object or array whose members it collects
/// until ``finish(into:)``.
private final class JSONValueWriter: Encoder, SingleValueEncodingContainer {
    enum Kind {
        case none, single, object, array
    }

    /// One member of an object or element of an array: its bytes in ``bytes``, or a nested
    /// container or encoder still being written, resolved when this value finishes.
    struct Member {
        var key: String
        var start: Int
        var end: Int
        var pending: JSONValueWriter?
    }

    let pretty: Bool
    /// Nesting level of this value; its members are indented one level deeper.
    let depth: Int
    // One encoding's state, on one thread: the runtime's exclusivity checks cost more than the writes.
    @exclusivity(unchecked) var kind = Kind.none
    /// A single value's bytes, or the members' bytes back to back.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var members: [Member] = []

    init(pretty: Bool, depth: Int) {
        self.pretty = pretty
        self.depth = depth
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        become(.object)
        return KeyedEncodingContainer(KeyedWriter<Key>(writer: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        become(.array)
        return UnkeyedWriter(writer: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    private func become(_ container: Kind) {
        precondition(kind == .none || kind == container, "one value encoded as two kinds of container")
        kind = container
    }

    // MARK: Members

    /// Writes a member whose bytes `write` appends.
    @inline(__always)
    func member(_ key: String, _ write: (inout [UInt8]) throws -> Void) rethrows {
        let start = bytes.count
        try write(&bytes)
        members.append(Member(key: key, start: start, end: bytes.count, pending: nil))
    }

    func member<T: Encodable>(_ key: String, _ value: T) throws {
        try member(key) { bytes in
            guard !writeDirectly(value, depth: depth + 1, into: &bytes) else { return }
            let child = JSONValueWriter(pretty: pretty, depth: depth + 1)
            try value.encode(to: child)
            child.finish(into: &bytes)
        }
    }

    /// Writes strings, integers and lists of strings without a writer of their own: generic code
    /// (an array's elements, an optional's value) reaches them through `encode<T>`, and a writer
    /// and a container per string cost more than the string. False for any other type.
    @inline(__always)
    private func writeDirectly<T>(_ value: T, depth: Int, into output: inout [UInt8]) -> Bool {
        if T.self == String.self {
            Self.appendQuoted(unsafeBitCast(value, to: String.self), to: &output)
        } else if T.self == EncodedJSON.self {
            let encoded = unsafeBitCast(value, to: EncodedJSON.self)
            if pretty {
                encoded.appendPretty(depth: depth, to: &output)
            } else {
                output.append(contentsOf: encoded.compact)
            }
        } else if T.self == [EncodedJSON].self, pretty {
            appendPretty(unsafeBitCast(value, to: [EncodedJSON].self), depth: depth, into: &output)
        } else if T.self == Int.self {
            Self.appendInteger(unsafeBitCast(value, to: Int.self), to: &output)
        } else if T.self == [String].self {
            let strings = unsafeBitCast(value, to: [String].self)
            output.append(UInt8(ascii: "["))
            for (position, string) in strings.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty {
                    output.append(0x0A)
                    indent(depth + 1, into: &output)
                }
                Self.appendQuoted(string, to: &output)
            }
            if pretty {
                output.append(0x0A)
                if strings.isEmpty { output.append(0x0A) }
                indent(depth, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        } else {
            return false
        }
        return true
    }

    /// A member written later, through the returned writer (a nested container, a super encoder).
    func pendingMember(_ key: String) -> JSONValueWriter {
        let child = JSONValueWriter(pretty: pretty, depth: depth + 1)
        members.append(Member(key: key, start: 0, end: 0, pending: child))
        return child
    }

    // MARK: Finishing

    func finish(into output: inout [UInt8]) {
        switch kind {
        case .single:
            output.append(contentsOf: bytes)
        case .none:
            // A nested value that encoded nothing is an empty object, as in Foundation.
            kind = .object
            finish(into: &output)
        case .object, .array:
            for index in members.indices {
                guard let pending = members[index].pending else { continue }
                members[index].start = bytes.count
                pending.finish(into: &bytes)
                members[index].end = bytes.count
            }
            let isObject = kind == .object
            let order = isObject ? sortedMembers() : Array(members.indices)
            // Sized once: a value of many megabytes (a report's findings) is copied into each
            // enclosing value, and growing the buffer step by step would copy it several times more.
            let framing = 4 + (pretty ? 2 * depth + 1 : 0)
            let perMember = 4 + (pretty ? 2 * depth + 5 : 0)
            let needed = output.count + bytes.count + framing
                + order.reduce(0) { $0 + perMember + (isObject ? members[$1].key.utf8.count : 0) }
            if output.capacity < needed { output.reserveCapacity(max(needed, 2 * output.capacity)) }
            output.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            if order.isEmpty, pretty {
                output.append(0x0A)
                output.append(0x0A)
                indent(depth, into: &output)
            }
            for (position, index) in order.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty {
                    output.append(0x0A)
                    indent(depth + 1, into: &output)
                }
                let member = members[index]
                if isObject {
                    JSONValueWriter.appendQuoted(member.key, to: &output)
                    if pretty {
                        output.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
                    } else {
                        output.append(UInt8(ascii: ":"))
                    }
                }
                bytes.withUnsafeBufferPointer { output.append(contentsOf: $0[member.start..<member.end]) }
            }
            if !order.isEmpty, pretty {
                output.append(0x0A)
                indent(depth, into: &output)
            }
            output.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Member indices in key order (UTF-8, as Foundation sorts); of a key written twice, the last.
    private func sortedMembers() -> [Int] {
        var order = Array(members.indices)
        order.sort { lhs, rhs in
            let comparison = Self.compare(members[lhs].key, members[rhs].key)
            return comparison == 0 ? lhs < rhs : comparison < 0
        }
        var unique: [Int] = []
        unique.reserveCapacity(order.count)
        for index in order {
            if let last = unique.last, Self.compare(members[last].key, members[index].key) == 0 {
                unique[unique.count - 1] = index
            } else {
                unique.append(index)
            }
        }
        return unique
    }

    /// A list of pre-encoded values (a report's findings), re-indented on every core.
    private func appendPretty(_ elements: [EncodedJSON], depth: Int, into output: inout [UInt8]) {
        for chunk in EncodedJSON.prettyList(elements, depth: depth) { output.append(contentsOf: chunk) }
    }

    /// Orders two keys by their UTF-8 bytes (negative, zero, positive).
    private static func compare(_ left: String, _ right: String) -> Int {
        let ordered = left.utf8.withContiguousStorageIfAvailable { left in
            right.utf8.withContiguousStorageIfAvailable { right -> Int in
                let common = min(left.count, right.count)
                if common > 0, let lhs = left.baseAddress, let rhs = right.baseAddress {
                    let bytes = memcmp(lhs, rhs, common)
                    if bytes != 0 { return Int(bytes) }
                }
                return left.count - right.count
            }
        }
        if let ordered = ordered.flatMap({ $0 }) { return ordered }
        if left.utf8.elementsEqual(right.utf8) { return 0 }
        return left.utf8.lexicographicallyPrecedes(right.utf8) ? -1 : 1
    }

    private func indent(_ level: Int, into output: inout [UInt8]) {
        output.append(contentsOf: repeatElement(0x20, count: 2 * level))
    }

    // MARK: Scalars

    static func appendQuoted(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: utf8[runStart..<index])
                runStart = index + 1
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x09: output.append(UInt8(ascii: "t"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            output.append(contentsOf: utf8[runStart...])
        }
        output.append(UInt8(ascii: "\""))
    }

    static func appendInteger<T: BinaryInteger>(_ value: T, to output: inout [UInt8]) {
        output.append(contentsOf: String(value).utf8)
    }

    /// Swift's shortest round-trip form, without a trailing `.0`, as Foundation writes it.
    static func appendFloat<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T, to output: inout [UInt8]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        let text = value.description
        output.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    }

    // MARK: SingleValueEncodingContainer

    private func single(_ write: (inout [UInt8]) throws -> Void) rethrows {
        become(.single)
        bytes.removeAll(keepingCapacity: true)
        try write(&bytes)
    }

    func encodeNil() throws { single { $0.append(contentsOf: "null".utf8) } }
    func encode(_ value: Bool) throws { single { $0.append(contentsOf: (value ? "true" : "false").utf8) } }
    func encode(_ value: String) throws { single { Self.appendQuoted(value, to: &$0) } }
    func encode(_ value: Double) throws { try single { try Self.appendFloat(value, to: &$0) } }
    func encode(_ value: Float) throws { try single { try Self.appendFloat(value, to: &$0) } }
    func encode(_ value: Int) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: Int8) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: Int16) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: Int32) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: Int64) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: UInt) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: UInt8) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: UInt16) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: UInt32) throws { single { Self.appendInteger(value, to: &$0) } }
    func encode(_ value: UInt64) throws { single { Self.appendInteger(value, to: &$0) } }

    func encode<T: Encodable>(_ value: T) throws {
        // The wrapped value stands in for this one, at the same depth.
        try single { bytes in
            guard !writeDirectly(value, depth: depth, into: &bytes) else { return }
            let child = JSONValueWriter(pretty: pretty, depth: depth)
            try value.encode(to: child)
            child.finish(into: &bytes)
        }
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONValueWriter
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { writer.member(key.stringValue) { $0.append(contentsOf: "null".utf8) } }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        writer.member(key.stringValue) { $0.append(contentsOf: (value ? "true" : "false").utf8) }
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        writer.member(key.stringValue) { JSONValueWriter.appendQuoted(value, to: &$0) }
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        try writer.member(key.stringValue) { try JSONValueWriter.appendFloat(value, to: &$0) }
    }
    // The other fixed-width numbers reach `encode<T>`, and through it the single-value container.
    mutating func encode(_ value: Int, forKey key: Key) throws {
        writer.member(key.stringValue) { JSONValueWriter.appendInteger(value, to: &$0) }
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.member(key.stringValue, value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        writer.pendingMember(key.stringValue).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.pendingMember(key.stringValue).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { writer.pendingMember("super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { writer.pendingMember(key.stringValue) }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let writer: JSONValueWriter
    var codingPath: [any CodingKey] { [] }
    var count: Int { writer.members.count }

    mutating func encodeNil() throws { writer.member("") { $0.append(contentsOf: "null".utf8) } }
    mutating func encode(_ value: Bool) throws { writer.member("") { $0.append(contentsOf: (value ? "true" : "false").utf8) } }
    mutating func encode(_ value: String) throws { writer.member("") { JSONValueWriter.appendQuoted(value, to: &$0) } }
    mutating func encode(_ value: Double) throws { try writer.member("") { try JSONValueWriter.appendFloat(value, to: &$0) } }
    mutating func encode(_ value: Int) throws { writer.member("") { JSONValueWriter.appendInteger(value, to: &$0) } }

    mutating func encode<T: Encodable>(_ value: T) throws { try writer.member("", value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        writer.pendingMember("").container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.pendingMember("").unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { writer.pendingMember("") }
}
