import Foundation
import Testing

/// reports/ holds the report and findings of samples/ that the README points at; they must match
/// what the tool writes today.
@Suite struct ReportsAreCurrentTests {
    @Test func theExampleReportMatchesAFreshAnalysisOfTheSamples() throws {
        let scratch = try ScratchDirectory()
        // The same command and generation time as scripts/update-reports.sh.
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--cluster-from-dir", "--output-dir", scratch.path("out"),
                                              "--progress", "never", "--quiet"],
                                             environment: ["SOURCE_DATE_EPOCH": "1795305600"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        for file in ["report.json", "findings.jsonl"] {
            let fresh = try Data(contentsOf: URL(fileURLWithPath: scratch.path("out/" + file)))
            let committed = try Data(contentsOf: KubeSiftRunner.repositoryRoot.appendingPathComponent("reports/" + file))
            #expect(fresh == committed, "reports/\(file) is stale: run scripts/update-reports.sh and commit the result")
        }
    }
}
