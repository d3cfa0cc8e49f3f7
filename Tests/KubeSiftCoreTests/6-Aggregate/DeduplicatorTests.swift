import Foundation
import Testing
@testable import KubeSiftCore

@Suite struct DeduplicatorTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    // MARK: - The index

    @Test func tellsNewEventsNewRequestsAndWhichResponseCounts() {
        let deduplicator = Deduplicator()
        let request = Fingerprint(high: 1, low: 2)
        let received = deduplicator.record(request: request, stage: .requestReceived)
        #expect(received == DeduplicationOutcome(isNewEvent: true, isNewRequest: true, response: .none))
        let started = deduplicator.record(request: request, stage: .responseStarted, code: 101)
        #expect(started == DeduplicationOutcome(isNewEvent: true, isNewRequest: false, response: .count(code: 101)))
        let again = deduplicator.record(request: request, stage: .responseStarted, code: 101)
        #expect(again == DeduplicationOutcome(isNewEvent: false, isNewRequest: false, response: .none))
        let complete = deduplicator.record(request: request, stage: .responseComplete, code: 101)
        #expect(complete == DeduplicationOutcome(isNewEvent: true, isNewRequest: false,
                                                 response: .replace(old: 101, new: 101)))
        #expect(deduplicator.distinctRequests == 1)
    }

    /// A Panic after ResponseStarted carries another code. Whichever stage a worker records first,
    /// the request ends up counted once, with the code of its most final stage.
    @Test(arguments: [[AuditStage.responseStarted, .panic], [.panic, .responseStarted]])
    func theMostFinalResponseStageCountsWhateverTheOrder(_ order: [AuditStage]) {
        let deduplicator = Deduplicator()
        let request = Fingerprint(high: 3, low: 4)
        var counted: [Int: Int] = [:]
        for stage in order {
            switch deduplicator.record(request: request, stage: stage, code: stage == .panic ? 500 : 200).response {
            case .none: break
            case let .count(code): counted[code!, default: 0] += 1
            case let .replace(old, new):
                counted[old!, default: 0] -= 1
                counted[new!, default: 0] += 1
            }
        }
        #expect(counted.filter { $0.value != 0 } == [500: 1])
    }

    @Test func countsDistinctRequestsAcrossShardsAndThreads() async {
        let deduplicator = Deduplicator()
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    // Every worker records the same 1 000 requests; only one of them sees each first.
                    (0..<1_000).reduce(0) { firsts, index in
                        // Each worker starts at a different place, so that they contend for the same keys.
                        let key = (index + worker * 125) % 1_000
                        let fingerprint = Fingerprint(high: UInt64(key) &* 0x9E37_79B9, low: UInt64(key))
                        let outcome = deduplicator.record(request: fingerprint, slot: Int64(key % 7), stage: .responseComplete)
                        return firsts + (outcome.isNewEvent ? 1 : 0)
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(outcomes == 1_000)
        #expect(deduplicator.distinctRequests == 1_000)
    }

    /// With a budget far below the index's size, slots spill to disk and are read back when a late
    /// duplicate reaches them: the counts stay exact.
    @Test func spillingSlotsToDiskKeepsCountingExact() {
        let deduplicator = Deduplicator(memoryBudget: 1, spillDirectory: directory.url.appendingPathComponent("index"))
        var cursor = Deduplicator.Cursor()
        func fingerprint(_ request: Int) -> Fingerprint { Fingerprint(high: UInt64(request) &* 0x9E37_79B9_7F4A_7C15, low: UInt64(request)) }
        var newRequests = 0
        for request in 0..<40_000 {
            let outcome = deduplicator.record(request: fingerprint(request), slot: Int64(request / 2_000),
                                              stage: .responseComplete, code: 200, cursor: &cursor)
            newRequests += outcome.isNewRequest ? 1 : 0
        }
        #expect(deduplicator.spillCount > 0, "a 1-byte budget must spill")
        // Replay every 7th request, oldest slots first: each is found again, though its slot was on disk.
        var duplicates = 0
        for request in stride(from: 0, to: 40_000, by: 7) {
            let outcome = deduplicator.record(request: fingerprint(request), slot: Int64(request / 2_000),
                                              stage: .responseComplete, code: 200, cursor: &cursor)
            duplicates += outcome.isNewEvent ? 0 : 1
        }
        #expect(newRequests == 40_000)
        #expect(duplicates == (40_000 + 6) / 7)
        #expect(deduplicator.distinctRequests == 40_000)
    }

    @Test func askingForManyRequestsAtOnceReadsEachSlotOnce() {
        let deduplicator = Deduplicator(memoryBudget: 1, spillDirectory: directory.url.appendingPathComponent("index"))
        var cursor = Deduplicator.Cursor()
        func fingerprint(_ request: Int) -> Fingerprint { Fingerprint(high: UInt64(request) &* 0x9E37_79B9_7F4A_7C15, low: UInt64(request)) }
        let stages: [AuditStage] = [.requestReceived, .responseStarted, .responseComplete, .panic]
        for request in 0..<6_000 {
            for (index, stage) in stages.enumerated() where request % (index + 2) == 0 {
                _ = deduplicator.record(request: fingerprint(request), slot: Int64(request / 500), stage: stage, code: 200,
                                        cursor: &cursor)
            }
        }
        #expect(deduplicator.spillCount > 0, "slots on disk must be answered too")
        // Every request, one never recorded, and a slot never seen; shuffled, so slots come mixed.
        var queries = (0..<6_001).map { (request: fingerprint($0), slot: Int64($0 / 500)) }
        queries.append((fingerprint(7), 9_999))
        queries.shuffle()
        let spilledSlots = 12 - deduplicator.residentSlotCount
        #expect(spilledSlots > 5)
        let batch = deduplicator.stagesSeen(queries)
        // Each slot on disk is read once for the whole batch, and left there.
        #expect(deduplicator.readBackCount == spilledSlots)
        #expect(deduplicator.residentSlotCount == 12 - spilledSlots)
        // In slot order (a shard asks about every request it logged), each slot on disk is read once
        // more, for its run of questions, and still left there: keeping each one brought the whole
        // index back into a shard's memory; reading it for every question made a 1 GB shard take minutes.
        let bySlot = queries.indices.sorted { queries[$0].slot < queries[$1].slot }
        var answers = [(stages: UInt8, responseRank: UInt8, code: Int?)](repeating: (0, 0, nil), count: queries.count)
        deduplicator.seen(bySlot.count, request: { queries[bySlot[$0]] }) { position, seen in answers[bySlot[position]] = seen }
        #expect(deduplicator.readBackCount == 2 * spilledSlots)
        #expect(deduplicator.residentSlotCount == 12 - spilledSlots)
        #expect(answers.map(\.stages) == batch)
        for (query, answer) in zip(queries, answers) {
            let request = Int(query.request.low)
            let expected = query.slot == 9_999 || request >= 6_000 ? 0 : stages.indices
                .filter { request % ($0 + 2) == 0 }.reduce(UInt8(0)) { $0 | stages[$1].rawValue }
            #expect(answer.stages == expected)
            #expect((answer.responseRank > 0) == (expected & ~AuditStage.requestReceived.rawValue != 0))
            #expect(answer.code == (answer.responseRank > 0 ? 200 : nil))
        }
        #expect(batch.contains(0) && batch.contains(AuditStage.requestReceived.rawValue | AuditStage.responseStarted.rawValue))
    }

    // MARK: - Folding through the pipeline

    private func writeLog(_ relative: String, _ events: [EventLine]) throws -> String {
        try directory.write(relative, lines: events.map(\.json))
    }

    @Test func theSameFileTwiceIsAllDuplicates() throws {
        let events = EventLine.numbered(40)
        let original = try writeLog("a/audit.log", events)
        try directory.makeDirectory("b")
        try FileManager.default.copyItem(atPath: original, toPath: directory.path("b/audit.log"))
        let once = Analysis.run([original])
        let twice = Analysis.run([directory.path("a"), directory.path("b")])
        #expect(twice.totals.eventsRead == 80)
        #expect(twice.totals.duplicateEvents == 40)
        #expect(twice.totals.distinctEvents == 40)
        #expect(twice.totals.distinctRequests == once.totals.distinctRequests)
        #expect(twice.totals.distinctRequests == 40)
        #expect(twice.activity == once.activity, "duplicates add nothing to the activity")
    }

    @Test func aRotatedGzipCopyOverlappingTheLiveLogIsDeduplicated() throws {
        // The rotated file holds events 1…60; the live log starts again at 55 (an overlapping sync).
        let rotated = try writeLog("logs/audit.log.1", EventLine.numbered(60))
        try Fixture.compress(rotated, with: .gzip)
        try FileManager.default.removeItem(atPath: rotated)
        _ = try writeLog("logs/audit.log", EventLine.numbered(46, from: 55))
        let result = Analysis.run([directory.path("logs")])
        #expect(result.totals.eventsRead == 60 + 46)
        #expect(result.totals.duplicateEvents == 6)
        #expect(result.totals.distinctRequests == 100)
    }

    @Test func theStagesOfOneRequestAreOneRequestOfSeveralEvents() throws {
        var received = EventLine(number: 7)
        received.stage = "RequestReceived"
        received.code = nil
        received.stageDelay = 0
        var complete = EventLine(number: 7)
        // A create is posted to the collection; only the later stage knows the name, from the body.
        complete.requestURI = received.effectiveRequestURI
        complete.name = "web-0"
        complete.code = 201
        complete.verb = "create"
        received.verb = "create"
        let path = try writeLog("audit.log", [received, complete])
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 2)
        #expect(result.totals.distinctEvents == 2)
        #expect(result.totals.duplicateEvents == 0)
        #expect(result.totals.distinctRequests == 1)
        #expect(result.activity.dimensions[.user]?["alice@example.com"]?.requests == 1)
        #expect(result.activity.dimensions[.responseCode]?.mapValues(\.requests) == ["201": 1])
    }

    @Test func aReusedAuditIDCannotHideAnotherRequest() throws {
        // An attacker who sets the Audit-ID header gets the same auditID for two different requests.
        var innocent = EventLine(number: 1)
        innocent.resource = "configmaps"
        var hidden = EventLine(number: 1)
        hidden.resource = "secrets"
        hidden.name = "db-password"
        hidden.received += 5_000_000
        var sameURILater = EventLine(number: 1)
        sameURILater.received += 9_000_000
        let path = try writeLog("audit.log", [innocent, hidden, sameURILater])
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 3)
        #expect(result.totals.duplicateEvents == 0)
        #expect(result.totals.distinctRequests == 3)
        #expect(result.activity.dimensions[.resource]?.mapValues(\.requests) == ["configmaps": 1, "secrets": 1, "pods": 1])
    }

    @Test func anEscapedAndAPlainSpellingOfOneEventAreTheSameEvent() throws {
        var withQuery = EventLine(number: 3)
        withQuery.requestURI = "/api/v1/namespaces/shop/pods?limit=500&resourceVersion=0"
        let goStyle = withQuery.json  // `&` written as \u0026, as Go writes it
        let plain = goStyle.replacingOccurrences(of: #"\u0026"#, with: "&")
        #expect(goStyle != plain)
        let path = try directory.write("audit.log", lines: [goStyle, plain])
        let result = Analysis.run([path])
        #expect(result.totals.duplicateEvents == 1)
        #expect(result.totals.distinctRequests == 1)
    }
}
