import Foundation
import Testing
@testable import KubeSiftCore

/// Runs with a state: only what is new is read (grown files, rotated and compressed copies, new
/// files), line numbers still count from the start of each file, and correlation windows and
/// reported findings carry from one run to the next.
@Suite("Incremental runs")
struct IncrementalRunTests {
    let directory: TemporaryDirectory
    let state: String
    static let catalog = Result { try RuleCatalog.ruleSet(extraPaths: [], disabled: []) }

    init() throws {
        directory = try TemporaryDirectory()
        state = directory.path("state/kubesift.sqlite")
    }

    /// One run as `analyze --state` makes it: lock and read the state, pass over and resume, run, commit.
    @discardableResult
    func nightly(at day: Int, incremental: Bool = true, rules: RuleSet = .empty, matchMemoryBytes: Int = 64 << 20) throws
        -> AnalysisResult
    {
        var session = try StateSession(store: StateStore(path: state), incremental: incremental)
        var options = AnalysisOptions(paths: [directory.path("logs")], workers: 2)
        options.rules = rules
        options.matchMemoryBytes = matchMemoryBytes
        var discovered = Pipeline.discover(options)
        try session.prepare(&discovered, options: &options)
        let result = Pipeline.run(discovered, options: options, logger: Analysis.quietLogger)
        let started = Timestamp(microseconds: EventLine.baseTime + Int64(day) * 86_400_000_000)
        try session.commit(result, entry: session.ledgerEntry(for: result, startedAt: started, seconds: 0.1, exitCode: 0))
        return result
    }

    func lines(_ numbers: ClosedRange<Int>, user: String = "alice@example.com") -> [String] {
        numbers.map { number in
            var event = EventLine(number: number)
            event.user = user
            return event.json
        }
    }

