import Foundation
import Testing

/// `kubesift rules …` and the rule options of `analyze`, through the real binary.
@Suite struct RulesCommandTests {
    /// The rule the README shows as "a rule you write", cut out of the README itself.
    static func readmeRule() throws -> String {
        let readme = try String(contentsOf: KubeSiftRunner.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "A rule you write:\n\n```yaml\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound])
    }

    @Test func theReadmeRuleValidatesAndPassesItsExamples() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("mine/ci-reads-secret.yml", try Self.readmeRule())
        let validate = try KubeSiftRunner.run(["rules", "validate", scratch.path("mine")])
        #expect(validate.exitCode == 0, "\(validate.stdout)")
        #expect(validate.stdout.contains("1 rules valid, 0 problems"))
        let test = try KubeSiftRunner.run(["rules", "test", scratch.path("mine")])
        #expect(test.exitCode == 0, "\(test.stdout)")
        #expect(test.stdout.contains("3 examples, 0 failed"))
    }

    @Test func validateReportsFileLineAndColumnAndExitsOne() throws {
        let scratch = try ScratchDirectory()
        let broken = try Self.readmeRule().replacingOccurrences(of: "user.username|startswith:", with: "user.username|beginswith:")
        let path = try scratch.write("bad/rule.yml", broken)
        let outcome = try KubeSiftRunner.run(["rules", "validate", path])
        #expect(outcome.exitCode == 1)
        #expect(outcome.stdout.contains("\(path):11:5: `user.username|beginswith`: unknown or unsupported modifier `beginswith`"),
                "\(outcome.stdout)")
    }

    @Test func aFailingExampleFailsTheTest() throws {
        let scratch = try ScratchDirectory()
        let wrong = try Self.readmeRule().replacingOccurrences(of: "responseStatus: {code: 403}", with: "responseStatus: {code: 200}")
        try scratch.write("mine/rule.yml", wrong)
        let outcome = try KubeSiftRunner.run(["rules", "test", scratch.path("mine")])
        #expect(outcome.exitCode == 1)
        #expect(outcome.stdout.contains("rule `ci-reads-secret`: this example should not match but does"))
    }

    @Test func addedRulesFindAndFailOnDecidesTheExitCode() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("mine/ci-reads-secret.yml", try Self.readmeRule())
        try scratch.write("logs/audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z",
                                                      user: "system:serviceaccount:ci:deployer", resource: "secrets") + "\n")
        let quiet = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("a"), "--no-builtin-rules",
                                            "--rules", scratch.path("mine"), "--fail-on", "critical"])
        #expect(quiet.exitCode == 0, "\(quiet.stderr)")
        let failing = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("b"), "--no-builtin-rules",
                                              "--rules", scratch.path("mine"), "--fail-on", "high"])
        #expect(failing.exitCode == 1)
        #expect(failing.stderr.contains("HIGH     Secret read by a CI identity — system:serviceaccount:ci:deployer"), "\(failing.stderr)")
        let findings = try String(contentsOfFile: scratch.path("b/findings.jsonl"), encoding: .utf8)
        #expect(findings.split(separator: "\n").count == 1)
        #expect(findings.contains(#""name":"ci-reads-secret""#))
        let disabled = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("c"), "--no-builtin-rules",
                                               "--rules", scratch.path("mine"), "--disable", "ci-reads-secret", "--fail-on", "info"])
        #expect(disabled.exitCode == 0)
        let unknown = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("d"), "--disable", "no-such-rule"])
        #expect(unknown.exitCode == 64)
        #expect(unknown.stderr.contains("no rule has the id or name `no-such-rule`"))
    }

    @Test func exportWritesTheCatalogThatLoadsBack() throws {
        let scratch = try ScratchDirectory()
        let export = try KubeSiftRunner.run(["rules", "export", scratch.path("catalog")])
        #expect(export.exitCode == 0)
        let list = try KubeSiftRunner.run(["rules", "list"])
        let count = list.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let reloaded = try KubeSiftRunner.run(["rules", "list", "--no-builtin-rules", "--rules", scratch.path("catalog")])
        #expect(reloaded.stdout.split(separator: "\n").last.map(String.init) == count)
        #expect(count.hasSuffix(" rules") && count != "0 rules")
        let show = try KubeSiftRunner.run(["rules", "show", "pod-exec-attach"])
        #expect(show.exitCode == 0)
        #expect(show.stdout.contains("name: pod-exec-attach"))
        #expect(show.stdout.contains("logsource:"))
    }
}
