import Crypto
import Foundation

/// Renders `report.html` and `report.md` from a ``ReportModel`` with the report templates.
///
/// Escaping is the renderer's job, never the template author's: the model becomes a tree in which
/// every string is already escaped for the output format (``ReportText``), and nothing is escaped
/// again. A template therefore cannot write a raw value, whatever tag it uses (`{{x}}`, `{{{x}}}`,
/// `{{& x}}`, a transform).
package struct TemplateRenderer: Sendable {
    let library: TemplateLibrary

    /// - Throws: ``TemplateError`` when a template does not parse.
    package init(templates: ReportTemplates) throws(TemplateError) {
        library = try templates.library()
    }

    /// The HTML page, handed to `emit` as it is rendered: the model, and a Content-Security-Policy
    /// that allows the page's own inline style and script (by their SHA-256) and nothing else, so
    /// no request leaves it.
    package func html(_ model: ReportModel, emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let keys = [Self.stylesheet, Self.script, "report.html"].reduce(into: Set<String>()) { $0.formUnion(library.names(readBy: $1)) }
        var tree = Self.root(model, escape: ReportText.html, keys: keys)
        func hash(_ partial: String) throws -> String {
            guard let text = try library.render(partial, .map(tree)) else {
                throw TemplateError(file: partial, message: "the HTML template inlines it, but there is no such template")
            }
            return "'sha256-" + Data(SHA256.hash(data: Array(text.utf8))).base64EncodedString() + "'"
        }
        let policy = "default-src 'none'; style-src \(try hash(Self.stylesheet)); script-src \(try hash(Self.script)); "
            + "img-src data:; base-uri 'none'; form-action 'none'"
        tree["page"] = .map(["contentSecurityPolicy": MustacheTree.text(policy, escape: ReportText.html)])
        try render(.map(tree), template: "report.html", emit: emit)
    }

    /// The Markdown report, handed to `emit` as it is rendered.
    package func markdown(_ model: ReportModel, emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let keys = library.names(readBy: "report.md")
        try render(.map(Self.root(model, escape: ReportText.markdown, keys: keys)), template: "report.md", emit: emit)
    }

    /// The partials the HTML page inlines in `<style>` and `<script>`.
    static let stylesheet = "assets/report.css"
    static let script = "assets/report.js"

    private func render(_ tree: TemplateNode, template: String, emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard try library.render(template, tree, emit: emit) else {
            throw TemplateError(file: template + ".mustache", message: "no such template")
        }
    }

    /// The model's tree; with `keys`, only the members of those names (what the templates read).
    static func root(_ model: ReportModel, escape: @escaping (String) -> String, keys: Set<String>?) -> [String: TemplateNode] {
        guard case let .map(root) = MustacheTree.of(model, escape: escape, keys: keys) else { return [:] }
        return root
    }
}
