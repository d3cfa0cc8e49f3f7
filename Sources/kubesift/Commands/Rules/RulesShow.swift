import ArgumentParser
import KubeSiftCore

extension KubeSift.Rules {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one rule's source and what it is about.")

        @OptionGroup var rules: RuleOptions
        @OptionGroup var catalogs: ControlCatalogOptions

        @Argument(help: "The rule's name or id.")
        var rule: String

        func run() throws {
            let ruleSet = try rules.ruleSet()
            guard let definition = ruleSet.definition(named: rule) else {
                StandardError.write("kubesift: no rule has the id or name `\(rule)` (see `kubesift rules list`)\n")
                throw KubeSiftExitCode.usage.exitCode
            }
            let meta = definition.metadata
            print("# \(meta.title)")
            print("# name: \(meta.name)  id: \(meta.id)  version: \(meta.version)")
            print("# severity: \(meta.severity.rawValue)  category: \(meta.category.rawValue)  audit level: \(meta.auditLevel.rawValue)")
            if !meta.attackTechniques.isEmpty { print("# ATT&CK: \(meta.attackTechniques.joined(separator: ", "))") }
            let library = try catalogs.library()
            let controls = library.controls(for: meta)
            for catalog in library.catalogs {
                let mapped = catalog.controls.compactMap { control -> String? in
                    guard let weight = controls[ControlReference(catalog: catalog.id, control: control.id)] else { return nil }
                    return weight == .secondary ? "(\(control.id))" : control.id
                }
                if !mapped.isEmpty { print("# \(catalog.id): \(mapped.joined(separator: ", "))") }
            }
            print("# from: \(meta.origin.path)")
            print()
            if let source = RuleCatalog.source(of: meta) {
                print(source, terminator: source.hasSuffix("\n") ? "" : "\n")
            }
        }
    }
}
