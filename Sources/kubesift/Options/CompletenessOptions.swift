import ArgumentParser
import KubeSiftCore

/// How the completeness section finds gaps in each cluster's log.
struct CompletenessOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A stretch without events this long is a gap in a cluster's log (at least 1m; 10m, 1h). Default: learned from each cluster's own rate.",
        valueName: "duration"))
    var gap: String?

    func validate() throws {
        guard let gap else { return }
        guard let duration = TimeWindow.parseDuration(gap) else {
            throw ValidationError("--gap '\(gap)' is not a duration. It takes 30s, 15m, 24h, 7d, 2w and compounds like 1h30m.")
        }
        guard duration >= ClusterCompleteness.shortestThreshold else {
            throw ValidationError("--gap '\(gap)' is under a minute: gaps are found between minutes with events.")
        }
    }

    /// Microseconds, or nil to learn each cluster's threshold from its rate.
    var gapThreshold: Int64? { gap.flatMap(TimeWindow.parseDuration) }
}
