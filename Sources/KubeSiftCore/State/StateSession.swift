/// One analysis run with a state: what it passes over and resumes before the pipeline runs, and what
/// it commits after. A sharded run splits it: each shard passes over inputs from a snapshot
/// (``KnownInputs/passOver(_:incremental:)``), and the merge, the state's only writer, takes what they noted
/// (``adopt(modified:unchanged:)``), carries the history in, and commits.
package struct StateSession {
    package let store: StateStore
    /// Read only what is new (the default with a state), or everything again (a full re-run of a period).
    package let incremental: Bool
    package private(set) var inputs: KnownInputs
    /// Every run recorded before this one.
    package let earlierRuns: [LedgerEntry]
    /// Every disposition recorded, with the finding it concerns.
    package let dispositions: [(finding: ReportedFinding, disposition: Disposition)]

    package init(store: StateStore, incremental: Bool) throws(StateError) {
        self.store = store
        self.incremental = incremental
        inputs = KnownInputs(try store.knownInputs())
        earlierRuns = try store.ledger()
        dispositions = try store.dispositionHistory()
    }

    /// Inputs passed over because an earlier run read them and they have not changed since.
    package var unchanged: [String] { inputs.unchanged }

    /// Passes over the inputs that have not changed since an earlier run read them (incremental runs
    /// only), and tells the pipeline where to resume the others and what earlier runs left open.
    package mutating func prepare(_ discovered: inout InputDiscoverer.Result, options: inout AnalysisOptions) throws(StateError) {
        options.resumePoints = inputs.passOver(&discovered, incremental: incremental)
        options.history = try history()
    }

    /// What earlier runs leave to this one: the requests of open windows, the findings reported and
    /// the dispositions.
    package func history() throws(StateError) -> RunHistory {
        var history = try store.history()
        if !incremental {
            // Everything is read again: nothing is carried in, and what was reported is shown again.
            history.carried = CarriedRequestBlocks()
            history.showsReported = true
        }
        return history
    }

    /// What the shards of a run noted as they passed over inputs (see ``KnownInputs/adopt(modified:unchanged:)``).
    package mutating func adopt(modified: [String: Int64], unchanged: [String]) {
        inputs.adopt(modified: modified, unchanged: unchanged)
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
        let read = result.inputs.compactMap { input -> KnownInput? in
            guard let modified = inputs.modified[input.path], input.sha256 != nil else { return nil }
            return KnownInput(path: input.path, size: input.size, modified: modified, sha256: input.sha256,
                              position: input.position)
        }
        let findings = result.findings.map {
            ReportedFinding(id: $0.id, episode: $0.episode, ruleID: $0.rule.id, title: $0.rule.title)
        }
        try store.commit(RunRecord(ledger: entry, inputs: read, openRequests: result.openCorrelationRequests,
                                   findings: findings))
    }

    /// A run that could not finish: the ledger shows it, and nothing it read counts as read.
    package func recordFailure(_ entry: LedgerEntry) throws(StateError) {
        try store.recordFailure(entry)
    }
}
