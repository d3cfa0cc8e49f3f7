import Foundation
import Testing
@testable import KubeSiftCore

/// One generated request: what the test knows about it, and the lines it is logged as.
struct GeneratedRequest {
    var user: String
    var verb: String
    var resource: (name: String, group: String, subresource: String?)?
    var namespace: String?
    var sourceIP: String
    var userAgent: String?
    var code: Int
    var stages: [String]
    var received: Int64
    var auditID: String
    /// The audit level its events are logged at (`Bogus`: one this tool does not know).
    var level: String
    /// How many extra copies of its last line the log repeats (an overlapping sync).
    var duplicates: Int

    var lines: [String] {
        let events = stages.map { stage -> String in
            var event = EventLine(auditID: auditID, received: received)
            event.level = level
            event.stage = stage
            event.verb = verb
            event.user = user
            event.sourceIPs = [sourceIP, "10.255.0.1"]
            event.userAgent = userAgent
            event.resource = resource?.name
            event.apiGroup = resource?.group ?? ""
            event.subresource = resource?.subresource
            event.namespace = namespace
            if resource == nil { event.requestURI = "/healthz?verbose=1" }
            event.code = stage == "RequestReceived" ? nil : code
            event.stageDelay = stage == "RequestReceived" ? 0 : 2_000
            return event.json
        }
        return events + Array(repeating: events.last!, count: duplicates)
    }

    /// The name the statistics give the resource: as Kubernetes names it, or the path for a non-resource URL.
    var resourceKey: String {
        guard let resource else { return "/healthz" }
        return resource.name + (resource.group.isEmpty ? "" : "." + resource.group)
            + (resource.subresource.map { "/" + $0 } ?? "")
    }

    var denied: Bool { code == 401 || code == 403 }

    static func generate(_ count: Int, seed: UInt64) -> [GeneratedRequest] {
        var generator = SeededGenerator(seed: seed)
        let users = ["alice@example.com", "bob@example.com", "system:serviceaccount:ci:deployer",
                     "system:serviceaccount:kube-system:coredns", "system:node:ip-10-0-1-23", "oidc:<eve>&co", "jürgen"]
        let verbs = ["get", "list", "watch", "create", "delete", "patch"]
        let resources: [(name: String, group: String, subresource: String?)?] = [
            ("pods", "", nil), ("pods", "", "exec"), ("deployments", "apps", nil), ("deployments", "apps", "scale"),
            ("secrets", "", nil), ("clusterroles", "rbac.authorization.k8s.io", nil), nil,
        ]
        let agents: [String?] = ["kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", "curl/8.5.0 & friends", nil]
        let stageSets = [["ResponseComplete"], ["RequestReceived", "ResponseComplete"], ["ResponseStarted"],
                         ["RequestReceived", "ResponseStarted", "ResponseComplete"]]
        return (0..<count).map { index in
            let resource = resources.randomElement(using: &generator)!
            let clusterScoped = resource == nil || resource?.name == "clusterroles"
            return GeneratedRequest(
                user: users.randomElement(using: &generator)!, verb: verbs.randomElement(using: &generator)!,
                resource: resource,
                namespace: clusterScoped ? nil : ["shop", "kube-system", "payments"].randomElement(using: &generator)!,
                sourceIP: ["10.0.0.11", "10.0.0.12", "203.0.113.77", "2001:db8::1"].randomElement(using: &generator)!,
                userAgent: agents.randomElement(using: &generator)!,
                code: [200, 200, 200, 201, 401, 403, 404, 500].randomElement(using: &generator)!,
                stages: stageSets.randomElement(using: &generator)!,
                received: EventLine.baseTime + Int64(index) * 97_000_000 + Int64.random(in: 0..<1_000_000, using: &generator),
                auditID: EventLine.auditID(index + 1),
                level: ["Metadata", "Metadata", "Request", "RequestResponse", "Bogus"].randomElement(using: &generator)!,
                duplicates: Int.random(in: 0..<10, using: &generator) == 0 ? 1 : 0)
        }
    }
}