    func append(_ relative: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path(relative)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test("A grown audit.log is read from where the last run stopped, with line numbers from the file's start")
    func grownFileTail() throws {
        try directory.write("logs/audit.log", lines: lines(1...50))
        #expect(try nightly(at: 1).totals.eventsRead == 50)

        var deletion = EventLine(number: 60)
        deletion.verb = "delete"
        deletion.resource = "secrets"
        deletion.name = "db"
        try append("logs/audit.log", (lines(51...59) + [deletion.json] + lines(61...70)).map { $0 + "\n" }.joined())
        let second = try nightly(at: 2, rules: Self.catalog.get())
        #expect(second.totals.eventsRead == 20)
        #expect(second.totals.distinctRequests == 20)
        let input = try #require(second.input(directory.path("logs/audit.log")))
        #expect(input.resumedFrom?.lines == 50)
        #expect(input.position?.lines == 70)
        #expect(input.position?.events == 70)
        let finding = try #require(second.findings.first { $0.rule.name == "secret-deleted" })
        #expect(finding.evidence.map(\.line) == [60])

        #expect(try nightly(at: 3).totals.eventsRead == 0, "nothing new: the file is passed over")
    }

    @Test("A last line still being written is left for the next run, not skipped as cut off")
    func partialLastLine() throws {
        let all = lines(1...12)
        let partial = String(all[10].prefix(40))
        try directory.write("logs/audit.log", all[0..<10].map { $0 + "\n" }.joined() + partial)
        let first = try nightly(at: 1)
        #expect(first.totals.eventsRead == 10)
        #expect(first.totals.recordsSkipped == 0)

        try append("logs/audit.log", String(all[10].dropFirst(40)) + "\n" + all[11] + "\n")
        let second = try nightly(at: 2)
        #expect(second.totals.eventsRead == 2)
        #expect(second.totals.recordsSkipped == 0)
        #expect(second.input(directory.path("logs/audit.log"))?.position?.lines == 12)
    }

    @Test("A file renamed and compressed by rotation is recognised by its content: only what follows is read")
    func rotatedAndCompressed() throws {
        try directory.write("logs/audit.log", lines: lines(1...40))
        #expect(try nightly(at: 1).totals.eventsRead == 40)

        // The API server wrote 20 more lines, then lumberjack rotated and compressed the file.
        try append("logs/audit.log", lines(41...60).map { $0 + "\n" }.joined())
        let rotated = directory.path("logs/audit-2026-11-22T03-00-00.000.log")
        try FileManager.default.moveItem(atPath: directory.path("logs/audit.log"), toPath: rotated)
        try Fixture.compress(rotated, with: .gzip)
        try FileManager.default.removeItem(atPath: rotated)
        try directory.write("logs/audit.log", lines: lines(61...70))

        let second = try nightly(at: 2)
        #expect(second.totals.eventsRead == 30)
        #expect(second.totals.distinctRequests == 30)
        let compressed = try #require(second.input(rotated + ".gz"))
        #expect(compressed.resumedFrom?.bytes == Int64(lines(1...40).map { $0.utf8.count + 1 }.reduce(0, +)))
        #expect(compressed.eventsRead == 20)
        #expect(compressed.members.first?.firstEvent == Timestamp(microseconds: EventLine(number: 41).received))
    }

    @Test("A compressed file cut short (rotation still compressing it) is read to its last whole line, the rest next time")
    func compressedCutShort() throws {
        let plain = try directory.write("staging/audit-2026-11-22T03-00-00.000.log", lines: lines(1...400))
        let whole = try Data(contentsOf: URL(fileURLWithPath: try Fixture.compress(plain, with: .gzip)))
        let target = "logs/audit-2026-11-22T03-00-00.000.log.gz"
        try directory.write(target, bytes: Array(whole.prefix(whole.count / 2)))
        let first = try nightly(at: 1)
        let read = first.totals.eventsRead
        #expect(read > 0 && read < 400)
        #expect(first.totals.recordsSkipped == 0, "the cut line is left for the next run, not counted as cut off")

        try directory.write(target, bytes: Array(whole))
        let second = try nightly(at: 2)
        #expect(second.totals.eventsRead == 400 - read)
        #expect(second.totals.recordsSkipped == 0)
        #expect(second.input(directory.path(target))?.position?.lines == 400)
    }

    @Test("Archives and files that have not changed are not read again; a full re-run reads everything")
    func unchangedAndFullRerun() throws {
        try directory.write("staging/a.log", lines: lines(1...10))
        try directory.write("staging/b.log", lines: lines(11...25))
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        try Fixture.tar(directory.path("logs/nodes.tar.gz"), members: ["a.log", "b.log"], in: directory.path("staging"),
                        filter: .gzip)
        try directory.write("logs/audit.log", lines: lines(26...30))
        #expect(try nightly(at: 1).totals.eventsRead == 30)
        let again = try nightly(at: 2)
        #expect(again.totals.inputFiles == 0)
        #expect(again.totals.eventsRead == 0)
        let full = try nightly(at: 3, incremental: false)
        #expect(full.totals.eventsRead == 30)
        #expect(try StateStore(path: state).ledger().map(\.status) == [.complete, .noNewEvents, .complete])
    }

    @Test("A second run on the same state is refused while the first holds it")
    func lock() throws {
        let first = try StateStore(path: state)
        #expect(throws: StateError.self) { try StateStore(path: state) }
        do {
            _ = try StateStore(path: state)
        } catch {
            guard case let .locked(path, holder) = error else { Issue.record("expected locked, got \(error)"); return }
            #expect(path == state)
            #expect(holder == "pid \(getpid())")
        }
        _ = first
    }

    @Test("A file that is not a state is refused, not overwritten")
    func notAState() throws {
        let text = "not a database, and long enough for SQLite to read a header from it.".padding(toLength: 4096, withPad: "x", startingAt: 0)
        try directory.write("state/kubesift.sqlite", text)
        #expect {
            try StateStore(path: state)
        } throws: { error in
            guard case let .unusable(_, message) = error as? StateError else { return false }
            return message.contains("not a KubeSift state")
        }
        #expect(try String(contentsOfFile: state, encoding: .utf8) == text)
    }

    /// Failed authentications from one address (`api-brute-force`: 10 within 10 minutes).
    func failures(_ numbers: ClosedRange<Int>, from start: Int64) -> [String] {
        numbers.map { number in
            var event = EventLine(auditID: EventLine.auditID(number), received: start + Int64(number - numbers.lowerBound) * 30_000_000)
            event.user = "system:anonymous"
            event.sourceIPs = ["203.0.113.77"]
            event.code = 401
            return event.json
        }
    }

    /// 23:50 and 23:55 on the first day.
    static let evening = EventLine.baseTime + 20 * 3_600_000_000 + 50 * 60_000_000
    static let lateNight = evening + 5 * 60_000_000

