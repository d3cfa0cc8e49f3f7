import Crypto
import Foundation
import Testing
@testable import KubeSiftCore

/// Everything in a log is attacker-controlled. Plants markup, spreadsheet formulas, Markdown table
/// breakers and credentials in every field an event can carry them in, lets rules match every event
/// (so each value reaches the findings, registers and statistics), writes the report in every
/// format, and checks every file in the output directory. The canary approach is SecretCanaryTests'.
@Suite("Hostile log content in every output file")
struct HostileContentTests {
    static let script = "<script>alert(\"x\")</script>"
    static let attribute = #""><img src=x onerror=alert(1)>"#
    static let formulas = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
                           "\t=1+1", "\r=1+1"]
    static let markdown = "a|b `tick` *star* [link](javascript:x) line1\nline2"
    static let canaries = ["CANARYUSER1", "CANARYAGENT2", "CANARYAGENT3", "CANARYURI4", "CANARYANNOT5", "CANARYBODY6",
                           "CANARYSTRING7", "CANARYEXEC8", "CANARYNAME9"]

    static func event(_ number: Int, user: String, agent: String, object: [String: Any], uri: String,
                      body: [String: Any]? = nil, decision: String = "allow") -> String {
        var event: [String: Any] = [
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": body == nil ? "Metadata" : "RequestResponse",
            "auditID": String(format: "d0000000-0000-4000-8000-%012d", number), "stage": "ResponseComplete",
            "requestURI": uri, "verb": "get",
            "user": ["username": user, "groups": ["system:authenticated", markdown, script]],
            "sourceIPs": ["203.0.113.\(number)", attribute], "userAgent": agent, "objectRef": object,
            "responseStatus": ["metadata": [:], "code": 200],
            "requestReceivedTimestamp": String(format: "2026-11-21T10:00:%02d.000000Z", number),
            "stageTimestamp": String(format: "2026-11-21T10:00:%02d.100000Z", number),
            "annotations": ["authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": script],
        ]
        if let body { event["requestObject"] = body }
        let data = try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static var lines: [String] {
        let secret = Data(canaries[5].utf8).base64EncodedString()
        var lines = [
            event(1, user: "eyJhbGciOiJIUzI1NiJ9.\(canaries[0]).c2ln", agent: "curl/8.5.0 Authorization: Bearer \(canaries[1])",
                  object: ["resource": "secrets", "namespace": "shop", "name": script, "apiVersion": "v1"],
                  uri: "/api/v1/namespaces/shop/secrets?access_token=\(canaries[3])&x=\(script)"),
            event(2, user: attribute, agent: "python-requests token=\(canaries[2]) \(attribute)",
                  object: ["resource": "secrets", "namespace": markdown, "name": "password=\(canaries[8])", "apiVersion": "v1"],
                  uri: "/api/v1/namespaces/shop/secrets/db", decision: "allow password=\(canaries[4])"),
            event(3, user: markdown, agent: markdown,
                  object: ["resource": "secrets", "namespace": "shop", "name": "db", "apiVersion": "v1"],
                  uri: "/api/v1/namespaces/shop/secrets/db",
                  body: ["kind": "Secret", "metadata": ["name": "db"], "data": ["password": secret],
                         "stringData": ["token": canaries[6]]]),
            event(4, user: "mallory", agent: "kubectl/v1.31.2",
                  object: ["resource": "pods", "namespace": "shop", "name": "web-1", "subresource": "exec", "apiVersion": "v1"],
                  uri: "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&command=-c&command=mysql+--password%3D\(canaries[7])"),
        ]
        for (offset, formula) in formulas.enumerated() {
            lines.append(event(10 + offset, user: formula, agent: formula,
                               object: ["resource": "configmaps", "namespace": formula, "name": formula, "apiVersion": "v1"],
                               uri: "/api/v1/namespaces/shop/configmaps/x"))
        }
        return lines
    }

    /// The report of the planted events in every format, with the built-in rules and a rule that
    /// matches everything; the directory as `analyze` leaves it.
    static func writeReport(into directory: TemporaryDirectory) throws {
        let input = try directory.write("logs/audit.log", lines: lines)
        let everything = RuleFixture.yaml(name: "everything", detection: "sel:\n  verb|exists: true\ncondition: sel")
        let rules = try RuleSet(RuleCatalog.builtIn(examples: false).rules
            + RuleLoader.load(yaml: everything, origin: .file(path: "everything.yml")).rules)
        let library = try ControlLibrary.load(extraPaths: [])
        let result = Analysis.run([input]) {
            $0.rules = rules
            $0.compliance = ComplianceConfiguration(library: library)
        }
        #expect(result.findings.filter { $0.rule.name == "everything" }.count == lines.count, "every planted event is a finding")
        let parameters = ReportDocument.Parameters(paths: [input], cluster: nil, clusterFromDirectory: false, since: nil,
                                                   until: nil, now: nil, maximumRecordBytes: 1 << 20, maximumNesting: 4)
        let document = ReportDocument(result: result, parameters: parameters, generatedAt: Timestamp(unixSeconds: 0), rules: rules)
        _ = try ReportOutput().write(document, to: try directory.makeDirectory("report"))
    }

    @Test("No file of the report holds a credential, though every planted event is a finding")
    func noCanaryInAnyFile() throws {
        let directory = try TemporaryDirectory()
        try Self.writeReport(into: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path("report")).sorted()
        #expect(files.count == ReportOutput.descriptions.count - 1, "every file but the ledger (with a state only): \(files)")
        for file in files {
            let text = String(decoding: try directory.read("report/" + file), as: UTF8.self)
            for canary in Self.canaries {
                #expect(!text.contains(canary), "\(file) holds \(canary)")
            }
            #expect(!text.contains(Data(Self.canaries[5].utf8).base64EncodedString()), "\(file) holds the Secret's data")
        }
        // The values were there to leak: masked, not dropped.
        let findings = String(decoding: try directory.read("report/findings.csv"), as: UTF8.self)
        #expect(findings.contains("Bearer [REDACTED]"))
        #expect(findings.contains("password=[REDACTED]"))
    }

    @Test("report.html: every tag is the template's; values cannot open a tag or an event handler")
    func html() throws {
        let directory = try TemporaryDirectory()
        try Self.writeReport(into: directory)
        let html = String(decoding: try directory.read("report/report.html"), as: UTF8.self)
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "the planted values are shown, escaped")
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.components(separatedBy: "<script").count == 2, "one script element: the page's own")
        let templateTags: Set<String> = [
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3", "h4", "p", "strong",
            "dl", "dt", "dd", "code", "table", "thead", "tbody", "tr", "th", "td", "span", "nav", "ol", "ul", "li", "a", "main",
            "section", "figure", "figcaption", "svg", "text", "rect", "desc", "line", "g", "br", "input", "select", "option",
            "pre", "article", "footer", "script",
        ]
        // The page's own style and script are template text (their hashes are in the CSP); values are elsewhere.
        var page = html
        for element in ["style", "script"] {
            let start = try #require(page.range(of: "<\(element)>")), end = try #require(page.range(of: "</\(element)>"))
            page.removeSubrange(start.upperBound..<end.lowerBound)
        }
        var tags = Set<String>()
        var scanner = page[...]
        while let open = scanner.firstIndex(of: "<") {
            let rest = scanner[scanner.index(after: open)...]
            guard let close = rest.firstIndex(of: ">") else { Issue.record("unclosed tag"); break }
            let tag = rest[..<close]
            let name = tag.drop(while: { $0 == "/" }).prefix(while: { !$0.isWhitespace && $0 != "/" })
            tags.insert(String(name))
            // Template tags have no event handler; a value that got into one would add it.
            #expect(tag.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "handler in <\(tag)>")
            scanner = rest[rest.index(after: close)...]
        }
        #expect(tags.subtracting(templateTags).isEmpty, "tags no template writes: \(tags.subtracting(templateTags))")
    }

    @Test("report.md: values cannot add table cells, end rows, or start HTML, code or links")
    func markdown() throws {
        let directory = try TemporaryDirectory()
        try Self.writeReport(into: directory)
        let markdown = String(decoding: try directory.read("report/report.md"), as: UTF8.self)
        #expect(markdown.contains("a\\|b \\`tick\\` \\*star\\* \\[link\\](javascript:x) line1\u{240A}line2"))
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        func unescaped(_ character: Character, in line: Substring) -> Int {
            var count = 0, escaped = false
            for scalar in line {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                if scalar == character { count += 1 }
            }
            return count
        }
        var header: Int?
        for line in lines {
            guard line.hasPrefix("|") else { header = nil; continue }
            let cells = unescaped("|", in: line)
            if let header { #expect(cells == header, "a row with \(cells - 1) cells under a header of \(header - 1): \(line)") }
            header = header ?? cells
        }
        for line in lines {
            #expect(unescaped("<", in: line) == 0, "raw HTML: \(line)")
            #expect(unescaped("`", in: line) == 0, "a code span: \(line)")
        }
    }

    @Test("CSV files: RFC 4180 throughout, and no cell a spreadsheet would run as a formula")
    func csv() throws {
        let directory = try TemporaryDirectory()
        try Self.writeReport(into: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path("report")).filter { $0.hasSuffix(".csv") }
        #expect(files.count == CSVReport.names.count - 1, "every CSV file but the ledger (with a state only)")
        var cells = Set<String>()
        for file in files {
            let records = try CSVRecords.parse(String(decoding: try directory.read("report/" + file), as: UTF8.self))
            let header = try #require(records.first)
            for record in records {
                #expect(record.count == header.count, "\(file): a row of \(record.count) fields under \(header.count) columns")
                for cell in record {
                    #expect(!["=", "+", "-", "@", "\t", "\r"].contains(cell.unicodeScalars.first ?? " "), "\(file): formula \(cell)")
                    cells.insert(cell)
                }
            }
        }
        for formula in Self.formulas { #expect(cells.contains("'" + formula), "\(formula) kept, defused") }
    }

    @Test("report.json, findings.jsonl and manifest.json parse, and the manifest's hashes are the files'")
    func json() throws {
        let directory = try TemporaryDirectory()
        try Self.writeReport(into: directory)
        _ = try JSONSerialization.jsonObject(with: Data(try directory.read("report/report.json")))
        let findings = String(decoding: try directory.read("report/findings.jsonl"), as: UTF8.self)
        for line in findings.split(separator: "\n") { _ = try JSONSerialization.jsonObject(with: Data(line.utf8)) }
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(try directory.read("report/manifest.json"))) as? [String: Any])
        let outputs = try #require(manifest["outputs"] as? [[String: Any]])
        let written = try FileManager.default.contentsOfDirectory(atPath: directory.path("report")).filter { $0 != ReportOutput.manifestName }
        #expect(Set(outputs.compactMap { $0["path"] as? String }) == Set(written))
        for entry in outputs {
            let bytes = try directory.read("report/" + (entry["path"] as! String))
            #expect(entry["sha256"] as? String == SHA256.hash(data: bytes).lowercaseHex)
            #expect(entry["size"] as? Int == bytes.count)
        }
    }
}
