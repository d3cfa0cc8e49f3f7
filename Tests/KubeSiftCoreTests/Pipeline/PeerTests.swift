import Foundation
import Testing
@testable import KubeSiftCore

/// Other projects' published audit logs, with the numbers their own READMEs state. The files stay in
/// `../shared/peers/` (never copied here); each test skips when its folder is absent.
@Suite struct PeerTests {
    // MARK: - liggitt/audit2rbac (Apache-2.0), testdata/demo.log
    // ../shared/peers/liggitt-audit2rbac/commit-501d132/demo.log is the first version (commit 501d132),
    // ../shared/peers/liggitt-audit2rbac/demo.log the current one; the numbers are from that folder's README.

    static let audit2rbacFirst = "liggitt-audit2rbac/commit-501d132/demo.log"
    static let audit2rbacCurrent = "liggitt-audit2rbac/demo.log"

    @Test(.enabled(if: Peers.exists(audit2rbacFirst), "peer material ../shared/peers/\(audit2rbacFirst) is absent"))
    func audit2rbacsFirstDemoLogHas757EventsOf437Requests() {
        let result = Analysis.run([Peers.path(Self.audit2rbacFirst)])
        #expect(result.totals.eventsRead == 757)
        #expect(result.totals.distinctEvents == 757)
        #expect(result.totals.distinctRequests == 437)
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.totals.eventsWithoutTime == 0, "v1beta1 `timestamp` stands in for requestReceivedTimestamp")
        // "Response codes: 256×200, 90×404, 80×201, 11×403" — one per request (its ResponseComplete).
        let codes = result.activity.dimensions[.responseCode]?.mapValues(\.requests)
        #expect(codes == ["200": 256, "404": 90, "201": 80, "403": 11])
        #expect(result.activity.dimensions[.responseCode]?["403"]?.denied == 11)
        // Every request is made by system:admin (impersonating others).
        #expect(result.activity.dimensions[.user]?.mapValues(\.requests) == ["system:admin": 437])
        #expect(result.activity.dimensions[.sourceIP]?.mapValues(\.requests) == ["::1": 437])
    }

    @Test(.enabled(if: Peers.exists(audit2rbacCurrent), "peer material ../shared/peers/\(audit2rbacCurrent) is absent"))
    func audit2rbacsCurrentDemoLogHas37Events() {
        let result = Analysis.run([Peers.path(Self.audit2rbacCurrent)])
        #expect(result.totals.eventsRead == 37)
        #expect(result.totals.recordsSkipped == 0)
        // "26×200, 11×403"
        #expect(result.activity.dimensions[.responseCode]?.mapValues(\.requests) == ["200": 26, "403": 11])
        #expect(result.activity.dimensions[.responseCode]?.values.reduce(0) { $0 + $1.denied } == 11)
    }

    // MARK: - falcosecurity/falco (Apache-2.0), test/trace_files/k8s_audit/*.json at tag 0.34.1
    // ../shared/peers/falcosecurity-falco-k8s_audit/: "46 files have one line,
    // create_configmap_sensitive_values.json has 6 lines", plus fal_01_003.json = `{"kind": 0}`.

    static let falco = "falcosecurity-falco-k8s_audit"

    @Test(.enabled(if: Peers.exists(falco), "peer material ../shared/peers/\(falco) is absent"))
    func everyFalcoTraceYieldsItsEventsAndTheFindingFileNone() throws {
        let directory = Peers.path(Self.falco)
        let result = Analysis.run([directory])
        let traces = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        #expect(traces.count == 47)
        for name in traces {
            let input = try #require(result.input(directory + "/" + name), "\(name)")
            switch name {
            case "fal_01_003.json":
                #expect(input.eventsRead == 0)
                #expect(input.skipped == [.notAuditEvent: 1])
            case "create_configmap_sensitive_values.json":
                #expect(input.eventsRead == 6)
            default:
                #expect(input.eventsRead == 1, "\(name)")
                #expect(input.skipped.isEmpty, "\(name)")
            }
        }
        #expect(result.totals.eventsRead == 45 + 6)
        #expect(result.skippedCount(.notAuditEvent) == 1)
        #expect(result.skipped[.notAuditEvent]?.samples
            == [EventProvenance(file: directory + "/fal_01_003.json", member: nil, line: 1)])
    }

    // MARK: - crowdsecurity/hub (MIT), .tests/k8s-audit-*-file/*.log
    // ../shared/peers/crowdsecurity-hub/: one event each; the exec log has no trailing newline.

    static let crowdsec = "crowdsecurity-hub"

    @Test(.enabled(if: Peers.exists(crowdsec), "peer material ../shared/peers/\(crowdsec) is absent"),
          arguments: ["k8s-audit-pod-exec-file.log", "k8s-audit-priv-pod-file.log"])
    func eachCrowdsecHubLogHoldsOneEvent(_ name: String) {
        let result = Analysis.run([Peers.path("\(Self.crowdsec)/\(name)")])
        #expect(result.totals.eventsRead == 1)
        #expect(result.totals.distinctRequests == 1)
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.activity.dimensions[.user]?.mapValues(\.requests) == ["minikube-user": 1])
        #expect(result.activity.dimensions[.sourceIP]?.mapValues(\.requests) == ["192.168.49.1": 1])
    }

    // MARK: - samples/ of this repository
    // Written, with samples/.truth.json, by scripts/generate-samples.py: an independent generator, so
    // its totals are an oracle for the whole pipeline.

    struct Truth: Decodable {
        var events: Int
        var distinct_events: Int
        var duplicate_events: Int
        var distinct_requests: Int
        var denied_requests: Int
        var first_event: String
        var last_event: String
        var files: [String: Int]
        /// Events per file, by format.
        var formats: [String: [String: Int]]
        var members: [String: Int]
        var cloud_operations: Int
        var users: [String: Int]
        var requests_by_code: [String: Int]
    }

    static let truthPath = Peers.samples + "/.truth.json"

    static func analyzeSamples() throws -> (Truth, AnalysisResult) {
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: truthPath)))
        return (truth, Analysis.run([Peers.samples]))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: truthPath), "samples/.truth.json is absent"))
    func theSamplesMatchTheirGeneratorsTotals() throws {
        let (truth, result) = try Self.analyzeSamples()
        #expect(result.totals.eventsRead == truth.events)
        #expect(result.totals.distinctEvents == truth.distinct_events)
        #expect(result.totals.duplicateEvents == truth.duplicate_events)
        #expect(result.totals.distinctRequests == truth.distinct_requests)
        #expect(result.totals.firstEvent == Timestamp(rfc3339: truth.first_event))
        #expect(result.totals.lastEvent == Timestamp(rfc3339: truth.last_event))
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.problems.map(\.path) == [Peers.samples + "/README.md"])
        #expect(result.problems.map(\.problem.kind) == [.notAuditData])
        #expect(!result.isPartial)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: truthPath), "samples/.truth.json is absent"))
    func theSamplesRequestsPerUserMatch() throws {
        let (truth, result) = try Self.analyzeSamples()
        #expect(result.activity.dimensions[.user]?.mapValues(\.requests) == truth.users)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: truthPath), "samples/.truth.json is absent"))
    func theSamplesEventsPerFileAndArchiveMemberMatch() throws {
        let (truth, result) = try Self.analyzeSamples()
        for (file, events) in truth.files {
            #expect(result.input(Peers.samples + "/" + file)?.eventsRead == events, "\(file)")
        }
        for (file, formats) in truth.formats {
            let read = result.input(Peers.samples + "/" + file)?.formats
            #expect(read.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) } == formats, "\(file)")
        }
        #expect(result.totals.cloudOperations == truth.cloud_operations)
        #expect(result.cloudOperations.count == truth.cloud_operations)
        // Archive entries are "archive:entry"; gzip members ("…:member-N") are one stream to us.
        for (key, events) in truth.members where !key.contains(":member-") {
            let separator = try #require(key.lastIndex(of: ":"))
            let input = result.input(Peers.samples + "/" + key[..<separator])
            let member = input?.members.first { $0.name == String(key[key.index(after: separator)...]) }
            #expect(member?.eventsRead == events, "\(key)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: truthPath), "samples/.truth.json is absent"))
    func theSamplesResponseCodesAndDenialsMatch() throws {
        // The 40 × 401 of the planted brute force are logged once each, at ResponseStarted, as
        // kube-apiserver logs failed authentication; open watches end without ResponseComplete.
        let (truth, result) = try Self.analyzeSamples()
        let codes = result.activity.dimensions[.responseCode] ?? [:]
        #expect(codes.mapValues(\.requests) == truth.requests_by_code)
        #expect(codes.values.reduce(0) { $0 + $1.denied } == truth.denied_requests)
        #expect(result.activity.dimensions[.user]?.values.reduce(0) { $0 + $1.denied } == truth.denied_requests)
    }
}
