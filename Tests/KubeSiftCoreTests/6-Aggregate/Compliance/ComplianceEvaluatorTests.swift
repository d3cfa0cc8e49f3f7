import Testing
@testable import KubeSiftCore

/// Control statuses computed on small constructed results: each status reachable, for the reason
/// §10.3 gives, and scopes, frameworks and rule-level mappings applied.
@Suite("Control status")
struct ComplianceEvaluatorTests {
    let library: ControlLibrary
    let rules: RuleSet
    let secretReader: RuleMetadata
    /// Secrets seen at Metadata, roles at Request, nothing of pods/exec.
    let levels: [String: LevelCounts] = [
        "secrets": LevelCounts(metadata: 5), "roles.rbac.authorization.k8s.io": LevelCounts(request: 2), "/healthz": LevelCounts(unknown: 3),
    ]

    init() throws {
        library = try ComplianceFixture.library()
        rules = try ComplianceFixture.ruleSet()
        secretReader = try #require(rules.definition(named: "secret-reader")).metadata
    }

    private func evaluate(_ result: AnalysisResult, scopes: [String] = [], frameworks: [String] = []) throws
        -> (result: AnalysisResult, controls: [String: ComplianceResult.ControlResult])
    {
        var result = result
        let configuration = ComplianceConfiguration(library: library, frameworks: try library.catalogs(named: frameworks),
                                                    scopes: try ComplianceScopes(parsing: scopes))
        ComplianceEvaluator(configuration: configuration, rules: rules).evaluate(&result)
        let families = try #require(result.compliance?.frameworks.first?.families)
        let controls = families.flatMap { $0.controls }
        return (result, Dictionary(uniqueKeysWithValues: controls.map { ($0.id, $0) }))
    }

    @Test("Each status, for its reason")
    func everyStatus() throws {
        let findings = [ComplianceFixture.finding("f1", rule: secretReader, namespace: "payments")]
        let (_, controls) = try evaluate(ComplianceFixture.result(levels: levels, findings: findings))
        func status(_ id: String) -> ControlStatus? { controls[id]?.status }

        #expect(status("NONE") == .notAssessable)
        #expect(status("EXC") == .exceptionsFound)
        #expect(controls["EXC"]?.findings == ["f1"])
        #expect(controls["EXC"]?.reason.contains("rule secret-reader") == true)
        // A secondary mapping lists the finding but is no exception; its rule saw what it needs.
        #expect(status("REL") == .noExceptionsObserved)
        #expect(controls["REL"]?.relatedFindings == ["f1"] && controls["REL"]?.findings == [])
        // Its only rule never saw a pods/exec request.
        #expect(status("BLIND") == .blind)
        #expect(controls["BLIND"]?.blindRules == ["exec-watcher"])
        // One rule saw roles at Request level, the other is blind.
        #expect(status("PART") == .partiallyAssessable)
        #expect(controls["PART"]?.reason.contains("exec-watcher") == true)
        #expect(status("NOSRC") == .partiallyAssessable)
        #expect(controls["NOSRC"]?.reason.contains("No rule or coverage check") == true)
        #expect(status("SEEN") == .noExceptionsObserved)
        #expect(status("UNSEEN") == .blind)
        #expect(controls["UNSEEN"]?.reason.contains("no secrets requests are logged at Request or above") == true)
        #expect(controls["UNSEEN"]?.needs.map(\.seen) == [false])
        #expect(status("COV") == .noExceptionsObserved)
        #expect(controls["COV"]?.coverage == true)
        // The rule adds ADD (through the catalog's alias) and takes RM from its category.
        #expect(status("ADD") == .exceptionsFound)
        #expect(status("RM") == .partiallyAssessable)
        #expect(controls["RM"]?.rules == [])
    }

    @Test("A finding lists the controls it is an exception to, and those it bears on, in catalog order")
    func findingControls() throws {
        let findings = [ComplianceFixture.finding("f1", rule: secretReader, namespace: "payments")]
        let (result, _) = try evaluate(ComplianceFixture.result(levels: levels, findings: findings))
        #expect(result.findings[0].controls == ["t:EXC", "t:ADD"])
        #expect(result.findings[0].relatedControls == ["t:REL"])
    }