    /// Adds failed authentications to `audit.log`.
    func addFailures(_ numbers: ClosedRange<Int>, from start: Int64) throws {
        let text = failures(numbers, from: start).map { $0 + "\n" }.joined()
        if FileManager.default.fileExists(atPath: directory.path("logs/audit.log")) {
            try append("logs/audit.log", text)
        } else {
            try directory.write("logs/audit.log", text)
        }
    }

    /// A one-byte budget writes every match to disk: what is carried must not change.
    @Test("A brute force split across two runs is one finding", arguments: [64 << 20, 1])
    func correlationAcrossRuns(matchMemoryBytes: Int) throws {
        let rules = try Self.catalog.get()
        try addFailures(1...6, from: Self.lateNight)
        let first = try nightly(at: 1, rules: rules, matchMemoryBytes: matchMemoryBytes)
        #expect(!first.findings.contains { $0.rule.name == "api-brute-force" })
        #expect(first.openCorrelationRequests.count == 6)

        try addFailures(7...12, from: Self.lateNight + 180_000_000)
        let second = try nightly(at: 2, rules: rules, matchMemoryBytes: matchMemoryBytes)
        #expect(second.totals.eventsRead == 6)
        let bruteForce = second.findings.filter { $0.rule.name == "api-brute-force" }
        #expect(bruteForce.count == 1)
        #expect(bruteForce.first?.count == 12)
        #expect(bruteForce.first?.auditIDs == (1...12).map(EventLine.auditID))
        #expect(bruteForce.first?.continues == nil)
        #expect(second.history?.newFindings.contains(try #require(bruteForce.first).id) == true)
        // Evidence of the first night's requests still names where they were read.
        #expect(bruteForce.first?.evidence.first?.line == 1)
    }

    /// A copy of the first night's events under a new name (a rotated file synced again) is read
    /// as a new input; its requests, carried in as well, must be counted and carried on once.
    @Test("A carried request read again is counted, and carried on, once", arguments: [64 << 20, 1])
    func carriedRequestReadAgain(matchMemoryBytes: Int) throws {
        let rules = try Self.catalog.get()
        try addFailures(1...6, from: Self.lateNight)
        #expect(try nightly(at: 1, rules: rules, matchMemoryBytes: matchMemoryBytes).openCorrelationRequests.count == 6)

        // Another event first, so that the copy is not taken for audit.log rotated.
        try directory.write("logs/audit-copy.log", (lines(100...100) + failures(1...6, from: Self.lateNight)).map { $0 + "\n" }.joined())
        try addFailures(7...12, from: Self.lateNight + 180_000_000)
        let second = try nightly(at: 2, rules: rules, matchMemoryBytes: matchMemoryBytes)
        #expect(second.totals.eventsRead == 13)
        let carried = try second.openCorrelationRequests.decoded()
        #expect(carried.map(\.auditID).sorted() == (1...12).map(EventLine.auditID))
        let bruteForce = try #require(second.findings.first { $0.rule.name == "api-brute-force" })
        #expect(bruteForce.auditIDs == (1...12).map(EventLine.auditID))
        // Its evidence names the first night's reading once, not the copy as well.
        #expect(bruteForce.evidence.filter { $0.auditID == EventLine.auditID(1) }.count == 1)
    }

    @Test("A request is carried only while it is within its own correlation's timespan of the last event")
    func carriedWithinTheirOwnTimespan() throws {
        let rules = try Self.catalog.get()
        let timespan = try #require(rules.correlations.first(where: { $0.rule.metadata.name == "api-brute-force" })?.rule.timespan)
        // Three failures, then three more one and a half timespans later: the first three can no
        // longer share a window with anything the next run reads.
        try addFailures(1...3, from: Self.evening)
        try addFailures(4...6, from: Self.evening + timespan * 3 / 2)
        let run = try nightly(at: 1, rules: rules)
        #expect(try run.openCorrelationRequests.decoded().sorted().map(\.auditID) == (4...6).map(EventLine.auditID))
    }

