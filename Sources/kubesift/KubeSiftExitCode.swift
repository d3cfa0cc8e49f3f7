import ArgumentParser
import KubeSiftCore

/// Every exit code `kubesift` uses, in one place, for `--help`, the README and the tests.
enum KubeSiftExitCode: Int32, CaseIterable {
    /// The analysis ran to completion on every input.
    case success = 0
    /// `analyze --fail-on`: a finding at or above the given severity; `rules test`/`rules validate`:
    /// an example failed or a rule file has a problem.
    case findingsOrFailures = 1
    /// The analysis ran, but some input was unreadable or damaged, or some records were skipped:
    /// the report is partial and its data-quality section says what is missing.
    case partialInput = 2
    /// Nothing was analyzed: no input was found, or no event fell in the time window.
    case nothingAnalyzed = 3
    /// `merge`: a shard's bundle is missing. Without `--allow-incomplete` no report is written;
    /// with it, the report lists the missing shard's inputs as not analyzed.
    case shardsMissing = 5
    /// The command line was wrong (swift-argument-parser's EX_USAGE).
    case usage = 64
    /// The state file cannot be read or written: not a KubeSift state, damaged, unwritable
    /// (sysexits' EX_DATAERR). Nothing of the run was recorded in it.
    case stateError = 65
    /// An internal error.
    case internalError = 70
    /// The output directory already holds a report, and `--force` was not given (sysexits' EX_CANTCREAT).
    case outputExists = 73
    /// An output file could not be written.
    case outputError = 74
    /// Try again later (sysexits' EX_TEMPFAIL): another run holds the state file, and this one was
    /// refused before reading anything; or, as a shard, `analyze` could not write its bundle (I/O, a
    /// full volume), and a retry may succeed.
    case temporaryFailure = 75
    /// `analyze` as a shard, `merge`: the configuration is wrong (a shard index out of range, a
    /// listing that misses an input, rules that do not load, bundles of different runs); a retry
    /// cannot help. With 64, the exit codes a `podFailurePolicy` should `FailIndex` on.
    case configuration = 78

    var exitCode: ExitCode { ExitCode(rawValue) }

    /// What an analysis that wrote its report exits with: an empty run before findings at or above
    /// `failOn`, findings before a partial read.
    static func of(_ result: AnalysisResult, failOn: Severity?) -> KubeSiftExitCode {
        if result.totals.distinctEvents == 0 { return .nothingAnalyzed }
        if let failOn, result.findings.contains(where: { $0.rule.severity >= failOn }) { return .findingsOrFailures }
        return result.isPartial ? .partialInput : .success
    }

    var meaning: String {
        switch self {
        case .success: "analysis complete"
        case .findingsOrFailures: "analyze --fail-on: a finding at or above that severity; rules test/validate: a failure"
        case .partialInput: "analysis complete, but some input was unreadable or damaged (see the data-quality section)"
        case .nothingAnalyzed: "nothing analyzed: no input found, or no event in the time window"
        case .shardsMissing: "merge: a shard's bundle is missing (--allow-incomplete: the report marks its inputs not analyzed)"
        case .usage: "usage error"
        case .stateError: "the state file cannot be read or written; nothing of this run was recorded in it"
        case .internalError: "internal error"
        case .outputExists: "the output directory already holds a report (--force replaces it)"
        case .outputError: "an output file could not be written"
        case .temporaryFailure: "another run holds the state file (refused before reading anything), or a shard's bundle could not be written: a retry may succeed"
        case .configuration: "analyze as a shard, merge: a configuration error; a retry cannot help"
        }
    }

    static var helpTable: String {
        "EXIT CODES:\n" + allCases.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.meaning)" }
            .joined(separator: "\n")
            // A cron job must see an empty run before it sees a partial one.
            + "\n  When several apply: 74, then 65, then 5, then 3, then 1, then 2. 64, 73 and 75 for a locked state (and 65 when the state cannot be opened) stop the run before it reads anything."
            + "\n  As a shard, analyze exits 0 whenever its bundle is written, 75 (a retry may succeed) or 78 (it cannot) otherwise."
    }
}

import Foundation