    @Test("Without a declared scope every namespace counts; with one, findings elsewhere are listed but not counted")
    func scopes() throws {
        let findings = [
            ComplianceFixture.finding("in", rule: secretReader, namespace: "payments-eu"),
            ComplianceFixture.finding("out", rule: secretReader, namespace: "shop"),
            ComplianceFixture.finding("cluster", rule: secretReader, namespace: nil),
        ]
        let (undeclared, all) = try evaluate(ComplianceFixture.result(levels: levels, findings: findings))
        #expect(all["EXC"]?.findings == ["in", "out", "cluster"])
        #expect(undeclared.compliance?.scopes.first?.declared == false)
        #expect(undeclared.compliance?.scopes.first?.namespaces == ["*"])

        let (declared, scoped) = try evaluate(ComplianceFixture.result(levels: levels, findings: findings), scopes: ["cde=payments-*,billing"])
        #expect(scoped["EXC"]?.findings == ["in", "cluster"])
        #expect(scoped["EXC"]?.outOfScopeFindings == ["out"])
        #expect(scoped["REL"]?.relatedFindings == ["in", "cluster"])
        #expect(declared.compliance?.scopes.first?.namespaces == ["payments-*", "billing"])

        // Nothing in scope: no exception, though the finding is still listed.
        let (_, elsewhere) = try evaluate(ComplianceFixture.result(levels: levels, findings: [findings[1]]), scopes: ["cde=payments"])
        #expect(elsewhere["EXC"]?.status == .noExceptionsObserved)
        #expect(elsewhere["EXC"]?.outOfScopeFindings == ["out"])
    }

    @Test("Damaged input keeps a control from showing no exceptions; no events make the coverage checks blind")
    func incompleteEvidence() throws {
        let (_, damaged) = try evaluate(ComplianceFixture.result(levels: levels, findings: [], inputsWithDataLoss: 1))
        #expect(damaged["SEEN"]?.status == .partiallyAssessable)
        #expect(damaged["SEEN"]?.reason.contains("1 input lost data") == true)
        let (_, empty) = try evaluate(ComplianceFixture.result(levels: [:], findings: [], distinctEvents: 0))
        #expect(empty["COV"]?.status == .blind)
        #expect(empty["SEEN"]?.status == .blind)
        #expect(empty["EXC"]?.status == .blind)
    }

    @Test("A rule is blind when what it looks for appears only below its level, and says where")
    func blindBelowLevel() throws {
        var metadataOnly = levels
        metadataOnly["roles.rbac.authorization.k8s.io"] = LevelCounts(metadata: 2)
        let (result, controls) = try evaluate(ComplianceFixture.result(levels: metadataOnly, findings: []))
        #expect(controls["PART"]?.status == .blind)
        let reason = try #require(result.compliance?.blindRules.first { $0.name == "role-writer" }?.reason)
        #expect(reason.contains("roles.rbac.authorization.k8s.io logged below Request only"))
        // Requests of unknown level show their metadata: the Metadata rule on secrets is not blind.
        var unknown = levels
        unknown["secrets"] = LevelCounts(unknown: 1)
        let (_, seen) = try evaluate(ComplianceFixture.result(levels: unknown, findings: []))
        #expect(seen["EXC"]?.status == .noExceptionsObserved)
    }

