import Foundation
import KubeSiftCore

/// The short human summary printed on stderr when `analyze` ends.
struct RunSummary {
    var result: AnalysisResult
    var directory: String
    /// The files written, by name.
    var files: [String]
    var seconds: Double

    var text: String {
        let totals = result.totals
        var lines: [String] = []
        let rate = seconds > 0 ? Double(totals.decompressedBytes) / seconds : 0
        lines.append("analyzed \(totals.inputFiles) input file\(totals.inputFiles == 1 ? "" : "s") "
            + "(\(ByteCount(totals.inputBytes)), \(ByteCount(totals.decompressedBytes)) decompressed) "
            + "in \(String(format: "%.2f", seconds)) s (\(ByteCount(Int64(rate)))/s)")
        lines.append("  events:   \(totals.eventsRead) read, \(totals.duplicateEvents) duplicate, "
            + "\(totals.distinctEvents) distinct, \(totals.distinctRequests) requests")
        var formats: [SourceFormat: Int] = [:]
        for input in result.inputs { formats.merge(input.formats, uniquingKeysWith: +) }
        if formats.keys.contains(where: { $0 != .native }) {
            lines.append("  formats:  " + formats.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", "))
        }
        let window = result.window
        let span = totals.firstEvent.map { "\($0) … \(totals.lastEvent!)" } ?? "no events"
        if window.isUnbounded {
            lines.append("  period:   \(span)")
        } else {
            lines.append("  window:   \(window.since.map(String.init(describing:)) ?? "start") … "
                + "\(window.until.map(String.init(describing:)) ?? "end") (until exclusive); "
                + "\(totals.eventsOutsideWindow) events outside it")
            lines.append("  covered:  \(span)")
        }
        if totals.recordsSkipped > 0 {
            let reasons = result.skipped.keys.sorted().map { "\($0.explanation): \(result.skipped[$0]!.count)" }
            lines.append("  skipped:  \(totals.recordsSkipped) records (\(reasons.joined(separator: ", ")))")
        }
        if totals.recordsPassedOver > 0 {
            let reasons = result.passedOver.keys.sorted().map { "\($0.explanation): \(result.passedOver[$0]!.count)" }
            lines.append("  passed over: \(totals.recordsPassedOver) records that are not audit events (\(reasons.joined(separator: ", ")))")
        }
        let damaged = result.inputs.filter { $0.problems.contains(where: \.kind.meansDataLoss) }
        if !damaged.isEmpty {
            lines.append("  damaged:  \(damaged.count) input\(damaged.count == 1 ? "" : "s"): "
                + damaged.prefix(3).map(\.path).joined(separator: ", ") + (damaged.count > 3 ? ", …" : ""))
        }
        let clusters = result.completeness.clusters
        let gaps = clusters.reduce(0) { $0 + $1.gapCount }
        let anomalies = clusters.reduce(0) { $0 + $1.clock.stageBeforeRequest.count + $1.clock.outOfOrder.count }
        if gaps > 0 || anomalies > 0 {
            // Holes in the log and clock trouble are said here, not only in the report: a run can look complete without them.
            var parts: [String] = []
            if let longest = clusters.flatMap({ cluster in cluster.gaps.map { (cluster.cluster, $0) } })
                .max(by: { $0.1.microseconds < $1.1.microseconds }) {
                parts.append("\(gaps) gap\(gaps == 1 ? "" : "s") in the log (longest \(ReportFormatting.duration(microseconds: longest.1.microseconds))"
                    + (longest.0.map { " in \(StandardError.printable($0))" } ?? "") + ", from \(longest.1.from))")
            }
            if anomalies > 0 { parts.append("\(anomalies) clock anomal\(anomalies == 1 ? "y" : "ies")") }
            lines.append("  completeness: " + parts.joined(separator: ", ") + "; see the report's Completeness section")
        }
        if result.indexSpills > 0 {
            lines.append("  index:    spilled \(result.indexSpills) time slots to disk to stay within --index-memory-mib")
        }
        if result.matchSpills > 0 {
            lines.append("  matches:  written to disk \(result.matchSpills) times to stay within --match-memory-mib")
        }
        if let history = result.history {
            let resumed = result.inputs.filter { $0.resumedFrom != nil }.count
            lines.append("  state:    \(resumed) input\(resumed == 1 ? "" : "s") resumed where an earlier run stopped; "
                + "\(history.carriedIn) requests carried in from open correlation windows; findings: "
                + "\(history.newFindings.count) new, \(history.continued) continuing an earlier one, \(history.alreadyReported) reported before")
        }
        if result.findings.isEmpty {
            lines.append("  findings: none")
        } else {
            var bySeverity: [Severity: Int] = [:]
            for finding in result.findings { bySeverity[finding.rule.severity, default: 0] += 1 }
            let counts = Severity.allCases.reversed().compactMap { severity in
                bySeverity[severity].map { "\($0) \(severity.rawValue)" }
            }
            lines.append("  findings: \(result.findings.count) (\(counts.joined(separator: ", ")))")
            // The rules that found something, most severe first, then in order of first finding.
            var byRule: [String: (first: Finding, count: Int, order: Int)] = [:]
            for (order, finding) in result.findings.enumerated() {
                if let seen = byRule[finding.rule.id] {
                    byRule[finding.rule.id] = (seen.first, seen.count + 1, seen.order)
                } else {
                    byRule[finding.rule.id] = (finding, 1, order)
                }
            }
            let rules = byRule.values.sorted { ($1.first.rule.severity, $0.order) < ($0.first.rule.severity, $1.order) }
            for rule in rules.prefix(8) {
                let actor = StandardError.printable(rule.first.request.username ?? "-")
                let times = rule.count == 1 ? "" : " (\(rule.count)×)"
                lines.append("            \(rule.first.rule.severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(StandardError.printable(rule.first.rule.title))\(times) — \(actor)")
            }
            if rules.count > 8 { lines.append("            … \(rules.count - 8) more rules: see the report") }
        }
        // The file a person opens first, then how many more there are.
        let main = ["report.html", "report.md", "report.json"].first(where: files.contains) ?? files.first ?? ""
        lines.append("  report:   \(directory)/\(main)" + (files.count > 1 ? " (and \(files.count - 1) more files; manifest.json lists them)" : ""))
        return lines.joined(separator: "\n") + "\n"
    }
}
