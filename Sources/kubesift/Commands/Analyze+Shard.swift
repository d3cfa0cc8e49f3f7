import ArgumentParser
import Crypto
import Foundation
import KubeSiftCore
import Logging

extension KubeSift.Analyze {
    /// Shard mode: every error becomes an exit code a scheduler can act on (see ``KubeSiftExitCode``):
    /// a bundle that could not be written is retryable, anything else about the configuration is not.
    func runAsShard() throws {
        do {
            try analyze()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StandardError.write("kubesift: \(error)\n")
            throw KubeSiftExitCode.configuration.exitCode
        }
    }

    /// The report's record of how it was made; a merge rebuilds it from the shards' command.
    func reportParameters(now: Timestamp, commandLine: [String]) -> ReportDocument.Parameters {
        var parameters = ReportDocument.Parameters(
            paths: inputs.paths, cluster: inputs.cluster, clusterFromDirectory: inputs.clusterFromDir,
            since: window.since, until: window.until, now: window.usesRelativeTime ? now : nil,
            maximumRecordBytes: inputs.maxRecordMib << 20, maximumNesting: inputs.maxNesting, format: inputs.format)
        parameters.commandLine = commandLine
        return parameters
    }

    /// Reads this shard's inputs and writes its bundle into `--output-dir`. Exits 0 whenever the
    /// bundle is written, findings or unreadable inputs included: `--fail-on` is the merge's.
    func writeShard(_ plan: ShardOptions.Plan, options: AnalysisOptions, now: Timestamp, logger: Logger) throws {
        guard !window.usesRelativeTime || window.now != nil else {
            throw ValidationError("As a shard, a relative --since or --until needs --now: every shard must resolve the same window.")
        }
        // A shard sees part of the run: the merge, which sees all of it, sends the notification.
        guard nightly.notify == nil else {
            throw ValidationError("As a shard, --notify is not taken: give it to `kubesift merge`, which sends the run's notification.")
        }
        let started = Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
        var discovered = Pipeline.discover(options)
        // With a state, a shard reads a snapshot of it (no lock, nothing written: the merge is the
        // state's only writer) and passes over what earlier runs read, as every other shard does.
        var options = options
        var known = KnownInputs()
        var stateSHA256: String?
        if let path = nightly.statePath {
            known = KnownInputs(try StateOptions.orExit(logger) { () throws(StateError) in
                try StateStore.snapshot(at: path)?.knownInputs() ?? [:]
            })
            stateSHA256 = known.sha256
            options.resumePoints = known.passOver(&discovered, incremental: nightly.incremental ?? true)
        }
        var listingBytes: [UInt8]?
        var assignment = ShardAssignment.pathHash
        if let path = shards.listing {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--listing \(path) cannot be read.")
            }
            listingBytes = Array(data)
            assignment = .listing(try ShardAssignment.parseListing(String(decoding: data, as: UTF8.self)))
        }
        let assigned = try assignment.assigned(discovered.files, roots: inputs.paths, index: plan.index, count: plan.count)
        let arguments = ShardOptions.strip(Array(CommandLine.arguments.dropFirst()))
        let optionsDigest = SHA256.hash(data: Array(arguments.joined(separator: "\u{0}").utf8)).lowercaseHex
        let runID = shards.resolvedRunID()
        if runID.isEmpty {
            logger.warning("no --run-id or $KUBESIFT_RUN_ID: request fingerprints are seeded from the command alone, which whoever writes the logs may know")
        }
        var content = Pipeline.shard(discovered, assigned: assigned, options: options,
                                     seeds: ShardSeeds.derive(runID: runID, optionsDigest: optionsDigest), logger: logger)
        if stateSHA256 != nil {
            content.modified = Dictionary(uniqueKeysWithValues: assigned.map { ($0, known.modified[discovered.files[$0].path] ?? 0) })
            content.unchanged = known.unchanged
        }
        let manifest = ShardManifest(
            shardIndex: plan.index, shardCount: plan.count, attempt: plan.attempt, rulesSHA256: options.rules.sha256,
            optionsSHA256: optionsDigest, runIDSHA256: ShardSeeds.digest(runID: runID),
            listingSHA256: ShardBundle.listingDigest(discovered, unchanged: known.unchanged, listingFile: listingBytes),
            assignment: shards.listing == nil ? "path-hash" : "listing", window: options.window,
            now: window.usesRelativeTime ? now : nil, stateSHA256: stateSHA256, arguments: arguments, startedAt: started,
            finishedAt: Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000)))
        let bundle: String
        do {
            try ReportDirectory.prepare(output.outputDir)
            bundle = try ShardBundle.write(content, manifest: manifest, into: output.outputDir)
        } catch {
            logger.error("\(error)")
            throw KubeSiftExitCode.temporaryFailure.exitCode
        }
        if !output.quiet {
            let bytes = assigned.reduce(Int64(0)) { $0 + discovered.files[$1].size }
            let passedOver = known.unchanged.isEmpty ? "" : " (\(known.unchanged.count) more passed over, unchanged since an earlier run)"
            StandardError.write("kubesift: shard \(plan.index) of \(plan.count): \(assigned.count) of \(discovered.files.count) inputs\(passedOver) (\(ByteCount(bytes))), \(content.requests.count) distinct requests → \(bundle)\n")
        }
    }
}
