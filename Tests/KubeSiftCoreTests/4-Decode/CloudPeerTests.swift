import Foundation
import Testing
@testable import KubeSiftCore

/// Other projects' published audit material through the cloud readers, with the facts their READMEs
/// state. The files stay in `../shared/peers/`; each test skips when its folder is absent.
@Suite struct CloudPeerTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    // MARK: - GoogleCloudPlatform/khi (Apache-2.0), test/logs/{k8s_audit,gke_audit,oss} at 6d543af9
    // ../shared/peers/GoogleCloudPlatform-khi/json/ holds the JSON conversion of each YAML fixture;
    // the expected values are that folder's README ("Expected outcomes").

    static let khi = "GoogleCloudPlatform-khi/json"

    @Test(.enabled(if: Peers.exists(khi), "peer material ../shared/peers/\(khi) is absent"))
    func khisGKEEntriesGiveTheFieldValuesItsReadmeLists() throws {
        let created = try #require(Analysis.events(Peers.path("\(Self.khi)/k8s_audit__container_recorder_test_1_1.json")).first)
        #expect(created.format == .gke)
        #expect(created.verb == "create")
        #expect(created.objectRef?.resource == "pods")
        #expect(created.objectRef?.namespace == "1-2-deployment-update")
        #expect(created.objectRef?.name == "nginx-deployment-surge-8655b4b8c5-xf5f4")
        #expect(created.objectRef?.apiGroup == nil, "core")
        #expect(created.objectRef?.apiVersion == "v1")
        #expect(created.user.username == "system:serviceaccount:kube-system:replicaset-controller")
        #expect(created.responseCode == 201, "gRPC 0 on a create")
        #expect(created.requestObject?["kind"]?.stringValue == "Pod")
        #expect(created.responseObject?["kind"]?.stringValue == "Pod")
        for name in ["k8s_audit__container_recorder_test_1_2.json", "k8s_audit__container_recorder_test_1_3.json"] {
            let patched = try #require(Analysis.events(Peers.path("\(Self.khi)/\(name)")).first)
            #expect(patched.verb == "patch", "\(name)")
            #expect(patched.objectRef?.resource == "pods", "\(name)")
            #expect(patched.objectRef?.subresource == "status", "\(name)")
            #expect(patched.user.username?.hasPrefix("system:node:") == true, "\(name)")
        }
    }

    @Test(.enabled(if: Peers.exists(khi), "peer material ../shared/peers/\(khi) is absent"))
    func khisControlPlaneEntriesAndManifestsAreNotAuditEvents() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let result = Analysis.run([Peers.path(Self.khi)]) { $0.rules = rules }
        // Three GKE audit entries and the one native event (oss/test-log) are events.
        #expect(result.totals.eventsRead == 4)
        #expect(result.inputs.reduce(into: [:]) { $0.merge($1.formats, uniquingKeysWith: +) } == [.gke: 3, .native: 1])
        // `gke_audit/*`: nine container.googleapis.com operations, listed apart and not as requests.
        #expect(result.totals.cloudOperations == 9)
        #expect(result.cloudOperations.count == 9)
        #expect(Set(result.cloudOperations.compactMap(\.method)) == [
            "google.container.v1.ClusterManager.CreateCluster", "google.container.v1.ClusterManager.DeleteCluster",
            "google.container.v1.ClusterManager.CreateNodePool", "google.container.v1.ClusterManager.DeleteNodePool",
        ])
        #expect(result.cloudOperations.allSatisfy { $0.service == "container.googleapis.com" })
        #expect(result.cloudOperations.contains { $0.statusCode == 3 }, "cluster_creation_started_with_error")
        #expect(result.activity.dimensions[.user]?.keys.contains { $0.contains("@") } == false,
                "no cloud operation is counted as a request")
        // The Pod manifests KHI reconstructs are not audit entries.
        #expect(result.skipped[.notAuditEvent]?.count == 3)
        #expect(result.totals.recordsPassedOver == 9)
        // "None of the security rules should fire (no privileged container, no hostPath, no hostNetwork)."
        #expect(result.findings.isEmpty, "\(result.findings.map(\.rule.name))")
    }

    // MARK: - liggitt/audit2rbac (Apache-2.0), testdata/demo.log, first version (commit 501d132)
    // The README's numbers: 757 events of 437 requests; 256×200, 90×404, 80×201, 11×403.

    static let audit2rbac = "liggitt-audit2rbac/commit-501d132/demo.log"

    static let codes = ["200": 256, "404": 90, "201": 80, "403": 11]

    /// The demo log's lines (those `keep` keeps) written in `shape`, and their analysis.
    private func analyzeDemoLog(as shape: ExportShape, keep: (String) -> Bool = { _ in true }) throws -> (String, AnalysisResult) {
        let lines = try String(contentsOfFile: Peers.path(Self.audit2rbac), encoding: .utf8).split(separator: "\n")
            .map(String.init).filter(keep)
        let path = try directory.write("\(shape)/\(shape.fileName)", bytes: shape.file(lines))
        let result = Analysis.run([path])
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.activity.dimensions[.responseCode]?.mapValues(\.requests) == Self.codes)
        return (path, result)
    }

    @Test(.enabled(if: Peers.exists(audit2rbac), "peer material ../shared/peers/\(audit2rbac) is absent"),
          arguments: ExportShape.allCases.filter { ![.native, .gke, .gkeSink].contains($0) })
    func audit2rbacsDemoLogInAnExportShapeHasItsRequests(_ shape: ExportShape) throws {
        let (path, result) = try analyzeDemoLog(as: shape)
        #expect(result.totals.eventsRead == 757)
        #expect(result.totals.distinctRequests == 437)
        #expect(result.input(path)?.formats == [shape.format: 757])
    }

    @Test(.enabled(if: Peers.exists(audit2rbac), "peer material ../shared/peers/\(audit2rbac) is absent"),
          arguments: [ExportShape.gke, .gkeSink])
    func audit2rbacsCompletedRequestsAsGKEEntriesHaveTheSameCodes(_ shape: ExportShape) throws {
        // GKE logs a request once, when it completes: its entries are the 437 ResponseComplete events.
        let (_, result) = try analyzeDemoLog(as: shape) { $0.contains(#""stage":"ResponseComplete""#) }
        #expect(result.totals.eventsRead == 437)
        #expect(result.totals.distinctRequests == 437)
        #expect(result.activity.dimensions[.user]?.mapValues(\.requests) == ["system:admin": 437])
    }
}

extension Analysis {
    /// Every event of a file, as values (the file decoded record by record, as the pipeline splits it).
    static func events(_ path: String) throws -> [AuditEvent] {
        var chunker = LineChunker(targetBytes: 1 << 20, maximumRecordBytes: 64 << 20, makeBuffer: { [] })
        var outputs: [LineChunker.Output] = []
        try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { chunker.consume($0) { outputs.append($0) } }
        _ = chunker.finish { outputs.append($0) }
        return outputs.flatMap { output in
            String(decoding: output.bytes, as: UTF8.self).split(separator: "\n").flatMap { DecodedRecord(String($0)).events }
        }
    }
}
