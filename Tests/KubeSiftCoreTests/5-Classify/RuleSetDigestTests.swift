import Testing
@testable import KubeSiftCore

/// The rule-set hash names exactly the rules that ran.
@Suite struct RuleSetDigestTests {
    static func rules(_ directory: TemporaryDirectory, _ paths: [String]) throws -> RuleSet {
        try RuleCatalog.ruleSet(extraPaths: paths.map(directory.path), disabled: [], includeBuiltIn: false)
    }

    @Test("Same rules, same hash, in whatever order they were loaded; one edited character changes it")
    func digest() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a/one.yml", RuleFixture.yaml(name: "one", detection: "sel:\n  verb: get\ncondition: sel"))
        try directory.write("b/two.yml", RuleFixture.yaml(name: "two", detection: "sel:\n  verb: list\ncondition: sel"))
        let forward = try Self.rules(directory, ["a", "b"]).sha256
        #expect(try Self.rules(directory, ["b", "a"]).sha256 == forward)
        #expect(forward.count == 64)
        try directory.write("b/two.yml", RuleFixture.yaml(name: "two", detection: "sel:\n  verb: lisT\ncondition: sel"))
        #expect(try Self.rules(directory, ["a", "b"]).sha256 != forward)
        #expect(try Self.rules(directory, ["a"]).sha256 != forward, "a rule left out changes it")
        #expect(try RuleCatalog.ruleSet(extraPaths: [], disabled: []).sha256
            == RuleCatalog.ruleSet(extraPaths: [], disabled: []).sha256)
    }

    @Test("A correlation's condition in one line")
    func conditionSummary() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let summaries = Dictionary(uniqueKeysWithValues: rules.correlations.map { ($0.rule.metadata.name, $0.rule.conditionSummary) })
        #expect(summaries["api-brute-force"] == "event_count >= 10 within 10m, grouped by sourceIPs")
        #expect(TimeWindow.durationText(TimeWindow.parseDuration("1d12h30s")!) == "1d12h30s")
    }
}
