import Foundation

/// Where a run's rules come from: the catalog built into the binary, then the user's rule folders
/// (a rule there replaces a built-in one with the same id or name), less what is disabled.
package enum RuleCatalog {
    /// The built-in rules, as compiled in from `rules/`.
    package static func builtIn() -> RuleLoader.FileResult {
        var result = RuleLoader.FileResult()
        for file in BuiltInRuleFiles.files {
            let loaded = RuleLoader.load(yaml: file.text, origin: .builtIn(path: "rules/" + file.path))
            result.rules += loaded.rules
            result.problems += loaded.problems
        }
        return result
    }

    /// The built-in rule files as written, by path below `rules/`.
    package static var builtInFiles: [(path: String, text: String)] { BuiltInRuleFiles.files }

    /// The text of the document a rule was read from (its whole file).
    package static func source(of metadata: RuleMetadata) -> String? {
        switch metadata.origin {
        case let .builtIn(path):
            return BuiltInRuleFiles.files.first { "rules/" + $0.path == path }?.text
        case let .file(path):
            return try? String(contentsOfFile: path, encoding: .utf8)
        }
    }

    /// The rules of one run.
    ///
    /// - Throws: ``FileProblem`` for the first problem in any rule file, a reference to a missing
    ///   rule, or a disabled id that names nothing.
    package static func ruleSet(extraPaths: [String], disabled: Set<String>, includeBuiltIn: Bool = true)
        throws(FileProblem) -> RuleSet
    {
        var definitions: [RuleDefinition] = []
        if includeBuiltIn {
            let builtIn = builtIn()
            if let problem = builtIn.problems.first { throw problem }
            definitions = builtIn.rules
        }
        for path in extraPaths {
            let loaded = RuleLoader.load(path: path)
            if let problem = loaded.problems.first { throw problem }
            definitions += loaded.rules
        }
        return try RuleSet(definitions, disabled: disabled)
    }
}