    @Test("A rule on writes is blind when a resource's writes are logged below its level, though its reads are not")
    func blindByVerb() throws {
        var result = ComplianceFixture.result(levels: levels, findings: [])
        // Roles are read at Request but created at Metadata only.
        result.activity.levels["roles.rbac.authorization.k8s.io"] = LevelCounts(metadata: 1, request: 2)
        result.activity.verbLevels["roles.rbac.authorization.k8s.io"] = ["get": LevelCounts(request: 2), "create": LevelCounts(metadata: 1)]
        let (blind, controls) = try evaluate(result)
        let reason = try #require(blind.compliance?.blindRules.first { $0.name == "role-writer" }?.reason)
        #expect(reason == "create roles.rbac.authorization.k8s.io logged below Request only; it needs Request")
        #expect(controls["PART"]?.status == .blind)

        // One create at Request is enough to see.
        result.activity.verbLevels["roles.rbac.authorization.k8s.io"]?["create"] = LevelCounts(metadata: 1, request: 1)
        let (seeing, _) = try evaluate(result)
        #expect(seeing.compliance?.blindRules.contains { $0.name == "role-writer" } == false)

        // Without verbs (a result that did not count them), the resource decides, as before.
        result.activity.verbLevels = [:]
        let (unknown, _) = try evaluate(result)
        #expect(unknown.compliance?.blindRules.contains { $0.name == "role-writer" } == false)
    }

    @Test("A correlation is blind when every rule it counts is")
    func blindCorrelation() throws {
        let correlation = """
            title: exec burst
            id: exec-burst-id
            name: exec-burst
            correlation:
              type: event_count
              rules: [exec-watcher]
              group-by: [user.username]
              timespan: 5m
              condition: {gte: 3}
            level: high
            kubesift: {category: exec-attach}
            """
        let rules = try ComplianceFixture.ruleSet(ComplianceFixture.rules + [correlation])
        var result = ComplianceFixture.result(levels: levels, findings: [])
        ComplianceEvaluator(configuration: ComplianceConfiguration(library: library), rules: rules).evaluate(&result)
        let blind = try #require(result.compliance?.blindRules.first { $0.name == "exec-burst" })
        #expect(blind.reason.hasPrefix("every rule it counts is blind: exec-watcher"))
    }

    @Test("Only the frameworks asked for are shown, and findings list only their controls")
    func frameworksShown() throws {
        let other = ComplianceFixture.catalog.replacingOccurrences(of: "id: t\n", with: "id: u\n")
            .replacingOccurrences(of: "framework: test", with: "framework: other").replacingOccurrences(of: "[t-old]", with: "[]")
        let catalogs = ControlLoader.load(yaml: ComplianceFixture.catalog, path: "t.yaml", isBuiltIn: false).catalogs
            + ControlLoader.load(yaml: other, path: "u.yaml", isBuiltIn: false).catalogs
        let mapping = "categories:\n  secret-access:\n    t: [EXC]\n    u: [EXC]"
        let library = try ControlLibrary(catalogs: catalogs, mappings: ControlLoader.load(yaml: mapping, path: "m.yaml", isBuiltIn: false).mappings)
        var result = ComplianceFixture.result(levels: levels, findings: [ComplianceFixture.finding("f1", rule: secretReader, namespace: nil)])
        let configuration = ComplianceConfiguration(library: library, frameworks: try library.catalogs(named: ["other"]))
        ComplianceEvaluator(configuration: configuration, rules: rules).evaluate(&result)
        #expect(result.compliance?.frameworks.map(\.id) == ["u"])
        #expect(result.findings[0].controls == ["u:EXC"])
        #expect(result.compliance?.scopes.map(\.frameworks) == [["u"]])
    }

    @Test("Namespace scopes: names, globs, repeats; bad forms say what is accepted")
    func scopeParsing() throws {
        let scopes = try ComplianceScopes(parsing: ["cde=payments,checkout-*", "ephi=clinic", "cde=payments, vault"])
        #expect(scopes.namespaces(of: .cde) == ["payments", "checkout-*", "vault"])
        #expect(scopes.contains(namespace: "checkout-eu", in: .cde))
        #expect(!scopes.contains(namespace: "shop", in: .cde))
        #expect(scopes.contains(namespace: nil, in: .cde), "cluster-scoped objects concern every namespace")
        #expect(scopes.contains(namespace: "shop", in: .personalData), "an undeclared scope covers every namespace")
        #expect(!scopes.isDeclared(.personalData) && scopes.namespaces(of: .personalData) == ["*"])
        for bad in ["cde", "pci=payments", "cde=", "all=x", "=payments"] {
            #expect(throws: ComplianceOptionError.self, "\(bad)") { try ComplianceScopes(parsing: [bad]) }
        }
    }
}
