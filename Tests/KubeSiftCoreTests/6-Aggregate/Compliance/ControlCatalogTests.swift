import Foundation
import Testing
@testable import KubeSiftCore

/// The built-in catalogs against the integrity rules of compliance research §12.
@Suite("The built-in control catalogs")
struct ControlCatalogTests {

    /// Per catalog, per family, how many requirements the source has in the parts the catalog
    /// covers: counted from the sources themselves (the standards' indexes, 45 CFR, the regulation,
    /// NIST's catalog, kube-bench's cfg/cis-1.12), not from the catalog files.
    static let recordedTotals: [String: [String: Int]] = [
        "pci-dss-4.0.1": [
            "1.2": 8, "1.3": 3, "1.4": 5, "2.2": 7, "3.6": 5, "4.2": 4, "6.5": 6, "7": 12, "8": 29, "10": 27,
            "11.5": 3, "12.10": 8, "A1.1": 4, "A1.2": 3,
        ],
        "hipaa-sr": ["164.308": 30, "164.310": 12, "164.312": 12, "164.314": 6, "164.316": 5],
        "gdpr": ["5": 7, "24": 3, "25": 3, "32": 7, "33": 5, "34": 4],
        "soc2-tsc-2017": [
            "CC1": 5, "CC2": 3, "CC3": 4, "CC4": 2, "CC5": 3, "CC6": 8, "CC7": 5, "CC8": 1, "CC9": 2, "A1": 3, "C1": 2,
            "PI1": 5, "P": 18,
        ],
        // Base controls that are not withdrawn, plus the enhancements the coverage line names.
        "nist-800-53-r5": ["AC": 23 + 8, "AU": 15 + 8, "CM": 14, "IA": 13 + 1, "IR": 9, "SC": 47, "SI": 22 + 1],
        "iso27001-2022": ["A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34],
        "cis-k8s-1.12": [
            "1.1": 21, "1.2": 30, "1.3": 7, "1.4": 2, "2": 7, "3.1": 3, "3.2": 2, "4.1": 10, "4.2": 14, "4.3": 1,
            "5.1": 13, "5.2": 12, "5.3": 2, "5.4": 2, "5.5": 1, "5.6": 4,
        ],
    ]

    @Test("The built-in files load into one library without a problem, in report order")
    func loads() throws {
        let library = try ControlLibrary.builtIn.get()
        #expect(library.catalogs.map(\.id) == [
            "pci-dss-4.0.1", "hipaa-sr", "gdpr", "soc2-tsc-2017", "nist-800-53-r5", "iso27001-2022", "cis-k8s-1.12",
        ])
        #expect(library.catalogs.allSatisfy { $0.isBuiltIn })
    }

    @Test("Every catalog lists every requirement of the parts of its source it covers", arguments: recordedTotals.keys.sorted())
    func complete(catalogID: String) throws {
        let catalog = try #require(try ControlLibrary.builtIn.get().catalog(named: catalogID))
        var counted: [String: Int] = [:]
        for control in catalog.controls { counted[control.family, default: 0] += 1 }
        #expect(counted == Self.recordedTotals[catalogID])
        #expect(catalog.families.map(\.id).sorted() == Self.recordedTotals[catalogID]!.keys.sorted())
    }

    @Test("Control ids are unique in each catalog, and every parent is listed")
    func idsUnique() throws {
        for catalog in try ControlLibrary.builtIn.get().catalogs {
            let ids = catalog.controls.map(\.id)
            #expect(Set(ids).count == ids.count, "\(catalog.id)")
            for control in catalog.controls {
                if let parent = control.parent { #expect(ids.contains(parent), "\(catalog.id):\(control.id) → \(parent)") }
            }
        }
    }

    @Test("Each catalog links its official source and says whose its text is")
    func sourcesAndLicences() throws {
        // Research §0 item 11: PCI SSC, AICPA, ISO and CIS texts are copyrighted; HIPAA, NIST and GDPR are not.
        let copyrighted: Set = ["pci-dss", "soc2", "iso27001", "cis-k8s"]
        for catalog in try ControlLibrary.builtIn.get().catalogs {
            #expect(catalog.source.hasPrefix("https://"), "\(catalog.id)")
            #expect(!catalog.textNotice.isEmpty && !catalog.coverage.isEmpty, "\(catalog.id)")
            #expect(catalog.textLicense == (copyrighted.contains(catalog.framework) ? .paraphrased : .reusable), "\(catalog.id)")
        }
    }

    @Test("Copyrighted catalogs carry short titles in KubeSift's words, not the source's text")
    func noCopyrightedText() throws {
        for catalog in try ControlLibrary.builtIn.get().catalogs where catalog.textLicense == .paraphrased {
            for control in catalog.controls {
                let title = control.title
                #expect(title.count <= ControlLoader.maximumTitleLength, "\(catalog.id):\(control.id)")
                // A requirement's text runs to several sentences; a title is one.
                #expect(!title.dropLast().contains(". "), "\(catalog.id):\(control.id): \(title)")
                // The benchmark's own wording: every recommendation starts "Ensure that …" and ends in its scoring.
                #expect(!title.hasPrefix("Ensure"), "\(catalog.id):\(control.id): \(title)")
                #expect(!title.hasSuffix("(Manual)") && !title.hasSuffix("(Automated)"), "\(catalog.id):\(control.id)")
                // The standards' normative verbs.
                #expect(!title.lowercased().contains(" shall "), "\(catalog.id):\(control.id)")
            }
        }
    }

    @Test("Every control the mapping names exists, and is assessable from audit logs")
    func mappedControlsExist() throws {
        let library = try ControlLibrary.builtIn.get()
        for mapping in library.mappings {
            let catalog = try #require(library.catalog(named: mapping.catalog))
            for entry in mapping.controls {
                let control = catalog.control(entry.reference)
                #expect(control != nil, "\(mapping.category) → \(mapping.catalog):\(entry.reference)")
                #expect(control?.assessable != Assessability.none, "\(mapping.category) maps \(mapping.catalog):\(entry.reference), marked not assessable")
            }
        }
    }

    @Test("Every category of the rule vocabulary maps to controls in every catalog it bears on")
    func everyCategoryMaps() throws {
        let library = try ControlLibrary.builtIn.get()
        for category in ControlLibrary.categoryNames {
            let controls = library.controls(ofCategory: category)
            #expect(!controls.isEmpty, "\(category) maps nowhere")
            // Every category reaches at least the frameworks about the whole system.
            for catalog in ["pci-dss-4.0.1", "hipaa-sr", "gdpr", "soc2-tsc-2017", "nist-800-53-r5", "iso27001-2022"] {
                #expect(controls.keys.contains { $0.catalog == catalog }, "\(category) maps to nothing in \(catalog)")
            }
        }
    }

    @Test("Every built-in rule maps to controls, and its own additions and removals are valid")
    func rulesMap() throws {
        let library = try ControlLibrary.builtIn.get()
        let rules = RuleCatalog.builtIn().rules
        #expect(library.problems(in: rules).isEmpty, "\(library.problems(in: rules))")
        for rule in rules { #expect(!library.controls(for: rule.metadata).isEmpty, "\(rule.metadata.name) maps nowhere") }
        // The rule files that adjust their category's mapping really change it.
        let adjusted = rules.filter { !$0.metadata.controls.add.isEmpty || !$0.metadata.controls.remove.isEmpty }
        #expect(adjusted.count >= 5)
        for rule in adjusted {
            #expect(library.controls(for: rule.metadata) != library.controls(ofCategory: rule.metadata.category.rawValue), "\(rule.metadata.name)")
        }
    }

    @Test("Every control audit logs can show is reached by a rule, a coverage check or an event class, or says why not")
    func assessableControlsReached() throws {
        let library = try ControlLibrary.builtIn.get()
        var mapped: Set<ControlReference> = []
        for category in ControlLibrary.categoryNames { mapped.formUnion(library.controls(ofCategory: category).keys) }
        for rule in RuleCatalog.builtIn().rules { mapped.formUnion(library.controls(for: rule.metadata).keys) }
        for catalog in library.catalogs {
            for control in catalog.controls where control.assessable != .none {
                let reached = mapped.contains(ControlReference(catalog: catalog.id, control: control.id)) || !control.needs.isEmpty
                #expect(reached || control.notes != nil, "\(catalog.id):\(control.id) is assessable, reached by nothing, and says nothing")
            }
        }
    }

    @Test("Aliases and framework names resolve, each to one catalog")
    func aliasesResolve() throws {
        let library = try ControlLibrary.builtIn.get()
        #expect(library.resolve("pci-dss-4.0:10.2.1.2") == ControlReference(catalog: "pci-dss-4.0.1", control: "10.2.1.2"))
        #expect(library.resolve("pci-dss-4.0.1:10.2.1.2") == library.resolve("pci-dss-4.0:10.2.1.2"))
        #expect(library.resolve("pci-dss-4.0.1:10.2.9") == nil)
        #expect(library.resolve("pci-dss:10.2.1.2") == nil, "a reference names a catalog version, not a framework")
        #expect(library.resolve("nist-800-53-r5:AU-6(3)")?.description == "nist-800-53-r5:AU-6(3)")
        #expect(try library.catalogs(named: ["pci-dss-4.0", "hipaa"]).map(\.id) == ["pci-dss-4.0.1", "hipaa-sr"])
        #expect(try library.catalogs(named: ["cis-k8s", "gdpr"]).map(\.id) == ["gdpr", "cis-k8s-1.12"], "report order, not the order asked")
        #expect(try library.catalogs(named: []).count == 7)
        #expect(throws: ComplianceOptionError.self) { try library.catalogs(named: ["pci-dss", "sox"]) }
    }

    @Test("The binary embeds controls/ as it is on disk, and no file holds the embedding's string delimiter")
    func embeddedMatchesDisk() throws {
        let root = Peers.repositoryRoot.appendingPathComponent("controls")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(ControlLibrary.builtInFiles.map(\.path) == onDisk)
        for file in ControlLibrary.builtInFiles {
            let text = try String(contentsOf: root.appendingPathComponent(file.path), encoding: .utf8)
            #expect(file.text + "\n" == text || file.text == text, "\(file.path) differs from the embedded copy: rebuild")
            #expect(!text.contains("####"), "\(file.path)")
        }
    }

    @Test("No catalog, mapping or status text calls anything compliant")
    func neverCompliant() throws {
        for file in ControlLibrary.builtInFiles { #expect(!file.text.lowercased().contains("compliant"), "\(file.path)") }
        for status in ControlStatus.allCases {
            #expect(!(status.label + status.meaning).lowercased().contains("compliant"))
        }
        #expect(!ComplianceResult.statementText.lowercased().contains("compliant"))
    }
}
