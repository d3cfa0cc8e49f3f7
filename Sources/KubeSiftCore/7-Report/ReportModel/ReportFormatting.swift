import Foundation

/// How values read in a report for people: the same everywhere, and the same on every machine
/// (no locale, no time zone: all times are UTC).
package enum ReportFormatting {
    /// `3,005`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// `2026-11-20 14:57:07 UTC`, or an en dash for no time.
    static func time(_ time: Timestamp?) -> String {
        guard let time else { return "–" }
        return String(time.description.prefix(19)).replacingFirst("T", with: " ") + " UTC"
    }

    /// `2026-11-20`.
    static func day(_ time: Timestamp) -> String { String(time.description.prefix(10)) }

    /// `2026-11-20 14:00`, for hours on a chart.
    static func hour(_ time: Timestamp) -> String {
        String(time.description.prefix(16)).replacingFirst("T", with: " ")
    }

    /// `1 d 20 h`, `6 min 12 s`, `0 s`: the two largest units.
    package static func duration(microseconds: Int64) -> String {
        var seconds = max(0, microseconds / 1_000_000)
        var parts: [String] = []
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("min", 60), ("s", 1)] {
            let value = seconds / size
            seconds %= size
            if value > 0 || !parts.isEmpty { parts.append("\(value) \(unit)") }
        }
        let shown = parts.prefix(2).filter { !$0.hasPrefix("0 ") }
        return shown.isEmpty ? "0 s" : shown.joined(separator: " ")
    }

    /// `audit.tar.gz › node-2/audit.log:12`: where an event or record was read.
    static func location(_ at: EventProvenance) -> String {
        "\(at.file)\(at.member.map { " › \($0)" } ?? ""):\(at.line)"
    }

    /// `769 kB (769,314 bytes)`.
    static func bytes(_ value: Int64) -> String {
        value < 1000 ? "\(value) B" : "\(ByteCount(value)) (\(count(Int(value))) bytes)"
    }

    /// `1 finding`, `57 findings`.
    static func plural(_ value: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(count(value)) \(value == 1 ? noun : plural ?? noun + "s")"
    }

    /// The arguments as one shell command line: each argument quoted only when the shell would
    /// otherwise split or expand it.
    static func shellCommand(_ arguments: [String]) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+")
        return arguments.map { argument in
            if !argument.isEmpty, argument.allSatisfy({ plain.contains($0) }) { return argument }
            return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
    }
}
