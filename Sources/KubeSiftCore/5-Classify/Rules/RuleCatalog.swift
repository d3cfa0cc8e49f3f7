import Foundation

/// Where a run's rules come from: the catalog built into the binary, then the user's rule folders
/// (a rule there replaces a built-in one with the same id or name), less what is disabled.
package enum RuleCatalog {
    /// The built-in rules, as compiled in from `rules/`; without their examples when `examples` is false.
    package static func builtIn(examples: Bool = true) -> RuleLoader.FileResult {
        // The files are independent: parsed on every core, put together in file order.
        let files = BuiltInRuleFiles.files
        let loaded = concurrentMap(files.count) { index in
            // Without examples their text is not parsed at all: it is half of the catalog's YAML.
            let text = examples ? files[index].text : blankingExamples(files[index].text)
            return RuleLoader.load(yaml: text, origin: .builtIn(path: "rules/" + files[index].path), examples: examples)
        }
        var result = RuleLoader.FileResult()
        for file in loaded {
            result.rules += file.rules
            result.problems += file.problems
        }
        return result
    }

    /// A built-in rule file with the lines of each `kubesift.examples` block emptied, so that the
    /// rest keeps its line numbers. The catalog's files write the block as `  examples:` alone on
    /// its line, under `kubesift:`; it ends at the first line other than a comment that is indented
    /// as little as that key (the next key or document). A file written otherwise is left as it is
    /// (and parsed, examples and all).
    static func blankingExamples(_ text: String) -> String {
        // On bytes: splitting a `String` into lines by `Character` cost more than parsing the YAML.
        let space = UInt8(ascii: " "), newline = UInt8(ascii: "\n")
        let key = Array("  examples:".utf8)
        let bytes = Array(text.utf8)
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var inBlock = false
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            let line = bytes[start..<end]
            if inBlock {
                // Deeper than its key, blank, or a comment: still the block.
                let firstVisible = line.firstIndex { $0 != space } ?? end
                inBlock = firstVisible - start >= 3 || firstVisible == end || bytes[firstVisible] == UInt8(ascii: "#")
            }
            if !inBlock, line.elementsEqual(key) { inBlock = true }
            if !inBlock { kept += line }
            if end < bytes.count { kept.append(newline) }
            start = end + 1
        }
        return String(decoding: kept, as: UTF8.self)
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
