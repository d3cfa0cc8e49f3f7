import Testing
@testable import KubeSiftCore

/// What the audit levels seen in a log, per resource and verb, leave the built-in rules and the
/// controls able to see: analysed from events whose levels the tests chose.
struct PolicyCoverageTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func analyze(_ lines: [EventLine]) throws -> AnalysisResult {
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let library = try ControlLibrary.load(extraPaths: [])
        return Analysis.run([path]) {
            $0.rules = rules
            $0.compliance = ComplianceConfiguration(library: library)
        }
    }

    /// Pods created and read, and secrets read, every event at `level`, or pod reads at `readLevel`.
    private func podTraffic(level: String, readLevel: String? = nil) -> [EventLine] {
        (0..<30).map { number in
            var event = EventLine(number: number)
            event.level = level
            switch number % 3 {
            case 0: event.verb = "create"
            case 1: event.verb = "get"; event.level = readLevel ?? level
            default: event.verb = "get"; event.resource = "secrets"
            }
            return event
        }
    }

    private func blindReason(_ result: AnalysisResult, _ rule: String) -> String? {
        result.compliance?.blindRules.first { $0.name == rule }?.reason
    }

    @Test func aMetadataOnlyLogMakesThePrivilegedPodRuleBlindAndItsControlsPartiallyAssessable() throws {
        let result = try analyze(podTraffic(level: "Metadata"))
        #expect(blindReason(result, "pod-privileged-container") == "pods logged below Request only; it needs Request")
        // The controls it maps to lose part of their evidence: none of them can be free of exceptions.
        let controls = (result.compliance?.frameworks ?? []).flatMap { $0.families.flatMap(\.controls) }
        let relying = controls.filter { $0.blindRules.contains("pod-privileged-container") }
        #expect(!relying.isEmpty)
        #expect(relying.allSatisfy { $0.status == .partiallyAssessable || $0.status == .blind || $0.status == .exceptionsFound })
        #expect(relying.allSatisfy { $0.status != .partiallyAssessable || $0.reason.contains("pod-privileged-container") })

        // At Request, it sees.
        #expect(blindReason(try analyze(podTraffic(level: "Request")), "pod-privileged-container") == nil)
    }

    @Test func podReadsAtRequestDoNotLetARuleOnPodWritesSee() throws {
        let result = try analyze(podTraffic(level: "Metadata", readLevel: "Request"))
        #expect(result.activity.verbLevels["pods"]?["create"] == LevelCounts(metadata: 10))
        #expect(result.activity.verbLevels["pods"]?["get"] == LevelCounts(request: 10))
        #expect(blindReason(result, "pod-privileged-container") == "create pods logged below Request only; it needs Request")
    }
}
