/// The JSON a run posts to `--notify`: what a cron job's owner needs to decide whether to open the
/// report, with a `text` field that Slack (and Mattermost, Teams' incoming webhooks) shows as is.
package struct RunNotification: Encodable, Sendable, Equatable {
    package struct NewFinding: Encodable, Sendable, Equatable {
        package var id: String
        package var severity: Severity
        package var title: String
        package var user: String?
        package var firstSeen: Timestamp?
    }

    var tool = "kubesift"
    var version = KubeSiftVersion.current
    package var exitCode: Int32
    package var status: String
    package var window: TimeWindowText
    package var eventsRead: Int
    package var requests: Int
    package var findings: Int
    package var findingsBySeverity: [String: Int]
    /// Findings no earlier run reported (all of them without a state).
    package var newFindings: Int
    /// The first ``listed`` new findings, most severe first.
    package var newFindingsListed: [NewFinding]
    /// Findings that continue an episode an earlier run reported.
    package var continuedFindings: Int
    package var partial: Bool
    package var report: String
    package var text: String

    package struct TimeWindowText: Encodable, Sendable, Equatable {
        var since: Timestamp?
        var until: Timestamp?
    }

    static let listed = 10

    package init(result: AnalysisResult, exitCode: Int32, status: String, report: String) {
        self.exitCode = exitCode
        self.status = status
        window = TimeWindowText(since: result.window.since, until: result.window.until)
        eventsRead = result.totals.eventsRead
        requests = result.totals.distinctRequests
        findings = result.findings.count
        var bySeverity: [String: Int] = [:]
        for finding in result.findings { bySeverity[finding.rule.severity.rawValue, default: 0] += 1 }
        findingsBySeverity = bySeverity
        let newIDs = result.history.map { Set($0.newFindings) }
        let fresh = result.findings.filter { newIDs?.contains($0.id) ?? true }
            .sorted { ($1.rule.severity, $0.firstSeen?.microseconds ?? 0, $0.id) < ($0.rule.severity, $1.firstSeen?.microseconds ?? 0, $1.id) }
        newFindings = fresh.count
        newFindingsListed = fresh.prefix(Self.listed).map {
            NewFinding(id: $0.id, severity: $0.rule.severity, title: $0.rule.title, user: $0.request.username, firstSeen: $0.firstSeen)
        }
        continuedFindings = result.history?.continued ?? 0
        partial = result.isPartial
        self.report = report
        let counts = Severity.allCases.reversed().compactMap { severity in bySeverity[severity.rawValue].map { "\($0) \(severity.rawValue)" } }
        var lines = ["kubesift: \(status) (exit \(exitCode)): \(requests) requests, \(findings) finding\(findings == 1 ? "" : "s")"
            + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))") + ", \(newFindings) new"]
        // Log text is attacker-controlled: what a chat client would read as markup or a mention is neutralised.
        lines += newFindingsListed.map { "• \($0.severity.rawValue.uppercased()) \(Self.plain($0.title)) — \(Self.plain($0.user ?? "-")) [\($0.id)]" }
        if newFindings > newFindingsListed.count { lines.append("… \(newFindings - newFindingsListed.count) more") }
        lines.append("report: \(Self.plain(report))")
        text = lines.joined(separator: "\n")
    }

    /// Text without Slack's control characters (`<`, `>`, `&` open links and mentions) or line breaks.
    static func plain(_ text: String) -> String {
        String(text.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "<": "‹"
            case ">": "›"
            case "&": "+"
            default: scalar.properties.generalCategory == .control ? " " : Character(scalar)
            }
        })
    }
}
