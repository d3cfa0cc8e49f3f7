import Foundation
import Testing

/// What `analyze` writes into its output directory: `--format`, `--force`, `--templates`.
@Suite struct ReportCommandTests {
    static func files(_ directory: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory))
    }

    @Test func aDirectoryHoldingAReportIsRefusedWithoutForce() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z") + "\n")
        let first = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out")],
                                           environment: ["SOURCE_DATE_EPOCH": "1795000000"])
        #expect(first.exitCode == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json")))

        let refused = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out")],
                                             environment: ["SOURCE_DATE_EPOCH": "1795999999"])
        #expect(refused.exitCode == 73)
        #expect(refused.stderr.contains("already holds a report"))
        #expect(refused.stderr.contains("--force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json"))) == before, "left as it was")

        let forced = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"), "--force"],
                                            environment: ["SOURCE_DATE_EPOCH": "1795999999"])
        #expect(forced.exitCode == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json"))) != before)

        // A directory that holds other things but no report is written into.
        try scratch.write("other/notes.txt", "mine")
        let other = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("other")])
        #expect(other.exitCode == 0)
    }

    @Test func aWriteThatFailsHalfwayLeavesThePreviousReportWhole() throws {
        let scratch = try ScratchDirectory()
        let report = scratch.path("out")
        let first = try KubeSiftRunner.run(["analyze", "samples", "-o", report], environment: ["SOURCE_DATE_EPOCH": "1795000000"])
        #expect(first.exitCode == 0, "\(first.stderr)")
        let before = try Self.files(report)
        let contents = try before.map { try Data(contentsOf: URL(fileURLWithPath: report + "/" + $0)) }

        // Every file but the largest (report.json, written last of the formats) can be written: the disk
        // "fills" after the others.
        let sizes = try before.map { ($0, try FileManager.default.attributesOfItem(atPath: report + "/" + $0)[.size] as! Int) }
        let largest = try #require(sizes.max { $0.1 < $1.1 })
        let secondLargest = sizes.filter { $0.0 != largest.0 }.map(\.1).max() ?? 0
        try #require(largest.1 - secondLargest > 8 << 10, "the largest file must stand out: \(sizes)")
        let full = try KubeSiftRunner.run(["analyze", "samples", "-o", report, "--force"],
                                          environment: ["SOURCE_DATE_EPOCH": "1795999999"],
                                          fileSizeLimitKiB: (largest.1 >> 10) - 4)
        #expect(full.exitCode == 74, "\(full.stderr)")
        #expect(full.stderr.contains("cannot write \(report)/\(largest.0)"))
        #expect(try Self.files(report) == before, "no temporary file left behind")
        #expect(try before.map { try Data(contentsOf: URL(fileURLWithPath: report + "/" + $0)) } == contents,
                "the previous report, every file of it, as it was")
    }

    @Test func formatPicksTheFilesAndForceRemovesTheEarlierReportsOthers() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z") + "\n")
        try scratch.write("out/notes.txt", "not kubesift's")
        let first = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"), "--format", "md,csv"])
        #expect(first.exitCode == 0, "\(first.stderr)")
        let csv = ["findings.csv", "controls.csv", "inputs.csv", "activity-users.csv", "activity-service-accounts.csv",
                   "activity-source-ips.csv", "activity-namespaces.csv", "activity-resources.csv", "activity-verbs.csv",
                   "activity-response-codes.csv", "activity-user-agents.csv", "activity-hourly.csv", "activity-audit-levels.csv", "completeness.csv"]
        #expect(try Self.files(scratch.path("out")) == Set(["notes.txt", ".kubesift-output", "report.md", "manifest.json"] + csv))

        let second = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"), "--force",
                                             "--format", "json", "--format", "html"])
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(try Self.files(scratch.path("out"))
            == ["notes.txt", ".kubesift-output", "report.json", "findings.jsonl", "report.html", "manifest.json"])
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: scratch.path("out/manifest.json")))) as! [String: Any]
        let outputs = (manifest["outputs"] as! [[String: Any]]).map { $0["path"] as! String }
        #expect(outputs == ["findings.jsonl", "report.html", "report.json"])
        #expect((manifest["inputs"] as! [[String: Any]]).first?["path"] as? String == scratch.path("audit.log"))
    }

    @Test func anUnknownFormatIsAUsageError() throws {
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--format", "html,pdf"])
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains("--format `pdf`: formats are html, md, csv, json"))
    }

    @Test func templatesReplaceTheBuiltInOnesFileByFile() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z") + "\n")
        try scratch.write("mine/partials/md/closing.mustache", "Reviewed for ACME: report {{cover.reportID}}.\n")
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"), "--format", "md",
                                              "--templates", scratch.path("mine")])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let markdown = try String(contentsOfFile: scratch.path("out/report.md"), encoding: .utf8)
        #expect(markdown.contains("Reviewed for ACME: report "))
        #expect(markdown.contains("## 5. Findings"), "the other templates are the built-in ones")

        try scratch.write("broken/report.html.mustache", "<html>\n{{#cover}}\n")
        let broken = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out2"),
                                             "--templates", scratch.path("broken")])
        #expect(broken.exitCode == 64)
        #expect(broken.stderr.contains(
            "--templates: \(scratch.path("broken/report.html.mustache")): line 2, column 1: the section {{#cover}} is not closed"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out2")), "nothing is written")
    }
}
