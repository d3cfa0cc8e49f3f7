import Foundation

/// Everything one analysis depends on, as one value passed down from the command line.
package struct AnalysisOptions: Sendable {
    /// Files and directories to read.
    package var paths: [String]
    package var cluster: String?
    package var clusterFromDirectory = false
    package var window = TimeWindow.unbounded
    /// Decode threads; by default one per core.
    package var workers: Int
    package var readLimits = ReadLimits()
    /// Bytes per chunk handed to a decoder.
    package var chunkBytes = 1 << 20
    /// A record (line, or document value) longer than this is skipped, not held.
    package var maximumRecordBytes = 64 << 20
    /// Memory the request index may use before it spills time slots to disk (see ``Deduplicator``).
    package var indexMemoryBytes = 32 << 20
    /// Bytes of rule matches (mostly what correlations count) held in memory, during the read pass
    /// and again during assembly, before the rest is written to a temporary file.
    package var matchMemoryBytes = defaultMatchMemoryBytes
    package static let defaultMatchMemoryBytes = 64 << 20
    /// The format of every record (`--format`); nil: found per file, and per record where files are mixed.
    package var format: SourceFormat?
    /// The detection rules to run; none by default (the command line passes the catalog).
    package var rules = RuleSet.empty
    /// The control catalogs, frameworks and scopes to compute control statuses with; none by default.
    package var compliance: ComplianceConfiguration?
    /// With a state (incremental runs): where earlier runs left each content, to skip what they read.
    package var resumePoints: ResumePoints?
    /// With a state: what earlier runs leave to this one (open correlation windows, findings
    /// reported, dispositions).
    package var history: RunHistory?
    /// Microseconds without events that make a gap in a cluster's log (`--gap`); nil: learned per
    /// cluster from its own rate.
    package var gapThreshold: Int64?

    package init(paths: [String], workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.paths = paths
        self.workers = max(1, workers)
    }
}
