import Foundation
import Testing

/// End-to-end: the real binary on real-shaped inputs, asserting exit codes, stderr and report.json.
@Suite struct AnalyzeCommandTests {
    @Test func analyzesTheBundledSamplesAsTheReadmeDemoDoes() throws {
        let scratch = try ScratchDirectory()
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--cluster-from-dir", "--output-dir", scratch.path("out")],
                                             environment: ["SOURCE_DATE_EPOCH": "1795000000"])
        #expect(outcome.exitCode == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.isEmpty, "stdout carries data only; the summary goes to stderr")
        #expect(outcome.stderr.contains("report:   \(scratch.path("out"))/report.html (and 18 more files; manifest.json lists them)"))
        // The samples' planted clock step, and the quiet hours between their incidents, are said on stderr too.
        #expect(outcome.stderr.contains("completeness: 11 gaps in the log (longest 10 h 51 min in shop-aks"))
        #expect(outcome.stderr.contains("1 clock anomaly; see the report's Completeness section"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json")))) as! [String: Any]
        let summary = report["summary"] as! [String: Any]
        // samples/.truth.json is written by the independent Python generator of the samples.
        let truth = try JSONSerialization.jsonObject(
            with: Data(contentsOf: KubeSiftRunner.repositoryRoot.appendingPathComponent("samples/.truth.json"))) as! [String: Any]
        #expect(summary["eventsRead"] as? Int == truth["events"] as? Int)
        #expect(summary["distinctEvents"] as? Int == truth["distinct_events"] as? Int)
        #expect(summary["distinctRequests"] as? Int == truth["distinct_requests"] as? Int)
        #expect(report["schema"] as? String == "kubesift.report/v1")
        // Each input is labelled with its cluster directory and lists its events by format.
        let formats = truth["formats"] as! [String: [String: Int]]
        for input in report["inputs"] as! [[String: Any]] {
            let path = input["path"] as! String
            guard let relative = path.split(separator: "samples/", maxSplits: 1).last.map(String.init),
                  let expected = formats[relative] else { continue }
            #expect(input["cluster"] as? String == String(relative.prefix { $0 != "/" }), "\(path)")
            #expect(input["formats"] as? [String: Int] == expected, "\(path)")
        }
        #expect(summary["cloudOperations"] as? Int == truth["cloud_operations"] as? Int)
        #expect((report["cloudOperations"] as? [[String: Any]])?.count == truth["cloud_operations"] as? Int)
        #expect(outcome.stderr.contains("formats:"))
    }

    /// ISA-L inflates `.gz` inputs by default; the hidden `--gzip-inflater libarchive` (for benchmarks)
    /// reads the samples to the same report, but for the command line it records and the id made from it.
    @Test func bothGzipInflatersWriteTheSameReportOfTheSamples() throws {
        let scratch = try ScratchDirectory()
        var reports: [[String: Any]] = []
        for inflater in ["isal", "libarchive"] {
            let outcome = try KubeSiftRunner.run(["analyze", "samples", "--cluster-from-dir", "--format", "json",
                                                  "--gzip-inflater", inflater, "-o", scratch.path(inflater)],
                                                 environment: ["SOURCE_DATE_EPOCH": "1795000000"])
            #expect(outcome.exitCode == 0, "\(inflater): \(outcome.stderr)")
            var report = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: scratch.path("\(inflater)/report.json")))) as! [String: Any]
            report["parameters"] = nil
            report["reportID"] = nil
            reports.append(report)
        }
        #expect(NSDictionary(dictionary: reports[0]).isEqual(to: reports[1]))
        let wrong = try KubeSiftRunner.run(["analyze", "samples", "--gzip-inflater", "zlib", "-o", scratch.path("wrong")])
        #expect(wrong.exitCode == 64, "\(wrong.stderr)")
    }

    @Test("--verbose says how long each stage took; without it, nothing is said of time")
    func verboseTimesTheStages() throws {
        let scratch = try ScratchDirectory()
        let aks = KubeSiftRunner.repositoryRoot.appendingPathComponent("samples/shop-aks/insights-logs-kube-audit.tar.gz").path
        let verbose = try KubeSiftRunner.run(["analyze", aks, "--verbose", "-o", scratch.path("verbose")])
        #expect(verbose.exitCode == 0, "\(verbose.stderr)")
        let stages = verbose.stderr.split(separator: "\n").filter { $0.contains("time: ") }
        #expect(stages.count == 3, "\(verbose.stderr)")
        for stage in ["rules and control catalogs", "read pass", "assembly", "compliance", "report"] {
            #expect(stages.contains { $0.range(of: stage + #" \d+\.\d{3} s"#, options: .regularExpression) != nil }, "\(stage)")
        }
        let plain = try KubeSiftRunner.run(["analyze", aks, "-o", scratch.path("plain")])
        #expect(!plain.stderr.contains("time: "))
    }

    @Test func aGivenFormatIsTheOnlyOneReadAndAnUnknownOneIsAUsageError() throws {
        let scratch = try ScratchDirectory()
        let aks = KubeSiftRunner.repositoryRoot.appendingPathComponent("samples/shop-aks/insights-logs-kube-audit.tar.gz").path
        let right = try KubeSiftRunner.run(["analyze", aks, "--input-format", "aks", "-o", scratch.path("right")])
        #expect(right.exitCode == 0, "\(right.stderr)")
        let wrong = try KubeSiftRunner.run(["analyze", aks, "--input-format", "gke", "-o", scratch.path("wrong")])
        #expect(wrong.exitCode == 3, "nothing analyzed: \(wrong.stderr)")
        #expect(wrong.stderr.contains("not in the format given with --format"))
        let unknown = try KubeSiftRunner.run(["analyze", aks, "--input-format", "cloudtrail", "-o", scratch.path("unknown")])
        #expect(unknown.exitCode == 64)
        #expect(unknown.stderr.contains("eks-firehose"), "the accepted values are listed")
    }

    @Test func twoRunsWriteByteIdenticalReports() throws {
        let scratch = try ScratchDirectory()
        // The same command line in two directories: the report records it, so it must be the same.
        let samples = KubeSiftRunner.repositoryRoot.appendingPathComponent("samples").path
        for name in ["a", "b"] {
            let directory = scratch.url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let outcome = try KubeSiftRunner.run(["analyze", samples, "-o", "out"], environment: ["SOURCE_DATE_EPOCH": "1795000000"],
                                                 in: directory)
            #expect(outcome.exitCode == 0)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path("a/out")).sorted()
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: scratch.path("b/out")).sorted()))
        #expect(files.count == 20, "every format, the manifest and the marker: \(files)")
        for file in files {
            let first = try Data(contentsOf: URL(fileURLWithPath: scratch.path("a/out/" + file)))
            let second = try Data(contentsOf: URL(fileURLWithPath: scratch.path("b/out/" + file)))
            #expect(first == second, "\(file) differs between runs")
            #expect(!first.isEmpty)
        }
    }

    @Test func damagedInputExitsTwoAndKeepsTheGoodEvents() throws {
        let scratch = try ScratchDirectory()
        let lines = (1...2000).map { auditLine(id: $0, at: "2026-11-21T03:00:00.000000Z") }
        try scratch.write("logs/audit.log", lines.joined(separator: "\n") + "\n")
        try scratch.shell("gzip -n logs/audit.log && head -c $(( $(stat -c%s logs/audit.log.gz) / 2 )) logs/audit.log.gz > logs/cut.log.gz && rm logs/audit.log.gz")
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("out")])
        #expect(outcome.exitCode == 2)
        #expect(outcome.stderr.contains("cut.log.gz"))
        #expect(outcome.stderr.contains("truncated"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json")))) as! [String: Any]
        let summary = report["summary"] as! [String: Any]
        let read = summary["eventsRead"] as! Int
        #expect(read > 0 && read < 2000, "the events before the damage are analyzed: \(read)")
        #expect(summary["partial"] as? Bool == true)
    }

    @Test func anEmptyDirectoryExitsThree() throws {
        let scratch = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path("empty"), withIntermediateDirectories: true)
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("empty"), "-o", scratch.path("out")])
        #expect(outcome.exitCode == 3)
        #expect(outcome.stderr.contains("no input files found"))
    }

    @Test func aWindowWithNoEventsExitsThree() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z") + "\n")
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"),
                                              "--since", "2h", "--now", "2026-11-22T00:00:00Z"])
        #expect(outcome.exitCode == 3)
        #expect(outcome.stderr.contains("in the time window"))
    }

    @Test func theWindowIsResolvedOnceAndWrittenIntoTheReport() throws {
        let scratch = try ScratchDirectory()
        let lines = ["2026-11-20T23:59:59.999999Z", "2026-11-21T00:00:00.000000Z", "2026-11-21T11:59:59.000000Z",
                     "2026-11-21T12:00:00.000000Z"].enumerated().map { auditLine(id: $0.offset, at: $0.element) }
        try scratch.write("audit.log", lines.joined(separator: "\n") + "\n")
        let outcome = try KubeSiftRunner.run(["analyze", scratch.path("audit.log"), "-o", scratch.path("out"),
                                              "--since", "1d", "--until", "12h", "--now", "2026-11-22T00:00:00Z"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("out/report.json")))) as! [String: Any]
        let window = report["window"] as! [String: Any]
        #expect(window["since"] as? String == "2026-11-21T00:00:00.000000Z")
        #expect(window["until"] as? String == "2026-11-21T12:00:00.000000Z")
        let summary = report["summary"] as! [String: Any]
        #expect(summary["distinctEvents"] as? Int == 2, "since is inclusive, until exclusive")
        #expect(summary["eventsOutsideWindow"] as? Int == 2)
    }

    @Test(arguments: ["yesterday", "5x", "1d-2h", "2026-13-01T00:00:00Z"])
    func aBadTimeIsAUsageErrorThatListsTheAcceptedForms(_ value: String) throws {
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "--since", value])
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains("'\(value)' is not a time"))
        #expect(outcome.stderr.contains("30s, 15m, 24h, 7d, 2w"))
    }

    @Test func anUnwritableOutputDirectoryExitsSeventyFour() throws {
        let scratch = try ScratchDirectory()
        let blocker = try scratch.write("not-a-directory", "x")
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "-o", blocker])
        #expect(outcome.exitCode == 74)
        #expect(outcome.stderr.contains("cannot write"))
    }

    @Test func helpListsEveryExitCode() throws {
        let outcome = try KubeSiftRunner.run(["analyze", "--help"])
        #expect(outcome.exitCode == 0)
        for code in ["0", "1", "2", "3", "64", "65", "70", "73", "74", "75"] {
            #expect(outcome.stdout.contains("\n  \(code) "), "exit code \(code) is documented in --help")
        }
    }

    @Test func theReportDirectoryIsNeverReadBackAsInput() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("logs/audit.log", auditLine(id: 1, at: "2026-11-21T03:00:00.000000Z") + "\n")
        for _ in 0..<2 {
            let outcome = try KubeSiftRunner.run(["analyze", scratch.path("logs"), "-o", scratch.path("logs/report"), "--force"])
            #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        }
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("logs/report/report.json")))) as! [String: Any]
        #expect((report["summary"] as! [String: Any])["inputFiles"] as? Int == 1)
    }
}
