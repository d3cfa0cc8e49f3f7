import Foundation
import Testing
@testable import KubeSiftCore

/// The templates: compiled in from `templates/`, overridable, and unable to write a raw value.
@Suite struct ReportTemplatesTests {
    static let root = Peers.repositoryRoot.appendingPathComponent("templates")

    @Test("The embedded templates are the files of templates/, and they parse")
    func embeddedCopyIsCurrent() throws {
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: Self.root.path)
            .filter { ReportTemplates.extensions.contains(($0 as NSString).pathExtension) }
        let builtIn = ReportTemplates.builtIn
        #expect(Set(builtIn.files.keys) == Set(onDisk))
        for path in onDisk {
            let text = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
            #expect(builtIn.files[path] == text, "\(path): rebuild to embed the current file")
            // The embedding script delimits each file with it.
            #expect(!text.contains("\"\"\"####"), "\(path) holds the embedding delimiter")
        }
        _ = try TemplateRenderer(templates: builtIn)
    }

    @Test("Built-in templates use no triple mustache: escaping stays visible in the templates too")
    func noUnescapedTags() {
        for (path, text) in ReportTemplates.builtIn.files where path.hasSuffix(".mustache") {
            #expect(text.range(of: #"\{\{\s*[{&]"#, options: .regularExpression) == nil, "\(path)")
        }
    }

    /// A document whose cluster label, shown on the cover, is markup.
    static func document(cluster: String) -> ReportDocument {
        var result = AnalysisResult(window: .unbounded, inputs: [], totals: .init(), skipped: [:], activity: ActivityStats())
        result.inputs = [InputSummary(path: "audit.log", cluster: cluster, size: 1, sha256: "00", container: "plain",
                                      compressions: [], members: [], problems: [])]
        let parameters = ReportDocument.Parameters(paths: ["audit.log"], cluster: cluster, clusterFromDirectory: false, since: nil,
                                                   until: nil, now: nil, maximumRecordBytes: 1, maximumNesting: 1)
        return ReportDocument(result: result, parameters: parameters, generatedAt: Timestamp(unixSeconds: 0))
    }

    @Test("A template cannot write a value unescaped, whatever tag it uses")
    func everyTagEscapes() throws {
        let directory = try TemporaryDirectory()
        let tags = "{{{cover.subtitle}}}|{{& cover.subtitle}}|{{cover.subtitle}}|{{uppercased(cover.subtitle)}}|"
            + "{{=<% %>=}}<%& cover.subtitle%>\n"
        try directory.write("templates/report.html.mustache", tags)
        try directory.write("templates/report.md.mustache", tags)
        let templates = try ReportTemplates.builtIn.overridden(by: directory.path("templates"))
        let renderer = try TemplateRenderer(templates: templates)
        let model = ReportModel(Self.document(cluster: "<b onclick=\"x\">|`a`"))
        #expect(try renderer.html(model)
            == "Cluster &lt;b onclick=&quot;x&quot;&gt;|`a`|Cluster &lt;b onclick=&quot;x&quot;&gt;|`a`|"
            + "Cluster &lt;b onclick=&quot;x&quot;&gt;|`a`||Cluster &lt;b onclick=&quot;x&quot;&gt;|`a`\n")
        #expect(try renderer.markdown(model).hasPrefix("Cluster \\<b onclick=\"x\"\\>\\|\\`a\\`|"))
    }

    @Test("--templates replaces the files it has and keeps the others")
    func overriding() throws {
        let directory = try TemporaryDirectory()
        try directory.write("mine/partials/html/closing.mustache", "<section id=\"signoff\">Signed by {{cover.reportID}}</section>\n")
        try directory.write("mine/notes.txt", "not a template")
        let templates = try ReportTemplates.builtIn.overridden(by: directory.path("mine"))
        #expect(templates.origins["partials/html/closing.mustache"] == directory.path("mine/partials/html/closing.mustache"))
        #expect(templates.origins["report.html.mustache"] == "built-in")
        #expect(templates.files["notes.txt"] == nil)
        let document = Self.document(cluster: "c")
        let html = try TemplateRenderer(templates: templates).html(ReportModel(document))
        #expect(html.contains("Signed by \(document.reportID)</section>"))
        #expect(!html.contains("Reviewer name"))
        #expect(html.contains("Evidence inventory and integrity"), "the other partials are the built-in ones")
    }

    @Test("A template that does not parse is named, with its line")
    func brokenTemplate() throws {
        let directory = try TemporaryDirectory()
        try directory.write("mine/partials/md/closing.mustache", "fine\n{{#limitations}}\nnever closed\n")
        #expect {
            _ = try ReportTemplates.builtIn.overridden(by: directory.path("mine"))
        } throws: { error in
            let message = "\(error)"
            return message == directory.path("mine/partials/md/closing.mustache")
                + ": line 2, column 1: the section {{#limitations}} is not closed"
        }
        #expect(throws: TemplateError.self) { _ = try ReportTemplates.builtIn.overridden(by: directory.path("missing")) }
    }
}

extension TemplateRenderer {
    /// The page as text.
    func html(_ model: ReportModel) throws -> String {
        var bytes: [UInt8] = []
        try html(model) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The Markdown report as text.
    func markdown(_ model: ReportModel) throws -> String {
        var bytes: [UInt8] = []
        try markdown(model) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
