import ArgumentParser
import Foundation
import KubeSiftCore

extension KubeSift.Policy {
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report the detection rules an audit policy blinds, and its common mistakes.",
            discussion: """
                Runs the policy, first match winning as in kube-apiserver, over a grid of typical \
                requests (common resources and verbs, by a person, a service account, a node and an \
                anonymous client), and reports: the rules whose requests are all logged below the \
                level they need; Secrets, TokenRequest responses or TokenReviews logged with their \
                bodies (errors), ConfigMaps too (a warning); no catch-all rule; omitStages hiding ResponseStarted of exec, \
                attach and port-forward, or ResponseComplete; level None on requests an audit needs; \
                rules an earlier rule shadows.

                EXIT CODES:
                  0   no rule blinded and no error (warnings may be printed)
                  1   the policy blinds a rule or has an error
                  64  the file cannot be read or is not an audit policy
                """)

        @Argument(help: "The policy file (the one given to --audit-policy-file).")
        var policy: String

        @Flag(help: "Print the result as JSON on stdout.")
        var json = false

        @OptionGroup(title: "Detection rules") var rules: RuleOptions

        func run() throws {
            let parsed: AuditPolicy
            do {
                parsed = try AuditPolicy.load(path: policy)
            } catch {
                StandardError.write("kubesift: \(error)\n")
                throw KubeSiftExitCode.usage.exitCode
            }
            let result = AuditPolicyLint.lint(parsed, file: policy, ruleSet: try rules.ruleSet(builtInExamples: false))
            if json {
                FileHandle.standardOutput.write(Data(try SortedJSONEncoder(prettyPrinted: true).encode(result) + [0x0A]))
            } else {
                print(Self.text(result), terminator: "")
            }
            if !result.blindedRules.isEmpty || result.issues.contains(where: { $0.severity == .error }) {
                throw KubeSiftExitCode.findingsOrFailures.exitCode
            }
        }

        static func text(_ result: AuditPolicyLint) -> String {
            var lines: [String] = []
            for issue in result.issues {
                let place = issue.line.map { "\(result.file):\($0)" } ?? result.file
                lines.append("\(place): \(issue.severity.rawValue): \(issue.rule.map { "rule \($0) " } ?? "")\(issue.message) [\(issue.check)]")
            }
            for rule in result.blindedRules {
                lines.append("\(result.file): blinds \(rule.name) (needs \(rule.needs.rawValue)): \(rule.reason)")
            }
            let errors = result.issues.filter { $0.severity == .error }.count
            lines.append("\(result.rules) policy rules; \(result.blindedRules.count) detection rules blinded, "
                + "\(errors) errors, \(result.issues.count - errors) warnings")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
