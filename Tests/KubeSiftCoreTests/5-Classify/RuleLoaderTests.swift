import Testing
@testable import KubeSiftCore

@Suite("Rule files: loading, conditions and problems with line and column")
struct RuleLoaderTests {
    @Test("Conditions: not binds tighter than and, and tighter than or; parentheses; 1 of / all of / them")
    func conditionPrecedence() throws {
        let names = ["a", "b", "c", "sel_x", "sel_y", "_hidden"]
        func parse(_ text: String) throws -> ConditionExpression {
            var parser = try ConditionParser(text, selectionNames: names)
            return try parser.parse()
        }
        #expect(try parse("a or b and not c") == .or([.selection(0), .and([.selection(1), .not(.selection(2))])]))
        #expect(try parse("(a or b) and c") == .and([.or([.selection(0), .selection(1)]), .selection(2)]))
        #expect(try parse("1 of sel_*") == .or([.selection(3), .selection(4)]))
        #expect(try parse("all of sel_* and not a") == .and([.and([.selection(3), .selection(4)]), .not(.selection(0))]))
        #expect(try parse("1 of them") == .or([0, 1, 2, 3, 4].map(ConditionExpression.selection)))
        for bad in ["a and", "(a or b", "a b", "nope", "1 of zzz*", "a | count() > 5", ""] {
            #expect(throws: ConditionParser.Failure.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test("A problem names the file, line and column of what is wrong")
    func problemLocations() {
        let unknownModifier = RuleFixture.problems(RuleFixture.yaml(detection: """
            selection:
              verb|containz: get
            condition: selection
            """))
        #expect(unknownModifier.map(\.line) == [10])
        #expect(unknownModifier.map(\.column) == [5])
        #expect(unknownModifier.first?.message.contains("containz") == true)

        let badCondition = RuleFixture.problems(RuleFixture.yaml(detection: "selection:\n  verb: get\ncondition: selection and"))
        #expect(badCondition.first?.line == 11)
        #expect(badCondition.first?.message.hasPrefix("condition:") == true)

        let yamlError = RuleFixture.problems("title: x\nid: y\ndetection:\n  sel: [a\n")
        #expect(yamlError.count == 1)
        #expect(yamlError.first?.message.hasPrefix("YAML:") == true)
        #expect((yamlError.first?.line ?? 0) >= 4)

        let wrongLog = RuleFixture.problems("""
            title: x
            id: y
            logsource:
              product: windows
              service: security
            detection:
              sel:
                EventID: 4625
              condition: sel
            """)
        #expect(wrongLog.first?.line == 4)
        #expect(wrongLog.first?.message.contains("kubernetes") == true)

        let badCIDR = RuleFixture.problems(RuleFixture.yaml(detection: "sel:\n  sourceIPs|cidr: 10.0.0.0/99\ncondition: sel"))
        #expect(badCIDR.first?.line == 10)
        #expect(badCIDR.first?.column == 21)
    }

    @Test("A file with several documents loads each; a bad one does not stop the others")
    func multipleDocuments() {
        let text = RuleFixture.yaml(name: "good", detection: "sel:\n  verb: get\ncondition: sel")
            + "\n---\n" + RuleFixture.yaml(name: "bad", detection: "sel:\n  verb|nope: get\ncondition: sel")
            + "\n---\n" + RuleFixture.yaml(name: "also-good", detection: "sel:\n  verb: list\ncondition: sel")
        let loaded = RuleLoader.load(yaml: text, origin: .file(path: "multi.yml"))
        #expect(loaded.rules.map(\.metadata.name) == ["good", "also-good"])
        #expect(loaded.problems.count == 1)
        #expect(loaded.problems.first?.line == 22)
    }

    @Test("A later rule with the same id or name replaces an earlier one; disabling by name or id")
    func overridesAndDisable() throws {
        let first = RuleLoader.load(yaml: RuleFixture.yaml(name: "r", level: "low", detection: "sel:\n  verb: get\ncondition: sel"),
                                    origin: .builtIn(path: "rules/r.yml")).rules
        let second = RuleLoader.load(yaml: RuleFixture.yaml(name: "r", level: "critical", detection: "sel:\n  verb: list\ncondition: sel"),
                                     origin: .file(path: "mine/r.yml")).rules
        let merged = try RuleSet(first + second)
        #expect(merged.detections.count == 1)
        #expect(merged.detections[0].metadata.severity == .critical)
        #expect(try RuleSet(first + second, disabled: ["r-id"]).detections.isEmpty)
        #expect(throws: FileProblem.self) { try RuleSet(first, disabled: ["no-such-rule"]) }
    }

    @Test("Correlations: unknown base rules are refused; a disabled base rule takes its correlation with it")
    func correlationReferences() throws {
        let base = RuleFixture.yaml(name: "failed", detection: "sel:\n  responseStatus.code: 401\ncondition: sel")
        let correlation = """
            title: Many failures
            id: many-id
            name: many
            correlation:
              type: event_count
              rules: [failed]
              group-by: [sourceIPs]
              timespan: 10m
              condition: {gte: 3}
            level: high
            """
        let loaded = RuleLoader.load(yaml: base + "\n---\n" + correlation, origin: .file(path: "c.yml"))
        #expect(loaded.problems.isEmpty)
        let set = try RuleSet(loaded.rules)
        #expect(set.correlations.count == 1)
        #expect(set.generatesFindings == [false])
        #expect(try RuleSet(loaded.rules, disabled: ["failed"]).correlations.isEmpty)
        let orphan = RuleLoader.load(yaml: correlation, origin: .file(path: "o.yml")).rules
        #expect(throws: FileProblem.self) { try RuleSet(orphan) }
    }

    @Test("Examples are completed from the defaults, repeated and spaced in time")
    func exampleExpansion() throws {
        let text = RuleFixture.yaml(detection: "sel:\n  verb: get\ncondition: sel") + """

            kubesift:
              version: 3
              category: secret-access
              audit-level: Request
              examples:
                match:
                  - {verb: get, objectRef: {resource: secrets, namespace: shop, name: db}, userAgent: null}
                no-match:
                  - {verb: list}
            """
        let loaded = RuleLoader.load(yaml: text, origin: .file(path: "e.yml"))
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let meta = try #require(loaded.rules.first?.metadata)
        #expect(meta.version == 3)
        #expect(meta.category == .secretAccess)
        #expect(meta.auditLevel == .request)
        let event = try #require(meta.examples.match.first?.events.first)
        #expect(event["requestURI"]?.stringValue == "/api/v1/namespaces/shop/secrets/db")
        #expect(event["userAgent"] == nil)
        #expect(event["stage"]?.stringValue == "ResponseComplete")

        let repeated = try ExampleEvents.read(
            try #require(try Yams.compose(yaml: "match:\n  - - {verb: get, x-repeat: 3, x-every: 2m}\n    - {verb: list}")),
            sequences: true, context: { _, message in FileProblem(file: "", line: 0, column: 0, message: message) })
        let times = repeated.match[0].events.compactMap { $0["requestReceivedTimestamp"]?.stringValue }
        #expect(times == ["2026-11-20T10:00:00.000000Z", "2026-11-20T10:02:00.000000Z", "2026-11-20T10:04:00.000000Z",
                          "2026-11-20T10:06:00.000000Z"])
        #expect(Set(repeated.match[0].events.compactMap { $0["auditID"]?.stringValue }).count == 4)
    }
}

