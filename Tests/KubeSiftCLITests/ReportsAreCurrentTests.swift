import Foundation
import Testing

/// reports/ holds the report of samples/ in every format, which the README points at; every file
/// must match what the tool writes today.
@Suite struct ReportsAreCurrentTests {
    @Test func theExampleReportMatchesAFreshAnalysisOfTheSamples() throws {
        let scratch = try ScratchDirectory()
        // The command line of scripts/update-reports.sh, exactly (the report records it), run in a
        // copy of samples/ so that the output goes to a reports/ of its own.
        try FileManager.default.copyItem(at: KubeSiftRunner.repositoryRoot.appendingPathComponent("samples"),
                                         to: scratch.url.appendingPathComponent("samples"))
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--cluster-from-dir", "--output-dir", "reports", "--force", "--progress", "never",
                                              "--quiet"],
                                             environment: ["SOURCE_DATE_EPOCH": "1795305600"], in: scratch.url)
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let committed = KubeSiftRunner.repositoryRoot.appendingPathComponent("reports")
        let fresh = try FileManager.default.contentsOfDirectory(atPath: scratch.path("reports")).sorted()
        let expected = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
        #expect(fresh == expected, "reports/ does not hold the files the tool writes: run scripts/update-reports.sh and commit the result")
        #expect(fresh.count > 15)
        for file in fresh where expected.contains(file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path("reports/" + file)))
            let stored = try Data(contentsOf: committed.appendingPathComponent(file))
            #expect(bytes == stored, "reports/\(file) is stale: run scripts/update-reports.sh and commit the result")
        }
    }
}
