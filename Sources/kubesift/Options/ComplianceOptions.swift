import ArgumentParser
import KubeSiftCore

/// Where control catalogs come from: the built-in ones, with the user's laid over them.
struct ControlCatalogOptions: ParsableArguments {
    @Option(name: .customLong("controls"), help: ArgumentHelp(
        "A folder (or file) of control catalogs or category mappings; a catalog with the id of a built-in one replaces it. Repeatable.",
        valueName: "dir"))
    var controlPaths: [String] = []

    /// The library, or a usage error naming the file, line and column of the first problem.
    func library() throws -> ControlLibrary {
        do {
            return try ControlLibrary.load(extraPaths: controlPaths)
        } catch {
            StandardError.write("kubesift: \(error)\n")
            throw KubeSiftExitCode.usage.exitCode
        }
    }
}

/// Which frameworks a report maps findings to, and which namespaces each scope covers.
struct ComplianceOptions: ParsableArguments {
    @OptionGroup var catalogs: ControlCatalogOptions

    @Option(help: ArgumentHelp(
        "Frameworks to report, comma-separated: pci-dss, hipaa, gdpr, soc2, nist-800-53, iso27001, cis-k8s, or a catalog id (default: all). Repeatable.",
        valueName: "name,..."))
    var frameworks: [String] = []

    @Option(help: ArgumentHelp(
        "Namespaces in a scope: cde=GLOB,..., ephi=GLOB,..., personal-data=GLOB,... (default: every namespace). Repeatable.",
        valueName: "name=glob,..."))
    var scope: [String] = []

    /// The configuration for `rules`, or a usage error: a bad catalog, a rule mapping to a control
    /// no catalog has, an unknown framework or a malformed scope.
    func configuration(rules: RuleSet) throws -> ComplianceConfiguration {
        let library = try catalogs.library()
        // A built-in rule's own controls fit the built-in catalogs (the tests hold them to it); one
        // that no longer resolves names a catalog the user replaced, whose version wins.
        let builtIn = rules.all.filter { if case .builtIn = $0.metadata.origin { true } else { false } }
        for problem in library.problems(in: builtIn) { StandardError.write("kubesift: warning: \(problem); left out\n") }
        let problems = library.problems(in: rules.all.filter { if case .file = $0.metadata.origin { true } else { false } })
        for problem in problems { StandardError.write("kubesift: \(problem)\n") }
        guard problems.isEmpty else { throw KubeSiftExitCode.usage.exitCode }
        let names = frameworks.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            return ComplianceConfiguration(library: library, frameworks: try library.catalogs(named: names),
                                           scopes: try ComplianceScopes(parsing: scope))
        } catch {
            StandardError.write("kubesift: \(error)\n")
            throw KubeSiftExitCode.usage.exitCode
        }
    }
}
