import Foundation

/// A value read from an event, as a rule sees it. Lives only while one event is evaluated.
package enum FieldValue {
    case string(String)
    /// A string as it lies in the decode buffer (it had no escapes): compared without copying.
    case raw(UnsafeBufferPointer<UInt8>)
    /// A JSON number, as written.
    case number(String)
    case integer(Int)
    case bool(Bool)
    case null
    /// An object or array where a rule's path ends: it exists, but has no text to compare.
    case structure

    var text: String? {
        switch self {
        case let .raw(bytes): String(decoding: bytes, as: UTF8.self)
        case let .string(text), let .number(text): text
        case let .integer(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case .null, .structure: nil
        }
    }

    /// `body` with the value's text as UTF-8 (text lying in the decode buffer read where it lies);
    /// false for a value without text.
    @inline(__always)
    func withText(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if case let .raw(bytes) = self { return body(bytes) }
        guard var text = self.text else { return false }
        return text.withUTF8(body)
    }

    var numeric: Double? {
        switch self {
        case let .integer(value): Double(value)
        case let .number(text), let .string(text): Double(text)
        case .raw: text.flatMap(Double.init)
        default: nil
        }
    }
}

/// How a rule compares numbers (`gt`, `gte`, …) or counts (correlation conditions).
package enum Comparison: String, Sendable, CaseIterable {
    case gt, gte, lt, lte, eq, neq

    package func holds(_ value: Double, _ bound: Double) -> Bool {
        switch self {
        case .gt: value > bound
        case .gte: value >= bound
        case .lt: value < bound
        case .lte: value <= bound
        case .eq: value == bound
        case .neq: value != bound
        }
    }

    /// Whether more events can only keep the comparison true: such conditions are evaluated over
    /// sliding windows; the others over fixed ones.
    var growsWithCount: Bool { self == .gt || self == .gte }
}

/// One value of a rule's field condition, compiled.
package enum ValuePattern: Sendable {
    /// Text with Sigma's wildcards (`*`, `?`); `contains`, `startswith` and `endswith` are wildcards too.
    case text(GlobPattern)
    case number(Comparison, Double)
    case bool(Bool)
    /// `null`: the field is missing or null.
    case null
    case regex(RegexPattern)
    case cidr(IPNetwork)

    func matches(_ value: FieldValue) -> Bool {
        switch self {
        case let .regex(pattern):
            return pattern.matches(value)
        case let .cidr(network):
            guard let text = value.text, let address = IPNetwork.address(text) else { return false }
            return network.contains(address)
        case .text, .number, .bool, .null:
            return PatternTest(self)!.matches(value)
        }
    }

    /// Read from the tag alone (binding a case copies its payload).
    var isCIDR: Bool {
        if case .cidr = self { true } else { false }
    }

    /// Whether any of `patterns` matches `value`; an address is parsed once for all `cidr` patterns.
    static func anyMatches(_ patterns: [ValuePattern], _ value: FieldValue) -> Bool {
        guard !patterns.isEmpty, patterns[0].isCIDR else {
            // Indices, not `contains(where:)`: each pattern is borrowed where it lies, not copied.
            for index in patterns.indices where patterns[index].matches(value) { return true }
            return false
        }
        guard let text = value.text, let address = IPNetwork.address(text) else {
            return patterns.contains { if case .cidr = $0 { false } else { $0.matches(value) } }
        }
        return patterns.contains { pattern in
            if case let .cidr(network) = pattern { return network.contains(address) }
            return pattern.matches(value)
        }
    }
}

/// A condition's patterns, however they are held.
protocol PatternList {
    var count: Int { get }
    func matches(_ index: Int, _ value: FieldValue) -> Bool
    func anyMatches(_ value: FieldValue) -> Bool
}

extension [ValuePattern]: PatternList {
    func matches(_ index: Int, _ value: FieldValue) -> Bool { self[index].matches(value) }
    func anyMatches(_ value: FieldValue) -> Bool { ValuePattern.anyMatches(self, value) }
}

extension UnsafeMutableBufferPointer: PatternList where Element == PatternTest {
    @inline(__always)
    func matches(_ index: Int, _ value: FieldValue) -> Bool { self[index].matches(value) }

    @inline(__always)
    func anyMatches(_ value: FieldValue) -> Bool {
        for index in indices where self[index].matches(value) { return true }
        return false
    }
}

/// Patterns that are all `*literal*` (a `contains` list), matched in one pass over the text: a
/// table of the literals' first bytes says where one can start, and only there are they compared.
/// A list of eight credential markers over a ConfigMap's values was eight scans of every value.
struct ContainsList: PatternList {
    /// Each pattern's matcher, and its literal (pointing into the pattern's storage, which the
    /// condition keeps).
    private let matchers: UnsafeMutableBufferPointer<GlobPattern.Matcher>
    private let literals: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>
    /// By byte: whether a literal starts with it (after folding, unless `cased`).
    private let starts: UnsafeMutableBufferPointer<Bool>
    private let cased: Bool
    private let shortest: Int

    /// Nil unless every pattern is a `contains` glob (whose literal is never empty: `*` alone is
    /// another shape), all cased alike.
    init?(_ tests: UnsafeMutableBufferPointer<PatternTest>) {
        var matchers: [GlobPattern.Matcher] = []
        var literals: [UnsafeBufferPointer<UInt8>] = []
        for test in tests {
            guard case let .glob(matcher) = test, let literal = matcher.containedLiteral,
                  matchers.first.map({ $0.cased == matcher.cased }) ?? true else { return nil }
            matchers.append(matcher)
            literals.append(literal)
        }
        guard let first = matchers.first, matchers.count > 1 else { return nil }
        cased = first.cased
        shortest = literals.map(\.count).min()!
        self.matchers = .allocate(capacity: matchers.count)
        _ = self.matchers.initialize(from: matchers)
        self.literals = .allocate(capacity: literals.count)
        _ = self.literals.initialize(from: literals)
        starts = .allocate(capacity: 256)
        starts.initialize(repeating: false)
        for literal in literals { starts[Int(literal[0])] = true }
    }

    /// Frees the buffers; the owning condition calls it once, in its `deinit`.
    func deallocate() {
        matchers.deallocate()
        literals.deallocate()
        starts.deallocate()
    }

    var count: Int { matchers.count }

    func matches(_ index: Int, _ value: FieldValue) -> Bool { matchers[index].matches(value) }

    func anyMatches(_ value: FieldValue) -> Bool {
        // A structure or a value without text contains nothing, as for each matcher.
        value.withText { text in
            guard text.count >= shortest else { return false }
            for start in 0...(text.count - shortest) {
                let byte = cased ? text[start] : GlobPattern.Matcher.fold(text[start])
                guard starts[Int(byte)] else { continue }
                for index in literals.indices where literals[index][0] == byte {
                    if matchers[index].equal(literals[index], text, at: start, count: literals[index].count) { return true }
                }
            }
            return false
        }
    }
}

/// A ``ValuePattern`` as the hot path reads it: plain values only, so that testing a value against a
/// list of them retains nothing. Regular expressions and networks have none: a condition with one
/// is tested through its ``ValuePattern``s.
enum PatternTest {
    case glob(GlobPattern.Matcher)
    case number(Comparison, Double)
    case bool(Bool)
    case null

    /// Nil for a regular expression or a network.
    init?(_ pattern: ValuePattern) {
        switch pattern {
        case let .text(glob): self = .glob(glob.matcher)
        case let .number(comparison, bound): self = .number(comparison, bound)
        case let .bool(expected): self = .bool(expected)
        case .null: self = .null
        case .regex, .cidr: return nil
        }
    }

    @inline(__always)
    func matches(_ value: FieldValue) -> Bool {
        switch self {
        case let .glob(matcher):
            return matcher.matches(value)
        case let .number(comparison, bound):
            guard let number = value.numeric else { return false }
            return comparison.holds(number, bound)
        case let .bool(expected):
            switch value {
            case let .bool(actual): return actual == expected
            case .string, .raw: return value.text?.lowercased() == (expected ? "true" : "false")
            default: return false
            }
        case .null:
            if case .null = value { return true }
            return false
        }
    }
}

/// A Sigma text pattern: literal bytes and wildcards, compared ASCII case-insensitively unless `cased`.
///
/// A reference that owns the pattern's bytes; matching reads them through ``Matcher``, a plain
/// value: each rule test used to copy the pattern's token list and literal out of their enums, a
/// retain and release apiece, a quarter of the matcher's time. The literals are laid end to end
/// in one buffer the pattern owns, and matching reads pieces that point into it.
package final class GlobPattern: @unchecked Sendable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case anyRun
        case anyCharacter
    }

    /// The pattern as written (folded unless `cased`), to derive others from.
    let tokens: [Token]
    let cased: Bool
    /// Immutable after `init`, freed in `deinit`: what makes the class safe to share.
    private let storage: UnsafeMutableBufferPointer<UInt8>
    private let pieces: UnsafeMutableBufferPointer<Piece>
    /// Valid while the pattern lives.
    let matcher: Matcher

    /// A token as matching reads it: a literal is a view of `storage`.
    fileprivate enum Piece {
        case literal(UnsafeBufferPointer<UInt8>)
        case anyRun
        case anyCharacter
    }

    /// The shapes rules use most, matched without the general loop.
    fileprivate enum Shape {
        case exact(UnsafeBufferPointer<UInt8>), prefix(UnsafeBufferPointer<UInt8>), suffix(UnsafeBufferPointer<UInt8>)
        case contains(UnsafeBufferPointer<UInt8>), general

        init(_ pieces: UnsafeMutableBufferPointer<Piece>) {
            switch (pieces.count, pieces.first, pieces.last) {
            case let (1, .literal(literal)?, _): self = .exact(literal)
            case let (2, .literal(literal)?, .anyRun?): self = .prefix(literal)
            case let (2, .anyRun?, .literal(literal)?): self = .suffix(literal)
            case (3, .anyRun?, .anyRun?):
                if case let .literal(literal) = pieces[1] { self = .contains(literal) } else { self = .general }
            default: self = .general
            }
        }
    }

    /// Parses Sigma's wildcard syntax: `*`, `?`, and `\*`, `\?`, `\\` for the characters themselves.
    convenience init(sigma text: String, cased: Bool) {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        var bytes = Array(text.utf8).makeIterator()
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal = []
        }
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "*"):
                flush()
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case UInt8(ascii: "?"):
                flush()
                tokens.append(.anyCharacter)
            case UInt8(ascii: "\\"):
                guard let next = bytes.next() else {
                    literal.append(byte)
                    break
                }
                if next == UInt8(ascii: "*") || next == UInt8(ascii: "?") || next == UInt8(ascii: "\\") {
                    literal.append(next)
                } else {
                    literal.append(byte)
                    literal.append(next)
                }
            default:
                literal.append(cased ? byte : Matcher.fold(byte))
            }
        }
        flush()
        self.init(tokens: tokens, cased: cased)
    }

    private init(tokens: [Token], cased: Bool) {
        self.tokens = tokens
        self.cased = cased
        let literals = tokens.flatMap { token -> [UInt8] in if case let .literal(bytes) = token { bytes } else { [] } }
        storage = .allocate(capacity: literals.count)
        _ = storage.initialize(from: literals)
        pieces = .allocate(capacity: tokens.count)
        var offset = 0
        for (index, token) in tokens.enumerated() {
            switch token {
            case let .literal(bytes):
                pieces[index] = .literal(UnsafeBufferPointer(rebasing: storage[offset..<(offset + bytes.count)]))
                offset += bytes.count
            case .anyRun: pieces[index] = .anyRun
            case .anyCharacter: pieces[index] = .anyCharacter
            }
        }
        matcher = Matcher(pieces: UnsafeBufferPointer(pieces), shape: Shape(pieces), cased: cased,
                          matchesAnything: tokens == [.anyRun])
    }

    deinit {
        storage.deallocate()
        pieces.deallocate()
    }

    /// `*value*`, `value*` or `*value`, for the `contains`, `startswith` and `endswith` modifiers.
    func surrounded(leading: Bool, trailing: Bool) -> GlobPattern {
        var tokens = self.tokens
        if leading, tokens.first != .anyRun { tokens.insert(.anyRun, at: 0) }
        if trailing, tokens.last != .anyRun { tokens.append(.anyRun) }
        return GlobPattern(tokens: tokens, cased: cased)
    }

    /// ASCII lowercase, as patterns that are not `cased` compare.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 { Matcher.fold(byte) }

    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matcher.matches($0) }
    }

    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool { matcher.matches(text) }

    /// Backtracking wildcard match for any pattern (``Matcher/matchesInGeneral(_:)``).
    func matchesInGeneral(_ text: UnsafeBufferPointer<UInt8>) -> Bool { matcher.matchesInGeneral(text) }

    /// The pattern as matching reads it: pointers into its pattern's buffers and plain values, so
    /// that copying it, or reading it from a list, retains nothing. Valid while the pattern lives.
    struct Matcher {
        fileprivate let pieces: UnsafeBufferPointer<Piece>
        fileprivate let shape: Shape
        let cased: Bool
        let matchesAnything: Bool

        @inline(__always)
        static func fold(_ byte: UInt8) -> UInt8 {
            byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
        }

        /// The literal of a `*literal*` pattern (the `contains` modifier), nil for other shapes.
        var containedLiteral: UnsafeBufferPointer<UInt8>? {
            if case let .contains(literal) = shape { literal } else { nil }
        }

        func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            switch shape {
            case let .exact(literal): return equal(literal, text, at: 0, count: text.count)
            case let .prefix(literal): return equal(literal, text, at: 0, count: literal.count)
            case let .suffix(literal):
                return text.count >= literal.count && equal(literal, text, at: text.count - literal.count, count: literal.count)
            case let .contains(literal): return contains(literal, text)
            case .general: return matchesInGeneral(text)
            }
        }

        /// A value as rules read it: text compared, a structure matched by `*` alone.
        func matches(_ value: FieldValue) -> Bool {
            switch value {
            case .structure: return matchesAnything
            default: return value.withText { matches($0) }
            }
        }

        private func contains(_ literal: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let first = literal.first else { return true }
            guard text.count >= literal.count else { return false }
            for start in 0...(text.count - literal.count) {
                let byte = cased ? text[start] : Self.fold(text[start])
                if byte == first, equal(literal, text, at: start, count: literal.count) { return true }
            }
            return false
        }

        /// Backtracking wildcard match for any pattern, linear in practice: only the last `*` is ever
        /// retried. The shapes above are its shortcuts (a test compares them).
        func matchesInGeneral(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            var pieceIndex = 0
            var position = 0
            var retryPiece = -1
            var retryPosition = 0
            while true {
                if pieceIndex == pieces.count {
                    if position == text.count { return true }
                } else {
                    switch pieces[pieceIndex] {
                    case .anyRun:
                        retryPiece = pieceIndex
                        retryPosition = position
                        pieceIndex += 1
                        continue
                    case .anyCharacter:
                        if position < text.count {
                            position += 1
                            while position < text.count, text[position] & 0xC0 == 0x80 { position += 1 }
                            pieceIndex += 1
                            continue
                        }
                    case let .literal(literal):
                        if pieceIndex + 1 == pieces.count, retryPiece >= 0 {
                            // A final literal after a star: only the text's end can match it.
                            return text.count - literal.count >= position
                                && equal(literal, text, at: text.count - literal.count, count: literal.count)
                        }
                        if position + literal.count <= text.count, equal(literal, text, at: position, count: literal.count) {
                            position += literal.count
                            pieceIndex += 1
                            continue
                        }
                    }
                }
                guard retryPiece >= 0, retryPosition < text.count else { return false }
                retryPosition += 1
                position = retryPosition
                pieceIndex = retryPiece + 1
            }
        }

        /// Whether `literal` lies at `offset` of `text`, `count` bytes long (compared as this pattern is).
        @inline(__always)
        func equal(_ literal: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>, at offset: Int, count: Int) -> Bool {
            guard literal.count == count, offset + count <= text.count else { return false }
            if cased {
                for index in 0..<count where literal[index] != text[offset + index] { return false }
            } else {
                for index in 0..<count where literal[index] != Self.fold(text[offset + index]) { return false }
            }
            return true
        }
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fc00::/7`); IPv4 is held in its IPv6-mapped form.
package struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = Self.address(String(parts[0])) else { return nil }
        let isV4 = !parts[0].contains(":")
        let bits = parts.count == 2 ? Int(parts[1]) : (isV4 ? 32 : 128)
        guard let bits, bits >= 0, bits <= (isV4 ? 32 : 128) else { return nil }
        self.address = address
        prefixLength = isV4 ? bits + 96 : bits
    }

    func contains(_ other: [UInt8]) -> Bool {
        var remaining = prefixLength
        for index in 0..<16 where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// Parses an address into 16 bytes (IPv4 as `::ffff:a.b.c.d`), or nil when it is not one.
    static func address(_ text: String) -> [UInt8]? {
        var storage = in6_addr()
        if text.contains(":") {
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            return withUnsafeBytes(of: &storage) { Array($0) }
        }
        var v4 = in_addr()
        guard inet_pton(AF_INET, text, &v4) == 1 else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
    }
}
