import Foundation
import Testing

/// reports/ holds the report of samples/ that the README points at; it must match what the tool
/// writes today.
@Suite struct ReportsAreCurrentTests {
    @Test func theExampleReportMatchesAFreshAnalysisOfTheSamples() throws {
        let scratch = try ScratchDirectory()
        // The same command and generation time as scripts/update-reports.sh.
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--output-dir", scratch.path("out"),
                                              "--progress", "never", "--quiet"],
                                             environment: ["SOURCE_DATE_EPOCH": "1795305600"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let fresh = try Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json")))
        let committed = try Data(contentsOf: KubeSiftRunner.repositoryRoot.appendingPathComponent("reports/report.json"))
        #expect(fresh == committed, "reports/report.json is stale: run scripts/update-reports.sh and commit the result")
    }
}
