import Foundation

/// Where a run's rules come from: the catalog built into the binary, then the user's rule folders
/// (a rule there replaces a built-in one with the same id or name), less what is disabled.
package enum RuleCatalog {
    /// The built-in rules, as compiled in from `rules/`; without their examples when `examples` is false.
    package static func builtIn(examples: Bool = true) -> RuleLoader.FileResult {
        // The files are independent: parsed on every core, put together in file order.
        let files = BuiltInRuleFiles.files
        let loaded = concurrentMap(files.count) { index in
            RuleLoader.load(yaml: files[index].text, origin: .builtIn(path: "rules/" + files[index].path), examples: examples)
        }
        var result = RuleLoader.FileResult()
        for file in loaded {
            result.rules += file.rules
            result.problems += file.problems
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

    /// The rules of one run. `builtInExamples: false` leaves out the built-in rules' examples, which
    /// only `rules test` and `rules show` use.
    ///
    /// - Throws: ``FileProblem`` for the first problem in any rule file, a reference to a missing
    ///   rule, or a disabled id that names nothing.
    package static func ruleSet(extraPaths: [String], disabled: Set<String>, includeBuiltIn: Bool = true,
                                builtInExamples: Bool = true) throws(FileProblem) -> RuleSet
    {
        var definitions: [RuleDefinition] = []
        if includeBuiltIn {
            let builtIn = builtIn(examples: builtInExamples)
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
