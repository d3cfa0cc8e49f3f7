import ArgumentParser
import KubeSiftCore

extension KubeSift.Rules {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule files: YAML, Sigma structure, fields, modifiers, conditions, references.",
            discussion: "Prints FILE:LINE:COLUMN: PROBLEM for each problem; exits 1 when there is one.")

        @Argument(help: "Rule files or folders.")
        var paths: [String]

        func run() throws {
            var problems: [RuleProblem] = []
            var definitions = RuleCatalog.builtIn().rules
            var count = 0
            for path in paths {
                let loaded = RuleLoader.load(path: path)
                problems += loaded.problems
                definitions += loaded.rules
                count += loaded.rules.count
            }
            if problems.isEmpty {
                do {
                    _ = try RuleSet(definitions)
                } catch {
                    problems.append(error)
                }
            }
            for problem in problems { print(problem) }
            print("\(count) rules valid, \(problems.count) problems")
            if !problems.isEmpty { throw KubeSiftExitCode.findingsOrFailures.exitCode }
        }
    }
}
