import ArgumentParser
import Foundation
import KubeSiftCore

/// `analyze` as one shard of many (a Kubernetes Indexed Job, an AWS Batch or Argo array job).
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Run as shard N of --shard-count: read only the inputs assigned to it and write a bundle for `kubesift merge` into --output-dir (default: $JOB_COMPLETION_INDEX, $AWS_BATCH_JOB_ARRAY_INDEX).",
        valueName: "N"))
    var shardIndex: Int?

    @Option(help: ArgumentHelp("How many shards the inputs are split over (default: $SHARD_COUNT, $AWS_BATCH_JOB_ARRAY_SIZE).",
                               valueName: "M"))
    var shardCount: Int?

    @Option(help: ArgumentHelp(
        "Assign inputs in size-balanced bins from this listing (`SIZE PATH` lines, paths below the input directory; `aws s3 ls --recursive` output works), the same file for every shard. Default: by a hash of each path.",
        valueName: "file"))
    var listing: String?

    @Option(help: ArgumentHelp(
        "An id shared by the shards of one run and unknown to whoever writes the logs (the Job's uid), which seeds request fingerprints (default: $KUBESIFT_RUN_ID).",
        valueName: "id"))
    var runId: String?

    /// The options that only say which shard this is: left out of the command the bundle records.
    static let names: Set<String> = ["--shard-index", "--shard-count", "--listing", "--run-id"]

    /// Shard `index` of `count`, resolved from the options and the scheduler's environment.
    struct Plan {
        var index: Int
        var count: Int
        var attempt: Int?
    }

    /// The options as given; the environment is read when the command runs (a merge parses the
    /// shards' command in a pod that may set $SHARD_COUNT for other reasons).
    func validate() throws {
        if let shardCount { try Self.check(index: shardIndex ?? 0, count: shardCount) }
    }

    private static func check(index: Int, count: Int) throws {
        guard (1...100_000).contains(count) else { throw ValidationError("The shard count must be from 1 to 100000, not \(count).") }
        guard (0..<count).contains(index) else {
            throw ValidationError("The shard index must be from 0 to \(count - 1) (0 ≤ N < M), not \(index).")
        }
    }

    /// The shard this process is, or nil when no shard count is set (a single run).
    ///
    /// - Throws: a ``ValidationError`` when the index is missing or out of range.
    func plan(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Plan? {
        let count = shardCount ?? environment["SHARD_COUNT"].flatMap(Int.init)
            ?? environment["AWS_BATCH_JOB_ARRAY_SIZE"].flatMap(Int.init)
        guard let count else {
            if shardIndex != nil || listing != nil { throw ValidationError("--shard-index and --listing need --shard-count (or $SHARD_COUNT).") }
            return nil
        }
        let index = shardIndex ?? environment["JOB_COMPLETION_INDEX"].flatMap(Int.init)
            ?? environment["AWS_BATCH_JOB_ARRAY_INDEX"].flatMap(Int.init)
        guard let index else {
            throw ValidationError("A shard count is set but no shard index: pass --shard-index (or $JOB_COMPLETION_INDEX).")
        }
        try Self.check(index: index, count: count)
        return Plan(index: index, count: count, attempt: environment["AWS_BATCH_JOB_ATTEMPT"].flatMap(Int.init))
    }

    func resolvedRunID(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        runId ?? environment["KUBESIFT_RUN_ID"] ?? ""
    }

    /// `arguments` without the shard options and their values.
    static func strip(_ arguments: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
            } else if names.contains(argument) {
                skipNext = true
            } else if !names.contains(where: { argument.hasPrefix($0 + "=") }) {
                kept.append(argument)
            }
        }
        return kept
    }
}
