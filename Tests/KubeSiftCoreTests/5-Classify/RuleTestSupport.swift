@testable import KubeSiftCore

/// Builds one-rule rule sets from a `detection:` block, and events from partial JSON, the way rule
/// examples are completed (see `docs/writing-rules.md`).
enum RuleFixture {
    static func yaml(name: String = "under-test", level: String = "high", detection: String) -> String {
        """
        title: Rule under test
        id: \(name)-id
        name: \(name)
        logsource:
          product: kubernetes
          service: audit
        level: \(level)
        detection:
        \(detection.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    static func ruleSet(_ documents: String...) throws -> RuleSet { try ruleSet(documents) }

    /// The rules of `documents`, each read as the file `test.yml`; the first problem is thrown.
    static func ruleSet(_ documents: [String]) throws -> RuleSet {
        var definitions: [RuleDefinition] = []
        for document in documents {
            let loaded = RuleLoader.load(yaml: document, origin: .file(path: "test.yml"))
            if let problem = loaded.problems.first { throw problem }
            definitions += loaded.rules
        }
        return try RuleSet(definitions)
    }

    static func detection(_ detection: String) throws -> RuleSet { try ruleSet(yaml(detection: detection)) }

    /// A complete event: the example defaults with `json` merged in.
    static func event(_ json: String, second: Int64 = 0) throws -> JSONValue {
        ExampleEvents.event(overrides: try JSONValue.parse(json), serial: Int(second) + 1,
                            time: Timestamp(microseconds: ExampleEvents.start.microseconds + second * 1_000_000))
    }

    /// Whether the one rule of `ruleSet` matches the event.
    static func matches(_ ruleSet: RuleSet, _ json: String) throws -> Bool {
        !RuleExampleRunner.matchingRules(for: try event(json), ruleSet: ruleSet).isEmpty
    }

    /// The problems loading `yaml` reports.
    static func problems(_ yaml: String) -> [FileProblem] {
        RuleLoader.load(yaml: yaml, origin: .file(path: "bad.yml")).problems
    }
}