@Suite struct ActivityStatsTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// Counts per value of `key`, computed from the generated requests, never from the code under test.
    private func expected(_ requests: [GeneratedRequest], _ key: (GeneratedRequest) -> String?)
        -> (requests: [String: Int], denied: [String: Int])
    {
        var counts: [String: Int] = [:]
        var denied: [String: Int] = [:]
        for request in requests {
            guard let value = key(request) else { continue }
            counts[value, default: 0] += 1
            if request.denied { denied[value, default: 0] += 1 }
        }
        return (counts, denied)
    }

    private func expectDimension(_ stats: ActivityStats, _ dimension: ActivityDimension, _ requests: [GeneratedRequest],
                                 sourceLocation: SourceLocation = #_sourceLocation,
                                 _ key: (GeneratedRequest) -> String?)
    {
        let (counts, denied) = expected(requests, key)
        let values = stats.dimensions[dimension] ?? [:]
        #expect(values.mapValues(\.requests) == counts, "\(dimension)", sourceLocation: sourceLocation)
        #expect(values.mapValues(\.denied).filter { $0.value > 0 } == denied, "\(dimension)", sourceLocation: sourceLocation)
    }

    @Test func countsRequestsPerDimensionOfAHandMadeLog() throws {
        let requests = GeneratedRequest.generate(240, seed: 42)
        let lines = requests.flatMap(\.lines)
        let path = try directory.write("audit.log", lines: lines)
        let result = Analysis.run([path])
        let stats = result.activity

        #expect(result.totals.eventsRead == lines.count)
        #expect(result.totals.distinctRequests == requests.count)
        #expect(result.totals.duplicateEvents == requests.reduce(0) { $0 + $1.duplicates })
        expectDimension(stats, .user, requests) { $0.user }
        expectDimension(stats, .serviceAccount, requests) { request in
            request.user.hasPrefix("system:serviceaccount:") ? String(request.user.dropFirst(22)) : nil
        }
        expectDimension(stats, .sourceIP, requests) { $0.sourceIP }
        expectDimension(stats, .namespace, requests) { $0.namespace }
        expectDimension(stats, .resource, requests) { $0.resourceKey }
        expectDimension(stats, .verb, requests) { $0.verb }
        expectDimension(stats, .userAgent, requests) { $0.userAgent ?? "(none)" }
        expectDimension(stats, .responseCode, requests) { String($0.code) }

        for (user, count) in stats.dimensions[.user] ?? [:] {
            let times = requests.filter { $0.user == user }.map(\.received)
            #expect(count.firstSeen?.microseconds == times.min())
            #expect(count.lastSeen?.microseconds == times.max())
        }
        var hourly: [Int64: (requests: Int, denied: Int)] = [:]
        for request in requests {
            let hour = request.received - request.received % 3_600_000_000
            hourly[hour, default: (0, 0)].requests += 1
            if request.denied { hourly[hour, default: (0, 0)].denied += 1 }
        }
        #expect(Dictionary(uniqueKeysWithValues: stats.hourly.map { ($0.key.microseconds, $0.value.requests) })
            == hourly.mapValues(\.requests))
        #expect(Dictionary(uniqueKeysWithValues: stats.hourly.map { ($0.key.microseconds, $0.value.denied) })
            == hourly.mapValues(\.denied))
        #expect(result.totals.firstEvent?.microseconds == requests.map(\.received).min())
        #expect(result.totals.lastEvent?.microseconds == requests.map(\.received).max())

        // Each request once per resource, under the level it was logged at.
        var levels: [String: [String: Int]] = [:]
        for request in requests { levels[request.resourceKey, default: [:]][request.level, default: 0] += 1 }
        #expect(stats.levels.mapValues { ["Metadata": $0.metadata, "Request": $0.request, "RequestResponse": $0.requestResponse,
                                          "Bogus": $0.unknown].filter { $0.value > 0 } } == levels)
        // And once per resource and verb.
        var verbLevels: [String: [String: [String: Int]]] = [:]
        for request in requests { verbLevels[request.resourceKey, default: [:]][request.verb, default: [:]][request.level, default: 0] += 1 }
        #expect(stats.verbLevels.mapValues { verbs in
            verbs.mapValues { ["Metadata": $0.metadata, "Request": $0.request, "RequestResponse": $0.requestResponse,
                               "Bogus": $0.unknown].filter { $0.value > 0 } }
        } == verbLevels)
    }

    @Test func aRequestOfUnknownLevelShowsItsMetadataButNotItsBody() {
        let counts = LevelCounts(metadata: 1, request: 2, requestResponse: 3, unknown: 4)
        #expect(counts.requests(atLeast: .metadata) == 10)
        #expect(counts.requests(atLeast: .request) == 5)
        #expect(counts.requests(atLeast: .requestResponse) == 3)
    }

    @Test func aFailedAuthenticationLoggedOnlyAtResponseStartedIsADeniedRequest() throws {
        var failed = EventLine(number: 1)
        failed.stage = "ResponseStarted"
        failed.code = 401
        failed.user = "system:anonymous"
        let path = try directory.write("audit.log", lines: [failed.json])
        let stats = Analysis.run([path]).activity
        #expect(stats.dimensions[.responseCode]?.mapValues(\.requests) == ["401": 1])
        #expect(stats.dimensions[.user]?["system:anonymous"]?.denied == 1)
    }

    @Test func aCodeIsCountedOncePerRequestWhateverItsStages() throws {
        // exec: RequestReceived, ResponseStarted 101, ResponseComplete 101.
        let stages = ["RequestReceived", "ResponseStarted", "ResponseComplete"].map { stage -> String in
            var event = EventLine(number: 5)
            event.stage = stage
            event.code = stage == "RequestReceived" ? nil : 101
            return event.json
        }
        let path = try directory.write("audit.log", lines: stages)
        for workers in [1, 4] {
            let stats = Analysis.run([path], workers: workers) { $0.chunkBytes = 1 }.activity
            #expect(stats.dimensions[.responseCode]?.mapValues(\.requests) == ["101": 1])
            #expect(stats.dimensions[.user]?.mapValues(\.requests) == ["alice@example.com": 1])
        }
    }

    // MARK: - Merging

    @Test(arguments: [7, 8, 9] as [UInt64])
    func mergingTheStatisticsOfAnyPartitionEqualsOnePass(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let requests = GeneratedRequest.generate(150, seed: seed).shuffled(using: &generator)
        let all = try directory.write("all/audit.log", lines: requests.flatMap(\.lines))
        let onePass = Analysis.run([all])

        // Requests (with all their stages and copies) are dealt at random into 2…6 files, analyzed apart.
        let parts = Int.random(in: 2...6, using: &generator)
        var groups = Array(repeating: [String](), count: parts)
        for request in requests { groups[Int.random(in: 0..<parts, using: &generator)] += request.lines }
        var results: [AnalysisResult] = []
        for (index, group) in groups.enumerated() {
            let path = try directory.write("part-\(index)/audit.log", lines: group)
            results.append(Analysis.run([path], workers: Int.random(in: 1...4, using: &generator)))
        }
        var merged = ActivityStats()
        for result in results.shuffled(using: &generator) { merged.merge(result.activity) }
        #expect(merged == onePass.activity)
        #expect(results.reduce(0) { $0 + $1.totals.distinctRequests } == onePass.totals.distinctRequests)
        #expect(results.reduce(0) { $0 + $1.totals.eventsRead } == onePass.totals.eventsRead)

        // Merge itself is associative and commutative.
        if results.count >= 3 {
            let (a, b, c) = (results[0].activity, results[1].activity, results[2].activity)
            var left = a
            left.merge(b)
            left.merge(c)
            var bc = b
            bc.merge(c)
            var right = a
            right.merge(bc)
            var swapped = c
            swapped.merge(b)
            swapped.merge(a)
            #expect(left == right)
            #expect(left == swapped)
        }
    }

    @Test func mergingWithEmptyStatisticsChangesNothing() throws {
        let path = try directory.write("audit.log", lines: GeneratedRequest.generate(30, seed: 3).flatMap(\.lines))
        let stats = Analysis.run([path]).activity
        var merged = ActivityStats()
        merged.merge(stats)
        merged.merge(ActivityStats())
        #expect(merged == stats)
    }

    @Test func activityCountMergeKeepsTheEarliestAndLatestSight() {
        var early = ActivityCount()
        early.requests = 2
        early.see(Timestamp(microseconds: 10))
        early.see(Timestamp(microseconds: 30))
        var late = ActivityCount()
        late.requests = 1
        late.denied = 1
        late.see(Timestamp(microseconds: 20))
        late.see(Timestamp(microseconds: 50))
        var merged = early
        merged.merge(late)
        #expect(merged.requests == 3)
        #expect(merged.denied == 1)
        #expect(merged.firstSeen == Timestamp(microseconds: 10))
        #expect(merged.lastSeen == Timestamp(microseconds: 50))
        var reversed = late
        reversed.merge(early)
        #expect(reversed == merged)
    }

    // MARK: - Limits

    @Test func valuesPastTheKeyLimitAreCountedUnderOther() throws {
        var table = SpanTable(seed: 1, limit: 3)
        let keys = ["a", "b", "c", "d", "a", "e"].map { key in
            Array(key.utf8).withUnsafeBytes { table.index(of: $0.baseAddress!, count: $0.count) }
        }
        #expect(keys == [0, 1, 2, SpanTable.overflow, 0, SpanTable.overflow])
        #expect((0..<3).map { table.key(at: $0) } == ["a", "b", "c"])
    }

    @Test func aSpanTableGrowsAndFindsEveryKeyAgain() {
        var table = SpanTable(seed: 99, limit: 100_000)
        let keys = (0..<5_000).map { "user-\($0)@example.com" }
        func index(_ key: String) -> Int {
            Array(key.utf8).withUnsafeBytes { table.index(of: $0.baseAddress!, count: $0.count) }
        }
        let first = keys.map(index)
        let second = keys.map(index)
        #expect(first == Array(0..<5_000))
        #expect(second == first)
        #expect(table.count == 5_000)
        #expect(table.key(at: 4_321) == "user-4321@example.com")
    }
}

