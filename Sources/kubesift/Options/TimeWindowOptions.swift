import ArgumentParser
import KubeSiftCore

/// The time window, declared once for every subcommand that takes one.
struct TimeWindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only requests received at or after this time: RFC 3339 or a duration before now (24h, 7d, 1d12h).",
                               valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only requests received before this time (exclusive); same forms as --since.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Resolve relative times against this RFC 3339 instant instead of the clock (to rerun a past analysis).",
                               valueName: "time"))
    var now: String?

    func validate() throws {
        let reference = try resolvedNow(clock: Timestamp(microseconds: 0))
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value, TimeWindow.resolve(value, now: reference) == nil {
                throw ValidationError("\(flag) '\(value)' is not a time. It takes \(TimeWindow.acceptedForms).")
            }
        }
    }

    func resolvedNow(clock: Timestamp) throws -> Timestamp {
        guard let now else { return clock }
        guard let parsed = Timestamp(rfc3339: now) else {
            throw ValidationError("--now '\(now)' is not an RFC 3339 time such as 2026-11-21T03:00:00Z.")
        }
        return parsed
    }

    /// Whether `--since` or `--until` is a duration, which only means something with its "now".
    var usesRelativeTime: Bool {
        [since, until].contains { $0.map { TimeWindow.parseDuration($0) != nil } ?? false }
    }

    /// The window, resolved once against `now`.
    func window(now: Timestamp) throws -> TimeWindow {
        let window = TimeWindow(since: since.flatMap { TimeWindow.resolve($0, now: now) },
                                until: until.flatMap { TimeWindow.resolve($0, now: now) })
        if let start = window.since, let end = window.until, start >= end {
            throw ValidationError("The window is empty: --since \(start) is not before --until \(end).")
        }
        return window
    }
}
