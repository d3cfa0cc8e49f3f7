import ArgumentParser
import KubeSiftCore

/// Which detection rules a command works with.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp(
        "A folder (or file) of Sigma rules to add; a rule with the id or name of a built-in one replaces it. Repeatable.",
        valueName: "dir"))
    var rulePaths: [String] = []

    @Option(help: ArgumentHelp("Rule ids or names to leave out, comma-separated. Repeatable.", valueName: "id,..."))
    var disable: [String] = []

    @Flag(help: "Leave out the built-in catalog: run only the rules given with --rules.")
    var noBuiltinRules = false

    var disabled: Set<String> {
        Set(disable.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// The rules, or a usage error naming the file, line and column of the first problem.
    /// `builtInExamples: false` when the command does not show or run the examples.
    func ruleSet(builtInExamples: Bool = true) throws -> RuleSet {
        do {
            return try RuleCatalog.ruleSet(extraPaths: rulePaths, disabled: disabled, includeBuiltIn: !noBuiltinRules,
                                           builtInExamples: builtInExamples)
        } catch {
            StandardError.write("kubesift: \(error)\n")
            throw KubeSiftExitCode.usage.exitCode
        }
    }
}

extension Severity: ExpressibleByArgument {}

import Foundation
