import ArgumentParser
import Crypto
import Foundation
import KubeSiftCore
import Logging

extension KubeSift {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the bundles of `analyze --shard-index N --shard-count M` into the report one run would write.",
            discussion: """
                EXAMPLES:
                  kubesift merge --expect 8 out/shard-*  --output-dir out
                  kubesift merge --expect 8 out/ --output-dir out --fail-on high
                  kubesift merge --expect 8 out/ --output-dir out --allow-incomplete

                Checks that the bundles are of one run (tool version, rules, options, window, listing) \
                and intact (the SHA-256 in each manifest), that each input was read by exactly one shard, \
                then deduplicates requests read by two shards, runs correlations over every shard's \
                matches in event time, and writes the same files as `analyze`, with the shards' \
                command, plus merge-manifest.json with the SHA-256 of every shard manifest. When the \
                shards read a --state, the merge is its only writer: it checks the state is the one \
                they read, carries open correlation windows in, and records the run.

                \(KubeSiftExitCode.helpTable)
                """)

        @Option(help: ArgumentHelp("How many shards the run had: every one of them must be given.", valueName: "M"))
        var expect: Int

        @Argument(help: ArgumentHelp("Shard bundles (shard-NNNN-of-MMMM directories), or directories holding them.",
                                     valueName: "bundle"))
        var bundles: [String]

        @OptionGroup var output: OutputOptions
        @OptionGroup var clusterReports: ClusterReportOptions

        @Flag(help: "Write the report even when shards are missing: their inputs are listed as not analyzed (exit code 5).")
        var allowIncomplete = false

        @OptionGroup var matchMemory: MatchMemoryOptions

        @Option(help: ArgumentHelp("Exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical).",
                                   valueName: "severity"))
        var failOn: Severity?

        @Option(help: ArgumentHelp(
            "The state the shards read (their --state), which the merge alone writes: it records the run there, and refuses a state that changed since the shards read it. Default: the shards' --state.",
            valueName: "file"))
        var state: String?

        @Option(help: ArgumentHelp(
            "After the merge, POST the run's JSON summary to this http(s) URL, as `analyze --notify` does.", valueName: "url"))
        var notify: String?

        @Option(help: ArgumentHelp("Seconds to wait for the --notify endpoint, per attempt (3 attempts).", valueName: "seconds"))
        var notifyTimeout: Double = 10

        func validate() throws {
            guard expect >= 1 else { throw ValidationError("--expect takes the shard count, at least 1.") }
            guard !bundles.isEmpty else { throw ValidationError("Give the shard bundles to merge.") }
            try StateOptions.validate(notify: notify, timeout: notifyTimeout)
        }

        func run() throws {
            let started = Date()
            LoggingSystem.bootstrap { _ in StandardErrorLogHandler(logLevel: output.quiet ? .error : .warning) }
            let logger = Logger(label: "kubesift")
            func fail(_ message: String, _ code: KubeSiftExitCode) -> Error {
                logger.error("\(message)")
                return code.exitCode
            }

            let set: ShardSet
            var manifestDigests: [Int: String] = [:]
            do {
                let read = try ShardBundle.read(try bundleDirectories(), matchMemoryBytes: matchMemory.bytes)
                for bundle in read { manifestDigests[bundle.manifest.shardIndex] = bundle.manifestSHA256 }
                set = try ShardSet(read.map { ($0.manifest, $0.content) }, expected: expect)
            } catch {
                throw fail("\(error)", .configuration)
            }
            if !set.missingShards.isEmpty {
                let message = "\(set.missingShards.count) of \(expect) shards have no bundle: \(set.missingShards.map(String.init).joined(separator: ", "))"
                guard allowIncomplete else { throw fail(message + " (--allow-incomplete writes the report anyway)", .shardsMissing) }
                logger.warning("\(message); their \(set.missingFiles.count) inputs are reported as not analyzed")
            }

            // The shards' own command gives the rules, the compliance mapping and the report's parameters.
            let reference = set.manifests[0]
            let analyze: Analyze
            let rules: RuleSet
            let compliance: ComplianceConfiguration?
            do {
                guard let parsed = try KubeSift.parseAsRoot(reference.arguments) as? Analyze else {
                    throw ValidationError("the bundles' command is not `analyze`: \(reference.arguments.joined(separator: " "))")
                }
                analyze = parsed
                rules = try analyze.rules.ruleSet(builtInExamples: false)
                compliance = try analyze.compliance.configuration(rules: rules)
            } catch {
                throw fail("cannot load the shards' configuration: \(error)", .configuration)
            }
            guard rules.sha256 == reference.rulesSHA256 else {
                throw fail("the rules here are not the ones the shards ran (rule-set SHA-256 \(rules.sha256), shards \(reference.rulesSHA256))",
                           .configuration)
            }

            if !output.force, let existing = ReportOutput.descriptions.map(\.name).first(where: {
                FileManager.default.fileExists(atPath: output.outputDir + "/" + $0)
            }) {
                throw fail("\(output.outputDir) already holds a report (\(existing)); pass --force to replace it", .outputExists)
            }
            var nightly = analyze.nightly
            nightly.notify = notify
            nightly.notifyTimeout = notifyTimeout
            let session = try openSession(&nightly, set: set, logger: logger)
            let history = try session.map { session in try StateOptions.orExit(logger) { () throws(StateError) in try session.history() } }
            let result: AnalysisResult
            let clusters: [(String?, AnalysisResult)]
            do {
                (result, clusters) = clusterReports.perCluster
                    ? try ClusterReports.results(set.contents, window: reference.window, rules: rules, compliance: compliance,
                                                 missingFiles: set.missingFiles, matchMemoryBytes: matchMemory.bytes,
                                                 history: history)
                    : (try ShardMerge.result(of: set.contents, window: reference.window, rules: rules, compliance: compliance,
                                             missingFiles: set.missingFiles, matchMemoryBytes: matchMemory.bytes,
                                             history: history), [])
            } catch {
                throw fail("\(error)", .configuration)
            }
            let clock = Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
            let generatedAt = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init)
                .map { Timestamp(unixSeconds: $0) } ?? clock
            let parameters = analyze.reportParameters(now: reference.now ?? clock, commandLine: ["kubesift"] + reference.arguments)
            // The run began when its first shard did (or at the shards' --now, as a single run's does).
            let firstStart = set.manifests.map(\.startedAt).min() ?? clock
            let runStart = (try? analyze.window.resolvedNow(clock: firstStart)) ?? firstStart
            let seconds = Double(clock.microseconds - firstStart.microseconds) / 1e6
            let code = set.missingShards.isEmpty ? KubeSiftExitCode.of(result, failOn: failOn) : .shardsMissing
            let ledger = session?.ledgerEntry(for: result, startedAt: runStart, seconds: seconds, exitCode: code.rawValue)
            let written: [String]
            do {
                try ReportDirectory.prepare(output.outputDir)
                var document = ReportDocument(result: result, parameters: parameters, generatedAt: generatedAt, rules: rules)
                document.ledger = session.flatMap { nightly.ledgerSection($0, current: ledger!) }
                let report = try output.reportOutput()
                written = try report.write(document, to: output.outputDir)
                    + ClusterReports.write(clusters, parameters: parameters, generatedAt: generatedAt, rules: rules, report: report,
                                           into: output.outputDir)
                try AtomicFileWriter.write(try MergeManifest(set, manifestDigests: manifestDigests).encoded(), to: output.outputDir + "/" + MergeManifest.name)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                logger.error("\(error)")
                nightly.recordFailure(session, result: result, startedAt: runStart, seconds: seconds, logger: logger)
                throw KubeSiftExitCode.outputError.exitCode
            }
            if !output.quiet {
                StandardError.write(RunSummary(result: result, directory: output.outputDir, files: written + [MergeManifest.name],
                                               seconds: Date().timeIntervalSince(started)).text)
            }

            if code == .nothingAnalyzed {
                let unchanged = session?.unchanged.count ?? 0
                logger.warning("\(unchanged > 0 ? "no input is new since the last run (\(unchanged) unchanged)" : "no audit event was analyzed")")
            }
            var final = code
            if let session, let ledger, !nightly.commit(session, result: result, ledger: ledger, logger: logger) {
                final = .stateError
            }
            nightly.notify(result: result, exitCode: final, report: output.outputDir, files: written, logger: logger)
            if final != .success { throw final.exitCode }
        }

        /// Opens and locks the state the shards read, when they read one, and takes what they noted
        /// of the inputs. Refuses a state the shards did not read: what they passed over, and where
        /// they resumed, would not be what it records.
        private func openSession(_ nightly: inout StateOptions, set: ShardSet, logger: Logger) throws -> StateSession? {
            let reference = set.manifests[0]
            guard let read = reference.stateSHA256 else {
                guard state == nil else {
                    logger.error("the shards read no state (their command has no --state): a merge records a run only in the state its shards read")
                    throw KubeSiftExitCode.configuration.exitCode
                }
                return nil
            }
            if let state { nightly.state = state }
            guard var session = try nightly.openSession(logger: logger) else { return nil }
            guard session.inputs.sha256 == read else {
                logger.error("the state \(session.store.path) is not the one the shards read: a run was recorded in it since they started, or it is another state; run the shards again")
                throw KubeSiftExitCode.configuration.exitCode
            }
            var modified: [String: Int64] = [:]
            for content in set.contents {
                for (file, time) in content.modified { modified[content.listing[file].path] = time }
            }
            session.adopt(modified: modified, unchanged: set.contents[0].unchanged)
            return session
        }

        /// The bundles named, and those inside directories named (a shared output directory).
        private func bundleDirectories() throws(ShardBundleError) -> [String] {
            var directories: [String] = []
            for path in bundles {
                let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
                if FileManager.default.fileExists(atPath: trimmed + "/manifest.json"),
                   FileManager.default.fileExists(atPath: trimmed + "/requests.bin") {
                    directories.append(trimmed)
                    continue
                }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: trimmed)) ?? []
                let inside = names.filter { $0.hasPrefix("shard-") }.sorted().map { trimmed + "/" + $0 }
                guard !inside.isEmpty else { throw .unreadable(trimmed, "manifest.json") }
                directories += inside
            }
            return directories
        }
    }
}

