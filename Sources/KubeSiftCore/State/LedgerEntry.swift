/// One row of the review ledger: one run of `analyze` with a state, whatever it found.
package struct LedgerEntry: Sendable, Equatable, Codable {
    package enum Status: String, Sendable, Codable {
        /// Every input read in full.
        case complete
        /// Some input was unreadable or damaged, or records were skipped: reviewed, with gaps.
        case partial
        /// Nothing new to review: no input, or no event in the window.
        case noNewEvents = "no-new-events"
        /// The run could not write its report: not a review.
        case failed

        /// Whether the run counts as the day's review.
        package var isReview: Bool { self != .failed }
    }

    /// The run's number in the state.
    package var run: Int
    /// When it ran (the `--now` it was given, or the clock).
    package var startedAt: Timestamp
    package var durationMilliseconds: Int
    /// The time window analyzed.
    package var since: Timestamp?
    package var until: Timestamp?
    package var inputsRead: Int
    /// Inputs passed over because they had not changed since an earlier run.
    package var inputsUnchanged: Int
    package var eventsRead: Int
    package var requests: Int
    package var findings: Int
    package var newFindings: Int
    package var status: Status
    package var exitCode: Int
}
