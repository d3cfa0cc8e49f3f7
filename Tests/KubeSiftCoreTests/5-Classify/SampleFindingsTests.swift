import Foundation
import Testing
@testable import KubeSiftCore

/// The bundled samples against the built-in catalog: `samples/.truth.json` (written by
/// `scripts/generate-samples.py`, not by this code) lists the planted suspicious requests.
@Suite("Built-in catalog on the samples")
struct SampleFindingsTests {
    struct Truth: Decodable {
        struct Planted: Decodable {
            var id: String
            var auditIDs: [String]
        }

        var planted: [Planted]
        /// Each cluster of the samples, and how many days after shop-prod it replays the incidents.
        var clusters: [String: Int]
    }

    /// The rules each planted scenario must at least trigger, between them covering all its requests.
    static let expected: [String: Set<String>] = [
        "privileged-daemonset": ["pod-privileged-container", "pod-host-pid", "pod-host-network", "pod-sensitive-hostpath"],
        "exec-into-pod": ["pod-exec-attach"],
        "secret-sweep": ["secret-enumeration-burst"],
        "brute-force-401": ["api-brute-force"],
        "wildcard-clusterrole": ["role-wildcard", "binding-to-serviceaccount"],
        "webhook-failurepolicy-ignore": ["webhook-failure-policy-ignore", "admission-webhook-change"],
    ]

    static func analyze() throws -> (Truth, [Finding]) {
        let truthURL = URL(fileURLWithPath: Peers.samples).appendingPathComponent(".truth.json")
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: truthURL))
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let result = Analysis.run([Peers.samples]) { $0.rules = rules }
        return (truth, result.findings)
    }

    @Test("Every planted scenario is found by its rule")
    func plantedAreFound() throws {
        let (truth, findings) = try Self.analyze()
        for planted in truth.planted {
            let rules = try #require(Self.expected[planted.id], "no expectation for \(planted.id)")
            for rule in rules {
                #expect(findings.contains { $0.rule.name == rule && !Set($0.auditIDs).isDisjoint(with: planted.auditIDs) },
                        "\(planted.id): \(rule) found nothing")
            }
            let covered = Set(findings.filter { rules.contains($0.rule.name) }.flatMap(\.auditIDs))
            #expect(Set(planted.auditIDs).isSubset(of: covered), "\(planted.id): \(rules) cover \(covered.count) of \(planted.auditIDs.count)")
        }
        // One brute force per cluster, all 40 requests each; shop-prod's straddles a rotation.
        let bruteForce = findings.filter { $0.rule.name == "api-brute-force" }
        #expect(bruteForce.map(\.count) == Array(repeating: 40, count: truth.clusters.count))
        let prod = bruteForce.filter { $0.evidence.allSatisfy { $0.file.contains("/shop-prod/") } }
        #expect(prod.count == 1)
        #expect(Set(prod.flatMap(\.evidence).map { URL(fileURLWithPath: $0.file).lastPathComponent }).count == 2)
    }

    @Test("Nothing is found on the benign traffic")
    func benignIsQuiet() throws {
        let (truth, findings) = try Self.analyze()
        let planted = Set(truth.planted.flatMap(\.auditIDs))
        let stray = findings.filter { !Set($0.auditIDs).isSubset(of: planted) }
        #expect(stray.isEmpty, "\(stray.map { "\($0.rule.name): \($0.request.username ?? "-") \($0.request.verb ?? "") \($0.request.resource ?? "") \($0.auditIDs.first ?? "")" })")
    }

    @Test("Finding ids are unique, and the same when the samples are read from another place")
    func idsUniqueAndPlaceIndependent() throws {
        let (_, findings) = try Self.analyze()
        #expect(Set(findings.map(\.id)).count == findings.count)
        let copy = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: Peers.samples, toPath: copy.path("moved"))
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let moved = Analysis.run([copy.path("moved")]) { $0.rules = rules }.findings
        #expect(moved.map(\.id) == findings.map(\.id))
        #expect(moved.first?.evidence.first?.file != findings.first?.evidence.first?.file)
    }
}
