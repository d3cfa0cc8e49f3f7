import Foundation
import Yams

/// Reads Sigma rule files (detections and correlations) into ``RuleDefinition``s.
///
/// Works on YAML nodes rather than `Decodable` so that every problem can name its line and column.
package enum RuleLoader {
    /// The result of reading one file: what loaded, and what did not.
    package struct FileResult: Sendable {
        package var rules: [RuleDefinition] = []
        package var problems: [FileProblem] = []
    }

    static let knownModifiers: Set<String> = [
        "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "exists", "gt", "gte", "lt", "lte",
        "neq", "cased", "base64",
    ]

    /// Reads every document of one rule file.
    ///
    /// - Parameter examples: false to skip the rules' examples: the built-in catalog's are proved by
    ///   the test suite, and an analysis does not need them.
    package static func load(yaml text: String, origin: RuleOrigin, examples: Bool = true) -> FileResult {
        var result = FileResult()
        let file = origin.path
        do {
            // Scalars are typed by `PlainScalar` where it matters; Yams' regex resolver is not needed.
            let parser = try YAMLSource.parser(text)
            while let root = try parser.nextRoot() {
                let line = root.mark?.line ?? 1
                do {
                    result.rules.append(try definition(root, origin: origin, line: line, examples: examples))
                } catch let problem as FileProblem {
                    result.problems.append(problem)
                }
            }
        } catch {
            result.problems.append(YAMLSource.problem(from: error, file: file))
        }
        return result
    }

    /// Reads every `.yml`/`.yaml` file below a folder (or one file), in path order.
    package static func load(path: String) -> FileResult {
        let found = YAMLSource.files(at: path)
        var result = FileResult(problems: found.problems)
        for file in found.files {
            let loaded = load(yaml: file.text, origin: .file(path: file.path))
            result.rules += loaded.rules
            result.problems += loaded.problems
        }
        return result
    }

    // MARK: - Documents

    private typealias Context = YAMLSource.Reader

    private static func definition(_ root: Node, origin: RuleOrigin, line: Int, examples: Bool) throws -> RuleDefinition {
        let context = Context(file: origin.path)
        let document = try context.mapping(root, "a rule")
        let isCorrelation = document["correlation"] != nil
        let metadata = try self.metadata(document, root: root, origin: origin, line: line, context: context,
                                         isCorrelation: isCorrelation, readsExamples: examples)
        if isCorrelation {
            return .correlation(try correlation(document, metadata: metadata, context: context))
        }
        let logsource = try context.mapping(document["logsource"] ?? root, "`logsource`")
        let product = logsource["product"]?.string?.lowercased()
        let service = logsource["service"]?.string?.lowercased()
        guard product == "kubernetes", service == "audit" else {
            throw context.fail(document["logsource"] ?? root,
                               "`logsource` must be `product: kubernetes, service: audit` (this rule is for another log)")
        }
        guard let detectionNode = document["detection"] else { throw context.fail(root, "the rule has no `detection`") }
        return .detection(DetectionRule(metadata: metadata, detection: try detection(detectionNode, context: context)))
    }

    private static func metadata(
        _ document: Node.Mapping, root: Node, origin: RuleOrigin, line: Int, context: Context, isCorrelation: Bool,
        readsExamples: Bool
    ) throws -> RuleMetadata {
        guard let title = document["title"] else { throw context.fail(root, "the rule has no `title`") }
        guard let idNode = document["id"] else { throw context.fail(root, "the rule has no `id`") }
        let id = try context.string(idNode, "`id`")
        let name = try document["name"].map { try context.string($0, "`name`") } ?? id
        var severity = Severity.medium
        if let level = document["level"] {
            guard let parsed = Severity(sigmaLevel: try context.string(level, "`level`")) else {
                throw context.fail(level, "`level` must be informational, low, medium, high or critical")
            }
            severity = parsed
        }
        var metadata = RuleMetadata(
            title: try context.string(title, "`title`"), id: id, name: name,
            status: try document["status"].map { try context.string($0, "`status`") },
            description: try document["description"].map { try context.string($0, "`description`") },
            references: try context.strings(document["references"], "`references`"),
            author: try document["author"].map { try context.string($0, "`author`") },
            date: try document["date"].map { try context.string($0, "`date`") },
            tags: try context.strings(document["tags"], "`tags`"),
            falsePositives: try context.strings(document["falsepositives"], "`falsepositives`"),
            severity: severity, category: .adminActivity, version: 1, auditLevel: .metadata,
            examples: RuleExamples(), origin: origin, line: line)
        if let block = document["kubesift"] {
            let kubesift = try context.mapping(block, "`kubesift`")
            try context.onlyKeys(kubesift, ["version", "category", "audit-level", "controls", "examples"], in: "`kubesift`")
            if let version = kubesift["version"] {
                guard let value = version.int, value > 0 else { throw context.fail(version, "`version` must be a positive number") }
                metadata.version = value
            }
            if let category = kubesift["category"] {
                guard let value = RuleCategory(rawValue: try context.string(category, "`category`")) else {
                    throw context.fail(category, "unknown category; one of: \(RuleCategory.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                metadata.category = value
            }
            if let level = kubesift["audit-level"] {
                guard let value = AuditLevel(rawValue: try context.string(level, "`audit-level`")) else {
                    throw context.fail(level, "`audit-level` must be Metadata, Request or RequestResponse")
                }
                metadata.auditLevel = value
            }
            if let controls = kubesift["controls"] {
                metadata.controls = try self.controls(controls, context: context)
            }
            if readsExamples, let examples = kubesift["examples"] {
                metadata.examples = try ExampleEvents.read(examples, sequences: isCorrelation, context: { node, message in
                    context.fail(node, message)
                })
            }
        }
        return metadata
    }

    /// `controls: {add: [catalog:control, …], remove: […]}`; whether each control exists is checked
    /// against the catalogs, which this stage does not know (see ``ControlLibrary``).
    private static func controls(_ node: Node, context: Context) throws -> ControlAdjustments {
        let block = try context.mapping(node, "`controls`")
        try context.onlyKeys(block, ["add", "remove"], in: "`controls`")
        func entries(_ key: String) throws -> [ControlEntry] {
            guard let list = block[key] else { return [] }
            guard let sequence = list.sequence else { throw context.fail(list, "`\(key)` must be a list of controls") }
            return try sequence.map { element in
                let entry = try ControlEntry.read(element, context)
                let parts = entry.reference.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw context.fail(element, "`\(entry.reference)` must be catalog:control, such as pci-dss-4.0.1:10.2.1.2")
                }
                return entry
            }
        }
        let adjustments = ControlAdjustments(add: try entries("add"), remove: try entries("remove"))
        guard !adjustments.add.isEmpty || !adjustments.remove.isEmpty else { throw context.fail(node, "`controls` adds and removes nothing") }
        return adjustments
    }

    // MARK: - Detection

    private static func detection(_ node: Node, context: Context) throws -> Detection {
        let mapping = try context.mapping(node, "`detection`")
        var selections: [Selection] = []
        var conditionNode: Node?
        for (key, value) in mapping {
            let name = try context.string(key, "a selection name")
            switch name {
            case "condition":
                conditionNode = value
            case "timeframe":
                throw context.fail(key, "`timeframe` is not part of Sigma 2; write a correlation rule instead")
            default:
                selections.append(Selection(name: name, alternatives: try selection(value, name: name, context: context)))
            }
        }
        guard let conditionNode else { throw context.fail(node, "`detection` has no `condition`") }
        let conditions = try context.strings(conditionNode, "`condition`")
        let names = selections.map(\.name)
        var parsed: [ConditionExpression] = []
        for text in conditions {
            do throws(ConditionParser.Failure) {
                var parser = try ConditionParser(text, selectionNames: names)
                parsed.append(try parser.parse())
            } catch let .message(message) {
                throw context.fail(conditionNode, "condition: \(message)")
            }
        }
        return Detection(selections: selections, condition: parsed.count == 1 ? parsed[0] : .or(parsed))
    }

    private static func selection(_ node: Node, name: String, context: Context) throws -> [[FieldCondition]] {
        if let mapping = node.mapping { return [try fieldConditions(mapping, context: context)] }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            throw context.fail(node, "selection `\(name)` must be a field map or a list of field maps")
        }
        return try sequence.map { element in
            guard let mapping = element.mapping else {
                throw context.fail(element, "selection `\(name)`: keyword searches are not supported for audit events; name a field")
            }
            return try fieldConditions(mapping, context: context)
        }
    }

    private static func fieldConditions(_ mapping: Node.Mapping, context: Context) throws -> [FieldCondition] {
        try mapping.map { key, value in try fieldCondition(key: key, value: value, context: context) }
    }

    private static func fieldCondition(key: Node, value: Node, context: Context) throws -> FieldCondition {
        let written = try context.string(key, "a field name")
        // On the byte: splitting by `Character` was a tenth of loading the catalog.
        let parts = written.split(onASCII: "|").map(String.init)
        let field = parts[0]
        guard !field.isEmpty else { throw context.fail(key, "`\(written)`: the field name is empty") }
        let modifiers = Array(parts.dropFirst())
        for modifier in modifiers where !knownModifiers.contains(modifier) {
            throw context.fail(key, "`\(written)`: unknown or unsupported modifier `\(modifier)`")
        }
        let has = Set(modifiers)
        let values: [Node] = value.sequence.map(Array.init) ?? [value]
        var condition = FieldCondition(written: written, sources: FieldResolver.sources(of: field), patterns: [])
        condition.requiresAll = has.contains("all")
        condition.negated = has.contains("neq")
        if has.contains("exists") {
            guard values.count == 1, let exists = values[0].bool else {
                throw context.fail(value, "`\(written)`: `exists` takes true or false")
            }
            condition.exists = exists
            return condition
        }
        let comparisons: [Comparison] = [.gt, .gte, .lt, .lte].filter { has.contains($0.rawValue) }
        guard comparisons.count <= 1 else { throw context.fail(key, "`\(written)`: more than one comparison") }
        for node in values {
            guard let scalar = node.scalar else { throw context.fail(node, "`\(written)`: values must be scalars") }
            condition.patterns.append(try pattern(scalar, node: node, has: has, comparison: comparisons.first,
                                                  written: written, context: context))
        }
        guard !condition.patterns.isEmpty else { throw context.fail(value, "`\(written)` has no values") }
        return condition
    }

    private static func pattern(
        _ scalar: Node.Scalar, node: Node, has: Set<String>, comparison: Comparison?, written: String, context: Context
    ) throws -> ValuePattern {
        let text = scalar.string
        if let comparison {
            guard let number = Double(text) else { throw context.fail(node, "`\(written)`: `\(text)` is not a number") }
            return .number(comparison, number)
        }
        if has.contains("cidr") {
            guard let network = IPNetwork(text) else { throw context.fail(node, "`\(written)`: `\(text)` is not a network") }
            return .cidr(network)
        }
        if has.contains("re") {
            var options: NSRegularExpression.Options = []
            if has.contains("i") { options.insert(.caseInsensitive) }
            if has.contains("m") { options.insert(.anchorsMatchLines) }
            if has.contains("s") { options.insert(.dotMatchesLineSeparators) }
            do {
                return .regex(try RegexPattern(text, options: options))
            } catch {
                throw context.fail(node, "`\(written)`: `\(text)` is not a valid regular expression")
            }
        }
        let textual = has.contains("contains") || has.contains("startswith") || has.contains("endswith")
            || has.contains("base64")
        if !textual {
            switch PlainScalar(scalar) {
            case .null: return .null
            case .bool: if let value = node.bool { return .bool(value) }
            case .int, .float: if let value = Double(text) { return .number(.eq, value) }
            case .string: break
            }
        }
        let literal = has.contains("base64") ? Data(text.utf8).base64EncodedString() : text
        let glob = GlobPattern(sigma: has.contains("base64") ? Self.escapeWildcards(literal) : literal,
                               cased: has.contains("cased") || has.contains("base64"))
        return .text(glob.surrounded(leading: has.contains("contains") || has.contains("endswith"),
                                     trailing: has.contains("contains") || has.contains("startswith")))
    }

    private static func escapeWildcards(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "*", with: "\\*")
            .replacingOccurrences(of: "?", with: "\\?")
    }

    // MARK: - Correlation

    private static func correlation(_ document: Node.Mapping, metadata: RuleMetadata, context: Context) throws
        -> CorrelationRule
    {
        let node = document["correlation"]!
        let body = try context.mapping(node, "`correlation`")
        let typeNode = body["type"]
        guard let kind = CorrelationRule.Kind(rawValue: try context.string(typeNode, "`correlation.type`")) else {
            throw context.fail(typeNode, "`type` must be one of \(CorrelationRule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rules = try context.strings(body["rules"], "`correlation.rules`")
        guard !rules.isEmpty else { throw context.fail(node, "`correlation.rules` names no rule") }
        guard let timespanNode = body["timespan"] ?? body["timeframe"],
              let timespan = TimeWindow.parseDuration(try context.string(timespanNode, "`timespan`")), timespan > 0
        else {
            throw context.fail(node, "`correlation.timespan` must be a duration such as 5m, 1h or 1d")
        }
        var aliases: [String: [String: String]] = [:]
        if let aliasNode = body["aliases"] {
            for (alias, perRule) in try context.mapping(aliasNode, "`aliases`") {
                var fields: [String: String] = [:]
                for (rule, field) in try context.mapping(perRule, "an alias") {
                    fields[try context.string(rule, "a rule name")] = try context.string(field, "a field")
                }
                aliases[try context.string(alias, "an alias name")] = fields
            }
        }
        var comparison = Comparison.gte
        var threshold = 1.0
        var valueField: String?
        if let conditionNode = body["condition"] {
            let condition = try context.mapping(conditionNode, "`correlation.condition`")
            var found = 0
            for (key, value) in condition {
                let name = try context.string(key, "a condition key")
                if name == "field" {
                    valueField = try context.string(value, "`field`")
                } else if let parsed = Comparison(rawValue: name) {
                    guard let number = value.float ?? value.int.map(Double.init) else {
                        throw context.fail(value, "`\(name)` takes a number")
                    }
                    comparison = parsed
                    threshold = number
                    found += 1
                } else {
                    throw context.fail(key, "unknown condition key `\(name)` (gt, gte, lt, lte, eq, neq, field)")
                }
            }
            guard found == 1 else { throw context.fail(conditionNode, "the condition takes exactly one comparison") }
        } else if kind == .eventCount || kind == .valueCount {
            throw context.fail(node, "`\(kind.rawValue)` needs a `condition`")
        }
        if kind == .valueCount, valueField == nil {
            throw context.fail(node, "`value_count` needs `field` in its condition")
        }
        if kind == .temporal || kind == .temporalOrdered, body["condition"] == nil {
            threshold = Double(rules.count)
        }
        return CorrelationRule(
            metadata: metadata, kind: kind, ruleReferences: rules,
            groupBy: try context.strings(body["group-by"], "`group-by`"), aliases: aliases, timespan: timespan,
            comparison: comparison, threshold: threshold, valueField: valueField,
            generate: body["generate"]?.bool ?? false)
    }
}
