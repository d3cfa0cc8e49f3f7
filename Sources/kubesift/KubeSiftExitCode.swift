import ArgumentParser

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
    /// Another run holds the state file (sysexits' EX_TEMPFAIL: try again later); nothing was read or written.
    case stateLocked = 75

    var exitCode: ExitCode { ExitCode(rawValue) }

    var meaning: String {
        switch self {
        case .success: "analysis complete"
        case .findingsOrFailures: "analyze --fail-on: a finding at or above that severity; rules test/validate: a failure"
        case .partialInput: "analysis complete, but some input was unreadable or damaged (see the data-quality section)"
        case .nothingAnalyzed: "nothing analyzed: no input found, or no event in the time window"
        case .usage: "usage error"
        case .stateError: "the state file cannot be read or written; nothing of this run was recorded in it"
        case .internalError: "internal error"
        case .outputExists: "the output directory already holds a report (--force replaces it)"
        case .outputError: "an output file could not be written"
        case .stateLocked: "another run holds the state file; this one was refused before reading anything"
        }
    }

    static var helpTable: String {
        "EXIT CODES:\n" + allCases.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.meaning)" }
            .joined(separator: "\n")
            // A cron job must see an empty run before it sees a partial one.
            + "\n  When several apply: 74, then 65, then 3, then 1, then 2. 64, 73 and 75 (and 65 when the state cannot be opened) stop the run before it reads anything."
    }
}

import Foundation
