import Foundation
import Testing

/// Replays the fuzz corpus and every crash the fuzzer found (`Fuzz/corpus/TARGET`,
/// `Fuzz/regressions/TARGET`) through `kubesift-fuzz TARGET FILE...`, the same code the libFuzzer
/// build runs (`scripts/fuzz.sh`): each must run to the end without a crash or a trap.
@Suite struct FuzzRegressionTests {
    static let targets = ["json", "event", "chunk", "envelope", "archive", "sigma", "policy"]

    @Test(.timeLimit(.minutes(2)), arguments: targets)
    func everyKeptInputRunsThroughItsTarget(_ target: String) throws {
        let fuzz = KubeSiftRunner.repositoryRoot.appendingPathComponent("Fuzz")
        let files = try ["corpus", "regressions"].flatMap { folder in
            let directory = fuzz.appendingPathComponent("\(folder)/\(target)")
            return try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0).path }
        }
        #expect(files.count >= 2, "the corpus of \(target) has seeds")
        let outcome = try KubeSiftRunner.run([target] + files, executable: "kubesift-fuzz")
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
    }

    @Test func anUnknownTargetIsAUsageError() throws {
        let outcome = try KubeSiftRunner.run(["yaml"], executable: "kubesift-fuzz")
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains("json|event|chunk|envelope|archive|sigma|policy"))
    }
}
