import Foundation
import Testing

/// The compliance options of `analyze` and the control checks of `rules validate`, through the real binary.
@Suite struct ComplianceCommandTests {
    private func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    private func findings(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func byDefaultEveryFrameworkIsShownEveryNamespaceIsInScopeAndNothingIsCalledCompliant() throws {
        let scratch = try ScratchDirectory()
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "-o", scratch.path("out"), "--progress", "never"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let compliance = try #require(try json(scratch.path("out/report.json"))["compliance"] as? [String: Any])
        let frameworks = try #require(compliance["frameworks"] as? [[String: Any]])
        #expect(frameworks.map { $0["id"] as? String } == [
            "pci-dss-4.0.1", "hipaa-sr", "gdpr", "soc2-tsc-2017", "nist-800-53-r5", "iso27001-2022", "cis-k8s-1.12",
        ])
        let scopes = try #require(compliance["scopes"] as? [[String: Any]])
        #expect(scopes.allSatisfy { $0["declared"] as? Bool == false && $0["namespaces"] as? [String] == ["*"] })
        for finding in try findings(scratch.path("out/findings.jsonl")) {
            let controls = finding["controls"] as? [String] ?? []
            #expect(!controls.isEmpty, "\(finding["id"] ?? "?") maps to no control")
            #expect((finding["id"] as? String)?.count == 16)
        }
        for file in ["report.json", "findings.jsonl"] {
            let text = try String(contentsOfFile: scratch.path("out/" + file), encoding: .utf8).lowercased()
            #expect(!text.contains("compliant"), "\(file) says compliant")
        }
        #expect(!outcome.stderr.lowercased().contains("compliant"))
    }

    @Test func frameworksAndScopeNarrowTheReportAndFindingsOutsideTheScopeAreNotExceptions() throws {
        let scratch = try ScratchDirectory()
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "-o", scratch.path("out"), "--progress", "never",
                                              "--frameworks", "pci-dss", "--scope", "cde=payments,checkout-*"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let compliance = try #require(try json(scratch.path("out/report.json"))["compliance"] as? [String: Any])
        let frameworks = try #require(compliance["frameworks"] as? [[String: Any]])
        #expect(frameworks.map { $0["id"] as? String } == ["pci-dss-4.0.1"])
        let scope = try #require((compliance["scopes"] as? [[String: Any]])?.first)
        #expect(scope["name"] as? String == "cde" && scope["declared"] as? Bool == true)
        #expect(scope["namespaces"] as? [String] == ["payments", "checkout-*"])

        let all = try findings(scratch.path("out/findings.jsonl"))
        for finding in all {
            #expect((finding["controls"] as? [String] ?? []).allSatisfy { $0.hasPrefix("pci-dss-4.0.1:") })
        }
        // samples/README.md: the planted exec is into shop/payments-…, in namespace shop: out of scope.
        let exec = try #require(all.first { ($0["rule"] as? [String: Any])?["name"] as? String == "pod-exec-attach" })
        let execID = try #require(exec["id"] as? String)
        let controls = try #require((frameworks.first?["families"] as? [[String: Any]])?.flatMap { $0["controls"] as! [[String: Any]] })
        let queryAccess = try #require(controls.first { $0["id"] as? String == "7.2.6" })
        #expect((queryAccess["outOfScopeFindings"] as? [String])?.contains(execID) == true)
        #expect((queryAccess["findings"] as? [String] ?? []).contains(execID) == false)
    }

    @Test(arguments: [
        (["--scope", "pci=payments"], "NAME one of cde, ephi, personal-data"),
        (["--frameworks", "sox"], "--frameworks: no catalog is named `sox`"),
    ])
    func aBadComplianceOptionIsAUsageError(arguments: [String], message: String) throws {
        let scratch = try ScratchDirectory()
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "-o", scratch.path("out")] + arguments)
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }

    @Test func aControlsFolderReplacesABuiltInCatalogAndItsProblemsNameTheirPlace() throws {
        let scratch = try ScratchDirectory()
        let gdpr = """
            id: gdpr
            framework: gdpr
            title: GDPR, as our counsel reads it
            version: 2016/679
            source: https://eur-lex.europa.eu/eli/reg/2016/679/oj
            text-license: reusable
            text-notice: Ours.
            scope: personal-data
            coverage: Article 32 only.
            families:
              - id: "32"
                title: Security of processing
                controls:
                  - {id: "32(1)(b)", title: Ongoing confidentiality and integrity, assessable: partial, evidence: [exception]}
            """
        // The built-in mapping names GDPR articles this catalog lacks: every category is mapped anew.
        let categories = ["privileged-workload", "host-access", "exec-attach", "secret-access", "rbac-change", "identity-misuse",
                          "authn-failure", "anonymous-access", "audit-tampering", "admission-tampering", "data-deletion",
                          "token-creation", "external-exposure", "cross-namespace", "enumeration-discovery", "admin-activity",
                          "audit-coverage"]
        try scratch.write("controls/gdpr.yaml", gdpr)
        try scratch.write("controls/map.yaml", "categories:\n" + categories.map { "  \($0):\n    gdpr: [\"32(1)(b)\"]" }.joined(separator: "\n"))
        let outcome = try KubeSiftRunner.run(["analyze", "samples", "-o", scratch.path("out"), "--progress", "never",
                                              "--controls", scratch.path("controls"), "--frameworks", "gdpr"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        // A built-in rule adds gdpr:25(2), which the replacement lacks: it is left out, with a warning.
        #expect(outcome.stderr.contains("binding-to-anonymous: no catalog has the control `gdpr:25(2)`"), "\(outcome.stderr)")
        let framework = try #require(((try json(scratch.path("out/report.json"))["compliance"] as? [String: Any])?["frameworks"] as? [[String: Any]])?.first)
        #expect(framework["title"] as? String == "GDPR, as our counsel reads it")
        #expect(framework["origin"] as? String == scratch.path("controls/gdpr.yaml"))
        let families = try #require(framework["families"] as? [[String: Any]])
        #expect(families.flatMap { $0["controls"] as! [[String: Any]] }.map { $0["status"] as? String } == ["exceptions-found"])

        try scratch.write("broken/gdpr.yaml", gdpr.replacingOccurrences(of: "assessable: partial", with: "assessable: mostly"))
        let broken = try KubeSiftRunner.run(["analyze", "samples", "-o", scratch.path("out2"), "--controls", scratch.path("broken")])
        #expect(broken.exitCode == 64)
        #expect(broken.stderr.contains("\(scratch.path("broken/gdpr.yaml")):14:"), "\(broken.stderr)")
        #expect(broken.stderr.contains("`assessable` must be full, partial or none"))
    }

    @Test func validateChecksTheControlsARuleMapsTo() throws {
        let scratch = try ScratchDirectory()
        // The README's rule adds pci-dss-4.0.1:8.6.3; 8.6.9 does not exist.
        let readme = try RulesCommandTests.readmeRule()
        #expect(readme.contains("add: [pci-dss-4.0.1:8.6.3]"))
        let rule = readme.replacingOccurrences(of: "pci-dss-4.0.1:8.6.3", with: "pci-dss-4.0.1:8.6.9")
        let path = try scratch.write("mine/rule.yml", rule)
        let outcome = try KubeSiftRunner.run(["rules", "validate", path])
        #expect(outcome.exitCode == 1)
        #expect(outcome.stdout.contains("\(path):22:11: "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("ci-reads-secret: no catalog has the control `pci-dss-4.0.1:8.6.9`"), "\(outcome.stdout)")
        let fixed = try scratch.write("fixed/rule.yml", readme)
        #expect(try KubeSiftRunner.run(["rules", "validate", fixed]).exitCode == 0)
    }

    @Test func showListsTheControlsARuleMapsToWithItsOwnAdditionsAndRemovals() throws {
        let outcome = try KubeSiftRunner.run(["rules", "show", "secret-read-denied"])
        #expect(outcome.exitCode == 0)
        // secret-access maps 10.2.1.1 (removed by the rule) and 3.6.1, 8.6.2 as secondary; the rule adds 10.2.1.4.
        #expect(outcome.stdout.contains("# pci-dss-4.0.1: (3.6.1), 7.2.2, 7.2.5, (8.6.2), 10.2.1.4\n"), "\(outcome.stdout)")
    }
}
