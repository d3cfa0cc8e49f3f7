import Foundation
import KubeSiftCore

/// The short human summary printed on stderr when `analyze` ends.
struct RunSummary {
    var result: AnalysisResult
    var reportPath: String
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
        let damaged = result.inputs.filter { $0.problems.contains(where: \.kind.meansDataLoss) }
        if !damaged.isEmpty {
            lines.append("  damaged:  \(damaged.count) input\(damaged.count == 1 ? "" : "s"): "
                + damaged.prefix(3).map(\.path).joined(separator: ", ") + (damaged.count > 3 ? ", …" : ""))
        }
        if result.indexSpills > 0 {
            lines.append("  index:    spilled \(result.indexSpills) time slots to disk to stay within --index-memory-mib")
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
            // The most severe first; report order within a severity.
            let findings = result.findings
            let worst = findings.indices
                .sorted { (findings[$1].rule.severity, $0) < (findings[$0].rule.severity, $1) }
                .prefix(5).map { findings[$0] }
            for finding in worst {
                let actor = StandardError.printable(finding.request.username ?? "-")
                lines.append("            \(finding.rule.severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(StandardError.printable(finding.rule.title)) — \(actor)")
            }
        }
        lines.append("  report:   \(reportPath)")
        return lines.joined(separator: "\n") + "\n"
    }
}
