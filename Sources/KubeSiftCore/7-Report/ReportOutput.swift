import Crypto
import Foundation

/// The formats `analyze --format` chooses from. `manifest.json` is always written.
package enum ReportFormat: String, CaseIterable, Sendable, Comparable {
    /// `report.html`: one self-contained page.
    case html
    /// `report.md`.
    case md
    /// `findings.csv`, `controls.csv`, `inputs.csv` and one `activity-*.csv` per statistics table.
    case csv
    /// `report.json` and `findings.jsonl`.
    case json

    package static func < (lhs: Self, rhs: Self) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }

    /// Reads `html,md`-style lists (repeatable); no list means every format.
    ///
    /// - Throws: ``ReportFormatError`` naming a format that does not exist.
    package static func parse(_ arguments: [String]) throws(ReportFormatError) -> Set<ReportFormat> {
        let names = arguments.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return Set(allCases) }
        var formats = Set<ReportFormat>()
        for name in names {
            guard let format = ReportFormat(rawValue: name == "markdown" ? "md" : name) else { throw ReportFormatError(name: name) }
            formats.insert(format)
        }
        return formats
    }
}

/// A `--format` value that names no format.
package struct ReportFormatError: Error, CustomStringConvertible, Sendable {
    package var name: String
    package var description: String {
        "--format `\(name)`: formats are \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")) (comma-separated)"
    }
}

