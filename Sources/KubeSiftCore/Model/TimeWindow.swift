import Foundation

/// The period an analysis covers: events whose request was received in `[since, until)`.
///
/// Both ends are optional. Relative forms (`24h`, `1d12h`) are resolved once, against one captured
/// "now", so every stage and every output agree on the same absolute window.
package struct TimeWindow: Hashable, Sendable, Codable {
    /// Inclusive lower bound.
    package var since: Timestamp?
    /// Exclusive upper bound.
    package var until: Timestamp?

    package static let unbounded = TimeWindow(since: nil, until: nil)

    package init(since: Timestamp?, until: Timestamp?) {
        self.since = since
        self.until = until
    }

    package var isUnbounded: Bool { since == nil && until == nil }

    package func contains(_ time: Timestamp) -> Bool {
        if let since, time < since { return false }
        if let until, time >= until { return false }
        return true
    }

    /// The forms `--since` and `--until` accept, for help and error messages.
    package static let acceptedForms =
        "an RFC 3339 time (2026-11-21T03:00:00Z, 2026-11-21T05:00:00+02:00, 2026-11-21) "
        + "or a duration before now: a number with a unit s, m, h, d or w (30s, 15m, 24h, 7d, 2w), "
        + "or several (1d12h, 2h30m)"

    /// Resolves a `--since`/`--until` value against `now`.
    ///
    /// - Returns: the absolute time, or `nil` when the text is neither RFC 3339, a date, nor a duration.
    package static func resolve(_ text: String, now: Timestamp) -> Timestamp? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let absolute = Timestamp(rfc3339: trimmed) { return absolute }
        if trimmed.count == 10, let midnight = Timestamp(rfc3339: trimmed + "T00:00:00Z") { return midnight }
        guard let duration = parseDuration(trimmed) else { return nil }
        let (microseconds, overflow) = now.microseconds.subtractingReportingOverflow(duration)
        return overflow ? nil : Timestamp(microseconds: microseconds)
    }

    /// Microseconds as ``parseDuration(_:)`` reads them: `10m`, `1d12h`, `90s`; whole seconds only.
    package static func durationText(_ microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        guard seconds > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("w", Int64(604_800)), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return text
    }

    /// Parses `30s`, `15m`, `24h`, `7d`, `2w` and compounds such as `1d12h` into microseconds.
    /// `m` is minutes; months are deliberately not offered (they have no fixed length).
    package static func parseDuration(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (multiplied, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, sumOverflow) = multiplied.addingReportingOverflow(Int64(digit))
                guard !overflow, !sumOverflow else { return nil }
                number = sum
                continue
            }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: return nil
            }
            guard let value = number else { return nil }
            let (micros, overflow) = value.multipliedReportingOverflow(by: unit * 1_000_000)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(micros)
            guard !sumOverflow else { return nil }
            total = sum
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil else { return nil }
        return total
    }
}
