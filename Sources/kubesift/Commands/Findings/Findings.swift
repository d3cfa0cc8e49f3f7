import ArgumentParser
import Foundation
import KubeSiftCore
import Logging

extension KubeSift {
    struct Findings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a reviewer's disposition of a finding in the state of nightly runs.",
            discussion: """
                The finding is named by its id (16 hex digits, in every report). The disposition is \
                stored in the state and shown with the finding in every later report that lists it, \
                and in the review ledger; a false positive is not counted as an exception to a control.

                EXAMPLES:
                  kubesift findings ack 3f2a9c0d1e4b5a6f --reason "planned maintenance, CHG-1042" --by alice --state kubesift.sqlite
                  kubesift findings false-positive 3f2a9c0d1e4b5a6f --reason "monitoring probe" --by bob --state kubesift.sqlite
                  kubesift findings incident 3f2a9c0d1e4b5a6f --reason "INC-77: stolen token" --by carol --state kubesift.sqlite
                """,
            subcommands: [Acknowledge.self, FalsePositive.self, Incident.self])
    }
}

/// What every disposition subcommand takes.
struct DispositionOptions: ParsableArguments {
    @Argument(help: "The finding's id, as a report shows it.")
    var id: String

    @Option(help: ArgumentHelp("Why: the justification or ticket, shown in later reports.", valueName: "text"))
    var reason: String

    @Option(help: ArgumentHelp("Who decided, shown in later reports.", valueName: "name"))
    var by: String

    @Option(help: ArgumentHelp("The state file the runs keep (default: $XDG_STATE_HOME/kubesift/state.sqlite).",
                               valueName: "file"))
    var state: String?

    @Option(help: ArgumentHelp("Record it as made at this RFC 3339 instant instead of the clock.", valueName: "time"))
    var now: String?

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why.") }
        if by.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--by must name who decided.") }
        if let now, Timestamp(rfc3339: now) == nil {
            throw ValidationError("--now '\(now)' is not an RFC 3339 time such as 2026-11-21T03:00:00Z.")
        }
    }

    /// Records the disposition and says so on stderr.
    func record(_ kind: Disposition.Kind) throws {
        LoggingSystem.bootstrap { _ in StandardErrorLogHandler(logLevel: .warning) }
        let logger = Logger(label: "kubesift")
        let at = now.flatMap(Timestamp.init(rfc3339:))
            ?? Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let path = state ?? StateOptions.defaultStatePath
        guard FileManager.default.fileExists(atPath: path) else {
            logger.error("no state at \(path): findings are recorded by `kubesift analyze --state FILE` first")
            throw KubeSiftExitCode.stateError.exitCode
        }
        let finding = try StateOptions.orExit(logger) { () throws(StateError) in
            try StateStore(path: path).dispose(findingID: id, Disposition(kind: kind, by: by, at: at, reason: reason))
        }
        StandardError.write("kubesift: \(finding.id) (\(StandardError.printable(finding.title))) marked \(kind.rawValue) by \(by)\n")
    }
}
