import Foundation
import Testing
@testable import KubeSiftCore

@Suite struct PipelineTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private let second: Int64 = 1_000_000

    // MARK: - Time window

    @Test func theWindowIncludesSinceExcludesUntilOnTheReceiveTime() throws {
        let since = EventLine.baseTime
        let until = EventLine.baseTime + 3_600 * second
        // (receive time, inside?) — stage timestamps are 1.5 ms later, which must not matter.
        let cases: [(Int64, Bool)] = [
            (since - 1, false),  // received before since, stage timestamp inside
            (since, true),
            (since + 1_800 * second, true),
            (until - 1, true),   // received inside, stage timestamp after until
            (until, false),
            (until + second, false),
        ]
        let lines = cases.enumerated().map { index, item in EventLine(auditID: "w-\(index)", received: item.0).json }
        let path = try directory.write("audit.log", lines: lines)
        let result = Analysis.run([path]) { options in
            options.window = TimeWindow(since: Timestamp(microseconds: since), until: Timestamp(microseconds: until))
        }
        let inside = cases.filter(\.1).count
        #expect(result.totals.eventsRead == cases.count)
        #expect(result.totals.distinctEvents == inside)
        #expect(result.totals.eventsOutsideWindow == cases.count - inside)
        #expect(result.totals.distinctRequests == inside)
        #expect(result.activity.dimensions[.user]?["alice@example.com"]?.requests == inside)
        #expect(result.totals.firstEvent == Timestamp(microseconds: since))
        #expect(result.totals.lastEvent == Timestamp(microseconds: until - 1))
        #expect(result.window.since == Timestamp(microseconds: since))
    }

    @Test func relativeTimesAreResolvedAgainstTheGivenNow() throws {
        let now = Timestamp(microseconds: EventLine.baseTime + 24 * 3_600 * second)
        // One event every 10 minutes over the day before `now`.
        let times = (0..<144).map { EventLine.baseTime + Int64($0) * 600 * second }
        let path = try directory.write("audit.log", lines: times.enumerated().map {
            EventLine(auditID: "r-\($0.offset)", received: $0.element).json
        })
        let since = try #require(TimeWindow.resolve("6h", now: now))
        let until = try #require(TimeWindow.resolve("1h30m", now: now))
        let result = Analysis.run([path]) { $0.window = TimeWindow(since: since, until: until) }
        let inside = times.filter { $0 >= now.microseconds - 6 * 3_600 * second && $0 < now.microseconds - 5_400 * second }
        #expect(inside.count == 27, "4 h 30 min of events every 10 minutes")
        #expect(result.totals.distinctEvents == inside.count)
        #expect(result.totals.eventsOutsideWindow == times.count - inside.count)
    }

    @Test func eventsWithoutATimeAreCountedApartWhenAWindowIsSet() throws {
        let timed = EventLine(number: 1).json
        let untimed = #"{"kind":"Event","auditID":"no-time","stage":"ResponseComplete","verb":"get","user":{"username":"x"}}"#
        let legacy = #"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","timestamp":"2026-11-21T03:00:30Z","auditID":"old","stage":"ResponseComplete","verb":"get","user":{"username":"y"}}"#
        let path = try directory.write("audit.log", lines: [timed, untimed, legacy])
        let windowed = Analysis.run([path]) {
            $0.window = TimeWindow(since: Timestamp(microseconds: EventLine.baseTime), until: nil)
        }
        #expect(windowed.totals.eventsRead == 3)
        #expect(windowed.totals.eventsWithoutTime == 1)
        #expect(windowed.totals.distinctEvents == 2, "v1beta1 `timestamp` is a receive time")
        let unbounded = Analysis.run([path])
        #expect(unbounded.totals.eventsWithoutTime == 1)
        #expect(unbounded.totals.distinctEvents == 3, "without a window, events without a time are still analyzed")
    }

    // MARK: - Inventory

    @Test func listsEveryInputWithItsMembersAndHash() throws {
        let plain = try directory.write("logs/audit.log", lines: EventLine.numbered(5, from: 100).map(\.json))
        let source = try directory.write("src/audit-2026-11-20T12-00-00.000.log", lines: EventLine.numbered(4).map(\.json))
        try Fixture.compress(source, with: .gzip)
        let tarball = try Fixture.tar(directory.path("logs/cp-2.tar.gz"), members: ["audit-2026-11-20T12-00-00.000.log.gz"],
                                      in: directory.path("src"), filter: .gzip)
        let result = Analysis.run([directory.path("logs")])
        let (plainSize, tarballSize, tarballHash) = (try Fixture.size(plain), try Fixture.size(tarball),
                                                     try Fixture.sha256sum(tarball))
        #expect(result.totals.inputFiles == 2)
        // Inputs are ordered by their first event: the tarball's events are older.
        #expect(result.inputs.map(\.path) == [tarball, plain])
        let archive = try #require(result.input(tarball))
        #expect(archive.container == "tar")
        #expect(archive.compressions == ["gzip"])
        #expect(archive.sha256 == tarballHash)
        #expect(archive.size == Int64(tarballSize))
        #expect(archive.members.map(\.name) == ["audit-2026-11-20T12-00-00.000.log.gz"])
        #expect(archive.members.first?.lines == 4)
        #expect(archive.eventsRead == 4)
        #expect(archive.firstEvent == Timestamp(microseconds: EventLine.baseTime + 1 * second))
        #expect(archive.lastEvent == Timestamp(microseconds: EventLine.baseTime + 4 * second))
        #expect(result.input(plain)?.members.map(\.decompressedBytes) == [Int64(plainSize)])
        #expect(result.totals.inputBytes == Int64(plainSize + tarballSize))
    }

    @Test func anInputWithNoFilesFindsNothingAndSaysSo() throws {
        let empty = try directory.makeDirectory("empty")
        let result = Analysis.run([empty])
        #expect(result.totals.inputFiles == 0)
        #expect(result.totals.eventsRead == 0)
        #expect(result.inputs.isEmpty)
    }

    // MARK: - Determinism

    /// A mixed evidence folder: plain, multi-member gzip, a tarball of rotated files, a zip of
    /// EventList batches, duplicates, multi-stage requests, junk and a truncated file.
    private func writeMixedEvidence() throws -> String {
        let requests = GeneratedRequest.generate(600, seed: 2026)
        let lines = requests.flatMap(\.lines)
        let quarter = lines.count / 4
        try directory.write("evidence/cp-1/audit.log", lines: Array(lines[(3 * quarter - 20)...]) + ["garbage line"])
        let first = try directory.write("src/a.log", lines: Array(lines[..<(quarter / 2)]))
        let second = try directory.write("src/b.log", lines: Array(lines[(quarter / 2)..<quarter]))
        try Fixture.cat([Fixture.compress(first, with: .gzip), Fixture.compress(second, with: .gzip)],
                        output: directory.path("evidence/cp-1/audit-2026-11-21T03-00-00.000.log.gz"))
        try directory.write("src/r1.log", lines: Array(lines[quarter..<(2 * quarter)]))
        try directory.write("src/r2.log", lines: Array(lines[(2 * quarter)..<(3 * quarter)]))
        try Fixture.compress(directory.path("src/r1.log"), with: .zstd)
        try Fixture.compress(directory.path("src/r2.log"), with: .xz)
        try directory.makeDirectory("evidence/cp-2")
        try Fixture.tar(directory.path("evidence/cp-2/rotated.tar.gz"), members: ["r1.log.zst", "r2.log.xz"],
                        in: directory.path("src"), filter: .gzip)
        let batch = lines.prefix(30).joined(separator: ",")
        try directory.write("src/batch.json", #"{"kind":"EventList","items":[\#(batch)]}"# + "\n")
        try Fixture.zip(directory.path("evidence/webhook.zip"), members: ["batch.json"], in: directory.path("src"))
        let truncated = try Fixture.compress(directory.path("src/r1.log"), with: .gzip)
        try Fixture.head(truncated, bytes: try Fixture.size(truncated) / 2, output: directory.path("evidence/cut.log.gz"))
        return directory.path("evidence")
    }

    @Test func oneWorkerEightWorkersAndASpillingIndexWriteByteIdenticalReports() throws {
        let evidence = try writeMixedEvidence()
        let parameters = ReportDocument.Parameters(
            paths: [evidence], cluster: nil, clusterFromDirectory: true, since: nil, until: nil, now: nil,
            maximumRecordBytes: 64 << 20, maximumNesting: 4)
        let generatedAt = Timestamp(microseconds: EventLine.baseTime)
        var reports: [[UInt8]] = []
        // The last run also squeezes the request index into a budget it must spill to keep.
        for (workers, indexBudget) in [(1, 64 << 20), (8, 64 << 20), (3, 64 << 20), (8, 1)] {
            let result = Analysis.run([evidence], workers: workers) { options in
                options.clusterFromDirectory = true
                options.chunkBytes = 4_096
                options.indexMemoryBytes = indexBudget
            }
            #expect(result.totals.eventsRead > 1_000)
            #expect(result.totals.duplicateEvents > 0)
            #expect(indexBudget > 1 || result.indexSpills > 0, "the 1-byte budget must make the index spill")
            reports.append(try ReportDocument(result: result, parameters: parameters, generatedAt: generatedAt).encoded())
        }
        #expect(reports.allSatisfy { $0 == reports[0] })
        let text = String(decoding: reports[0], as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains(#""schema" : "kubesift.report/v1""#))
    }

    @Test func theReportAddsUp() throws {
        let evidence = try writeMixedEvidence()
        let result = Analysis.run([evidence])
        let totals = result.totals
        #expect(totals.eventsRead == totals.eventsOutsideWindow + totals.duplicateEvents + totals.distinctEvents)
        #expect(totals.eventsRead == result.inputs.reduce(0) { $0 + $1.eventsRead })
        #expect(totals.recordsSkipped == result.skipped.values.reduce(0) { $0 + $1.count })
        #expect(totals.recordsSkipped == result.inputs.reduce(0) { $0 + $1.skipped.values.reduce(0, +) })
        #expect(result.inputs.allSatisfy { input in input.eventsRead == input.members.reduce(0) { $0 + $1.eventsRead } })
        #expect(totals.inputsWithDataLoss == 1, "only the cut file lost data")
        #expect(result.skippedLines(.notJSON).count == 1)
        #expect(result.isPartial)
    }
}
