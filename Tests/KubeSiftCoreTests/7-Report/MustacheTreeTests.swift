import Mustache
import Testing
@testable import KubeSiftCore

/// The tree templates are rendered from, and the renderer: what each kind of model value becomes,
/// and what the report's templates make of it, tag by tag and against swift-mustache.
@Suite struct MustacheTreeTests {
    struct Row: Encodable {
        var name: String
        var count: Int
        var bytes: Int64
        var flagged: Bool
        var note: String?
        var tags: [String]
        var children: [Row]
    }

    static func text(_ node: TemplateNode?) -> (String, Bool)? {
        guard case let .text(text, isNull)? = node else { return nil }
        return (text, isNull)
    }

    static func map(_ node: TemplateNode?) -> [String: TemplateNode]? {
        guard case let .map(members)? = node else { return nil }
        return members
    }

    static func list(_ node: TemplateNode?) -> [TemplateNode]? {
        guard case let .list(elements)? = node else { return nil }
        return elements
    }

    @Test("Structs become maps, text is escaped, zero and empty text are false, a nil is absent")
    func shapes() throws {
        let row = Row(name: "<b>", count: 0, bytes: 0, flagged: true, note: nil, tags: ["a&b", ""],
                      children: [Row(name: "", count: 7, bytes: 12, flagged: false, note: "n", tags: [], children: [])])
        let tree = try #require(Self.map(MustacheTree.of(row, escape: ReportText.html)))
        #expect(Set(tree.keys) == ["name", "count", "bytes", "flagged", "tags", "children"], "a nil optional is left out")
        #expect(Self.text(tree["name"])! == ("&lt;b&gt;", false))
        #expect(Self.text(tree["count"])! == ("0", true), "an Int of zero is false in a section")
        #expect(Self.text(tree["bytes"])! == ("0", false), "other numbers are plain text")
        guard case .flag(true)? = tree["flagged"] else { Issue.record("a flag stays a flag"); return }
        let tags = try #require(Self.list(tree["tags"]))
        #expect(tags.compactMap(Self.text).map(\.0) == ["a&amp;b", ""] && Self.text(tags[1])!.1)
        let child = try #require(Self.map(Self.list(tree["children"])?.first))
        #expect(Self.text(child["name"])! == ("", true))
        #expect(Self.text(child["count"])! == ("7", false))
        #expect(Self.text(child["note"])! == ("n", false))
        #expect(Self.list(child["children"])?.isEmpty == true)
    }

    @Test("With keys, only members of those names are built, at every depth")
    func keysFilterMembers() throws {
        let row = Row(name: "top", count: 3, bytes: 1, flagged: true, note: "n", tags: ["t"],
                      children: [Row(name: "child", count: 4, bytes: 2, flagged: false, note: nil, tags: [], children: [])])
        let tree = try #require(Self.map(MustacheTree.of(row, escape: ReportText.html, keys: ["name", "children", "count"])))
        #expect(Set(tree.keys) == ["name", "children", "count"])
        let child = try #require(Self.map(Self.list(tree["children"])?.first))
        #expect(Set(child.keys) == ["name", "children", "count"])
        #expect(Self.text(child["name"])! == ("child", false))
    }

    @Test("The names a template reads: every part of every name, in sections and the partials it includes")
    func namesReadByATemplate() throws {
        var library = TemplateLibrary()
        try library.register("{{a.b}}{{#list}}{{c}}{{^d}}{{> inner}}{{/d}}{{/list}}{{count(rows)}}{{#first()}}{{/first()}}", named: "page")
        try library.register("{{e}}{{> inner}}{{> page}}", named: "inner")
        try library.register("{{unused}}", named: "other")
        #expect(library.names(readBy: "page") == ["a", "b", "list", "c", "d", "e", "rows"])
        #expect(library.names(readBy: "missing").isEmpty)
    }

    static func render(_ template: String, _ root: TemplateNode, partials: [String: String] = [:]) throws -> String {
        var library = TemplateLibrary()
        try library.register(template, named: "page")
        for (name, text) in partials { try library.register(text, named: name) }
        return try library.render("page", root) ?? ""
    }

