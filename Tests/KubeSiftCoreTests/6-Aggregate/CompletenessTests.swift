import Foundation
import Testing
@testable import KubeSiftCore

/// The completeness section's figures, from logs with planted holes and clock trouble whose
/// answers the tests know from how they wrote them.
struct CompletenessTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    static let second: Int64 = 1_000_000
    static let base = EventLine.baseTime

    /// One event every `every` seconds from `from` (seconds after the base time) to before `to`,
    /// numbered from `first` so that no two files share an audit ID unless meant to.
    static func events(from: Int64, to: Int64, every: Int64 = 10, first: Int = 0) -> [EventLine] {
        stride(from: from, to: to, by: Int(every)).enumerated().map { index, offset in
            EventLine(auditID: EventLine.auditID(first + index), received: base + offset * second)
        }
    }

    /// Three hours at one event every 10 s, with nothing from 1:06:30 to 1:36:40 (1,810 s).
    static let plantedGap = events(from: 0, to: 4000) + events(from: 5800, to: 10800, first: 1000)

    @Test func aPlantedGapIsFoundWithTheEventsAroundIt() throws {
        let lines = Self.plantedGap
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        let result = Analysis.run([path])
        let cluster = try #require(result.completeness.clusters.first)
        #expect(result.completeness.clusters.count == 1)
        // Hours of 360, 180 and 360 events: the median is one every 10 s, so a gap is 200 s without an event.
        #expect(cluster.gapThreshold.source == "learned")
        #expect(cluster.gapThreshold.microseconds == 200 * Self.second)
        #expect(cluster.gapThreshold.basis.contains("median hour with events had 360 events"))
        #expect(cluster.gapCount == 1)
        let gap = try #require(cluster.gaps.first)
        #expect(gap.from == Timestamp(microseconds: Self.base + 3990 * Self.second))
        #expect(gap.to == Timestamp(microseconds: Self.base + 5800 * Self.second))
        #expect(gap.microseconds == 1810 * Self.second)
        #expect(gap.lastBefore == EventProvenance(file: path, member: nil, line: 400))
        #expect(gap.firstAfter == EventProvenance(file: path, member: nil, line: 401))
        #expect(cluster.started == .init(time: Timestamp(microseconds: Self.base), at: .init(file: path, member: nil, line: 1)))
        #expect(cluster.stopped?.at == EventProvenance(file: path, member: nil, line: lines.count))
    }

    @Test func completenessCSVListsTheGapWithItsEvidence() throws {
        let path = try directory.write("audit.log", lines: Self.plantedGap.map(\.json))
        let result = Analysis.run([path])
        var bytes: [UInt8] = []
        try CSVReport.completeness(result.completeness) { bytes += $0 }
        let rows = try CSVRecords.parse(String(decoding: bytes, as: UTF8.self))
        #expect(rows.first == ["cluster", "kind", "from", "to", "seconds", "count", "detail", "evidence"])
        let gaps = rows.filter { $0.count > 1 && $0[1] == "gap" }
        #expect(gaps.count == 1)
        let gap = try #require(gaps.first)
        #expect(gap[2] == Timestamp(microseconds: Self.base + 3990 * Self.second).description)
        #expect(gap[3] == Timestamp(microseconds: Self.base + 5800 * Self.second).description)
        #expect(gap[4] == "1810")
        #expect(gap[7] == "\(path):400; \(path):401")
        #expect(rows.map { $0.count > 1 ? $0[1] : "" }.filter { $0 == "field" }.count == 6, "one row per PCI DSS 10.2.2 element")
        #expect(rows.contains { $0.count > 1 && $0[1] == "logging-started" && $0[7] == "\(path):1" })
    }

    @Test func gapGivenOnTheCommandLineReplacesTheLearnedOne() throws {
        let path = try directory.write("audit.log", lines: Self.plantedGap.map(\.json))
        let wide = Analysis.run([path]) { $0.gapThreshold = 3600 * Self.second }
        #expect(wide.completeness.clusters.first?.gapCount == 0)
        #expect(wide.completeness.clusters.first?.gapThreshold.basis == "set by --gap 1h")
        let narrow = Analysis.run([path]) { $0.gapThreshold = 30 * 60 * Self.second }
        #expect(narrow.completeness.clusters.first?.gapCount == 1)
        #expect(narrow.completeness.clusters.first?.gapThreshold.source == "given")
    }

    @Test func gapsAreCountedAllButListedToALimit() throws {
        // One event every 90 s and a threshold of a minute: every interval is a gap.
        let lines = Self.events(from: 0, to: 200 * 90, every: 90)
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        let result = Analysis.run([path]) { $0.gapThreshold = 60 * Self.second }
        let cluster = try #require(result.completeness.clusters.first)
        #expect(cluster.gapCount == lines.count - 1)
        #expect(cluster.gapTotal == Int64(lines.count - 1) * 90 * Self.second)
        #expect(cluster.gaps.count == ClusterCompleteness.gapsListed)
    }

    @Test func theWindowsEdgesCountAsGapsWhenNothingIsNearThem() throws {
        let path = try directory.write("audit.log", lines: Self.events(from: 3600, to: 7200).map(\.json))
        let result = Analysis.run([path]) {
            $0.window = TimeWindow(since: Timestamp(microseconds: Self.base), until: Timestamp(microseconds: Self.base + 3 * 3600 * Self.second))
        }
        let gaps = try #require(result.completeness.clusters.first).gaps
        #expect(gaps.count == 2)
        #expect(gaps.first?.lastBefore == nil)
        #expect(gaps.first?.from == Timestamp(microseconds: Self.base))
        #expect(gaps.first?.firstAfter?.line == 1)
        #expect(gaps.last?.firstAfter == nil)
        #expect(gaps.last?.to == Timestamp(microseconds: Self.base + 3 * 3600 * Self.second))
    }

    @Test func eachClusterHasItsOwnGaps() throws {
        // prod is silent for 40 minutes while staging is busy: staging's events do not fill prod's hole.
        let prod = Self.events(from: 0, to: 1200) + Self.events(from: 3600, to: 4800, first: 1000)
        let staging = Self.events(from: 0, to: 4800, first: 5000)
        try directory.write("prod/audit.log", lines: prod.map(\.json))
        try directory.write("staging/audit.log", lines: staging.map(\.json))
        let result = Analysis.run([directory.path]) { $0.clusterFromDirectory = true }
        let byName = Dictionary(uniqueKeysWithValues: result.completeness.clusters.map { ($0.cluster ?? "", $0) })
        #expect(byName["prod"]?.gapCount == 1)
        #expect(byName["prod"]?.eventsRead == prod.count)
        #expect(byName["staging"]?.gapCount == 0)
        #expect(byName["staging"]?.eventsRead == staging.count)
    }

    @Test func copiesAreCountedAndTheFirstInInputOrderIsNamed() throws {
        let lines = Self.plantedGap
        let first = try directory.write("a/audit.log", lines: lines.map(\.json))
        try directory.write("b/audit.log", lines: lines.map(\.json))
        for _ in 0..<3 {
            let result = Analysis.run([directory.path])
            let cluster = try #require(result.completeness.clusters.first)
            #expect(cluster.eventsRead == 2 * lines.count)
            #expect(cluster.fields.first?.of == 2 * lines.count)
            #expect(cluster.gapCount == 1)
            #expect(cluster.gaps.first?.lastBefore == EventProvenance(file: first, member: nil, line: 400))
        }
    }

    @Test func aPlantedClockAnomalyIsFound() throws {
        var lines = Self.events(from: 0, to: 600)
        // Line 11 was written 5 s before its request was received.
        lines[10].stageDelay = -5 * Self.second
        // Line 31 was written 10 min before line 30: far out of order. Lines 41 and 42 differ by 30 s only.
        lines[30].received -= 600 * Self.second
        lines[41].received = lines[40].received - 30 * Self.second
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        // The same answer whether the step back falls inside a chunk or across two.
        for chunkBytes in [1 << 20, 2_000] {
            let result = Analysis.run([path]) { $0.chunkBytes = chunkBytes }
            let clock = try #require(result.completeness.clusters.first).clock
            #expect(clock.stageBeforeRequest.count == 1)
            #expect(clock.stageBeforeRequest.largest == 5 * Self.second)
            #expect(clock.stageBeforeRequest.examples.map(\.at.line) == [11])
            #expect(clock.outOfOrder.count == 1, "chunks of \(chunkBytes) bytes")
            #expect(clock.outOfOrder.examples.map(\.at.line) == [31])
            // Line 30 was written at 290 s, line 31 at -300 s.
            #expect(clock.outOfOrder.largest == 590 * Self.second)
        }
    }

    @Test func aStepBackAcrossAChunkBoundaryIsFound() throws {
        var lines = Self.events(from: 0, to: 600)
        // Find where the second chunk starts, and plant the step back there.
        let lineLength = lines[0].json.utf8.count + 1
        let boundary = 2_000 / lineLength
        lines[boundary].received -= 3600 * Self.second
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        for chunkBytes in [1 << 20, 2_000, lineLength] {
            let result = Analysis.run([path]) { $0.chunkBytes = chunkBytes }
            let clock = try #require(result.completeness.clusters.first).clock
            #expect(clock.outOfOrder.examples.map(\.at.line) == [boundary + 1], "chunks of \(chunkBytes) bytes")
        }
    }

    /// `gcloud logging read` lists entries newest first, and shippers order records their own way:
    /// only the API server's own order says anything about its clock.
    @Test func stepsBackCountOnlyInTheAPIServersOwnOrder() throws {
        let newestFirst = Array(Self.events(from: 0, to: 1200, every: 120).map(\.json).reversed())
        for shape in ExportShape.allCases {
            let path = try directory.write("\(shape)/\(shape.fileName)", bytes: try shape.file(newestFirst))
            let result = Analysis.run([path])
            let found = try #require(result.completeness.clusters.first, "\(shape)").clock.outOfOrder.count
            let writersOrder: Set<ExportShape> = [.native, .eventList, .cri, .docker]
            #expect(found == (writersOrder.contains(shape) ? 9 : 0), "\(shape)")
        }
    }

    @Test func fieldCompletenessCountsEachElementsFields() throws {
        var lines = Self.events(from: 0, to: 100)
        lines[0].sourceIPs = []
        lines[1].sourceIPs = []
        lines[2].user = ""
        lines[3].stage = "RequestReceived"
        lines[3].code = nil
        lines[4].code = nil
        lines[5].resource = nil
        lines[5].requestURI = "/healthz"
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        let fields = try #require(Analysis.run([path]).completeness.clusters.first).fields
        let byElement = Dictionary(uniqueKeysWithValues: fields.map { ($0.element, ($0.events, $0.of)) })
        #expect(byElement["10.2.2 user identification"]! == (9, 10))
        #expect(byElement["10.2.2 origination of event"]! == (8, 10))
        #expect(byElement["10.2.2 type of event"]! == (10, 10))
        #expect(byElement["10.2.2 date and time"]! == (10, 10))
        // A RequestReceived event cannot carry an outcome: it is not counted against the element.
        #expect(byElement["10.2.2 success or failure"]! == (8, 9))
        #expect(byElement["10.2.2 identity or name of affected data, system component, resource or service"]! == (10, 10))
    }

    @Test func daysCoveredAreCountedBackFromTheWindowsEnd() throws {
        let day: Int64 = 86_400
        // Days 0, 1, 50 and 200 after the base day have events.
        let lines = [0, 1, 50, 200].enumerated().map { index, days in
            EventLine(auditID: EventLine.auditID(index), received: Self.base + days * day * Self.second)
        }
        let path = try directory.write("audit.log", lines: lines.map(\.json))
        let until = Timestamp(microseconds: Self.base + 201 * day * Self.second)
        let result = Analysis.run([path]) { $0.window = TimeWindow(since: nil, until: until) }
        let retention = try #require(result.completeness.clusters.first).retention
        #expect(retention.end == until)
        #expect(retention.daysCoveredOf365 == 4)
        // Day 200 is in the last 90 days before day 201; day 50 is 151 days before the end.
        #expect(retention.daysCoveredOf90 == 1)
        #expect(retention.firstDay == "2026-11-21")
    }
}
