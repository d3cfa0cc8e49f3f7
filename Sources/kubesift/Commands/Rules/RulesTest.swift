import ArgumentParser
import KubeSiftCore

extension KubeSift.Rules {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every rule's examples: events that must match, and events that must not.",
            discussion: "Without a folder, tests the built-in catalog. Exits 1 when an example fails.")

        @Argument(help: "A folder of rules to test, with the built-in ones they may build on.")
        var directory: String?

        @Option(help: "Only this rule (name or id). Repeatable.")
        var rule: [String] = []

        func run() throws {
            let ruleSet: RuleSet
            do {
                ruleSet = try RuleCatalog.ruleSet(extraPaths: directory.map { [$0] } ?? [], disabled: [])
            } catch {
                StandardError.write("kubesift: \(error)\n")
                throw KubeSiftExitCode.usage.exitCode
            }
            var only: Set<String>? = rule.isEmpty ? nil : Set(rule)
            if let directory, only == nil {
                only = Set(RuleLoader.load(path: directory).rules.map(\.metadata.id))
            }
            let outcome = RuleExampleRunner.run(ruleSet, only: only)
            for failure in outcome.failures { print("FAIL \(failure)") }
            for name in outcome.rulesWithoutExamples { print("NOTE rule `\(name)` has no examples") }
            print("\(outcome.examplesRun) examples, \(outcome.failures.count) failed")
            if !outcome.failures.isEmpty { throw KubeSiftExitCode.findingsOrFailures.exitCode }
        }
    }
}
