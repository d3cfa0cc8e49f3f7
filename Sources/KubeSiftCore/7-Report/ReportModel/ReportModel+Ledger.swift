extension ReportModel {
    /// The review ledger of a run with a state: one row per run over the period, the days without a
    /// successful review, and the dispositions reviewers recorded (shown under the sign-off).
    package struct LedgerSection: Sendable, Encodable {
        package var period: String
        package var note: String
        package var rows: [Row]
        /// `2026-11-22, 2026-11-23`, or empty when every day of the period was reviewed.
        package var daysWithoutReview: String
        package var dispositions: [DispositionRow]

        package struct Row: Sendable, Encodable {
            package var run: Int
            package var date: String
            package var window: String
            package var inputs: String
            package var events: String
            package var status: String
            package var findings: String
            package var duration: String
            package var failed: Bool
        }

        package struct DispositionRow: Sendable, Encodable {
            package var finding: String
            package var title: String
            package var disposition: String
            package var by: String
            package var at: String
            package var reason: String
        }

        init(_ ledger: ReportDocument.Ledger) {
            period = "\(ledger.from) … \(ledger.to) (UTC days)"
            note = "Each run of kubesift analyze with a state adds a row, whatever it found. A day counts as reviewed "
                + "when a run completed on it (PCI DSS 10.4.1 and 10.4.1.1 ask for a daily, automated review of audit logs); "
                + "a run whose report could not be written is listed as failed and does not count."
            rows = ledger.runs.map { entry in
                Row(run: entry.run, date: ReportFormatting.time(entry.startedAt),
                    window: entry.since == nil && entry.until == nil ? "unbounded"
                        : "\(ReportFormatting.time(entry.since)) … \(ReportFormatting.time(entry.until))",
                    inputs: "\(ReportFormatting.count(entry.inputsRead)) read, \(ReportFormatting.count(entry.inputsUnchanged)) unchanged",
                    events: ReportFormatting.count(entry.eventsRead),
                    status: "\(entry.status.rawValue) (exit \(entry.exitCode))",
                    findings: "\(ReportFormatting.count(entry.findings)) (\(ReportFormatting.count(entry.newFindings)) new)",
                    duration: ReportFormatting.duration(microseconds: Int64(entry.durationMilliseconds) * 1000),
                    failed: !entry.status.isReview)
            }
            daysWithoutReview = ledger.daysWithoutReview.joined(separator: ", ")
            dispositions = ledger.dispositions.map {
                DispositionRow(finding: $0.finding, title: $0.title, disposition: $0.disposition.kind.rawValue,
                               by: $0.disposition.by, at: ReportFormatting.time($0.disposition.at), reason: $0.disposition.reason)
            }
        }
    }
}