/// Found by the full suite with eight decode workers: a worker whose first event of a resource was the
/// denied response of a request another worker had opened gave that resource an index without a level entry,
/// and the next new resource it met was written past the end of the per-resource levels.
@Suite struct ResourceLevelIndexTests {
    @Test func aResourceFirstSeenInARequestCountedElsewhereKeepsLaterLevelsInStep() throws {
        var accumulator = ActivityAccumulator(seeds: HashSeeds(fingerprint: (1, 2), table: 3))
        var first = EventLine(number: 1)
        first.resource = "configmaps"
        first.code = 403
        var second = EventLine(number: 2)
        second.resource = "secrets"
        second.level = "Request"
        let updates: [(EventLine, Bool, ResponseUpdate)] = [(first, false, .count(code: 403)), (second, true, .none)]
        for (line, newRequest, response) in updates {
            var bytes = Array(line.json.utf8)
            try bytes.withUnsafeMutableBufferPointer { buffer in
                let base = UnsafePointer(buffer.baseAddress!)
                var scanner = JSONScanner(base: base, start: 0, end: buffer.count)
                var event = ScannedEvent()
                try NativeEventDecoder().scanEvent(&scanner, into: &event)
                accumulator.record(event, base: base, time: nil, newRequest: newRequest, response: response)
            }
        }
        let levels = accumulator.stats().levels
        #expect(levels["secrets"]?.request == 1)
        #expect(levels["configmaps"] == nil, "a resource with no request counted here has no level row")
    }
}
