import Foundation
import KubeSiftCore
import Logging

/// One report per cluster, from one pass over every cluster's inputs.
enum ClusterReports {
    /// The directory a cluster's report goes into; inputs without a cluster go under `_unlabelled`.
    static func directory(_ cluster: String?, in output: String) -> String {
        output + "/clusters/" + (cluster ?? "_unlabelled")
    }

    /// The combined result and one per cluster, from shards' contents (one, for a single process).
    ///
    /// - Parameter history: what earlier runs left, when a state is kept. A cluster's report leaves
    ///   out what was reported before and shows dispositions, but counts no request carried in: the
    ///   state does not say which cluster one came from. The combined result carries them.
    static func results(_ contents: [ShardContent], window: TimeWindow, rules: RuleSet, compliance: ComplianceConfiguration?,
                        missingFiles: Set<Int> = [], matchMemoryBytes: Int, history: RunHistory? = nil) throws(ShardBundleError)
        -> (combined: AnalysisResult, clusters: [(String?, AnalysisResult)])
    {
        let listing = contents.first?.listing ?? []
        var clusterHistory = history
        clusterHistory?.carried = CarriedRequestBlocks()
        let clusters = try (contents.first?.clusters ?? []).map { cluster throws(ShardBundleError) in
            let parts = contents.map { $0.restricted(toCluster: cluster, bounded: !window.isUnbounded) }
            let kept = listing.indices.filter { listing[$0].cluster == cluster }
            let missing = Set(kept.indices.filter { missingFiles.contains(kept[$0]) })
            return (cluster, try ShardMerge.result(of: parts, window: window, rules: rules, compliance: compliance, missingFiles: missing,
                                                   matchMemoryBytes: matchMemoryBytes, history: clusterHistory))
        }
        // Last: it takes the matches the clusters' parts only read.
        let combined = try ShardMerge.result(of: contents, window: window, rules: rules, compliance: compliance,
                                             missingFiles: missingFiles, matchMemoryBytes: matchMemoryBytes, history: history)
        return (combined, clusters)
    }

    /// Writes each cluster's report; returns the directories written, relative to `output`.
    static func write(_ clusters: [(String?, AnalysisResult)], parameters: ReportDocument.Parameters, generatedAt: Timestamp,
                      rules: RuleSet, report: ReportOutput, into output: String) throws -> [String]
    {
        try clusters.map { cluster, result in
            let directory = directory(cluster, in: output)
            try ReportDirectory.prepare(directory)
            _ = try report.write(ReportDocument(result: result, parameters: parameters, generatedAt: generatedAt, rules: rules),
                                 to: directory)
            return String(directory.dropFirst(output.count + 1)) + "/"
        }
    }
}

extension KubeSift.Analyze {
    /// The analysis, and with `--per-cluster` one result per cluster too: read once, in the shard
    /// form the merge takes, then merged whole and per cluster.
    func analyzeByCluster(_ discovered: InputDiscoverer.Result, options: AnalysisOptions, progress: ProgressCounters,
                          logger: Logger) throws -> (AnalysisResult, [(String?, AnalysisResult)])
    {
        guard clusterReports.perCluster else { return (Pipeline.run(discovered, options: options, progress: progress, logger: logger), []) }
        let content = Pipeline.shard(discovered, assigned: Array(discovered.files.indices), options: options, seeds: .random(),
                                     progress: progress, logger: logger)
        do {
            return try ClusterReports.results([content], window: options.window, rules: options.rules, compliance: options.compliance,
                                              matchMemoryBytes: options.matchMemoryBytes, history: options.history)
        } catch {
            // The requests are this process's own, in memory: a refusal is a bug, not bad input.
            logger.error("internal error: \(error)")
            throw KubeSiftExitCode.internalError.exitCode
        }
    }
}
