import Foundation
import Testing
@testable import KubeSiftCore

@Suite("Correlations: counted on event time, across files, rotations and chunks")
struct CorrelationTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    static let failedLogins = RuleFixture.yaml(name: "failed", detection: "sel:\n  responseStatus.code: 401\ncondition: sel")

    static func correlation(type: String = "event_count", rules: [String] = ["failed"], groupBy: String = "sourceIPs",
                            timespan: String = "5m", condition: String = "{gte: 10}") -> String
    {
        """
        title: Correlation under test
        id: corr-id
        name: corr
        correlation:
          type: \(type)
          rules: [\(rules.joined(separator: ", "))]
          group-by: [\(groupBy)]
          timespan: \(timespan)
          condition: \(condition)
        level: high
        """
    }

    /// A 401 from `ip`, `seconds` after the base time, logged once at ResponseStarted.
    static func failure(_ number: Int, ip: String, seconds: Int64) -> String {
        var line = EventLine(auditID: EventLine.auditID(number), received: EventLine.baseTime + seconds * 1_000_000)
        line.stage = "ResponseStarted"
        line.user = "system:anonymous"
        line.sourceIPs = [ip]
        line.code = 401
        line.resource = nil
        line.namespace = nil
        return line.json
    }

    @Test("A brute force split over two rotated, compressed files is one finding with every request")
    func acrossRotation() throws {
        let lines = (0..<40).map { Self.failure($0, ip: "203.0.113.77", seconds: Int64($0) * 9) }
        let older = try directory.write("audit-2026-11-21T03-04-00.000.log", lines: Array(lines[..<23]))
        let newer = try directory.write("audit.log", lines: Array(lines[23...]))
        _ = try Fixture.compress(older, with: .gzip)
        try FileManager.default.removeItem(atPath: older)
        let rules = try RuleFixture.ruleSet(Self.failedLogins + "\n---\n" + Self.correlation())
        let result = Analysis.run([directory.path], workers: 2) {
            $0.rules = rules
            $0.chunkBytes = 2048 // many chunks, handed to both workers
        }
        #expect(result.findings.count == 1)
        let finding = try #require(result.findings.first)
        #expect(finding.kind == .correlation)
        #expect(finding.count == 40)
        #expect(finding.group == ["sourceIPs": "203.0.113.77"])
        #expect(Set(finding.auditIDs) == Set((0..<40).map(EventLine.auditID)))
        #expect(Set(finding.evidence.map(\.file)) == [newer, older + ".gz"])
        #expect(finding.firstSeen?.microseconds == EventLine.baseTime)
        #expect(finding.lastSeen?.microseconds == EventLine.baseTime + 39 * 9_000_000)
    }

    @Test("Below the threshold, too spread out, or spread over sources: no finding")
    func belowThreshold() throws {
        let rules = try RuleFixture.ruleSet(Self.failedLogins + "\n---\n" + Self.correlation())
        let nine = (0..<9).map { Self.failure($0, ip: "203.0.113.7", seconds: Int64($0)) }
        let slow = (0..<12).map { Self.failure(100 + $0, ip: "203.0.113.8", seconds: Int64($0) * 40) }
        let spread = (0..<12).map { Self.failure(200 + $0, ip: "198.51.100.\($0)", seconds: Int64($0)) }
        let path = try directory.write("audit.log", lines: nine + slow + spread)
        #expect(Analysis.run([path]) { $0.rules = rules }.findings.isEmpty)
    }

    @Test("Two bursts from one source an hour apart are two episodes")
    func episodes() throws {
        let rules = try RuleFixture.ruleSet(Self.failedLogins + "\n---\n" + Self.correlation())
        let first = (0..<12).map { Self.failure($0, ip: "203.0.113.9", seconds: Int64($0)) }
        let second = (0..<15).map { Self.failure(100 + $0, ip: "203.0.113.9", seconds: 3600 + Int64($0)) }
        let path = try directory.write("audit.log", lines: first + second)
        let findings = Analysis.run([path]) { $0.rules = rules }.findings
        #expect(findings.map(\.count) == [12, 15])
    }

    /// Secrets read, and a value_count of their names per user over ten minutes under `condition`.
    static let secretReads = RuleFixture.yaml(name: "read", detection: "sel:\n  verb: get\n  objectRef.resource: secrets\ncondition: sel")

    static func secretNames(_ condition: String) throws -> RuleSet {
        try RuleFixture.ruleSet(secretReads + "\n---\n" + correlation(
            type: "value_count", rules: ["read"], groupBy: "user.username", timespan: "10m", condition: condition))
    }

    /// `user` reading secret `name`, `seconds` after the base time (by default, `number` seconds).
    static func secret(_ number: Int, user: String, name: String, seconds: Int64? = nil) -> String {
        var line = EventLine(auditID: EventLine.auditID(number),
                             received: EventLine.baseTime + (seconds ?? Int64(number)) * 1_000_000)
        line.user = user
        line.resource = "secrets"
        line.name = name
        return line.json
    }

    @Test("value_count counts distinct values, not requests")
    func valueCount() throws {
        let rules = try Self.secretNames("{field: objectRef.name, gte: 5}")
        let sweep = (0..<6).map { Self.secret($0, user: "mallory", name: "s\($0)") }
        let rereads = (0..<20).map { Self.secret(100 + $0, user: "operator", name: "s\($0 % 2)") }
        let path = try directory.write("audit.log", lines: sweep + rereads)
        let findings = Analysis.run([path]) { $0.rules = rules }.findings
        #expect(findings.count == 1)
        #expect(findings.first?.group == ["user.username": "mallory"])
        #expect(findings.first?.distinctValues == 6)
    }

    @Test("Conditions more requests cannot satisfy (lt) are tested on fixed windows, each window and group counted afresh")
    func fixedWindows() throws {
        let rules = try Self.secretNames("{field: objectRef.name, lt: 2}")
        // alice: three secrets in her first window, one in a window twenty minutes on; bob: one.
        let alice = (0..<3).map { Self.secret($0, user: "alice", name: "s\($0)") }
            + [Self.secret(3, user: "alice", name: "s0", seconds: 1_200)]
        let bob = [Self.secret(10, user: "bob", name: "s0", seconds: 5)]
        let path = try directory.write("audit.log", lines: alice + bob)
        let findings = Analysis.run([path]) { $0.rules = rules }.findings
        #expect(findings.map { $0.group?["user.username"] ?? "" }.sorted() == ["alice", "bob"])
        #expect(findings.map(\.distinctValues) == [1, 1])
        let alicesFinding = try #require(findings.first { $0.group?["user.username"] == "alice" })
        #expect(alicesFinding.auditIDs == [EventLine.auditID(3)])
    }

    @Test("temporal_ordered needs the rules in order within the timespan")
    func temporalOrdered() throws {
        let role = RuleFixture.yaml(name: "role", detection: "sel:\n  verb: create\n  objectRef.resource: clusterroles\ncondition: sel")
        let workload = RuleFixture.yaml(name: "workload", detection: "sel:\n  verb: create\n  objectRef.resource: daemonsets\ncondition: sel")
        let rules = try RuleFixture.ruleSet(role, workload, Self.correlation(
            type: "temporal_ordered", rules: ["role", "workload"], groupBy: "user.username", timespan: "5m",
            condition: "{gte: 2}"))
        func request(_ number: Int, resource: String, user: String, seconds: Int64) -> String {
            var line = EventLine(auditID: EventLine.auditID(number), received: EventLine.baseTime + seconds * 1_000_000)
            line.verb = "create"
            line.user = user
            line.resource = resource
            line.namespace = resource == "daemonsets" ? "kube-system" : nil
            line.apiGroup = resource == "daemonsets" ? "apps" : "rbac.authorization.k8s.io"
            return line.json
        }
        let path = try directory.write("audit.log", lines: [
            request(1, resource: "clusterroles", user: "bob", seconds: 0),
            request(2, resource: "daemonsets", user: "bob", seconds: 120),
            request(3, resource: "daemonsets", user: "carol", seconds: 0), // wrong order
            request(4, resource: "clusterroles", user: "carol", seconds: 60),
            request(5, resource: "clusterroles", user: "dave", seconds: 0), // too far apart
            request(6, resource: "daemonsets", user: "dave", seconds: 600),
        ])
        let findings = Analysis.run([path]) { $0.rules = rules }.findings
        #expect(findings.compactMap(\.group?["user.username"]) == ["bob"])
        #expect(findings.first?.auditIDs == [EventLine.auditID(1), EventLine.auditID(2)])
    }

    @Test("The stages of one request count once")
    func stagesCountOnce() throws {
        let rules = try RuleFixture.ruleSet(Self.failedLogins + "\n---\n" + Self.correlation(condition: "{gte: 3}"))
        var lines: [String] = []
        for number in 0..<2 {
            for stage in ["ResponseStarted", "ResponseComplete"] {
                var line = EventLine(auditID: EventLine.auditID(number), received: EventLine.baseTime + Int64(number) * 1_000_000)
                line.stage = stage
                line.code = 401
                lines.append(line.json)
            }
        }
        let path = try directory.write("audit.log", lines: lines)
        #expect(Analysis.run([path]) { $0.rules = rules }.findings.isEmpty)
    }

    @Test("A hit's correlation keys are the fields it holds: a value that is absent, empty or escaped is told apart or not as its text is")
    func correlationKeysFollowTheText() throws {
        let written = RuleFixture.yaml(name: "written", detection: "sel:\n  verb: create\ncondition: sel")
        let rules = try RuleFixture.ruleSet(written + "\n---\n" + Self.correlation(
            type: "value_count", rules: ["written"], groupBy: "user.username", condition: "{field: objectRef.namespace, gte: 2}"))
        func event(_ id: String, user: String, namespace: String?) throws -> JSONValue {
            let objectRef = namespace.map { #"{"resource":"pods","namespace":"\#($0)"}"# } ?? #"{"resource":"pods"}"#
            return try RuleFixture.event(#"{"auditID":"\#(id)","verb":"create","user":{"username":"\#(user)"},"objectRef":\#(objectRef)}"#)
        }
        let events = try [
            event("1", user: "alice", namespace: "shop"),
            event("2", user: "alice", namespace: nil),
            event("3", user: "alice", namespace: ""),
            event("4", user: "alice", namespace: "shop"),
            event("5", user: #"al\u0069ce"#, namespace: #"sh\u006fp"#),
            event("6", user: "bob", namespace: "shop"),
        ]
        let hits = RuleExampleRunner.classify(events, ruleSet: rules).hits.sorted { $0.summary.auditID < $1.summary.auditID }
        let keys = hits.map { hit in hit.keys.map { "\($0.group)=\($0.value ?? "<none>")" } }
        #expect(keys == [["[\"alice\"]=shop"], ["[\"alice\"]=<none>"], ["[\"alice\"]="], ["[\"alice\"]=shop"],
                         ["[\"alice\"]=shop"], ["[\"bob\"]=shop"]])
        // The same fields again, escaped or not, are one shared list of keys.
        func storage(_ keys: [CorrelationKey]) -> UnsafeRawPointer? { keys.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        #expect(storage(hits[3].keys) == storage(hits[0].keys))
    }
}
