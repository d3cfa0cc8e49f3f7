import ArgumentParser
import KubeSiftCore

extension KubeSift.Rules {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule files: YAML, Sigma structure, fields, modifiers, conditions, references, controls.",
            discussion: "Prints FILE:LINE:COLUMN: PROBLEM for each problem; exits 1 when there is one.")

        @Argument(help: "Rule files or folders.")
        var paths: [String]

        @OptionGroup var catalogs: ControlCatalogOptions

        func run() throws {
            var problems: [FileProblem] = []
            var definitions = RuleCatalog.builtIn().rules
            let library = try catalogs.library()
            var count = 0
            for path in paths {
                let loaded = RuleLoader.load(path: path)
                problems += loaded.problems + library.problems(in: loaded.rules)
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
