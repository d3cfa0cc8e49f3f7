import Foundation
import Testing
@testable import KubeSiftCore

/// The damaged-archive corpus of `scripts/generate-damaged-corpus.py`: the sample log broken in
/// every way the generator knows. For each file: no crash, no hang, every event the generator found
/// before (and after) the damage analyzed, none invented, and the damage counted with a clear message.
@Suite struct DamagedCorpusTests {
    /// One entry of `corpus.json`.
    struct Case: Decodable {
        var file: String
        var damage: String
        var minEvents: Int
        var maxEvents: Int
        /// Exact counts by reason; `nil` when any skips are allowed.
        var skipped: [String: Int]?
        /// Kinds of input problem any of which reports the damage; empty when there must be none.
        var problems: [String]
    }

    struct Corpus: Decodable {
        var events: Int
        var cases: [Case]
    }

    /// Each input must be analyzed within this time; a case past it is a hang.
    static let timeLimitPerInput: Duration = .seconds(60)

    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    @Test(.timeLimit(.minutes(10))) func everyDamagedInputKeepsItsGoodEventsAndCountsTheDamage() throws {
        let script = Peers.repositoryRoot.appendingPathComponent("scripts/generate-damaged-corpus.py").path
        try Fixture.run(["python3", script, directory.path])
        let corpus = try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: directory.url.appendingPathComponent("corpus.json")))
        #expect(corpus.cases.count >= 25)
        for entry in corpus.cases {
            let path = directory.path(entry.file)
            guard let result = Self.analyze(path, within: Self.timeLimitPerInput) else {
                Issue.record("\(entry.file) (\(entry.damage)) took longer than \(Self.timeLimitPerInput)")
                continue
            }
            check(result, of: entry, at: path, originalEvents: corpus.events)
        }
    }

    private func check(_ result: AnalysisResult, of entry: Case, at path: String, originalEvents: Int) {
        let name = "\(entry.file) (\(entry.damage))"
        let events = result.totals.eventsRead
        #expect(events >= entry.minEvents, "\(name): \(events) events, but \(entry.minEvents) lie outside the damage")
        #expect(events <= entry.maxEvents && events <= originalEvents, "\(name): \(events) events invented")
        let skipped = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.key.rawValue, $0.value.count) })
        if let expected = entry.skipped {
            #expect(skipped == expected, "\(name): skipped \(skipped)")
        }
        for (reason, summary) in result.skipped {
            #expect(summary.samples.allSatisfy { $0.file == path && $0.line > 0 },
                    "\(name): every \(reason.rawValue) sample says where it is")
        }
        let problems = result.problems.map(\.problem)
        if entry.problems.isEmpty {
            #expect(problems.isEmpty, "\(name): \(problems)")
        } else {
            #expect(problems.contains { entry.problems.contains($0.kind.rawValue) },
                    "\(name): expected one of \(entry.problems), got \(problems)")
        }
        for problem in problems {
            #expect(!problem.message.isEmpty && !problem.message.contains("\n"), "\(name): message \(problem.message)")
        }
        // Whatever was lost must show: the report is partial unless every event came through untouched.
        if events < originalEvents || !problems.isEmpty {
            #expect(result.isPartial, "\(name): data lost but the report is not marked partial")
        }
    }

    /// Runs the analysis of `path` on its own thread; `nil` when it does not finish within `limit`.
    private static func analyze(_ path: String, within limit: Duration) -> AnalysisResult? {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(Analysis.run([path]))
            done.signal()
        }
        let seconds = Double(limit.components.seconds)
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return box.get()
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: AnalysisResult?
        func set(_ value: AnalysisResult) { lock.withLock { result = value } }
        func get() -> AnalysisResult? { lock.withLock { result } }
    }
}
