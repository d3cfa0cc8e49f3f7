import Foundation
import Testing
@testable import KubeSiftCore

@Suite("The built-in catalog")
struct BuiltInCatalogTests {
    static let loaded = RuleCatalog.builtIn()

    @Test("Every built-in rule file loads without a problem")
    func loads() {
        #expect(Self.loaded.problems.isEmpty, "\(Self.loaded.problems)")
        #expect(Self.loaded.rules.count >= 60)
    }

    @Test("An analysis loads the same rules without their examples, and they match the examples alike")
    func examplesAreOptional() throws {
        let lean = RuleCatalog.builtIn(examples: false)
        #expect(lean.problems.isEmpty)
        #expect(lean.rules.map(\.metadata.id) == Self.loaded.rules.map(\.metadata.id))
        #expect(lean.rules.allSatisfy { $0.metadata.examples.match.isEmpty && $0.metadata.examples.noMatch.isEmpty })
        // The examples' lines are emptied, not removed: a rule after them is still found on its line.
        #expect(lean.rules.map(\.metadata.line) == Self.loaded.rules.map(\.metadata.line))
        #expect(lean.rules.map(\.metadata.controls) == Self.loaded.rules.map(\.metadata.controls))
        for file in RuleCatalog.builtInFiles {
            #expect(!RuleCatalog.blankingExamples(file.text).contains("examples:"), "\(file.path): its examples are still parsed")
        }
        let full = try RuleSet(Self.loaded.rules)
        let leanSet = try RuleSet(lean.rules)
        for rule in full.detections {
            for example in rule.metadata.examples.match + rule.metadata.examples.noMatch {
                for event in example.events {
                    #expect(RuleExampleRunner.matchingRules(for: event, ruleSet: full) == RuleExampleRunner.matchingRules(for: event, ruleSet: leanSet),
                            "\(rule.metadata.name) line \(example.line)")
                }
            }
        }
    }

    @Test("Blanking the examples empties their block, comments and all, and nothing after it")
    func blankingExamples() {
        let text = """
            title: one
            kubesift:
              category: admin-activity
              examples:
                match:
                  - verb: delete
              # between the lists
                no-match:

                  - verb: get
              audit-level: Metadata
            ---
            title: two
            """
        let blanked = RuleCatalog.blankingExamples(text).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(blanked.count == text.split(separator: "\n", omittingEmptySubsequences: false).count)
        #expect(blanked.filter { !$0.isEmpty }
            == ["title: one", "kubesift:", "  category: admin-activity", "  audit-level: Metadata", "---", "title: two"])
        // Written another way (a flow mapping on the key's line), the block is left for the parser.
        let flow = "kubesift:\n  examples: {match: []}\n"
        #expect(RuleCatalog.blankingExamples(flow) == flow)
    }

    @Test("Every built-in rule says what it is: a UUID, a unique name, its category and level, and examples both ways")
    func metadataIsComplete() throws {
        let uuid = try NSRegularExpression(pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        var names = Set<String>()
        var ids = Set<String>()
        for rule in Self.loaded.rules {
            let meta = rule.metadata
            #expect(uuid.firstMatch(in: meta.id, range: NSRange(meta.id.startIndex..., in: meta.id)) != nil, "\(meta.name): id \(meta.id)")
            #expect(names.insert(meta.name).inserted, "duplicate name \(meta.name)")
            #expect(ids.insert(meta.id).inserted, "duplicate id \(meta.id)")
            #expect(meta.name != meta.id, "\(meta.id) has no name")
            #expect(!(meta.description ?? "").isEmpty, "\(meta.name) has no description")
            #expect(!meta.falsePositives.isEmpty, "\(meta.name) names no false positives")
            #expect(!meta.examples.match.isEmpty && !meta.examples.noMatch.isEmpty, "\(meta.name) lacks examples")
            let folder = URL(fileURLWithPath: meta.origin.path).deletingLastPathComponent().lastPathComponent
            #expect(folder == meta.category.rawValue, "\(meta.name) is in \(folder) but says \(meta.category.rawValue)")
            if case .detection = rule { #expect(!meta.attackTechniques.isEmpty || meta.severity <= .low, "\(meta.name): no ATT&CK") }
        }
    }

    @Test("Every category has rules")
    func categoriesCovered() {
        let used = Set(Self.loaded.rules.map(\.metadata.category))
        #expect(Set(RuleCategory.allCases).subtracting(used).isEmpty, "\(Set(RuleCategory.allCases).subtracting(used))")
    }

    @Test("No built-in rule reads a field outside the audit event (a misspelt path would match nothing)")
    func fieldsExist() {
        for case let .detection(rule) in Self.loaded.rules {
            for selection in rule.detection.selections {
                for condition in selection.alternatives.joined() {
                    for source in condition.sources {
                        if case let .body(.event, path) = source {
                            Issue.record("\(rule.metadata.name): `\(condition.written)` reads `\(path.joined(separator: "."))`")
                        }
                    }
                }
            }
        }
    }

    @Test("Every example does what its rule says")
    func examplesPass() throws {
        let ruleSet = try RuleSet(Self.loaded.rules)
        let outcome = RuleExampleRunner.run(ruleSet)
        #expect(outcome.failures.isEmpty, "\(outcome.failures.map(\.description).joined(separator: "\n"))")
        #expect(outcome.rulesWithoutExamples.isEmpty)
        #expect(outcome.examplesRun >= 4 * Self.loaded.rules.count)
    }
}