/// Everything a report directory holds, rendered from one ``ReportDocument``: the formats asked
/// for, and `manifest.json` with the SHA-256 of every input and every other file.
package struct ReportOutput: Sendable {
    package var formats: Set<ReportFormat>
    package var templates: ReportTemplates

    package init(formats: Set<ReportFormat> = Set(ReportFormat.allCases), templates: ReportTemplates = .builtIn) {
        self.formats = formats
        self.templates = templates
    }

    package static let manifestName = "manifest.json"
    package static let reportName = "report.json"

    /// Every file a report directory can hold, with what it is; the report's appendix and the
    /// README list them.
    package static var descriptions: [(name: String, what: String)] {
        [
            ("report.html", "The report for people: one self-contained page (no network), printable to PDF."),
            ("report.md", "The same report in Markdown."),
            (reportName, "Everything, for programs: the versioned kubesift.report/v1 document."),
            (FindingsFile.name, "One finding per line, with all its evidence references."),
            ("findings.csv", "One finding per row, with disposition columns for the reviewer (filled from the state when one was recorded)."),
            ("controls.csv", "Every control of every framework shown, with its status and findings."),
            ("inputs.csv", "The evidence inventory: every input with its size and SHA-256."),
        ]
            + ReportModel.statisticsTables.map { ($0.file, "Statistics, \($0.title.lowercased()): requests, denied requests, first and last seen.") }
            + [
                ("activity-hourly.csv", "Requests and denied requests per UTC hour."),
                ("activity-audit-levels.csv", "Requests per resource by the audit level they were logged at."),
                (CSVReport.completenessName, "Completeness per cluster: where logging starts and stops, gaps, clock anomalies, PCI DSS 10.2.2 fields, days covered."),
                (CSVReport.ledgerName, "The review ledger, one run per row (runs with --state only)."),
                (manifestName, "The SHA-256 of every input and of every other file of the report."),
            ]
    }

    /// The files of the chosen formats, manifest excluded, by name.
    ///
    /// The formats are independent of one another, so they are rendered on every core at once (a
    /// report of thousands of findings takes as long to render as to analyze), and put together in
    /// one fixed order.
    package func render(_ document: ReportDocument) throws -> [(name: String, bytes: [UInt8])] {
        let files = try renderDigested(document) { name in RenderedFile(name: name, destination: .memory([])) }
        return files.map { file in
            guard case let .memory(bytes) = file.destination else { preconditionFailure("rendered in memory") }
            return (file.name, bytes)
        }
    }

    /// A file being rendered: its chunks go where they are kept as they come, and are hashed on the
    /// core that rendered them (hashing a report of thousands of findings after the rendering took
    /// a tenth of the run).
    final class RenderedFile: @unchecked Sendable {
        enum Destination {
            case memory([UInt8])
            case staged(AtomicFileWriter.StagedFile)
        }

        let name: String
        fileprivate(set) var destination: Destination
        private var hash = SHA256()
        private(set) var count = 0
        private(set) var sha256 = ""

        init(name: String, destination: Destination) {
            self.name = name
            self.destination = destination
        }

        func append(_ chunk: [UInt8]) throws {
            try chunk.withUnsafeBufferPointer { try append($0) }
        }

        func append(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            hash.update(bufferPointer: UnsafeRawBufferPointer(chunk))
            count += chunk.count
            switch destination {
            case var .memory(bytes):
                destination = .memory([])
                bytes += chunk
                destination = .memory(bytes)
            case let .staged(file): try file.append(chunk)
            }
        }

        func finish() throws {
            sha256 = hash.finalize().lowercaseHex
            if case let .staged(file) = destination { try file.finish() }
        }
    }

    /// Renders the chosen formats, each file into what `open` gives for its name.
    private func renderDigested(_ document: ReportDocument, open: @Sendable (String) throws -> RenderedFile) throws
        -> [RenderedFile]
    {
        let usesModel = formats.contains(.html) || formats.contains(.md)
        let model = usesModel ? ReportModel(document) : nil
        let renderer = usesModel ? try TemplateRenderer(templates: templates) : nil
        let parts = Part.allCases.filter { formats.contains($0.format) }
        let rendered = concurrentMap(parts.count) { index in
            Result { () throws -> [RenderedFile] in
                func file(_ name: String, _ write: (RenderedFile) throws -> Void) throws -> RenderedFile {
                    let file = try open(name)
                    try write(file)
                    try file.finish()
                    return file
                }
                switch parts[index] {
                case .html: return [try file("report.html") { file in try renderer!.html(model!, emit: file.append) }]
                case .markdown: return [try file("report.md") { file in try renderer!.markdown(model!, emit: file.append) }]
                case .csv: return try CSVReport.files(document).map { csv in try file(csv.name) { try csv.write($0.append) } }
                case .json:
                    // Both from one encoding of the findings, written as it goes.
                    let (findings, report) = (try open(FindingsFile.name), try open(Self.reportName))
                    try document.write(emit: report.append, findingsLines: findings.append)
                    try findings.finish()
                    try report.finish()
                    return [findings, report]
                }
            }
        }
        return try rendered.flatMap { try $0.get() }
    }

    /// What is rendered apart, in the order rendering starts and the files are listed. JSON
    /// first: part of its writing is on one thread (the document around the findings, hashing),
    /// which the templates' rendering fills around; started last, it ran alone at the end.
    private enum Part: CaseIterable {
        case json, html, markdown, csv

        var format: ReportFormat {
            switch self {
            case .json: .json
            case .html: .html
            case .markdown: .md
            case .csv: .csv
            }
        }
    }

    /// Renders the report into `directory` (which exists): every file is written and flushed before
    /// any replaces its predecessor, `manifest.json` last, so a full disk leaves the previous report
    /// whole. Files an earlier report left there that this one does not write (another `--format`)
    /// are then removed, so the directory never mixes two reports; nothing else is touched.
    ///
    /// - Returns: the names written, manifest last.
    package func write(_ document: ReportDocument, to directory: String) throws -> [String] {
        // Each file goes to disk as it is rendered, beside its target: a report of many findings
        // is never held whole. A staged file is removed when released uncommitted (any file failed).
        let files = try renderDigested(document) { name in
            RenderedFile(name: name, destination: .staged(try AtomicFileWriter.StagedFile(target: directory + "/" + name)))
        }
        let manifest = Result { () throws -> AtomicFileWriter.StagedFile in
            let file = try AtomicFileWriter.StagedFile(target: directory + "/" + Self.manifestName)
            try file.append(try Manifest(document, outputs: files).encoded())
            try file.finish()
            return file
        }
        try AtomicFileWriter.commit(files.map { file -> Result<AtomicFileWriter.StagedFile, any Error> in
            guard case let .staged(staged) = file.destination else { preconditionFailure("rendered to disk") }
            return .success(staged)
        } + [manifest])
        let written = Set(files.map(\.name))
        for name in Self.descriptions.map(\.name) where !written.contains(name) && name != Self.manifestName {
            let path = directory + "/" + name
            if unlink(path) != 0 && errno != ENOENT { throw OutputError(path: path, code: errno) }
        }
        return files.map(\.name) + [Self.manifestName]
    }

    /// The first file in `directory` that shows a report was written there (its marker, or one of
    /// its files); nil when there is none.
    package static func existingReport(in directory: String) -> String? {
        ([InputDiscoverer.outputMarker] + descriptions.map(\.name)).first { name in
            FileManager.default.fileExists(atPath: directory + "/" + name)
        }
    }

    /// `manifest.json`: what a reader needs to check that the report and its evidence are intact.
    struct Manifest: Encodable {
        struct Entry: Encodable {
            var path: String
            var size: Int64
            var sha256: String?
        }

        var schema = "kubesift.manifest/v1"
        var tool = ReportDocument.Tool()
        var generatedAt: Timestamp
        var reportID: String
        var inputsSHA256: String
        var inputs: [Entry]
        var outputs: [Entry]
        var howToVerify = "sha256sum each file and compare. Input paths are relative to the directory the analysis ran in, "
            + "output paths to the report's directory. inputsSHA256 is `\(InputManifest.recomputeCommand)` over the inputs."

        init(_ document: ReportDocument, outputs files: [RenderedFile]) {
            generatedAt = document.generatedAt
            reportID = document.reportID
            inputsSHA256 = document.inputsSHA256
            inputs = document.inputs.map { Entry(path: $0.path, size: $0.size, sha256: $0.sha256) }
            outputs = files.sorted { $0.name < $1.name }.map {
                Entry(path: $0.name, size: Int64($0.count), sha256: $0.sha256)
            }
        }

        func encoded() throws -> [UInt8] {
            try SortedJSONEncoder(prettyPrinted: true).encode(self) + [0x0A]
        }
    }
}
