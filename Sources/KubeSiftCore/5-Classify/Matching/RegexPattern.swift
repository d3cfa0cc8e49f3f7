import Foundation

/// A rule's `re` value: an ICU regular expression, guarded by a literal every match must contain.
///
/// Running `NSRegularExpression` means bridging the value to UTF-16 first, which costs more than the
/// rest of an event's evaluation together. Most values a rule's regex sees cannot match — a secret's
/// name without `-token-`, a command without `/dev/` — and a byte search for the required literal
/// says so without the bridge. The literal is only ever a necessary condition: when it is present, or
/// when none could be proved, the regular expression decides.
package struct RegexPattern: Sendable {
    package let expression: NSRegularExpression
    /// ASCII-lowercased bytes that appear in every text the expression matches; nil when unknown.
    let requiredLiteral: [UInt8]?
    private let caseInsensitive: Bool

    package init(_ pattern: String, options: NSRegularExpression.Options) throws {
        expression = try NSRegularExpression(pattern: pattern, options: options)
        caseInsensitive = options.contains(.caseInsensitive)
        requiredLiteral = Self.requiredLiteral(of: pattern)
    }

    func matches(_ value: FieldValue) -> Bool {
        switch value {
        case let .raw(bytes):
            guard mayMatch(bytes) else { return false }
        case var .string(text):
            guard text.withUTF8({ mayMatch($0) }) else { return false }
        default:
            break
        }
        guard let text = value.text else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }

    /// Whether the text contains the required literal, compared ASCII case-insensitively (a superset of
    /// what the expression accepts). Case-insensitive ICU matching also folds some non-ASCII characters
    /// onto ASCII ones (the Kelvin sign onto `k`), so such text always goes to the expression.
    private func mayMatch(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let literal = requiredLiteral, !literal.isEmpty else { return true }
        if caseInsensitive, text.contains(where: { $0 >= 0x80 }) { return true }
        guard text.count >= literal.count else { return false }
        let first = literal[0]
        var start = 0
        while start <= text.count - literal.count {
            if GlobPattern.fold(text[start]) == first {
                var offset = 1
                while offset < literal.count, GlobPattern.fold(text[start + offset]) == literal[offset] { offset += 1 }
                if offset == literal.count { return true }
            }
            start += 1
        }
        return false
    }

    /// The longest run of literal characters at the top level of `pattern` that no quantifier makes
    /// optional. Anything this cannot read with certainty — alternation at the top level, inline
    /// options, quoting — gives nil, which only costs speed.
    static func requiredLiteral(of pattern: String) -> [UInt8]? {
        let bytes = Array(pattern.utf8)
        if bytes.count >= 2, zip(bytes, bytes.dropFirst()).contains(where: { $0 == UInt8(ascii: "\\") && $1 == UInt8(ascii: "Q") }) {
            return nil
        }
        var longest: [UInt8] = []
        var run: [UInt8] = []
        func endRun() {
            if run.count > longest.count { longest = run }
            run = []
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "|"):
                return nil
            case UInt8(ascii: "("):
                // Inline options such as `(?i)` or `(?x)` change how the rest reads.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "?"), bytes[index + 1] != UInt8(ascii: ":") {
                    return nil
                }
                endRun()
                guard let end = closingParenthesis(bytes, from: index) else { return nil }
                index = end + 1
            case UInt8(ascii: "["):
                endRun()
                guard let end = closingBracket(bytes, from: index) else { return nil }
                index = end + 1
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "+"), UInt8(ascii: "{"):
                // The atom before a quantifier may be absent or repeated: it is not part of a fixed run.
                if !run.isEmpty { run.removeLast() }
                endRun()
                if byte == UInt8(ascii: "{") {
                    guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                    index = close + 1
                }
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                if escaped < 0x80, !isAlphanumeric(escaped) {
                    run.append(escaped)
                } else {
                    endRun() // \b, \s, \d, \n, \x41, \p{…}: classes, anchors and codes, not read here.
                }
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: ")"):
                endRun()
            default:
                if byte >= 0x80 { endRun() } else { run.append(GlobPattern.fold(byte)) }
            }
        }
        endRun()
        return longest.isEmpty ? nil : longest
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || GlobPattern.fold(byte) >= UInt8(ascii: "a")
            && GlobPattern.fold(byte) <= UInt8(ascii: "z")
    }

    /// The index of the `)` closing a group whose body starts at `start`, skipping escapes and classes.
    private static func closingParenthesis(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 1
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 1
            case UInt8(ascii: "["):
                guard let end = closingBracket(bytes, from: index + 1) else { return nil }
                index = end
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The index of the `]` closing a class whose body starts at `start`; a `]` first in it is literal.
    private static func closingBracket(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        if index < bytes.count, bytes[index] == UInt8(ascii: "^") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 1
            case UInt8(ascii: "["):
                // ICU allows nested sets: `[a-z&&[^aeiou]]`.
                guard let end = closingBracket(bytes, from: index + 1) else { return nil }
                index = end
            case UInt8(ascii: "]"): return index
            default: break
            }
            index += 1
        }
        return nil
    }
}
