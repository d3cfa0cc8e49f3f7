import Mustache
import Testing
@testable import KubeSiftCore

/// The tree templates are rendered from: what each kind of model value becomes.
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

    static func text(_ node: Any?) -> (String, Bool)? {
        (node as? MustacheTree.Rendered).map { ($0.renderText, $0.isNull) }
    }

    @Test("Structs become dictionaries, text is escaped, zero and empty text are false, a nil is absent")
    func shapes() throws {
        let row = Row(name: "<b>", count: 0, bytes: 0, flagged: true, note: nil, tags: ["a&b", ""],
                      children: [Row(name: "", count: 7, bytes: 12, flagged: false, note: "n", tags: [], children: [])])
        let tree = try #require(MustacheTree.of(row, escape: ReportText.html) as? [String: Any])
        #expect(Set(tree.keys) == ["name", "count", "bytes", "flagged", "tags", "children"], "a nil optional is left out")
        #expect(Self.text(tree["name"])! == ("&lt;b&gt;", false))
        #expect(Self.text(tree["count"])! == ("0", true), "an Int of zero is false in a section")
        #expect(Self.text(tree["bytes"])! == ("0", false), "other numbers are plain text")
        #expect(tree["flagged"] as? Bool == true)
        let tags = try #require(tree["tags"] as? [Any])
        #expect(tags.compactMap(Self.text).map(\.0) == ["a&amp;b", ""] && Self.text(tags[1])!.1)
        let child = try #require((tree["children"] as? [Any])?.first as? [String: Any])
        #expect(Self.text(child["name"])! == ("", true))
        #expect(Self.text(child["count"])! == ("7", false))
        #expect(Self.text(child["note"])! == ("n", false))
        #expect((child["children"] as? [Any])?.isEmpty == true)
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
        // As the report's templates are rendered: the tree is escaped already.
        let template = try MustacheTemplate(string: ReportTemplates.pragma + """
            {{count(rows)}}|{{#first(rows)}}{{name}}{{/first(rows)}}|{{#last(rows)}}{{name}}{{/last(rows)}}|\
            {{#rows}}{{#first()}}[{{/first()}}{{name}}{{#flagged}}*{{/flagged}}{{#tags}}{{.}}{{/tags}}{{/rows}}|\
            {{#reversed(rows)}}{{count}},{{/reversed(rows)}}|{{^empty(rows)}}some{{/empty(rows)}}{{^rows}}none{{/rows}}
            """)
        for length in [0, 3, MustacheTree.lazyListLength, MustacheTree.lazyListLength + 1, 500] {
            let page = Page(rows: (0..<length).map(row))
            let tree = try #require(MustacheTree.of(page, escape: ReportText.html) as? [String: Any])
            #expect((tree["rows"] is MustacheTree.LazyNodes) == (length > MustacheTree.lazyListLength))
            // The same page with every node built up front, as an array.
            let eager = ["rows": page.rows.map { MustacheTree.of($0, escape: ReportText.html) }]
            let rendered = template.render(tree)
            #expect(rendered == template.render(eager), "\(length) rows")
            #expect(rendered.contains("r&lt;\(max(0, length - 1))&gt;") == (length > 0))
        }
    }
}
