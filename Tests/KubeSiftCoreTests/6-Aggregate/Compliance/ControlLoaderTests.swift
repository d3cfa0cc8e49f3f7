import Testing
@testable import KubeSiftCore

/// Control files: what loads, what is refused with its line and column, and how `--controls`
/// files lay over the built-in ones.
@Suite("Control files and --controls")
struct ControlLoaderTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func problems(_ yaml: String) -> [FileProblem] {
        ControlLoader.load(yaml: yaml, path: "bad.yaml", isBuiltIn: false).problems
    }

    /// The fixture catalog with `old` replaced by `new`.
    private func catalog(replacing old: String, with new: String) -> String {
        let text = ComplianceFixture.catalog.replacingOccurrences(of: old, with: new)
        precondition(text != ComplianceFixture.catalog, "the fixture has no `\(old)`")
        return text
    }

    @Test("A catalog reads with every field, in the source's order")
    func reads() throws {
        let loaded = ControlLoader.load(yaml: ComplianceFixture.catalog, path: "t.yaml", isBuiltIn: false)
        #expect(loaded.problems.isEmpty)
        let catalog = try #require(loaded.catalogs.first)
        #expect(catalog.id == "t" && catalog.framework == "test" && catalog.aliases == ["t-old"] && catalog.scope == .cde)
        #expect(catalog.controls.map(\.id).prefix(3) == ["NONE", "EXC", "REL"])
        #expect(catalog.control("NONE")?.assessable == Assessability.none, "not assessable unless it says so")
        #expect(catalog.control("UNSEEN")?.needs == [EventNeed(resource: "secrets", level: .request)])
        #expect(catalog.sha256.count == 64)
    }

    @Test("Problems name the line and column of what is wrong")
    func problemLocations() {
        // Line 15 is the first control of the fixture.
        let unknownKey = problems(catalog(replacing: "{id: NONE, title: Not in any log}", with: "{id: NONE, title: x, text: Verbatim}"))
        #expect(unknownKey.map(\.line) == [15])
        #expect(unknownKey.first?.message.contains("unknown key `text`") == true)

        let longTitle = problems(catalog(replacing: "title: Not in any log", with: "title: \(String(repeating: "word ", count: 30))"))
        #expect(longTitle.first?.line == 15)
        #expect(longTitle.first?.message.contains("at most 100 characters") == true)

        let twice = problems(catalog(replacing: "{id: REL,", with: "{id: EXC,"))
        #expect(twice.first?.message == "control EXC is listed twice")
        #expect(twice.first?.line == 17)

        let badLevel = problems(catalog(replacing: "level: Request}", with: "level: Everything}"))
        #expect(badLevel.first?.message.contains("Metadata, Request or RequestResponse") == true)

        let orphan = problems(catalog(replacing: "{id: NONE, title: Not in any log}", with: "{id: NONE, title: x, parent: NOPE}"))
        #expect(orphan.first?.message.contains("parent NOPE") == true)

        let needsButNone = problems(catalog(replacing: "{id: NONE, title: Not in any log}", with: "{id: NONE, title: x, needs: [{resource: pods}]}"))
        #expect(needsButNone.first?.message.contains("not assessable") == true)

        let noSource = problems(catalog(replacing: "source: https://example.com/test", with: "source: example.com"))
        #expect(noSource.first?.line == 6)

        let neither = problems("controls: []")
        #expect(neither.first?.message.contains("neither a control catalog") == true)

        let yaml = problems("id: [unclosed")
        #expect(yaml.first?.message.hasPrefix("YAML:") == true)
    }

    @Test("A mapping names only categories, catalogs and controls that exist")
    func mappingProblems() throws {
        /// The problem the mapping is refused with; nil (failing the caller's expectation) when it loads.
        func problem(_ mapping: String) -> FileProblem? {
            do {
                _ = try ComplianceFixture.library(mapping: mapping)
                return nil
            } catch {
                return error as? FileProblem
            }
        }
        #expect(problem("categories:\n  secret-sweeping:\n    t: [EXC]")?.message.contains("unknown category") == true)
        #expect(problem("categories:\n  secret-access:\n    nist: [AC-1]")?.message == "no catalog has the key `nist`")
        let missing = try #require(problem("categories:\n  secret-access:\n    t: [EXC, NOPE]"))
        #expect(missing.message.contains("has no control `NOPE`"))
        #expect((missing.file, missing.line, missing.column) == ("map.yaml", 3, 14))
        #expect(problem("categories:\n  secret-access:\n    t: [EXC, EXC]")?.message.contains("listed twice") == true)
        // A catalog's alias is resolved to its id.
        let aliased = try ComplianceFixture.library(mapping: "categories:\n  secret-access:\n    t-old: [EXC]")
        #expect(aliased.mappings.first?.catalog == "t")
    }

    @Test("A rule's own controls must exist, and it may remove only what its category maps")
    func ruleAdjustments() throws {
        let library = try ComplianceFixture.library()
        let rules = try ComplianceFixture.ruleSet([
            ComplianceFixture.rule("good", category: "secret-access", selection: "{verb: get}",
                                   controls: "  controls: {add: [t:ADD, {id: t-old:BLIND, weight: secondary}], remove: [t:EXC]}"),
            ComplianceFixture.rule("bad", category: "secret-access", selection: "{verb: get}",
                                   controls: "  controls: {add: [t:NOPE, zz:EXC], remove: [t:BLIND]}"),
        ])
        let good = try #require(rules.definition(named: "good")).metadata
        #expect(library.controls(for: good) == [
            ControlReference(catalog: "t", control: "ADD"): .primary, ControlReference(catalog: "t", control: "BLIND"): .secondary,
            ControlReference(catalog: "t", control: "REL"): .secondary, ControlReference(catalog: "t", control: "RM"): .primary,
        ])
        let problems = library.problems(in: rules.all)
        #expect(problems.count == 3)
        #expect(problems.allSatisfy { $0.file == "test.yml" && $0.line == 12 })
        #expect(problems.map(\.message) == [
            "bad: no catalog has the control `t:NOPE` (see controls/ and --controls)",
            "bad: no catalog has the control `zz:EXC` (see controls/ and --controls)",
            "bad: removes `t:BLIND`, which category secret-access does not map to",
        ])
        // Written wrong, a reference is refused when the rule file is read.
        let malformed = RuleFixture.problems(ComplianceFixture.rule("x", category: "secret-access", selection: "{verb: get}",
                                                                    controls: "  controls: {add: [AC-6]}"))
        #expect(malformed.first?.message.contains("must be catalog:control") == true)
        #expect(malformed.first?.line == 12)
    }

    @Test("--controls: a catalog with a built-in id replaces it, a new one is added, a mapping replaces its category's")
    func overrides() throws {
        let builtIn = try ControlLibrary.builtIn.get()
        // A trimmed PCI catalog: one control; the built-in mapping then names controls it lacks.
        let pci = """
            id: pci-dss-4.0.1
            framework: pci-dss
            title: PCI DSS (trimmed)
            version: 4.0.1
            source: https://example.com/pci
            text-license: paraphrased
            text-notice: Test.
            scope: cde
            coverage: One requirement.
            families:
              - id: "10"
                title: Logging
                controls:
                  - {id: "10.2.1.2", title: Admin actions logged, assessable: full, evidence: [capture]}
            """
        try directory.write("mine/pci.yaml", pci)
        do {
            _ = try ControlLibrary.load(extraPaths: [directory.path("mine")])
            Issue.record("a catalog that lacks controls the built-in mapping names was accepted")
        } catch {
            #expect(error.file == "controls/categories.yaml")
            #expect(error.message.contains("pci-dss-4.0.1 (\(directory.path("mine/pci.yaml"))) has no control"))
        }

        // With a mapping for every category that names PCI, the replacement loads.
        let categories = Set(builtIn.mappings.filter { $0.catalog == "pci-dss-4.0.1" }.map(\.category)).sorted()
        try directory.write("mine/map.yaml", "categories:\n" + categories.map { "  \($0):\n    pci-dss-4.0.1: [\"10.2.1.2\"]" }.joined(separator: "\n"))
        try directory.write("more/test.yaml", ComplianceFixture.catalog)
        let library = try ControlLibrary.load(extraPaths: [directory.path("mine"), directory.path("more")])
        #expect(library.catalogs.map(\.id) == builtIn.catalogs.map(\.id) + ["t"])
        let pciCatalog = try #require(library.catalog(named: "pci-dss"))
        #expect(pciCatalog.title == "PCI DSS (trimmed)" && !pciCatalog.isBuiltIn && pciCatalog.controls.count == 1)
        #expect(library.controls(ofCategory: "secret-access").keys.filter { $0.catalog == "pci-dss-4.0.1" }
            == [ControlReference(catalog: "pci-dss-4.0.1", control: "10.2.1.2")])
        // Other catalogs keep their built-in mappings.
        #expect(library.controls(ofCategory: "secret-access").keys.filter { $0.catalog == "gdpr" }.count
            == builtIn.controls(ofCategory: "secret-access").keys.filter { $0.catalog == "gdpr" }.count)
        // The alias of the replaced catalog went with it.
        #expect(library.resolve("pci-dss-4.0:10.2.1.2") == nil)
    }

    @Test("A key two catalogs claim is refused")
    func duplicateKeys() throws {
        let clash = ComplianceFixture.catalog.replacingOccurrences(of: "id: t\n", with: "id: t-old\n")
        let catalogs = ControlLoader.load(yaml: ComplianceFixture.catalog, path: "t.yaml", isBuiltIn: false).catalogs
            + ControlLoader.load(yaml: clash, path: "clash.yaml", isBuiltIn: false).catalogs
        #expect(throws: FileProblem(file: "clash.yaml", line: 1, column: 1, message: "`t-old` already names the catalog in t.yaml")) {
            try ControlLibrary(catalogs: catalogs, mappings: [])
        }
    }
}
