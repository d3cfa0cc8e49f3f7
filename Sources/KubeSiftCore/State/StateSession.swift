import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One analysis run with a state: what it passes over and resumes before the pipeline runs, and what
/// it commits after.
package struct StateSession {
    package let store: StateStore
    /// Read only what is new (the default with a state), or everything again (a full re-run of a period).
    package let incremental: Bool
    private let known: [String: KnownInput]
    private var modified: [String: Int64] = [:]
    /// Inputs passed over because an earlier run read them and they have not changed since.
    package private(set) var unchanged: [String] = []
    /// Every run recorded before this one.
    package let earlierRuns: [LedgerEntry]
    /// Every disposition recorded, with the finding it concerns.
    package let dispositions: [(finding: ReportedFinding, disposition: Disposition)]

    package init(store: StateStore, incremental: Bool) throws(StateError) {
        self.store = store
        self.incremental = incremental
        known = try store.knownInputs()
        earlierRuns = try store.ledger()
        dispositions = try store.dispositionHistory()
    }

    /// Passes over the inputs that have not changed since an earlier run read them (incremental runs
    /// only), and tells the pipeline where to resume the others and what earlier runs left open.
    package mutating func prepare(_ discovered: inout InputDiscoverer.Result, options: inout AnalysisOptions) throws(StateError) {
        for file in discovered.files { modified[file.path] = Self.modificationTime(of: file.path) }
        var history = try store.history()
        if incremental {
            discovered.files.removeAll { file in
                guard let earlier = known[file.path], earlier.size == file.size, earlier.modified == modified[file.path]
                else { return false }
                unchanged.append(file.path)
                return true
            }
            options.resumePoints = ResumePoints(known.values.compactMap(\.position))
        } else {
            // Everything is read again: nothing is carried in, and what was reported is shown again.
            history.carried = []
            history.showsReported = true
        }
        options.history = history
    }

    /// The ledger row of this run.
    package func ledgerEntry(for result: AnalysisResult, startedAt: Timestamp, seconds: Double, exitCode: Int32,
                             failed: Bool = false) -> LedgerEntry {
        let status: LedgerEntry.Status = failed ? .failed
            : result.totals.distinctEvents == 0 ? .noNewEvents : result.isPartial ? .partial : .complete
        return LedgerEntry(
            run: (earlierRuns.map(\.run).max() ?? 0) + 1, startedAt: startedAt, durationMilliseconds: Int(seconds * 1000),
            since: result.window.since, until: result.window.until, inputsRead: result.totals.inputFiles,
            inputsUnchanged: unchanged.count, eventsRead: result.totals.eventsRead, requests: result.totals.distinctRequests,
            findings: result.findings.count, newFindings: result.history?.newFindings.count ?? result.findings.count,
            status: status, exitCode: Int(exitCode))
    }

    /// Commits what the run read and found, in one transaction.
    package func commit(_ result: AnalysisResult, entry: LedgerEntry) throws(StateError) {
        let inputs = result.inputs.compactMap { input -> KnownInput? in
            guard let modified = modified[input.path], input.sha256 != nil else { return nil }
            return KnownInput(path: input.path, size: input.size, modified: modified, sha256: input.sha256,
                              position: input.position)
        }
        let findings = result.findings.map {
            ReportedFinding(id: $0.id, episode: $0.episode, ruleID: $0.rule.id, title: $0.rule.title)
        }
        try store.commit(RunRecord(ledger: entry, inputs: inputs, openRequests: result.openCorrelationRequests,
                                   findings: findings))
    }

    /// A run that could not finish: the ledger shows it, and nothing it read counts as read.
    package func recordFailure(_ entry: LedgerEntry) throws(StateError) {
        try store.recordFailure(entry)
    }

    /// In microseconds since 1970; 0 when the file cannot be examined (it is then read, and fails there).
    private static func modificationTime(of path: String) -> Int64 {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return Int64(status.st_mtim.tv_sec) * 1_000_000 + Int64(status.st_mtim.tv_nsec) / 1_000
    }
}
