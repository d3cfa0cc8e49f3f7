/// The rules of one run: the built-in catalog, with the user's rule files added or overriding
/// built-ins by id or name, less the disabled ones; correlations resolved to their base rules.
package struct RuleSet: Sendable {
    /// A correlation with its base rules found and its fields resolved, per base rule.
    package struct ResolvedCorrelation: Sendable {
        package var rule: CorrelationRule
        /// Index into ``RuleSet/detections`` of each base rule, in the order the rule lists them.
        package var baseRules: [Int]
        /// Per base rule, the sources of each group-by field (aliases applied).
        var groupSources: [[[FieldSource]]]
        /// Per base rule, the sources of the counted field (`value_count`).
        var valueSources: [[FieldSource]]
        /// How its findings name it.
        var reference: Finding.RuleReference
    }

    package private(set) var detections: [DetectionRule]
    package private(set) var correlations: [ResolvedCorrelation]
    /// Per detection: whether its matches become findings themselves.
    package private(set) var generatesFindings: [Bool]
    /// Per detection: whether a request's most final stage decides (the rule does not read `stage`).
    package private(set) var judgedOnFinalStage: [Bool]
    /// Per detection: the correlations that count it, and its position in each one's rule list.
    private(set) var uses: [[(correlation: Int, slot: Int)]]
    /// Per detection: how its findings name it (made once: its ATT&CK techniques are read from its tags).
    private(set) var references: [Finding.RuleReference]

    package var isEmpty: Bool { detections.isEmpty }

    /// No rules: the analysis only counts.
    package static let empty = try! RuleSet([])

    /// Every rule, detections then correlations, sorted by name.
    package var all: [RuleDefinition] {
        (detections.map(RuleDefinition.detection) + correlations.map { .correlation($0.rule) })
            .sorted { $0.metadata.name < $1.metadata.name }
    }

    /// - Parameters:
    ///   - definitions: rules in order of precedence: a later rule replaces an earlier one with the
    ///     same id or name.
    ///   - disabled: ids or names to leave out; a correlation whose base rule is left out goes too.
    /// - Throws: ``FileProblem`` when a correlation names a rule that does not exist, or an id or name
    ///   given to `disabled` matches nothing.
    package init(_ definitions: [RuleDefinition], disabled: Set<String> = []) throws(FileProblem) {
        // By id and name, where each rule is in `kept`: a replaced one is left as nil, so that
        // loading a catalog is not a scan of every rule before for each rule.
        var kept: [RuleDefinition?] = []
        var positions: [String: Int] = [:]
        for definition in definitions {
            let meta = definition.metadata
            for key in [meta.id, meta.name] {
                if let replaced = positions[key] { kept[replaced] = nil }
            }
            positions[meta.id] = kept.count
            positions[meta.name] = kept.count
            kept.append(definition)
        }
        let isKept = { (key: String) in positions[key].map { kept[$0] != nil } ?? false }
        for name in disabled.sorted() where !isKept(name) {
            throw FileProblem(file: "--disable", line: 0, column: 0, message: "no rule has the id or name `\(name)`")
        }
        let isDisabled = { (meta: RuleMetadata) in disabled.contains(meta.id) || disabled.contains(meta.name) }

        var detections: [DetectionRule] = []
        var pending: [CorrelationRule] = []
        for definition in kept.compactMap({ $0 }) where !isDisabled(definition.metadata) {
            switch definition {
            case let .detection(rule): detections.append(rule)
            case let .correlation(rule): pending.append(rule)
            }
        }
        detections.sort { $0.metadata.name < $1.metadata.name }
        pending.sort { $0.metadata.name < $1.metadata.name }

        var generates = [Bool](repeating: true, count: detections.count)
        var uses = [[(correlation: Int, slot: Int)]](repeating: [], count: detections.count)
        var correlations: [ResolvedCorrelation] = []
        var generatedByCorrelation = [Bool](repeating: false, count: detections.count)
        // The first detection with a name or id, as a scan in order would find it.
        var detectionIndex: [String: Int] = [:]
        for (index, rule) in detections.enumerated().reversed() {
            detectionIndex[rule.metadata.id] = index
            detectionIndex[rule.metadata.name] = index
        }
        for rule in pending {
            var bases: [Int] = []
            var missing = false
            for reference in rule.ruleReferences {
                if let index = detectionIndex[reference] {
                    bases.append(index)
                } else if isKept(reference) {
                    missing = true // disabled: the correlation goes with it
                } else {
                    throw FileProblem(file: rule.metadata.origin.path, line: rule.metadata.line, column: 1,
                                      message: "correlation `\(rule.metadata.name)` names `\(reference)`, which is not a detection rule")
                }
            }
            if missing { continue }
            let index = correlations.count
            var groupSources: [[[FieldSource]]] = []
            var valueSources: [[FieldSource]] = []
            for (slot, base) in bases.enumerated() {
                let baseName = detections[base].metadata.name
                let baseID = detections[base].metadata.id
                groupSources.append(rule.groupBy.map { field in
                    let aliased = rule.aliases[field]?[baseName] ?? rule.aliases[field]?[baseID] ?? field
                    return FieldResolver.sources(of: aliased)
                })
                valueSources.append(rule.valueField.map(FieldResolver.sources(of:)) ?? [])
                uses[base].append((index, slot))
                generates[base] = false
                if rule.generate { generatedByCorrelation[base] = true }
            }
            correlations.append(ResolvedCorrelation(rule: rule, baseRules: bases, groupSources: groupSources,
                                                    valueSources: valueSources, reference: .init(rule.metadata)))
        }
        for index in generates.indices where generatedByCorrelation[index] { generates[index] = true }
        self.detections = detections
        self.correlations = correlations
        generatesFindings = generates
        self.uses = uses
        references = detections.map { .init($0.metadata) }
        judgedOnFinalStage = detections.map { rule in
            !rule.detection.selections.contains { selection in
                selection.alternatives.joined().contains { $0.sources.contains(.scanned(.stage)) }
            }
        }
    }

    /// Looks a rule up by id or name.
    package func definition(named name: String) -> RuleDefinition? {
        all.first { $0.metadata.id == name || $0.metadata.name == name }
    }
}
