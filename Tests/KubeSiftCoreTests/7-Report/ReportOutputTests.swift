import Foundation
import Testing
@testable import KubeSiftCore

/// The report of the bundled samples, in every format, from one document.
@Suite struct ReportOutputTests {
    static let generatedAt = Timestamp(unixSeconds: 1_795_305_600)

    /// The samples' main cluster (the one `samples/README.md` counts) analysed as `kubesift analyze`
    /// does: built-in rules, every framework.
    static let cluster = Peers.samples + "/shop-prod"

    static func document(workers: Int = 2, generatedAt: Timestamp = generatedAt, cluster: String = cluster) throws
        -> ReportDocument
    {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)
        let library = try ControlLibrary.load(extraPaths: [])
        let result = Analysis.run([cluster], workers: workers) {
            $0.rules = rules
            $0.compliance = ComplianceConfiguration(library: library)
        }
        var parameters = ReportDocument.Parameters(paths: [cluster], cluster: nil, clusterFromDirectory: false, since: nil,
                                                   until: nil, now: nil, maximumRecordBytes: 64 << 20, maximumNesting: 4)
        parameters.commandLine = ["kubesift", "analyze", cluster]
        return ReportDocument(result: result, parameters: parameters, generatedAt: generatedAt, rules: rules)
    }

    static func text(_ files: [(name: String, bytes: [UInt8])], _ name: String) -> String {
        String(decoding: files.first { $0.name == name }?.bytes ?? [], as: UTF8.self)
    }

    @Test("The same input and options give byte-identical files, decoded on one thread or on four")
    func deterministic() throws {
        let one = try ReportOutput().render(Self.document(workers: 1))
        let four = try ReportOutput().render(Self.document(workers: 4))
        #expect(one.map(\.name) == four.map(\.name))
        #expect(one.count == ReportOutput.descriptions.count - 2, "every format but the manifest and the ledger (with a state only)")
        for (left, right) in zip(one, four) {
            #expect(left.bytes == right.bytes, "\(left.name) differs between runs")
        }
    }

    @Test("The generation time is the only thing that differs between two generations")
    func onlyTheTimeDiffers() throws {
        let later = Timestamp(unixSeconds: 1_795_392_000)
        let first = try ReportOutput().render(Self.document())
        let second = try ReportOutput().render(Self.document(generatedAt: later))
        for (left, right) in zip(first, second) {
            let replaced = String(decoding: left.bytes, as: UTF8.self)
                .replacingOccurrences(of: Self.generatedAt.description, with: later.description)
                .replacingOccurrences(of: ReportFormatting.time(Self.generatedAt), with: ReportFormatting.time(later))
            #expect(Array(replaced.utf8) == right.bytes, "\(left.name) differs by more than the generation time")
        }
    }

    @Test("The SHA-256 of the inputs is what sha256sum, sort and sha256sum compute from the files")
    func inputsDigestIsReproducible() throws {
        let document = try Self.document()
        let paths = document.inputs.map { "'\($0.path)'" }.joined(separator: " ")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "sha256sum \(paths) | LC_ALL=C sort | sha256sum"]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(String(output.prefix(64)) == document.inputsSHA256)
        let files = FileManager.default.enumerator(atPath: Self.cluster)!.compactMap { $0 as? String }
            .filter { !$0.hasSuffix("README.md") && !FileManager.default.isDirectory(Self.cluster + "/" + $0) }
        #expect(document.inputs.count == files.count)
    }

    @Test("Cloud operations, records passed over and the formats read are in the HTML and Markdown reports")
    func cloudShapesReported() throws {
        let document = try Self.document(cluster: Peers.samples + "/shop-gke")
        let model = ReportModel(document)
        #expect(!model.completeness.cloudOperations.isEmpty)
        #expect(model.completeness.passedOver.contains { $0.reason == "cloud-operation" })
        #expect(model.completeness.formats.contains { $0.label == "gke" })
        let files = try ReportOutput().render(document)
        for name in ["report.html", "report.md"] {
            let text = Self.text(files, name)
            #expect(text.contains("ClusterManager.CreateNodePool"), "\(name) lists the cloud operations")
            #expect(text.contains("cloud-operation"), "\(name) lists the records passed over")
        }
    }

    @Test("A name with a backslash or newline is escaped as sha256sum escapes it")
    func manifestLinesMatchSha256sum() throws {
        let directory = try TemporaryDirectory()
        let name = "odd\\name\nwith newline"
        try directory.write(name, "x")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "cd \"$1\" && sha256sum -- *", "sh", directory.path]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        let sha = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        #expect(output == InputManifest.line(path: name, sha256: sha))
        #expect(InputManifest.line(path: "plain", sha256: sha) == "\(sha)  plain\n")
    }

    @Test("Registers list the findings of their categories; the failures register counts every denied request")
    func registers() throws {
        let document = try Self.document()
        let model = ReportModel(document)
        let findings = document.detections.findings
        let sensitive = findings.filter { [.secretAccess, .execAttach].contains($0.rule.category) }
        #expect(model.sensitiveAccess.rows.map(\.finding.text) == sensitive.map(\.id))
        #expect(!sensitive.isEmpty)
        #expect(model.sensitiveAccess.rows.contains { $0.rule == "secret-enumeration-burst" }, "the planted secret sweep")
        #expect(model.identityChanges.rows.contains { $0.rule == "role-wildcard" }, "the planted wildcard ClusterRole")
        #expect(model.systemChanges.rows.contains { $0.rule == "webhook-failure-policy-ignore" }, "the planted fail-open webhook")
        #expect(model.authFailures.rows.contains { $0.rule == "api-brute-force" }, "the planted brute force")
        // Denied requests counted two ways: by response code, and per hour.
        let byCode = model.authFailures.tables[0].rows.reduce(0) { $0 + $1.requests }
        #expect(byCode == document.activity.hourly.reduce(0) { $0 + $1.denied })
        #expect(byCode == 55, "samples/README.md: 55 denied (401/403)")
        let privileged = findings.filter { ReportModel.Registers.privilegedCategories.contains($0.rule.category) }
        #expect(model.privileged.rows.reduce(0) { $0 + $1.findings } == privileged.count)
        #expect(Set(model.privileged.rows.map { "\($0.day) \($0.identity)" }).count == model.privileged.rows.count,
                "one row per identity and day")
        let totals = Dictionary(uniqueKeysWithValues: model.sensitiveAccess.totals.map { ($0.resource, $0.requests) })
        #expect(totals["secrets"] == ReportFormatting.count(document.activity.resources.first { $0.name == "secrets" }!.requests))
    }

    @Test("New identities are the users first seen after the first quarter of the period")
    func newIdentities() throws {
        let document = try Self.document()
        let model = ReportModel(document)
        let first = document.summary.firstEvent!.microseconds, last = document.summary.lastEvent!.microseconds
        let baseline = first + (last - first) / 4
        let expected = document.activity.users.filter { $0.firstSeen!.microseconds > baseline }.map(\.name)
        #expect(Set(model.activity.newIdentities.map(\.name)) == Set(expected))
        #expect(model.activity.newIdentities.map(\.name).contains("system:serviceaccount:ci:deployer"))
    }

    @Test("The HTML report has a row for every control and an entry for every finding, each with its anchor")
    func htmlCoversEverything() throws {
        let document = try Self.document()
        let html = Self.text(try ReportOutput(formats: [.html]).render(document), "report.html")
        let controls = document.compliance!.frameworks.flatMap(\.families).flatMap(\.controls).count
        #expect(html.components(separatedBy: "<tr id=\"control-").count - 1 == controls)
        for finding in document.detections.findings {
            #expect(html.components(separatedBy: "<article class=\"finding\" id=\"finding-\(finding.id)\"").count == 2)
        }
        for reference in Set(document.detections.findings.flatMap { $0.controls ?? [] }) {
            let anchor = ReportModel.controlLink(reference).anchor
            #expect(html.contains("<tr id=\"\(anchor)\""), "\(reference) is linked but has no row")
        }
    }

    @Test("CSV files hold every finding, control and statistic, one per row")
    func csvCoversEverything() throws {
        let document = try Self.document()
        let files = try ReportOutput(formats: [.csv]).render(document)
        #expect(files.map(\.name) == CSVReport.names.filter { $0 != CSVReport.ledgerName }, "the ledger is written with a state only")
        func records(_ name: String) throws -> [[String]] { try CSVRecords.parse(Self.text(files, name)) }
        #expect(try records("findings.csv").count == document.detections.findings.count + 1)
        #expect(try records("findings.csv").dropFirst().map { $0[0] } == document.detections.findings.map(\.id))
        #expect(try records("controls.csv").count == document.compliance!.frameworks.flatMap(\.families).flatMap(\.controls).count + 1)
        #expect(try records("activity-users.csv").count == document.activity.users.count + 1)
        #expect(try records("activity-hourly.csv").count == document.activity.hourly.count + 1)
        #expect(try records("inputs.csv").dropFirst().map { $0[3] } == document.inputs.map { $0.sha256 ?? "" })
    }

    @Test("Time chart: an axis top that is round and not far above the peak; a bar per hour, empty hours included")
    func charts() {
        #expect([1, 2, 3, 7, 10, 11, 104, 121, 999, 1001].map(ReportModel.TimeChart.niceCeiling)
            == [1, 2, 5, 10, 10, 12, 120, 150, 1000, 1200])
        let hour: Int64 = 3_600_000_000
        let start = Timestamp(unixSeconds: 1_795_305_600)
        let chart = ReportModel.TimeChart([
            .init(hour: start, requests: 10, denied: 2),
            .init(hour: Timestamp(microseconds: start.microseconds + 3 * hour), requests: 120, denied: 0),
        ])
        #expect(chart.bars.count == 4)
        #expect(chart.bars[3].height == "184.0", "the peak reaches the top of the plot: 120 of an axis of 120")
        #expect(chart.bars[1].height == "0.0")
        #expect(chart.gridlines.map(\.label) == ["0", "60", "120"])
        #expect(ReportModel.TimeChart([]).empty)
    }
}

private extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
