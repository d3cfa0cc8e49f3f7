import Foundation

/// Text from a log, made safe for one output format. Everything a report shows passes through one
/// of these at the output boundary; templates and CSV code never see raw text.
///
/// All three first make invisible characters visible: C0 controls become their Unicode control
/// pictures (`␛` for ESC), and bidirectional overrides and isolates, which can make a name read
/// as another ("Trojan Source"), become U+FFFD.
package enum ReportText {
    /// Control characters shown, bidi controls replaced; `keeping` lists the controls left as they are.
    static func visible(_ text: String, keeping kept: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { needsReplacing($0) && !kept.contains($0) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if kept.contains(scalar) || !needsReplacing(scalar) {
                scalars.append(scalar)
            } else if scalar.value < 0x20 {
                scalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
            } else if scalar.value == 0x7F {
                scalars.append("\u{2421}")
            } else {
                scalars.append("\u{FFFD}")
            }
        }
        return String(scalars)
    }

    /// Whether `text` is printable ASCII without any byte `special` marks: most names and numbers,
    /// which then need no escaping at all.
    private static func isPlain(_ text: String, special: [Bool]) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && !special[Int($0)] }
    }

    /// Marks, for each ASCII byte, whether it is one of `characters`.
    private static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 128)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    private static let htmlSpecial = table("&<>\"'")
    private static let csvSpecial = table(",\"")
    /// Line breaks and tabs: kept in HTML and CSV, where they are whitespace or quoted.
    private static let whitespace: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
    private static let markdownSpecial = table("\\`*_[]<>|~&")

    private static func needsReplacing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// For HTML text and quoted attribute values (also inside inline SVG): `& < > " '` become
    /// character references, so no value can open a tag, close an attribute or start an entity.
    /// Newlines and tabs stay (whitespace to HTML).
    package static func html(_ text: String) -> String {
        if isPlain(text, special: htmlSpecial) { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in visible(text, keeping: whitespace).unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// For Markdown inline text, table cells included: the characters that start emphasis, code,
    /// links, raw HTML, entities, strikethrough or a table cell are backslash-escaped, newlines
    /// become `␊` (a value never ends a line or a table row), and a leading character that could
    /// start a block (a heading, quote, list item) is escaped too.
    ///
    /// Escapes are not processed inside code spans, so templates show values as plain text.
    package static func markdown(_ text: String) -> String {
        if isPlain(text, special: markdownSpecial), let first = text.utf8.first, !"#+-=".utf8.contains(first),
           !(("0"..."9").contains(Unicode.Scalar(first)) && text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ")") }) {
            return text
        }
        let scalars = Array(visible(text).unicodeScalars)
        // "1. " or "1) " (or the value's end) after leading digits would begin an ordered list.
        let digits = scalars.prefix(while: { ("0"..."9").contains($0) }).count
        let listMarker = digits > 0 && digits < scalars.count && (scalars[digits] == "." || scalars[digits] == ")")
            && (digits + 1 == scalars.count || scalars[digits + 1] == " ") ? digits : -1
        var escaped = String.UnicodeScalarView()
        for (offset, character) in scalars.enumerated() {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&":
                escaped.append("\\")
            case "#", "+", "-", "=":
                if offset == 0 { escaped.append("\\") }
            default:
                if offset == listMarker { escaped.append("\\") }
            }
            escaped.append(character)
        }
        return String(escaped)
    }

    /// Whether a spreadsheet would run `text` as a formula (see ``csv(_:)``).
    private static func startsFormula(_ text: String) -> Bool {
        switch text.unicodeScalars.first {
        case "=", "+", "-", "@", "\t", "\r": true
        default: false
        }
    }

    /// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A
    /// value starting with `=`, `+`, `-`, `@`, a tab or a CR, which a spreadsheet would run as a
    /// formula, gets a leading `'` first (OWASP's CSV-injection advice).
    package static func csv(_ text: String) -> String {
        // Printable ASCII without a comma or quote (most names, numbers and times) stays as it is,
        // unless a spreadsheet would read it as a formula.
        if isPlain(text, special: csvSpecial), !startsFormula(text) { return text }
        var field = visible(text, keeping: whitespace)
        if startsFormula(field) { field = "'" + field }
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
