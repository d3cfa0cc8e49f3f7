extension ReportDocument {
    /// The review ledger: every run recorded in the state over the period up to this one, the days
    /// in it with no successful review (PCI DSS 10.4.1 / 10.4.1.1 ask for a daily, automated review),
    /// and the dispositions reviewers recorded.
    package struct Ledger: Encodable, Sendable, Equatable {
        /// The first and last UTC day of the period (`YYYY-MM-DD`).
        package var from: String
        package var to: String
        package var runs: [LedgerEntry]
        /// Days of the period, from the first run the state recorded, with no run that completed.
        package var daysWithoutReview: [String]
        package var dispositions: [DispositionRecord]

        package struct DispositionRecord: Encodable, Sendable, Equatable {
            package var finding: String
            package var rule: String
            package var title: String
            package var disposition: Disposition
        }

        /// - Parameters:
        ///   - runs: every run recorded, this one included.
        ///   - days: how many UTC days, up to and including the last run's, the period spans.
        package init(runs: [LedgerEntry], days: Int, dispositions: [(finding: ReportedFinding, disposition: Disposition)]) {
            let microsecondsPerDay: Int64 = 86_400_000_000
            func day(_ time: Timestamp) -> Int64 {
                time.microseconds >= 0 ? time.microseconds / microsecondsPerDay : (time.microseconds + 1) / microsecondsPerDay - 1
            }
            let last = runs.map { day($0.startedAt) }.max() ?? 0
            let first = last - Int64(max(1, days)) + 1
            from = Self.date(first)
            to = Self.date(last)
            self.runs = runs.filter { day($0.startedAt) >= first }.sorted { ($0.startedAt, $0.run) < ($1.startedAt, $1.run) }
            let reviewed = Set(self.runs.filter(\.status.isReview).map { day($0.startedAt) })
            // Days before the first run ever recorded are before nightly reviews began: not counted as missed.
            let start = max(first, runs.map { day($0.startedAt) }.min() ?? last)
            daysWithoutReview = (start...last).filter { !reviewed.contains($0) }.map(Self.date)
            self.dispositions = dispositions.filter { day($0.disposition.at) >= first }.map {
                DispositionRecord(finding: $0.finding.id, rule: $0.finding.ruleID, title: $0.finding.title,
                                  disposition: $0.disposition)
            }
        }

        static func date(_ day: Int64) -> String {
            String(Timestamp(microseconds: day * 86_400_000_000).description.prefix(10))
        }
    }
}