    @Test("A long list is built as a template walks it and renders as the whole list would, transforms included")
    func longListsAreLazy() throws {
        struct Page: Encodable {
            var rows: [Row]
        }
        func row(_ number: Int) -> Row {
            Row(name: "r<\(number)>", count: number, bytes: 0, flagged: number.isMultiple(of: 2), note: nil, tags: ["t\(number)"],
                children: [])
        }
        let template = """
            {{count(rows)}}|{{#first(rows)}}{{name}}{{/first(rows)}}|{{#last(rows)}}{{name}}{{/last(rows)}}|\
            {{#rows}}{{#first()}}[{{/first()}}{{name}}{{#flagged}}*{{/flagged}}{{#tags}}{{.}}{{/tags}}{{#last()}}]{{/last()}}{{/rows}}|\
            {{#reversed(rows)}}{{count}},{{/reversed(rows)}}|{{^empty(rows)}}some{{/empty(rows)}}{{^rows}}none{{/rows}}
            """
        for length in [0, 3, MustacheTree.lazyListLength, MustacheTree.lazyListLength + 1, 500] {
            let page = Page(rows: (0..<length).map(row))
            let tree = try #require(Self.map(MustacheTree.of(page, escape: ReportText.html)))
            if case .lazyList? = tree["rows"] {
                #expect(length > MustacheTree.lazyListLength)
            } else {
                #expect(length <= MustacheTree.lazyListLength)
            }
            // The same page with every node built up front, as a list.
            let eager = TemplateNode.map(["rows": .list(page.rows.map { MustacheTree.of($0, escape: ReportText.html) })])
            let rendered = try Self.render(template, .map(tree))
            #expect(rendered == (try Self.render(template, eager)), "\(length) rows")
            #expect(rendered.contains("r&lt;\(max(0, length - 1))&gt;") == (length > 0))
            #expect(rendered.hasPrefix(length == 0 ? "0|||" : "\(length)|r&lt;0&gt;|"))
        }
    }

    @Test("Tags as the Mustache specification has them", arguments: [
        // Variables, dotted names, the context stack, `.`, and values that are not there.
        ("{{a}}|{{b.c}}|{{#b}}{{c}}{{a}}{{/b}}|{{#b}}{{.c}}|{{.a}}{{/b}}|{{missing}}|{{b.missing.c}}", "1|2|21|2|||"),
        // Sections: false, empty text, zero and empty lists skip, inverted render; text pushes itself.
        ("{{#f}}x{{/f}}{{^f}}y{{/f}}{{#t}}z{{/t}}{{#empty}}e{{/empty}}{{^empty}}E{{/empty}}{{#zero}}0{{/zero}}{{#a}}<{{.}}>{{/a}}",
         "yzE<1>"),
        ("{{#list}}{{name}}{{#first()}}^{{/first()}}{{#last()}}${{/last()}}{{index()}}{{/list}}|{{^none}}none{{/none}}",
         "x^0y1z$2|none"),
        // A standalone tag takes its line; one beside text does not.
        ("a\n{{#t}}\nb\n{{/t}}\nc\n  {{^f}}  \nd\n{{/f}}\n", "a\nb\nc\nd\n"),
        ("{{#t}}x{{/t}}\n{{! a comment }}\n  {{! another }} y\n", "x\n   y\n"),
        // Set delimiters, and the unescaped tags (every value is escaped already).
        ("{{=<% %>=}}<%a%>{{a}}<%={{ }}=%>{{a}}|{{{a}}}|{{& a}}", "1{{a}}1|1|1"),
    ])
    func specification(template: String, expected: String) throws {
        let root = TemplateNode.map([
            "a": .text("1", isNull: false), "b": .map(["c": .text("2", isNull: false)]), "f": .flag(false), "t": .flag(true),
            "empty": .text("", isNull: true), "zero": .text("0", isNull: true), "none": .list([]),
            "list": .list(["x", "y", "z"].map { .map(["name": .text($0, isNull: false)]) }),
        ])
        #expect(try Self.render(template, root) == expected)
    }

