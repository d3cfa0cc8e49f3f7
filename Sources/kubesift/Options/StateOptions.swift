import ArgumentParser
import Foundation
import KubeSiftCore
import Logging

/// Nightly runs: the state kept between runs, and the notification sent after one.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Keep the state of nightly runs in this SQLite file: inputs read and how far, open correlation windows, findings reported, dispositions, the review ledger. Reads only what is new (see --incremental).",
        valueName: "file"))
    var state: String?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Read only inputs and tails that no earlier run read (the default with --state; without it, uses $XDG_STATE_HOME/kubesift/state.sqlite). --no-incremental reads everything again: a full re-run of the period, still recorded in the state."))
    var incremental: Bool?

    @Option(help: ArgumentHelp(
        "After the run, POST a JSON summary to this http(s) URL (counts by severity, new findings, exit status, report path, and a Slack-compatible `text`). A failure is a warning.",
        valueName: "url"))
    var notify: String?

    @Option(help: ArgumentHelp("Seconds to wait for the --notify endpoint, per attempt (3 attempts).", valueName: "seconds"))
    var notifyTimeout: Double = 10

    @Option(help: ArgumentHelp("Days of the review ledger the report shows, up to this run.", valueName: "days"))
    var ledgerDays = 31

    func validate() throws {
        if state != nil || incremental != nil || notify != nil {
            guard ledgerDays > 0 else { throw ValidationError("--ledger-days must be at least 1.") }
        }
        try Self.validate(notify: notify, timeout: notifyTimeout)
    }

    /// Checks `--notify` and `--notify-timeout`, for `analyze` and `merge`.
    static func validate(notify: String?, timeout: Double) throws {
        guard timeout > 0 else { throw ValidationError("--notify-timeout must be more than 0 seconds.") }
        if let notify, URL(string: notify).flatMap({ ["http", "https"].contains($0.scheme?.lowercased() ?? "") }) != true {
            throw ValidationError("--notify '\(notify)' is not an http or https URL.")
        }
    }

    /// The state file this run uses: `--state`, or the default when only `--incremental` is given.
    var statePath: String? {
        state ?? (incremental == true ? Self.defaultStatePath : nil)
    }

    /// `$XDG_STATE_HOME/kubesift/state.sqlite`, `~/.local/state/kubesift/state.sqlite` when it is not set.
    static var defaultStatePath: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/state")
        return (base as NSString).appendingPathComponent("kubesift/state.sqlite")
    }

    /// Opens and locks the state, or nil when no state is kept.
    func openSession(logger: Logger) throws -> StateSession? {
        guard let path = statePath else { return nil }
        return try Self.orExit(logger) { () throws(StateError) in
            try StateSession(store: StateStore(path: path), incremental: incremental ?? true)
        }
    }

    /// Runs `body`, turning a state error into its message and exit code.
    static func orExit<T>(_ logger: Logger, _ body: () throws(StateError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            logger.error("\(error)")
            switch error {
            case .locked: throw KubeSiftExitCode.temporaryFailure.exitCode
            case .unknownFinding: throw KubeSiftExitCode.usage.exitCode
            case .unusable: throw KubeSiftExitCode.stateError.exitCode
            }
        }
    }
}

extension StateOptions {
    /// Passes over what earlier runs read, and hands the pipeline what they left open.
    func prepare(_ session: inout StateSession?, _ discovered: inout InputDiscoverer.Result, _ options: inout AnalysisOptions,
                 logger: Logger) throws {
        guard session != nil else { return }
        try Self.orExit(logger) { () throws(StateError) in try session!.prepare(&discovered, options: &options) }
        if let unchanged = session?.unchanged.count, unchanged > 0 {
            logger.notice("\(unchanged) input\(unchanged == 1 ? "" : "s") unchanged since an earlier run; not read again")
        }
    }

    /// The ledger the report shows: the runs of the last `--ledger-days` days, this one included.
    func ledgerSection(_ session: StateSession, current: LedgerEntry) -> ReportDocument.Ledger {
        ReportDocument.Ledger(runs: session.earlierRuns + [current], days: ledgerDays, dispositions: session.dispositions)
    }

    /// Commits the run to the state. Returns false (after saying why) when it could not.
    func commit(_ session: StateSession, result: AnalysisResult, ledger: LedgerEntry, logger: Logger) -> Bool {
        do {
            try session.commit(result, entry: ledger)
            return true
        } catch {
            logger.error("\(error); the report was written, but this run is not recorded: the next run reads its inputs again")
            return false
        }
    }

    /// Records a run whose report could not be written; it is not a review, and what it read is read again.
    func recordFailure(_ session: StateSession?, result: AnalysisResult, startedAt: Timestamp, seconds: Double, logger: Logger) {
        guard let session else { return }
        let entry = session.ledgerEntry(for: result, startedAt: startedAt, seconds: seconds,
                                        exitCode: KubeSiftExitCode.outputError.rawValue, failed: true)
        do { try session.recordFailure(entry) } catch { logger.error("\(error)") }
    }

    /// Posts the run's summary to `--notify`, if given.
    func notify(result: AnalysisResult, exitCode: KubeSiftExitCode, report: String, files: [String], logger: Logger) {
        guard let notify, let url = URL(string: notify) else { return }
        let main = ["report.html", "report.md", "report.json"].first(where: files.contains) ?? files.first ?? ""
        let summary = RunNotification(result: result, exitCode: exitCode.rawValue, status: exitCode.meaning,
                                      report: (report as NSString).appendingPathComponent(main))
        guard let body = try? SortedJSONEncoder().encode(summary) else { return }
        Notifier(url: url, timeout: notifyTimeout).post(body, logger: logger)
    }
}
