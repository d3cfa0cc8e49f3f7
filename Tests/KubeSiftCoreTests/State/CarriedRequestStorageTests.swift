import Foundation
import GRDB
import Testing
@testable import KubeSiftCore

/// The requests of open correlation windows as the state stores them: binary blocks
/// (``MatchCodec/encode(carried:)``) that read back as written, refused when damaged, and JSON rows
/// of a state written before them still read.
@Suite("Carried requests in the state")
struct CarriedRequestStorageTests {
    /// Requests with every field the codec writes: present and absent texts, groups and none,
    /// several keys and evidence entries, times before and after 1970.
    static func requests(_ count: Int) -> [CarriedRequest] {
        (0..<count).map { number in
            let summary = RequestSummary(
                auditID: EventLine.auditID(number), time: number % 7 == 0 ? nil : Timestamp(microseconds: Int64(number - 50) * 1_000_003),
                verb: number % 3 == 0 ? nil : "get", username: "user-\(number % 11)", groups: number % 2 == 0 ? nil : ["g\(number % 5)", "system:authenticated"],
                impersonatedUser: number % 13 == 0 ? "admin" : nil, sourceIPs: number % 4 == 0 ? [] : ["10.0.0.\(number % 250)"],
                userAgent: "kubectl/v1.31", apiGroup: number % 2 == 0 ? "rbac.authorization.k8s.io" : nil, namespace: "ns-\(number % 17)",
                resource: "secrets", name: "n\(number)", subresource: number % 9 == 0 ? "exec" : nil,
                requestURI: "/api/v1/namespaces/ns/secrets/n\(number)", command: number % 9 == 0 ? "sh -c id" : nil,
                decision: number % 5 == 0 ? "allow" : nil, responseCode: number % 6 == 0 ? nil : 200 + number % 300,
                level: "Metadata")
            var request = MatchedRequest(rule: number % 5, summary: summary, locations: MatchedRequest.Locations(), keys: [
                CorrelationKey(correlation: number % 3, slot: number % 2, group: ["user-\(number % 11)"], value: number % 8 == 0 ? nil : "v\(number % 8)"),
            ] + (number % 10 == 0 ? [CorrelationKey(correlation: 4, slot: 0, group: [], value: "x")] : []), latestStage: .responseComplete)
            request.evidence = (0..<(number % 3)).map { entry in
                Finding.Evidence(file: "/logs/audit-\(number % 4).log.gz", member: entry == 0 ? nil : "audit.log", line: number * 10 + entry,
                                 sha256: entry == 1 ? nil : String(repeating: "ab", count: 32), auditID: summary.auditID, stage: "ResponseComplete")
            }
            return CarriedRequest(ruleID: "rule-\(number % 5)", correlationIDs: request.keys.map { "correlation-\($0.correlation)" },
                                  request: request)
        }
    }

    /// Everything a carried request holds, to compare (its `==` compares identity only).
    static func text(_ requests: [CarriedRequest]) throws -> [String] {
        let encoder = SortedJSONEncoder()
        return try requests.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    static func record(_ requests: [CarriedRequest]) -> RunRecord {
        RunRecord(ledger: LedgerEntry(run: 1, startedAt: Timestamp(microseconds: 0), durationMilliseconds: 1, since: nil, until: nil,
                                      inputsRead: 0, inputsUnchanged: 0, eventsRead: 0, requests: 0, findings: 0, newFindings: 0,
                                      status: .complete, exitCode: 0),
                  inputs: [], openRequests: CarriedRequestBlocks(requests), findings: [])
    }

    @Test("Requests over several blocks read back as they were written, in order")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let requests = Self.requests(CarriedRequestBlocks.requestsPerBlock * 2 + 5)
        do {
            let store = try StateStore(path: directory.path("state.sqlite"))
            try store.commit(Self.record(requests))
        }
        let read = try StateStore(path: directory.path("state.sqlite")).history().carried
        #expect(read.blocks.count == 3 && read.count == requests.count)
        #expect(try Self.text(read.decoded()) == Self.text(requests))
        #expect(MatchCodec.encode(carried: requests).count < requests.count * 300, "a few hundred bytes a request at most")
    }

