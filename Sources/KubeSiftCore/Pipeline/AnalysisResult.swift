/// What an analysis found: the inputs and how they read, where every event went, and the activity.
///
/// Built only from the counts each stage returned, so that the numbers in a report always add up:
/// events read = outside the window + without a time (when a window is set) + duplicates + distinct.
package struct AnalysisResult: Sendable {
    package var window: TimeWindow
    package var inputs: [InputSummary]
    package var totals: Totals
    /// Records skipped, by reason, with the first few locations of each.
    package var skipped: [SkipReason: SkipSummary]
    /// Records passed over (something else by design, not lost data), by reason.
    package var passedOver: [PassOverReason: PassSummary] = [:]
    /// Cloud control-plane operations found among the records, in time order (at most
    /// ``cloudOperationsListed``; `totals.cloudOperations` counts them all).
    package var cloudOperations: [CloudOperation] = []
    package var activity: ActivityStats
    /// What the rules found, in report order.
    package var findings: [Finding] = []
    /// Every control of the frameworks shown, with its computed status; nil when no compliance
    /// mapping was asked for.
    package var compliance: ComplianceResult?
    /// Per cluster: gaps, clock anomalies, PCI DSS 10.2.2 fields and days covered.
    package var completeness = CompletenessResult(clusters: [], limits: [])
    /// How often the request index spilled a time slot to disk to stay within its memory budget.
    /// Depends on thread timing, so it is shown to the operator but kept out of reports.
    package var indexSpills = 0
    /// How often rule matches were written to disk to stay within their memory budget (kept out of
    /// reports like ``indexSpills``).
    package var matchSpills = 0
    /// With a state: the requests whose correlation windows are still open at the end, for the next run.
    package var openCorrelationRequests = CarriedRequestBlocks()
    /// With a state: what the earlier runs changed in this one.
    package var history: HistoryOutcome?

    package struct Totals: Sendable, Equatable, Codable {
        package var inputFiles = 0
        package var inputBytes: Int64 = 0
        package var decompressedBytes: Int64 = 0
        package var eventsRead = 0
        package var eventsOutsideWindow = 0
        package var eventsWithoutTime = 0
        package var duplicateEvents = 0
        package var distinctEvents = 0
        package var distinctRequests = 0
        package var recordsSkipped = 0
        package var recordsPassedOver = 0
        package var cloudOperations = 0
        package var inputsWithDataLoss = 0
        package var firstEvent: Timestamp?
        package var lastEvent: Timestamp?
    }

    package struct SkipSummary: Sendable, Equatable {
        package var count = 0
        package var samples: [EventProvenance] = []
        /// The count by the format the record was in (as far as it could be told).
        package var byFormat: [SourceFormat: Int] = [:]
    }

    package struct PassSummary: Sendable, Equatable {
        package var count = 0
        package var byFormat: [SourceFormat: Int] = [:]
    }

    /// The most cloud operations listed; beyond it they are only counted.
    package static let cloudOperationsListed = 1_000

    /// Whether some input could not be read in full: the run is partial (exit code 2).
    package var isPartial: Bool { totals.inputsWithDataLoss > 0 || totals.recordsSkipped > 0 }
}

/// One input file in the evidence inventory.
package struct InputSummary: Sendable, Equatable {
    package var path: String
    package var cluster: String?
    package var size: Int64
    package var sha256: String?
    package var container: String
    package var compressions: [String]
    package var members: [MemberSummary]
    package var eventsRead = 0
    package var firstEvent: Timestamp?
    package var lastEvent: Timestamp?
    /// Events read, by the format they came in.
    package var formats: [SourceFormat: Int] = [:]
    package var skipped: [SkipReason: Int] = [:]
    /// Records skipped, by format and reason.
    package var skippedByFormat: [SourceFormat: [SkipReason: Int]] = [:]
    package var passedOver: [PassOverReason: Int] = [:]
    package var problems: [InputProblem]
    /// With a state: where an earlier run left the file's text (what was skipped), and where this run leaves it.
    package var resumedFrom: ReadPosition? = nil
    package var position: ReadPosition? = nil
}

/// One text member of an input file.
package struct MemberSummary: Sendable, Equatable {
    package var name: String?
    package var compressions: [String]
    package var decompressedBytes: Int64
    package var lines = 0
    package var eventsRead = 0
    package var firstEvent: Timestamp?
    package var lastEvent: Timestamp?
}
