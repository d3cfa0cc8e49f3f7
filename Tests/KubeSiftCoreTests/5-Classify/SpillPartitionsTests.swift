import Foundation
import Testing
@testable import KubeSiftCore

@Suite("Matches set aside on disk")
struct SpillPartitionsTests {
    /// Integers as four little-endian bytes each: a codec simple enough to trust.
    static func store(partitions: Int, budget: Int) -> SpillPartitions<Int> {
        SpillPartitions(
            partitions: partitions, budget: budget,
            encode: { records in records.flatMap { withUnsafeBytes(of: UInt32($0).littleEndian, Array.init) } },
            decode: { bytes in
                stride(from: 0, to: bytes.count, by: 4).map { start in
                    bytes[start..<start + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
                }
            })
    }

    @Test("Past its budget a store writes its records out, and each partition reads back what went in, in order")
    func spillsAndReadsBack() {
        let store = Self.store(partitions: 7, budget: 50)
        var expected = [[Int]](repeating: [], count: 7)
        for value in 0..<1_000 {
            let partition = (value * 31) % 7
            store.append(value, to: partition)
            expected[partition].append(value)
        }
        #expect(store.spillCount == 20, "every 50 records held are written out")
        #expect(!store.isEmpty)
        // Taken from two threads at once, as assembly's shares take them.
        let taken = concurrentMap(7) { store.take($0) }
        #expect(taken == expected)
        #expect(store.isEmpty)
        #expect(store.take(3).isEmpty, "a partition is handed out once")
    }

    @Test("Under its budget nothing is written")
    func staysInMemory() {
        let store = Self.store(partitions: 3, budget: 100)
        for value in 0..<99 { store.append(value, to: value % 3) }
        #expect(store.spillCount == 0)
        #expect(store.takeAll() == (0..<3).flatMap { partition in (0..<99).filter { $0 % 3 == partition } })
    }

    @Test("A view reads a store's partitions through its transform, as often as asked, and leaves them there")
    func viewsLeaveRecords() {
        let store = Self.store(partitions: 4, budget: 10)
        for value in 0..<100 { store.append(value, to: value % 4) }
        #expect(store.spillCount == 10)
        let evens = store.reading { $0.isMultiple(of: 2) ? $0 * 10 : nil }
        #expect(evens.spillCount == store.spillCount)
        for _ in 0..<2 {
            #expect(evens.take(2) == stride(from: 2, to: 100, by: 4).map { $0 * 10 })
            #expect(evens.take(1).isEmpty)
        }
        #expect(store.reading().takeAll() == (0..<4).flatMap { partition in (0..<100).filter { $0 % 4 == partition } })
        #expect(store.all == store.takeAll(), "reading all leaves everything; taking all empties the store")
        #expect(store.isEmpty && evens.isEmpty)
    }

    static func summary(_ auditID: String, user: String?, complete: Bool) -> RequestSummary {
        RequestSummary(
            auditID: auditID, time: Timestamp(microseconds: 1_764_000_000_000_000), verb: "create", username: user,
            groups: complete ? ["system:authenticated", "dev"] : nil, impersonatedUser: complete ? "bob" : nil,
            sourceIPs: ["10.0.0.1", "2001:db8::1"], userAgent: complete ? "kubectl/v1.31" : nil, apiGroup: "",
            namespace: "shop", resource: "pods", name: "web-ünï", subresource: complete ? "exec" : nil,
            requestURI: complete ? "/api/v1/namespaces/shop/pods/web/exec?command=sh" : nil, command: complete ? "sh" : nil,
            decision: complete ? "allow" : nil, responseCode: complete ? 101 : nil, level: "Metadata")
    }

    @Test("A block of hits or of requests reads back exactly what was written")
    func blocksRoundTrip() throws {
        let keys = [CorrelationKey(correlation: 2, slot: 1, group: ["alice", ""], value: "secret-1"),
                    CorrelationKey(correlation: 0, slot: 0, group: [], value: nil)]
        let hits = [
            RuleHit(rule: 4, request: Fingerprint(high: .max, low: 7), stage: .responseComplete,
                    location: HitLocation(member: MemberKey(file: 3, member: 1), sequence: 9, line: .local(12)),
                    summary: Self.summary("a-1", user: "alice", complete: true), keys: keys),
            RuleHit(rule: 0, request: Fingerprint(high: 1, low: 2), stage: .requestReceived,
                    location: HitLocation(member: MemberKey(file: 0, member: 0), sequence: 0, line: .absolute(40_000)),
                    summary: Self.summary("a-2", user: nil, complete: false), keys: []),
        ]
        let hitBlock = MatchCodec.encodeBlock(hits: hits)
        let hitsRead = try MatchCodec.decodeHitBlock(hitBlock)
        #expect(MatchCodec.encodeBlock(hits: hitsRead) == hitBlock)
        #expect(hitsRead.map(\.summary) == hits.map(\.summary))
        #expect(hitsRead.map(\.keys) == hits.map(\.keys))
        #expect(hitsRead.map(\.request) == hits.map(\.request))

        var request = MatchedRequest(rule: 4, summary: hits[0].summary, location: hits[0].location, keys: keys,
                                     latestStage: .responseComplete)
        request.locations.append(.init(location: hits[1].location, stage: .requestReceived))
        request.origin = 5 << 32 | 17
        var carried = MatchedRequest(rule: 1, summary: hits[1].summary, locations: .init(), keys: [keys[1]], latestStage: .other)
        carried.evidence = [Finding.Evidence(file: "/logs/audit.log.gz", member: nil, line: 3, sha256: "ab", auditID: "a-2",
                                             stage: "RequestReceived")]
        let requestBlock = MatchCodec.encodeBlock(requests: [request, carried])
        let requestsRead = try MatchCodec.decodeRequestBlock(requestBlock)
        #expect(MatchCodec.encodeBlock(requests: requestsRead) == requestBlock)
        #expect(requestsRead.map(\.origin) == [5 << 32 | 17, 0])
        #expect(requestsRead.map(\.locations.count) == [2, 0])
        #expect(requestsRead[1].evidence == carried.evidence)
        #expect(requestsRead.map(\.summary) == [request.summary, carried.summary])

        // A block cut short is an error, not a crash.
        #expect(throws: MatchCodecError.self) { try MatchCodec.decodeRequestBlock(Array(requestBlock.dropLast(3))) }
    }

    @Test("The samples give the same findings when every match is written to disk, in the read pass and in assembly")
    func samplesWithSpilling() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let inMemory = Analysis.run([Peers.samples]) { $0.rules = rules }
        let spilled = Analysis.run([Peers.samples]) { options in
            options.rules = rules
            options.matchMemoryBytes = 1
        }
        #expect(inMemory.matchSpills == 0)
        #expect(spilled.matchSpills > 100, "a one-byte budget writes out every hit and every correlated request")
        #expect(inMemory.findings.count > 100)
        #expect(FindingsFile.encoded(spilled.findings) == FindingsFile.encoded(inMemory.findings))
    }
}