    @Test("This run's requests encoded as carried are the blocks of their carried values")
    func carryingEncodesAsTheValues() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let correlation = try #require(rules.correlations.indices.first)
        let rule = rules.correlations[correlation].baseRules[0]
        let requests = Self.requests(CarriedRequestBlocks.requestsPerBlock + 3).enumerated().map { number, carried in
            var request = carried.request
            request.rule = rule
            request.keys = [CorrelationKey(correlation: correlation, slot: 0, group: ["g\(number % 3)"], value: nil)]
            request.origin = number + 1
            if number % 2 == 0 {
                request.locations.append(.init(location: HitLocation(member: MemberKey(file: 0, member: 0), sequence: 2, line: .absolute(number)),
                                               stage: .responseComplete))
            }
            return request
        }
        let name: MatchedRequest.Namer = { location, stage, auditID in
            guard case let .absolute(line) = location.line else { preconditionFailure("every line here is absolute") }
            return Finding.Evidence(file: "/logs/audit.log", member: nil, line: line, sha256: "ab", auditID: auditID, stage: stage.name)
        }
        let encoded = CarriedRequestBlocks(carrying: requests, rules: rules, name: name)
        // The values a later run reads: rules by id, evidence named, no locations or assembly number.
        let carried = requests.map { request in
            var named = request.named(name)
            named.origin = 0
            return CarriedRequest(ruleID: rules.detections[request.rule].metadata.id,
                                  correlationIDs: request.keys.map { rules.correlations[$0.correlation].rule.metadata.id },
                                  request: named)
        }
        #expect(encoded == CarriedRequestBlocks(carried))
        #expect(try encoded.decoded().map(\.request.evidence) == carried.map(\.request.evidence))
        #expect(encoded.blocks.count == 2 && encoded.count == requests.count)
    }

    @Test("A damaged block is refused with where it is damaged, never half read")
    func damagedBlock() throws {
        let bytes = MatchCodec.encode(carried: Self.requests(40))
        #expect(try Self.text(MatchCodec.decodeCarried(bytes)) == Self.text(Self.requests(40)))
        #expect(throws: MatchCodecError.self) { try MatchCodec.decodeCarried(Array(bytes.dropLast(3))) }
        #expect(throws: MatchCodecError.self) { try MatchCodec.decodeCarried(bytes + [0]) }
        #expect(throws: MatchCodecError.self) { try MatchCodec.decodeCarried(MatchCodec.magic + bytes.dropFirst(8)) }

        let directory = try TemporaryDirectory()
        let path = directory.path("state.sqlite")
        try StateStore(path: path).commit(Self.record(Self.requests(40)))
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(sql: "UPDATE carried SET data = ?", arguments: [Data(bytes.prefix(bytes.count / 2))])
        }
        #expect {
            try StateStore(path: path).history()
        } throws: { error in
            guard case let .unusable(_, message) = error as? StateError else { return false }
            return message.contains("block 0 of the open windows' requests")
        }
    }

    @Test("A state whose open windows are JSON rows (before the blocks) is read, and the next commit moves them")
    func rowsOfAnOlderState() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.sqlite")
        let requests = Self.requests(30)
        _ = try StateStore(path: path)
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            for (position, text) in try Self.text(requests).enumerated() {
                try db.execute(sql: "INSERT INTO open_requests (position, request) VALUES (?, ?)", arguments: [position, text])
            }
        }
        let store = try StateStore(path: path)
        let read = try store.history().carried.decoded()
        #expect(try Self.text(read) == Self.text(requests))
        try store.commit(Self.record(read))
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM open_requests") } == 0)
        #expect(try Self.text(store.history().carried.decoded()) == Self.text(requests))
    }
}