    @Test("A request two correlations count, in groups of different partitions, is carried once")
    func carriedOnceWhateverItsCorrelations() throws {
        func correlation(_ name: String, groupBy: String) -> String {
            """
            title: \(name)
            id: \(name)-id
            name: \(name)
            correlation:
              type: event_count
              rules: [failed]
              group-by: [\(groupBy)]
              timespan: 10m
              condition: {gte: 1000}
            level: high
            """
        }
        let rules = try RuleFixture.ruleSet(
            RuleFixture.yaml(name: "failed", detection: "sel:\n  responseStatus.code: 401\ncondition: sel"),
            correlation("by-source", groupBy: "sourceIPs"), correlation("by-user", groupBy: "user.username"))
        // Each request counted under two keys: its address and its user, in some 200 groups.
        let text = (1...300).map { number in
            var event = EventLine(auditID: EventLine.auditID(number), received: Self.evening + Int64(number) * 1_000_000)
            event.user = "user-\(number % 97)"
            event.sourceIPs = ["203.0.113.\(number % 101)"]
            event.code = 401
            return event.json + "\n"
        }.joined()
        try directory.write("logs/audit.log", text)
        let run = try nightly(at: 1, rules: rules)
        let open = try run.openCorrelationRequests.decoded()
        #expect(open.map(\.auditID).sorted() == (1...300).map(EventLine.auditID))
        #expect(open.allSatisfy { $0.correlationIDs.count == 2 })

        // A state written before that, with each request twice: counted, and carried on, once.
        try StateStore(path: state).commit(CarriedRequestStorageTests.record(open + open))
        let next = try nightly(at: 2, rules: rules)
        #expect(next.totals.eventsRead == 0)
        #expect(try next.openCorrelationRequests.decoded().map(\.auditID).sorted() == (1...300).map(EventLine.auditID))
    }

    @Test("An episode reported, then going on in the next run, is shown as continuing it, never as new",
          arguments: [64 << 20, 1])
    func continuedEpisode(matchMemoryBytes: Int) throws {
        let rules = try Self.catalog.get()
        try addFailures(1...12, from: Self.evening)
        let first = try nightly(at: 1, rules: rules, matchMemoryBytes: matchMemoryBytes)
        let reported = try #require(first.findings.first { $0.rule.name == "api-brute-force" })
        #expect(reported.count == 12)

        try addFailures(13...16, from: Self.evening + 12 * 30_000_000)
        let second = try nightly(at: 2, rules: rules, matchMemoryBytes: matchMemoryBytes)
        let continued = try #require(second.findings.first { $0.rule.name == "api-brute-force" })
        #expect(continued.count == 16)
        #expect(continued.continues == reported.id)
        #expect(second.history?.newFindings.contains(continued.id) == false)
        #expect(second.history?.continued == 1)

        // Nothing new: the episode, still in the carried window, is not reported a third time.
        let third = try nightly(at: 3, rules: rules, matchMemoryBytes: matchMemoryBytes)
        #expect(third.findings.isEmpty)
        #expect(third.history?.alreadyReported == 1)
    }

    @Test("Dispositions are shown with the finding, and a false positive is no control exception")
    func dispositions() throws {
        let rules = try Self.catalog.get()
        try addFailures(1...12, from: Self.evening)
        let reported = try #require(try nightly(at: 1, rules: rules).findings.first { $0.rule.name == "api-brute-force" })
        let at = Timestamp(microseconds: Self.evening + 86_400_000_000)
        try StateStore(path: state).dispose(findingID: reported.id,
                                            Disposition(kind: .falsePositive, by: "bob", at: at, reason: "load test"))
        #expect(throws: StateError.unknownFinding("0123456789abcdef")) {
            try StateStore(path: state).dispose(findingID: "0123456789abcdef",
                                                Disposition(kind: .acknowledged, by: "bob", at: at, reason: "x"))
        }

        try addFailures(13...14, from: Self.evening + 12 * 30_000_000)
        var session = try StateSession(store: StateStore(path: state), incremental: true)
        var options = AnalysisOptions(paths: [directory.path("logs")], workers: 2)
        options.rules = rules
        options.compliance = ComplianceConfiguration(library: try ControlLibrary.builtIn.get())
        var discovered = Pipeline.discover(options)
        try session.prepare(&discovered, options: &options)
        let second = Pipeline.run(discovered, options: options, logger: Analysis.quietLogger)
        let continued = try #require(second.findings.first { $0.rule.name == "api-brute-force" })
        #expect(continued.disposition == Disposition(kind: .falsePositive, by: "bob", at: at, reason: "load test"))
        let controls = try #require(second.compliance).frameworks.flatMap(\.families).flatMap(\.controls)
        #expect(!controls.isEmpty)
        #expect(!controls.contains { $0.findings.contains(continued.id) })
        #expect(controls.contains { $0.relatedFindings.contains(continued.id) })
    }
}
