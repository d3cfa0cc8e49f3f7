import Testing
@testable import KubeSiftCore

/// Every value a report shows passes through one of these escapes; each attack it stops is named.
@Suite struct ReportTextTests {
    @Test("HTML: no value opens a tag, leaves a quoted attribute or starts an entity")
    func html() {
        #expect(ReportText.html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(ReportText.html(#""><img src=x onerror=alert(1)>"#) == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
        #expect(ReportText.html("' onmouseover='x") == "&#39; onmouseover=&#39;x")
        #expect(ReportText.html("a &amp; b") == "a &amp;amp; b")
        #expect(ReportText.html("line 1\nline 2\ttab") == "line 1\nline 2\ttab", "whitespace is harmless in HTML")
    }

    @Test("Every format shows control characters and bidi overrides instead of obeying them")
    func invisibleCharacters() {
        let escape = "\u{1B}[31mred\u{07}"
        for text in [ReportText.html(escape), ReportText.markdown(escape), ReportText.csv(escape)] {
            #expect(text.hasPrefix("\u{241B}") && text.hasSuffix("red\u{2407}"), "\(text)")
            #expect(!text.contains("\u{1B}"))
        }
        // "Trojan Source": U+202E would make `admin‮gnp.exe` read as another name.
        #expect(ReportText.html("user\u{202E}nimda") == "user\u{FFFD}nimda")
        #expect(ReportText.markdown("a\u{2066}b") == "a\u{FFFD}b")
    }

    @Test("Markdown: a value cannot add a table cell, end a row, or start code, emphasis, a link or HTML")
    func markdown() {
        #expect(ReportText.markdown("a|b") == "a\\|b")
        #expect(ReportText.markdown("`rm -rf /`") == "\\`rm -rf /\\`")
        #expect(ReportText.markdown("<script>x</script>") == "\\<script\\>x\\</script\\>")
        #expect(ReportText.markdown("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))")
        #expect(ReportText.markdown("*bold* _it_ ~~gone~~") == "\\*bold\\* \\_it\\_ \\~\\~gone\\~\\~")
        #expect(ReportText.markdown("&lt;") == "\\&lt;")
        #expect(ReportText.markdown("row 1\nrow 2\r\nrow 3") == "row 1\u{240A}row 2\u{240D}\u{240A}row 3")
        #expect(ReportText.markdown("back\\slash") == "back\\\\slash")
        // Block starts, should a template put a value at the start of a line.
        #expect(ReportText.markdown("# heading") == "\\# heading")
        #expect(ReportText.markdown("- item") == "\\- item")
        #expect(ReportText.markdown("1. first") == "1\\. first")
        #expect(ReportText.markdown("2026) x") == "2026\\) x")
        // What is not markup stays readable.
        #expect(ReportText.markdown("system:serviceaccount:kube-system:coredns") == "system:serviceaccount:kube-system:coredns")
        #expect(ReportText.markdown("3.1 MB, 4.0.1") == "3.1 MB, 4.0.1")
    }

    @Test("CSV: formulas are defused, fields quoted by RFC 4180", arguments: [
        ("=HYPERLINK(\"http://evil\",\"x\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "\"'\r=1+1\""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("plain text", "plain text"),
        ("x=1", "x=1"),
        ("", ""),
        ("ünïcode, \u{202E}txt", "\"ünïcode, \u{FFFD}txt\""),
    ])
    func csv(value: String, field: String) {
        #expect(ReportText.csv(value) == field)
    }

    @Test("A CSV table handed on in batches is the same table, each batch whole rows")
    func csvBatches() throws {
        let rows: [[CSVReport.Field]] = (0..<500).map { [.text("row \($0), with \"quotes\""), .number($0), .list(["a", "=b"]), .time(nil)] }
        var whole: [[UInt8]] = []
        try CSVReport.table(["name", "n", "list", "time"], rows) { whole.append($0) }
        #expect(whole.count == 1)
        var batches: [[UInt8]] = []
        try CSVReport.table(["name", "n", "list", "time"], rows, batchBytes: 1_000) { batches.append($0) }
        #expect(batches.count > 10)
        #expect(Array(batches.joined()) == whole[0])
        #expect(batches.allSatisfy { $0.suffix(2) == [0x0D, 0x0A] })
        let records = try CSVRecords.parse(String(decoding: whole[0], as: UTF8.self))
        #expect(records.count == 501 && records[1] == ["row 0, with \"quotes\"", "0", "a; =b", ""])
    }
}
