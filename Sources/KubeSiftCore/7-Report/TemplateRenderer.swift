import Crypto
import Foundation
import Mustache

/// Renders `report.html` and `report.md` from a ``ReportModel`` with the report templates.
///
/// Escaping is the renderer's job, never the template author's: the model becomes a tree of
/// dictionaries and arrays in which every string is already escaped for the output format
/// (``ReportText``), and templates are rendered with escaping off. A template therefore cannot
/// write a raw value, whatever tag it uses (`{{x}}`, `{{{x}}}`, `{{& x}}`, a transform).
package struct TemplateRenderer: Sendable {
    let library: MustacheLibrary

    /// - Throws: ``TemplateError`` when a template does not parse.
    package init(templates: ReportTemplates) throws(TemplateError) {
        library = try templates.library()
    }

    /// The HTML page: the model, and a Content-Security-Policy that allows the page's own inline
    /// style and script (by their SHA-256) and nothing else, so no request leaves it.
    package func html(_ model: ReportModel) throws(TemplateError) -> String {
        var tree = Self.root(model, escape: ReportText.html)
        func hash(_ partial: String) throws(TemplateError) -> String {
            guard let text = library.render(tree, withTemplate: partial) else {
                throw TemplateError(file: partial, message: "the HTML template inlines it, but there is no such template")
            }
            return "'sha256-" + Data(SHA256.hash(data: Array(text.utf8))).base64EncodedString() + "'"
        }
        let policy = "default-src 'none'; style-src \(try hash(Self.stylesheet)); script-src \(try hash(Self.script)); "
            + "img-src data:; base-uri 'none'; form-action 'none'"
        tree["page"] = ["contentSecurityPolicy": MustacheTree.text(policy, escape: ReportText.html)]
        return try render(tree, template: "report.html")
    }

    /// The Markdown report.
    package func markdown(_ model: ReportModel) throws(TemplateError) -> String {
        try render(Self.root(model, escape: ReportText.markdown), template: "report.md")
    }

    /// The partials the HTML page inlines in `<style>` and `<script>`.
    static let stylesheet = "assets/report.css"
    static let script = "assets/report.js"

    private func render(_ tree: Any, template: String) throws(TemplateError) -> String {
        guard let text = library.render(tree, withTemplate: template) else {
            throw TemplateError(file: template + ".mustache", message: "no such template")
        }
        return text
    }

    static func root(_ model: ReportModel, escape: @escaping (String) -> String) -> [String: Any] {
        MustacheTree.of(model, escape: escape) as? [String: Any] ?? [:]
    }
}
