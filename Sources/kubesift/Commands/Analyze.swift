import ArgumentParser
import Foundation
import KubeSiftCore
import Logging

extension KubeSift {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyze audit archives and write the report: HTML, Markdown, CSV and JSON.",
            discussion: """
                EXAMPLES:
                  kubesift analyze samples/
                  kubesift analyze /var/log/kube-audit --since 24h --output-dir reports/$(date +%F)
                  kubesift analyze s3-sync/ --cluster-from-dir --since 2026-11-01 --until 2026-12-01
                  kubesift analyze fluent-bit-out/ --format fluent
                  kubesift analyze logs/ --rules my-rules/ --disable secrets-list --fail-on high
                  kubesift analyze logs/ --frameworks pci-dss,soc2 --scope cde=payments,checkout-*
                  kubesift analyze logs/ --format html,csv --output-dir review/ --force

                Time windows compare requestReceivedTimestamp, in UTC; --until is exclusive. \
                SOURCE_DATE_EPOCH, when set, is the report's generation time: the same input and \
                options then give byte-identical files.

                \(KubeSiftExitCode.helpTable)
                """)

        @OptionGroup var inputs: InputOptions
        @OptionGroup var matchMemory: MatchMemoryOptions
        @OptionGroup var window: TimeWindowOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup(title: "Detection rules") var rules: RuleOptions
        @OptionGroup(title: "Compliance mapping") var compliance: ComplianceOptions
        @OptionGroup(title: "Nightly runs") var nightly: StateOptions
        @OptionGroup(title: "Completeness") var completeness: CompletenessOptions

        @OptionGroup(title: "Scale-out") var shards: ShardOptions
        @OptionGroup var clusterReports: ClusterReportOptions

        @Option(help: ArgumentHelp("Exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical).",
                                   valueName: "severity"))
        var failOn: Severity?

        func run() throws {
            try shards.plan() == nil ? analyze() : runAsShard()
        }

        func analyze() throws {
            let level: Logger.Level = output.quiet ? .warning : output.verbose ? .notice : .warning
            LoggingSystem.bootstrap { _ in StandardErrorLogHandler(logLevel: level) }
            let logger = Logger(label: "kubesift")

            let stopwatch = ContinuousClock()
            let began = stopwatch.now
            let clock = Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
            let now = try window.resolvedNow(clock: clock)
            var options = AnalysisOptions(paths: inputs.paths, workers: inputs.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            options.cluster = inputs.cluster
            options.clusterFromDirectory = inputs.clusterFromDir
            options.format = inputs.format
            options.window = try window.window(now: now)
            options.maximumRecordBytes = inputs.maxRecordMib << 20
            options.readLimits.maximumNesting = inputs.maxNesting
            options.readLimits.maximumExpansion = inputs.maxExpansion
            options.readLimits.gzipInflater = inputs.gzipInflater
            options.indexMemoryBytes = inputs.indexMemoryMib << 20
            options.matchMemoryBytes = matchMemory.bytes
            options.rules = try rules.ruleSet(builtInExamples: false)
            options.compliance = try compliance.configuration(rules: options.rules)
            options.gapThreshold = completeness.gapThreshold
            let report = try output.reportOutput()
            logger.notice("time: rules and control catalogs \(Pipeline.seconds(stopwatch.now - began))")
            if let plan = try shards.plan() { return try writeShard(plan, options: options, now: now, logger: logger) }

            if !output.force, let existing = ReportOutput.existingReport(in: output.outputDir) {
                logger.error("\(output.outputDir) already holds a report (\(existing)); pass --force to replace it, or choose another --output-dir")
                throw KubeSiftExitCode.outputExists.exitCode
            }
            var session = try nightly.openSession(logger: logger)
            // The output directory exists (with its marker) before discovery, so a report written
            // inside an input directory is never read back as input.
            do {
                try ReportDirectory.prepare(output.outputDir)
            } catch {
                logger.error("\(error)")
                throw KubeSiftExitCode.outputError.exitCode
            }

            let started = Date()
            var discovered = Pipeline.discover(options)
            let preparing = stopwatch.now
            try nightly.prepare(&session, &discovered, &options, logger: logger)
            if session != nil { logger.notice("time: state read \(Pipeline.seconds(stopwatch.now - preparing))") }
            let counters = ProgressCounters(totalInputBytes: Int(discovered.files.reduce(0) { $0 + $1.size }),
                                            totalFiles: discovered.files.count)
            let reporter = output.progress == .never || output.quiet
                ? nil
                : ProgressReporter(counters: counters, live: StandardError.isTerminal || output.progress == .always)
            reporter?.start()
            let (result, clusters) = try analyzeByCluster(discovered, options: options, progress: counters, logger: logger)
            reporter?.stop()
            let seconds = Date().timeIntervalSince(started)

            let generatedAt = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init)
                .map { Timestamp(unixSeconds: $0) } ?? clock
            // The program by its name, not its path: the same command gives the same report wherever the binary is.
            let parameters = reportParameters(now: now, commandLine: ["kubesift"] + CommandLine.arguments.dropFirst())
            let code = exitCode(result, discovered: discovered, unchanged: session?.unchanged.count ?? 0, options: options,
                                logger: logger)
            let ledger = session?.ledgerEntry(for: result, startedAt: now, seconds: seconds, exitCode: code.rawValue)
            let written: [String]
            let rendering = stopwatch.now
            do {
                var document = ReportDocument(result: result, parameters: parameters, generatedAt: generatedAt,
                                              rules: options.rules)
                document.ledger = session.flatMap { nightly.ledgerSection($0, current: ledger!) }
                written = try report.write(document, to: output.outputDir)
                    + ClusterReports.write(clusters, parameters: parameters, generatedAt: generatedAt, rules: options.rules,
                                           report: report, into: output.outputDir)
            } catch {
                logger.error("\(error)")
                nightly.recordFailure(session, result: result, startedAt: now, seconds: seconds, logger: logger)
                throw KubeSiftExitCode.outputError.exitCode
            }
            logger.notice("time: report \(Pipeline.seconds(stopwatch.now - rendering))")
            if !output.quiet {
                StandardError.write(RunSummary(result: result, directory: output.outputDir, files: written, seconds: seconds).text)
            }
            var final = code
            let committing = stopwatch.now
            if let session, let ledger {
                if !nightly.commit(session, result: result, ledger: ledger, logger: logger) { final = .stateError }
                logger.notice("time: state written \(Pipeline.seconds(stopwatch.now - committing))")
            }
            nightly.notify(result: result, exitCode: final, report: output.outputDir, files: written, logger: logger)
            // The process ends here, everything written: returning would free the analysis one
            // object at a time (20 ms of a run over 512 MB), which the exit does at once.
            Foundation.exit(final.rawValue)
        }

        private func exitCode(_ result: AnalysisResult, discovered: InputDiscoverer.Result, unchanged: Int,
                              options: AnalysisOptions, logger: Logger) -> KubeSiftExitCode {
            let code = KubeSiftExitCode.of(result, failOn: failOn)
            if code == .nothingAnalyzed {
                let reason = discovered.files.isEmpty
                    ? (unchanged > 0 ? "no input is new since the last run (\(unchanged) unchanged)" : "no input files found")
                    : "no audit event was analyzed" + (options.window.isUnbounded ? "" : " in the time window")
                logger.warning("\(reason)")
            }
            return code
        }
    }
}

/// The directory reports are written into.
enum ReportDirectory {
    static func prepare(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: path, code: EACCES)
        }
        let marker = path + "/" + InputDiscoverer.outputMarker
        if !FileManager.default.fileExists(atPath: marker) {
            try AtomicFileWriter.write(Array("Written by kubesift; never read as input.\n".utf8), to: marker)
        }
    }
}
