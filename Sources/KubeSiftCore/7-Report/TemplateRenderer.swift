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
        tree["page"] = ["contentSecurityPolicy": Self.text(policy, escape: ReportText.html)]
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

    static func root(_ model: ReportModel, escape: (String) -> String) -> [String: Any] {
        tree(model, escape: escape) as? [String: Any] ?? [:]
    }

    /// A model value as swift-mustache renders it: a struct becomes a dictionary of its stored
    /// properties, an array an array, a string escaped text; numbers and flags stay numbers and
    /// flags. Empty text and zero are false in a section, like empty lists.
    static func tree(_ value: Any, escape: (String) -> String) -> Any? {
        switch value {
        case let text as String: return Self.text(text, escape: escape)
        case let flag as Bool: return flag
        case let number as Int: return Rendered(renderText: String(number), isNull: number == 0)
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { tree($0.value, escape: escape) }
        case .collection:
            return mirror.children.compactMap { tree($0.value, escape: escape) }
        case .struct:
            var dictionary: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let node = tree(child.value, escape: escape) { dictionary[label] = node }
            }
            return dictionary
        default:
            return Self.text(String(describing: value), escape: escape)
        }
    }

    static func text(_ text: String, escape: (String) -> String) -> Rendered {
        Rendered(renderText: escape(text), isNull: text.isEmpty)
    }

    /// A value already escaped for the output: swift-mustache writes its text as it is.
    struct Rendered: MustacheCustomRenderable {
        let renderText: String
        let isNull: Bool
    }
}
