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
}
