import Foundation
import Testing

/// The completeness section and `--gap`, through the real binary.
@Suite struct CompletenessCommandTests {
    /// An event every 30 s from 00:00 to 02:00 and from 03:00 to 04:00 on 2026-11-21: one planted
    /// gap of an hour and 30 s after line 240. Line 100 was written 10 s before it was received.
    private func plantedLog(_ scratch: ScratchDirectory) throws -> String {
        var lines: [String] = []
        for (index, seconds) in (Array(stride(from: 0, to: 7200, by: 30)) + Array(stride(from: 10800, to: 14400, by: 30))).enumerated() {
            let time = String(format: "2026-11-21T%02d:%02d:%02d.000000Z", seconds / 3600, seconds / 60 % 60, seconds % 60)
            var line = auditLine(id: index, at: time)
            if index == 99 {
                line = line.replacingOccurrences(of: #""stageTimestamp":"\#(time)""#,
                                                 with: String(format: #""stageTimestamp":"2026-11-21T%02d:%02d:%02d.000000Z""#,
                                                              (seconds - 10) / 3600, (seconds - 10) / 60 % 60, (seconds - 10) % 60))
            }
            lines.append(line)
        }
        return try scratch.write("logs/audit.log", lines.joined(separator: "\n") + "\n")
    }

    private func report(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    private func controls(_ report: [String: Any]) -> [String: [String: Any]] {
        let frameworks = (report["compliance"] as? [String: Any])?["frameworks"] as? [[String: Any]] ?? []
        var byID: [String: [String: Any]] = [:]
        for framework in frameworks {
            for family in framework["families"] as? [[String: Any]] ?? [] {
                for control in family["controls"] as? [[String: Any]] ?? [] {
                    byID["\(framework["id"]!):\(control["id"]!)"] = control
                }
            }
        }
        return byID
    }

    @Test func aPlantedGapAndClockAnomalyAreReportedWithTheirEvidence() throws {
        let scratch = try ScratchDirectory()
        let log = try plantedLog(scratch)
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("out"), "--progress", "never",
                                              "--cluster", "prod", "--gap", "10m"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let document = try report(scratch.path("out/report.json"))
        let completeness = try #require(document["completeness"] as? [String: Any])
        let cluster = try #require((completeness["clusters"] as? [[String: Any]])?.first)
        #expect(cluster["cluster"] as? String == "prod")
        #expect(cluster["gapCount"] as? Int == 1)
        let gap = try #require((cluster["gaps"] as? [[String: Any]])?.first)
        #expect(gap["from"] as? String == "2026-11-21T01:59:30.000000Z")
        #expect(gap["to"] as? String == "2026-11-21T03:00:00.000000Z")
        #expect((gap["lastBefore"] as? [String: Any])?["line"] as? Int == 240)
        #expect((gap["lastBefore"] as? [String: Any])?["file"] as? String == log)
        #expect((gap["firstAfter"] as? [String: Any])?["line"] as? Int == 241)
        let clock = try #require(cluster["clock"] as? [String: Any])
        let early = try #require(clock["stageBeforeRequest"] as? [String: Any])
        #expect(early["count"] as? Int == 1)
        #expect(early["largest"] as? Int == 10_000_000)
        #expect(((early["examples"] as? [[String: Any]])?.first?["at"] as? [String: Any])?["line"] as? Int == 100)

        let markdown = try String(contentsOfFile: scratch.path("out/report.md"), encoding: .utf8)
        #expect(markdown.contains("| 2026-11-21 01:59:30 UTC | 2026-11-21 03:00:00 UTC | 1 h | \(log):240 | \(log):241 |"))
        #expect(markdown.contains("| stageTimestamp before requestReceivedTimestamp | 1 | 10 s | \(log):100 (10 s) |"))
        #expect(markdown.contains("- Gap threshold: 10 min, set by --gap 10m"))
        let html = try String(contentsOfFile: scratch.path("out/report.html"), encoding: .utf8)
        #expect(html.contains("<td class=\"mono\">\(log):240</td>"))
    }

    @Test func aGapMakesTheControlsWithoutExceptionsPartiallyAssessable() throws {
        let scratch = try ScratchDirectory()
        _ = try plantedLog(scratch)
        let arguments = ["analyze", scratch.path("logs"), "--progress", "never", "--format", "json"]
        let whole = try KubeSiftRunner.run(arguments + ["-o", scratch.path("whole"), "--gap", "2h"])
        let gapped = try KubeSiftRunner.run(arguments + ["-o", scratch.path("gapped"), "--gap", "10m"])
        #expect(whole.exitCode == 0 && gapped.exitCode == 0, "\(whole.stderr)\(gapped.stderr)")
        let before = controls(try report(scratch.path("whole/report.json")))
        let after = controls(try report(scratch.path("gapped/report.json")))
        let clean = before.filter { $0.value["status"] as? String == "no-exceptions-observed" }
        #expect(!clean.isEmpty)
        for (id, _) in clean {
            #expect(after[id]?["status"] as? String == "partially-assessable", "\(id)")
            let reason = after[id]?["reason"] as? String ?? ""
            #expect(reason.contains("1 gap in the log (1 h in all; the longest from 2026-11-21 01:59:30 UTC to 2026-11-21 03:00:00 UTC)"),
                    "\(id): \(reason)")
        }
        #expect(!after.values.contains { $0["status"] as? String == "no-exceptions-observed" })
    }

    /// scripts/generate-samples.py (plant_clock_step): control-plane-2's clock steps back 4 s while one
    /// request is in flight; nothing else in the samples is stamped out of order.
    @Test func theSamplesPlantedClockStepIsTheOnlyClockAnomaly() throws {
        let scratch = try ScratchDirectory()
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--cluster-from-dir", "-o", scratch.path("out"),
                                              "--progress", "never", "--format", "json"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let clusters = try #require((try report(scratch.path("out/report.json"))["completeness"] as? [String: Any])?["clusters"]
            as? [[String: Any]])
        #expect(clusters.map { $0["cluster"] as? String } == ["shop-aks", "shop-eks", "shop-gke", "shop-prod"])
        for cluster in clusters {
            let clock = try #require(cluster["clock"] as? [String: Any])
            let early = try #require(clock["stageBeforeRequest"] as? [String: Any])
            #expect((clock["outOfOrder"] as? [String: Any])?["count"] as? Int == 0)
            guard cluster["cluster"] as? String == "shop-prod" else {
                #expect(early["count"] as? Int == 0)
                continue
            }
            #expect(early["count"] as? Int == 1)
            #expect(early["largest"] as? Int == 4_000_000)
            let at = try #require((early["examples"] as? [[String: Any]])?.first?["at"] as? [String: Any])
            #expect(at["file"] as? String == "samples/shop-prod/control-plane-2/audit-logs-2026-11-20.tar.gz")
            #expect(at["member"] as? String == "audit-2026-11-20T12-00-00.000.log.gz")
        }
    }

    @Test func aGapUnderAMinuteOrNotADurationIsAUsageError() throws {
        let scratch = try ScratchDirectory()
        _ = try plantedLog(scratch)
        for value in ["30s", "soon"] {
            let outcome = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("out"), "--gap", value])
            #expect(outcome.exitCode == 64, "\(value): \(outcome.stderr)")
            #expect(outcome.stderr.contains("--gap '\(value)'"))
            #expect(!FileManager.default.fileExists(atPath: scratch.path("out/report.json")))
        }
    }
}