    @Test("A standalone partial is indented as its tag, on every line; an inline one is not")
    func partials() throws {
        let root = TemplateNode.map(["name": .text("n", isNull: false)])
        let partials = ["item": "<li>{{name}}</li>\n<li>two</li>\n"]
        #expect(try Self.render("<ul>\n  {{> item}}\n</ul>\n", root, partials: partials) == "<ul>\n  <li>n</li>\n  <li>two</li>\n</ul>\n")
        #expect(try Self.render("[{{> item}}]", root, partials: partials) == "[<li>n</li>\n<li>two</li>\n]")
        #expect(try Self.render("{{> nothing}}x", root) == "x")
        // Recursion ends with the data, as the specification allows; a partial that always includes
        // itself is refused, not followed until the stack overflows.
        func node(_ name: String, _ children: [TemplateNode]) -> TemplateNode {
            .map(["name": .text(name, isNull: false), "child": .list(children)])
        }
        let tree = node("a", [node("b", [node("c", [])])])
        #expect(try Self.render("{{> node}}", tree, partials: ["node": "{{name}}{{#child}}({{> node}}){{/child}}"]) == "a(b(c))")
        #expect {
            try Self.render("{{> loop}}", root, partials: ["loop": "x{{> loop}}"])
        } throws: { error in
            "\(error)".contains("partials nest more than 64 deep")
        }
    }

    @Test("A template that does not parse says where", arguments: [
        ("a\n{{#s}}\nb\n", 2, 1, "the section {{#s}} is not closed"),
        ("{{#s}}{{/t}}", 1, 7, "{{/t}} closes the section {{#s}}"),
        ("x{{/s}}", 1, 2, "{{/s}} closes no section"),
        ("ok\n  {{name", 2, 3, "a tag is not closed"),
        ("{{< parent}}{{/parent}}", 1, 1, "template inheritance ({{< and {{$) is not supported"),
        (String(repeating: "{{#a}}", count: 300), 1, 1 + 256 * 6, "sections nest more than 256 deep"),
    ])
    func syntaxErrors(template: String, line: Int, column: Int, message: String) {
        var library = TemplateLibrary()
        #expect {
            try library.register(template, named: "page")
        } throws: { error in
            guard let error = error as? TemplateSyntaxError else { return false }
            return (error.line, error.column, error.message) == (line, column, message)
        }
    }

    /// The tree as swift-mustache reads it: maps and lists as dictionaries and arrays, text that
    /// it writes as it is.
    struct Reference: MustacheCustomRenderable {
        let renderText: String
        let isNull: Bool

        static func tree(_ node: TemplateNode) -> Any {
            switch node {
            case let .text(text, isNull): Reference(renderText: text, isNull: isNull)
            case let .flag(flag): flag
            case let .map(members): members.mapValues(tree)
            case let .list(elements): elements.map(tree)
            case let .lazyList(nodes): (0..<nodes.count).map { tree(nodes.node($0, nil)) }
            }
        }
    }

    /// Also with the findings repeated past ``MustacheTree/lazyListLength``: the rows are then
    /// built as the templates walk them, with only the members their sections read.
    @Test("The report's templates render the samples' report exactly as swift-mustache does", arguments: [1, 8])
    func sameAsSwiftMustache(repeatingFindings times: Int) throws {
        var document = try ReportOutputTests.document()
        document.detections.findings = Array(repeating: document.detections.findings, count: times).flatMap { $0 }
        if times > 1 { #expect(document.detections.findings.count > MustacheTree.lazyListLength) }
        let model = ReportModel(document)
        let templates = ReportTemplates.builtIn
        var reference = MustacheLibrary()
        for (path, text) in templates.files {
            let name = path.hasSuffix(".mustache") ? String(path.dropLast(".mustache".count)) : path
            reference.register(try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}\n" + text), named: name)
        }
        let renderer = try TemplateRenderer(templates: templates)
        for (template, escape) in [("report.md", ReportText.markdown), ("report.html", ReportText.html)] {
            var bytes: [UInt8] = []
            if template == "report.html" {
                try renderer.html(model) { bytes += $0 }
            } else {
                try renderer.markdown(model) { bytes += $0 }
            }
            // The whole tree: the renderer builds only what the templates read, and must render the same.
            var root = TemplateRenderer.root(model, escape: escape, keys: nil)
            if template == "report.html" {
                // The page's policy is computed from the rendered style and script: taken from our page.
                let page = String(decoding: bytes, as: UTF8.self)
                let policy = try #require(page.firstMatch(of: #/content="(default-src[^"]*)"/#)?.1)
                root["page"] = .map(["contentSecurityPolicy": .text(String(policy), isNull: false)])
            }
            let expected = try #require(reference.render(Reference.tree(.map(root)), withTemplate: template))
            #expect(String(decoding: bytes, as: UTF8.self) == expected, "\(template)")
            #expect(bytes.count > 20_000)
        }
    }
}