/// `merge-manifest.json`: the chain of custody from the shards to the report.
struct MergeManifest: Encodable {
    static let name = "merge-manifest.json"

    struct Shard: Encodable {
        var index: Int
        var manifestSHA256: String
        var startedAt: Timestamp
        var finishedAt: Timestamp
    }

    var format = "kubesift.merge/v1"
    var toolVersion = KubeSiftVersion.current
    var expectedShards: Int
    var missingShards: [Int]
    var shards: [Shard]
    /// A SHA-256 over the shard manifests' SHA-256, in shard order.
    var rootSHA256: String

    /// - Parameter manifestDigests: the SHA-256 of each shard's `manifest.json` as read, by shard index.
    init(_ set: ShardSet, manifestDigests: [Int: String]) {
        shards = set.manifests.map { manifest in
            Shard(index: manifest.shardIndex, manifestSHA256: manifestDigests[manifest.shardIndex] ?? "",
                  startedAt: manifest.startedAt, finishedAt: manifest.finishedAt)
        }
        expectedShards = set.manifests[0].shardCount
        missingShards = set.missingShards
        rootSHA256 = SHA256.hash(data: Array(shards.map(\.manifestSHA256).joined(separator: "\n").utf8)).lowercaseHex
    }

    func encoded() throws -> [UInt8] {
        try SortedJSONEncoder(prettyPrinted: true).encode(self) + [0x0A]
    }
}