import Yams

@Suite("Plain scalars are typed as Yams' default resolver types them")
struct PlainScalarTests {
    @Test("Each value gets the type of YAML's core schema (sexagesimal and timestamps stay text)",
          arguments: [
              "", "~", "null", "NULL", "Null", "nil", "true", "False", "yes", "NO", "on", "OFF", "y", "0", "-0", "+12",
              "1_000", "0755", "0o17", "0x1F", "0b101", "0b2", "0x", "09", "1.5", "-1.5e3", "1e5", "1.", ".5", "-.5",
              ".5e+3", ".5e3", ".inf", "-.Inf", ".NaN", "+.nan", "1e", "e5", "abc", "1.2.3", "10.0.0.0/8", "v1", "+",
              "3f", "1_", "_1",
          ])
    func agreesWithYams(text: String) throws {
        let node = try #require(try Yams.compose(yaml: "value: \(text)")?["value"])
        let scalar = try #require(node.scalar)
        let expected: PlainScalar = switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .float: .float
        default: .string
        }
        #expect(PlainScalar(scalar) == expected)
    }

    @Test("Quoted scalars are text whatever they hold")
    func quoted() throws {
        let node = try #require(try Yams.compose(yaml: "value: 'true'")?["value"]?.scalar)
        #expect(PlainScalar(node) == .string)
    }
}
