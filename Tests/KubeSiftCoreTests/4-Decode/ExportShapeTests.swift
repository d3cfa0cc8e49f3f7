import Foundation
import Testing
@testable import KubeSiftCore

/// The same events in every export shape KubeSift reads (written by ``ExportShape`` from the shapes'
/// documentation): each decodes to every event, with its format, and the same incident gives the same
/// findings and statistics whichever shape it came in.
@Suite struct ExportShapeTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func analyze(_ shape: ExportShape, _ lines: [String], rules: RuleSet = .empty) throws -> (String, AnalysisResult) {
        let path = try directory.write("\(shape)/\(shape.fileName)", bytes: shape.file(lines))
        return (path, Analysis.run([path]) { $0.rules = rules })
    }

    @Test(arguments: ExportShape.allCases)
    func everyEventOfTheShapeIsReadWithItsFormat(_ shape: ExportShape) throws {
        let lines = ExportScenario.lines
        let (path, result) = try analyze(shape, lines)
        let input = try #require(result.input(path))
        #expect(input.eventsRead == lines.count)
        #expect(input.formats == [shape.format: lines.count])
        #expect(input.skipped.isEmpty)
        #expect(result.totals.distinctRequests == lines.count)
        // Firehose's health check is passed over, not counted as a skipped record.
        #expect(input.passedOver == (shape == .eksFirehose ? [.controlMessage: 1] : [:]))
        #expect(!result.isPartial)
    }

    @Test func oneIncidentInEveryShapeGivesTheSameFindingsAndStatistics() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let lines = ExportScenario.lines
        func withoutEvidence(_ findings: [Finding]) -> [Finding] {
            findings.map {
                var finding = $0
                finding.evidence = []
                return finding
            }
        }
        let (_, native) = try analyze(.native, lines, rules: rules)
        let expected = withoutEvidence(native.findings)
        // The incident is found at all (the comparison below is not between two empty lists).
        let names = Set(expected.map(\.rule.name))
        for rule in ["pod-privileged-container", "pod-host-pid", "pod-exec-attach", "secret-enumeration-burst",
                     "api-brute-force", "role-wildcard"] {
            #expect(names.contains(rule), "native: \(rule) missing from \(names.sorted())")
        }
        for shape in ExportShape.allCases where shape != .native {
            let (_, result) = try analyze(shape, lines, rules: rules)
            #expect(withoutEvidence(result.findings) == expected, "\(shape): findings differ")
            #expect(result.activity.dimensions == native.activity.dimensions, "\(shape): activity differs")
            #expect(result.activity.hourly == native.activity.hourly, "\(shape): hourly activity differs")
            #expect(result.totals.eventsRead == native.totals.eventsRead, "\(shape)")
            #expect(result.totals.distinctRequests == native.totals.distinctRequests, "\(shape)")
            #expect(result.totals.firstEvent == native.totals.firstEvent, "\(shape)")
            #expect(result.totals.lastEvent == native.totals.lastEvent, "\(shape)")
        }
    }

    @Test func aShapeCopiedNextToTheNativeLogIsTheSameRequests() throws {
        // The same events, once from the apiserver's file and once through a shipper or a cloud export
        // that keeps the event as written: every copy is a duplicate (auditID and stage agree).
        let lines = ExportScenario.lines
        for shape in [ExportShape.eksFirehose, .aks, .fluentBit, .vector, .filebeat, .cri, .docker, .syslog] {
            let native = try directory.write("pair-\(shape)/audit.log", bytes: ExportShape.native.file(lines))
            let copy = try directory.write("pair-\(shape)/\(shape.fileName)", bytes: shape.file(lines))
            let result = Analysis.run([native, copy])
            #expect(result.totals.eventsRead == 2 * lines.count, "\(shape)")
            #expect(result.totals.duplicateEvents == lines.count, "\(shape)")
            #expect(result.totals.distinctRequests == lines.count, "\(shape)")
        }
    }
}
