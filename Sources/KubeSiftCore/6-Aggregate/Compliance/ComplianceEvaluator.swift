/// Computes each control's status from what an analysis found and what its input could show
/// (compliance research §10.3), and tells each finding the controls it maps to.
///
/// A control's evidence comes from three kinds of source: the rules mapped to it (through their
/// category or their own `kubesift.controls`), the run's coverage checks (category
/// `audit-coverage`), and the event classes its catalog says it needs. A source is blind when the
/// audit level or resource it needs never appears in the input (``ActivityStats/levels``).
package struct ComplianceEvaluator {
    package let configuration: ComplianceConfiguration
    package let rules: RuleSet

    package init(configuration: ComplianceConfiguration, rules: RuleSet) {
        self.configuration = configuration
        self.rules = rules
    }

    /// A rule that can make findings, with what it maps to and whether it could see anything.
    private struct RuleSource {
        var metadata: RuleMetadata
        var controls: [ControlReference: MappingWeight]
        /// Why the rule is blind; nil when it saw requests it looks for at the level it needs.
        var blindness: String?
    }

    /// The findings bearing on each shown control, by how they bear on it. Controls are numbered as
    /// first met, so a finding's controls are filled by number, not looked up by name (thousands of
    /// findings, each with a dozen controls).
    private struct FindingsByControl {
        struct Control {
            /// The scope of the control's framework.
            var scope: ScopeKind
            /// In scope, primary: exceptions.
            var exceptions: [String] = []
            var exceptionRules: Set<String> = []
            /// The rule last added to `exceptionRules`: a name is hashed only when it differs from
            /// the one before (findings of few rules bear on any one control).
            var lastExceptionRule: String?
            /// In scope, secondary.
            var related: [String] = []
            var outOfScope: [String] = []
        }

        private var numbers: [ControlReference: Int] = [:]
        var controls: [Control] = []

        mutating func number(of reference: ControlReference, scope: ScopeKind) -> Int {
            if let known = numbers[reference] { return known }
            numbers[reference] = controls.count
            controls.append(Control(scope: scope))
            return controls.count - 1
        }

        subscript(reference: ControlReference) -> Control? { numbers[reference].map { controls[$0] } }
    }

    /// Sets `result.compliance`, and `controls` and `relatedControls` of every finding.
    package func evaluate(_ result: inout AnalysisResult) {
        let sources = ruleSources(levels: result.activity.levels, verbLevels: result.activity.verbLevels)
        // Each shown control's place in the report: catalogs in order, controls in their source's order.
        var order: [ControlReference: (Int, Int)] = [:]
        for (catalogIndex, catalog) in configuration.frameworks.enumerated() {
            for (controlIndex, control) in catalog.controls.enumerated() {
                order[ControlReference(catalog: catalog.id, control: control.id)] = (catalogIndex, controlIndex)
            }
        }
        let byControl = map(&result.findings, sources: sources, order: order)
        var rulesByControl: [ControlReference: [Int]] = [:]
        for (index, source) in sources.enumerated() {
            for reference in source.controls.keys where order[reference] != nil { rulesByControl[reference, default: []].append(index) }
        }
        let context = StatusContext(
            levels: result.activity.levels, distinctEvents: result.totals.distinctEvents,
            inputsWithDataLoss: result.totals.inputsWithDataLoss, recordsSkipped: result.totals.recordsSkipped,
            gaps: StatusContext.gapText(result.completeness),
            coverage: Set(configuration.library.controls(ofCategory: ControlLibrary.coverageCategory).keys))
        result.compliance = ComplianceResult(
            statement: ComplianceResult.statementText,
            statuses: ControlStatus.allCases.map { .init(status: $0, label: $0.label, meaning: $0.meaning) },
            scopes: scopeStatements(), evidenceIncomplete: result.isPartial,
            blindRules: sources.compactMap { source in
                source.blindness.map { .init(name: source.metadata.name, auditLevel: source.metadata.auditLevel, reason: $0) }
            },
            frameworks: configuration.frameworks.map { catalog in
                framework(catalog, context: context, findings: byControl) { reference in
                    (rulesByControl[reference] ?? []).map { sources[$0] }
                }
            })
    }

    /// The shown controls a rule maps to, in report order, by weight.
    private struct RuleMapping {
        /// Primary controls first; each by its number in ``FindingsByControl``.
        var targets: [(number: Int, primary: Bool)]
        var primaryNames: [String]
        var secondaryNames: [String]
    }

    /// Tells each finding its controls, and sorts the findings by control: exceptions, related, out of scope.
    /// A finding a reviewer marked a false positive is related to its controls, not an exception.
    private func map(_ findings: inout [Finding], sources: [RuleSource], order: [ControlReference: (Int, Int)])
        -> FindingsByControl
    {
        let sourceByRule = Dictionary(sources.indices.map { (sources[$0].metadata.id, $0) }, uniquingKeysWith: { first, _ in first })
        let scopeOf = Dictionary(configuration.frameworks.map { ($0.id, $0.scope) }, uniquingKeysWith: { first, _ in first })
        var byControl = FindingsByControl()
        // Worked out once per rule: a rule can have thousands of findings.
        var mappings: [String: RuleMapping] = [:]
        func mapping(of rule: String) -> RuleMapping {
            if let known = mappings[rule] { return known }
            let shown = (sourceByRule[rule].map { sources[$0].controls } ?? [:]).filter { order[$0.key] != nil }
            func sorted(_ weight: MappingWeight) -> [ControlReference] {
                shown.filter { $0.value == weight }.keys.sorted { order[$0]! < order[$1]! }
            }
            let primary = sorted(.primary), secondary = sorted(.secondary)
            let targets = primary.map { (byControl.number(of: $0, scope: scopeOf[$0.catalog]!), true) }
                + secondary.map { (byControl.number(of: $0, scope: scopeOf[$0.catalog]!), false) }
            let mapping = RuleMapping(targets: targets, primaryNames: primary.map(\.description),
                                      secondaryNames: secondary.map(\.description))
            mappings[rule] = mapping
            return mapping
        }
        for index in findings.indices {
            let mapping = mapping(of: findings[index].rule.id)
            findings[index].controls = mapping.primaryNames
            findings[index].relatedControls = mapping.secondaryNames
            let id = findings[index].id, namespace = findings[index].request.namespace
            let isException = findings[index].disposition?.kind != .falsePositive
            for (number, primary) in mapping.targets {
                if !configuration.scopes.contains(namespace: namespace, in: byControl.controls[number].scope) {
                    byControl.controls[number].outOfScope.append(id)
                } else if primary, isException {
                    byControl.controls[number].exceptions.append(id)
                    let rule = findings[index].rule.name
                    if byControl.controls[number].lastExceptionRule != rule {
                        byControl.controls[number].exceptionRules.insert(rule)
                        byControl.controls[number].lastExceptionRule = rule
                    }
                } else {
                    byControl.controls[number].related.append(id)
                }
            }
        }
        return byControl
    }

    /// One framework's control matrix.
    private func framework(_ catalog: ControlCatalog, context: StatusContext, findings: FindingsByControl,
                           rules: (ControlReference) -> [RuleSource]) -> ComplianceResult.FrameworkResult
    {
        var summary = ComplianceResult.StatusCounts()
        var families = catalog.families.map { ComplianceResult.FamilyResult(id: $0.id, title: $0.title, summary: .init(), controls: []) }
        let familyIndex = Dictionary(families.indices.map { (families[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
        for control in catalog.controls {
            let reference = ControlReference(catalog: catalog.id, control: control.id)
            let mapped = rules(reference)
            let bearing = findings[reference]
            var entry = ComplianceResult.ControlResult(
                id: control.id, parent: control.parent, title: control.title, assessable: control.assessable,
                evidenceKinds: control.evidence, status: .notAssessable, reason: "",
                findings: bearing?.exceptions ?? [], relatedFindings: bearing?.related ?? [],
                outOfScopeFindings: bearing?.outOfScope ?? [],
                rules: mapped.map(\.metadata.name), blindRules: mapped.filter { $0.blindness != nil }.map(\.metadata.name),
                coverage: context.coverage.contains(reference),
                needs: control.needs.map { .init(resource: $0.resource, level: $0.level, seen: context.sees($0)) },
                notes: control.notes)
            (entry.status, entry.reason) = context.status(
                of: control, entry: entry, rules: mapped.map { ($0.metadata.name, $0.blindness) },
                exceptionRules: (bearing?.exceptionRules ?? []).sorted(), scope: scopeText(catalog.scope))
            summary.count(entry.status)
            let family = familyIndex[control.family]!
            families[family].summary.count(entry.status)
            families[family].controls.append(entry)
        }
        return ComplianceResult.FrameworkResult(
            id: catalog.id, framework: catalog.framework, title: catalog.title, version: catalog.version,
            aliases: catalog.aliases, source: catalog.source, textLicense: catalog.textLicense,
            textNotice: catalog.textNotice, coverage: catalog.coverage,
            origin: catalog.isBuiltIn ? "built-in" : catalog.path, sha256: catalog.sha256, scope: catalog.scope,
            summary: summary, families: families)
    }

    // MARK: - Sources

    /// The rules that make findings (detections that generate them, and correlations), by name.
    private func ruleSources(levels: [String: LevelCounts], verbLevels: [String: [String: LevelCounts]]) -> [RuleSource] {
        let detectionBlindness = rules.detections.map { Self.blindness(of: $0, levels: levels, verbLevels: verbLevels) }
        var sources: [RuleSource] = []
        for (index, rule) in rules.detections.enumerated() where rules.generatesFindings[index] {
            sources.append(RuleSource(metadata: rule.metadata, controls: configuration.library.controls(for: rule.metadata),
                                      blindness: detectionBlindness[index]))
        }
        for correlation in rules.correlations {
            let bases = correlation.baseRules
            let blind = bases.allSatisfy { detectionBlindness[$0] != nil }
            sources.append(RuleSource(
                metadata: correlation.rule.metadata, controls: configuration.library.controls(for: correlation.rule.metadata),
                blindness: blind
                    ? "every rule it counts is blind: " + bases.map { "\(rules.detections[$0].metadata.name) (\(detectionBlindness[$0]!))" }
                        .joined(separator: "; ")
                    : nil))
        }
        return sources.sorted { $0.metadata.name < $1.metadata.name }
    }

    /// Why a detection cannot see what it looks for, or nil when some request it could match was
    /// logged at its level. Decided by the matcher's prefilter on each resource seen, then on each
    /// verb of it: identity and response are unknown there, so a rule is blind only when no
    /// resource and verb fits.
    static func blindness(of rule: DetectionRule, levels: [String: LevelCounts],
                          verbLevels: [String: [String: LevelCounts]] = [:]) -> String?
    {
        let level = rule.metadata.auditLevel
        // Compiled once for every resource and verb asked about.
        let program = DetectionProgram(rule.detection)
        var belowLevel: [String] = []
        var seen: [String] = []
        for (name, counts) in levels.sorted(by: { $0.key < $1.key }) {
            let resource = ResourceName(name)
            guard RuleMatcher.prefilter(program, known: { resource.values(of: $0) }) != false else { continue }
            if counts.requests(atLeast: level) > 0 {
                seen.append(name)
            } else {
                belowLevel.append(name)
            }
        }
        guard seen.isEmpty else { return verbBlindness(of: rule, program, resources: seen, verbLevels: verbLevels) }
        guard !belowLevel.isEmpty else {
            return "no request it looks for appears in the input (none was made, or the audit policy leaves them out)"
        }
        return "\(listed(belowLevel)) logged below \(level.rawValue) only; it needs \(level.rawValue)"
    }

    /// Of the resources a rule could match that were logged at its level, whether a verb it looks
    /// for was: a policy that logs a resource's reads in full and its writes as metadata blinds a
    /// rule on writes. Nil when it was, or when the verbs are not known.
    private static func verbBlindness(of rule: DetectionRule, _ program: DetectionProgram, resources: [String],
                                      verbLevels: [String: [String: LevelCounts]]) -> String?
    {
        let level = rule.metadata.auditLevel
        var belowLevel: [String] = []
        for name in resources {
            guard let verbs = verbLevels[name] else { return nil }
            let resource = ResourceName(name)
            for (verb, counts) in verbs.sorted(by: { $0.key < $1.key }) {
                let known = { (source: FieldSource) -> [FieldValue]? in
                    if case .scanned(.verb) = source { return [.string(verb)] }
                    return resource.values(of: source)
                }
                guard RuleMatcher.prefilter(program, known: known) != false else { continue }
                if counts.requests(atLeast: level) > 0 { return nil }
                belowLevel.append("\(verb) \(name)")
            }
        }
        guard !belowLevel.isEmpty else {
            return "no request with a verb it looks for appears in the input (none was made, or the audit policy leaves them out)"
        }
        return "\(listed(belowLevel)) logged below \(level.rawValue) only; it needs \(level.rawValue)"
    }

    private static func listed(_ names: [String]) -> String {
        names.prefix(3).joined(separator: ", ") + (names.count > 3 ? " and \(names.count - 3) more" : "")
    }

    // MARK: - Scopes

    private func scopeText(_ kind: ScopeKind) -> String {
        let scopes = configuration.scopes
        switch kind {
        case .all: return "every namespace"
        case _ where scopes.isDeclared(kind): return "\(kind.rawValue): \(scopes.namespaces(of: kind).joined(separator: ", "))"
        default: return "\(kind.rawValue) undeclared, so every namespace"
        }
    }

    private func scopeStatements() -> [ComplianceResult.ScopeStatement] {
        ScopeKind.allCases.compactMap { kind in
            let frameworks = configuration.frameworks.filter { $0.scope == kind }.map(\.id)
            guard !frameworks.isEmpty else { return nil }
            let declared = configuration.scopes.isDeclared(kind)
            let statement: String
            switch kind {
            case .all:
                statement = "These frameworks are about the whole system: every namespace and cluster-scoped object is in scope."
            default:
                statement = declared
                    ? "Declared with --scope \(kind.rawValue)=…: findings in other namespaces are listed with a control but not counted as its exceptions. Cluster-scoped objects and requests concern every namespace and are in scope."
                    : "Not declared (no --scope \(kind.rawValue)=…): every namespace is taken to be in scope, which may overstate exceptions."
            }
            return .init(name: kind, declared: declared, namespaces: configuration.scopes.namespaces(of: kind),
                         frameworks: frameworks, statement: statement)
        }
    }
}

/// What the input could show, and the status rules of §10.3 applied to one control.
private struct StatusContext {
    let levels: [String: LevelCounts]
    let distinctEvents: Int
    let inputsWithDataLoss: Int
    let recordsSkipped: Int
    /// The clusters' gaps in a sentence; nil when the log has none.
    let gaps: String?
    /// The controls the run's own coverage checks bear on.
    let coverage: Set<ControlReference>

    /// `2 gaps in the log (3 h 10 min in all; the longest, in shop-prod, from … to …)`.
    static func gapText(_ completeness: CompletenessResult) -> String? {
        let count = completeness.clusters.reduce(0) { $0 + $1.gapCount }
        guard count > 0 else { return nil }
        let total = completeness.clusters.reduce(0) { $0 + $1.gapTotal }
        let longest = completeness.clusters.flatMap { cluster in cluster.gaps.map { (cluster.cluster, $0) } }
            .max { ($0.1.microseconds, $1.1.from) < ($1.1.microseconds, $0.1.from) }
        let format = ReportFormatting.self
        return "\(format.plural(count, "gap")) in the log (\(format.duration(microseconds: total)) in all"
            + (longest.map { cluster, gap in
                "; the longest\(cluster.map { ", in \($0)," } ?? "") from \(format.time(gap.from)) to \(format.time(gap.to))"
            } ?? "") + ")"
    }

    func sees(_ need: EventNeed) -> Bool {
        levels.contains { need.names($0.key) && $0.value.requests(atLeast: need.level) > 0 }
    }

    func status(of control: Control, entry: ComplianceResult.ControlResult, rules: [(name: String, blindness: String?)],
                exceptionRules: [String], scope: String) -> (ControlStatus, String)
    {
        if control.assessable == .none {
            return (.notAssessable, "Audit logs cannot show this control; it needs other evidence." + (control.notes.map { " \($0)" } ?? ""))
        }
        // What could see, and what could not; the blind rules' reasons are in the section's blindRules.
        var sound: [String] = []
        var blind: [String] = []
        let seeing = rules.filter { $0.blindness == nil }.count
        if seeing > 0 { sound.append("\(seeing) rule\(seeing == 1 ? "" : "s") saw the requests \(seeing == 1 ? "it looks" : "they look") for") }
        let blindRules = rules.filter { $0.blindness != nil }.map(\.name)
        if !blindRules.isEmpty {
            blind.append("\(blindRules.count == 1 ? "rule" : "rules") \(blindRules.joined(separator: ", ")) cannot see what \(blindRules.count == 1 ? "it looks" : "they look") for")
        }
        if entry.coverage {
            if distinctEvents > 0 {
                sound.append("the run's coverage checks read \(distinctEvents) events")
            } else {
                blind.append("no audit event was analyzed")
            }
        }
        for need in control.needs {
            let what = need.resource == "*" ? "requests" : "\(need.resource) requests"
            if sees(need) {
                sound.append("\(what) are logged at \(need.level.rawValue) or above")
            } else {
                blind.append("no \(what) are logged at \(need.level.rawValue) or above")
            }
        }
        let blindText = blind.joined(separator: "; ")
        if !entry.findings.isEmpty {
            let count = entry.findings.count
            return (.exceptionsFound, "\(count) finding\(count == 1 ? "" : "s") in scope (\(scope)) \(count == 1 ? "is an exception" : "are exceptions")"
                + " (\(exceptionRules.count == 1 ? "rule" : "rules") \(exceptionRules.joined(separator: ", ")))."
                + (blind.isEmpty ? "" : " Part of the evidence is blind: \(blindText)."))
        }
        if sound.isEmpty, blind.isEmpty {
            return (.partiallyAssessable, "No rule or coverage check of this run bears on this control."
                + (control.notes.map { " \($0)" } ?? ""))
        }
        if sound.isEmpty { return (.blind, "Blind: \(blindText).") }
        if !blind.isEmpty {
            return (.partiallyAssessable, "No exceptions observed in the reviewed evidence, but part of it is blind: \(blindText).")
        }
        if inputsWithDataLoss > 0 || recordsSkipped > 0 {
            return (.partiallyAssessable, "No exceptions observed in the reviewed evidence, but it is incomplete: "
                + "\(inputsWithDataLoss) input\(inputsWithDataLoss == 1 ? "" : "s") lost data and \(recordsSkipped) record\(recordsSkipped == 1 ? " was" : "s were") skipped (see dataQuality).")
        }
        if let gaps {
            return (.partiallyAssessable, "No exceptions observed in the reviewed evidence, but nothing could be observed during "
                + "\(gaps) (see completeness).")
        }
        return (.noExceptionsObserved, "No exceptions observed in the reviewed evidence: \(sound.joined(separator: ", ")) (scope: \(scope)).")
    }
}

/// A resource name as the activity statistics write it, split back into what the matcher's
/// prefilter decides on: `deployments.apps/scale` → resource, group, subresource.
private struct ResourceName {
    var resource: String?
    var apiGroup: String?
    var subresource: String?
    /// `(other)`: many resources counted together; nothing is known of them.
    var unknown = false

    init(_ name: String) {
        if name == "(other)" {
            unknown = true
            return
        }
        // Non-resource requests are counted by their path (`/healthz`): no resource, group or subresource.
        guard !name.hasPrefix("/") else { return }
        let parts = name.split(separator: "/", maxSplits: 1)
        subresource = parts.count == 2 ? String(parts[1]) : nil
        let main = parts.first.map(String.init) ?? name
        if let dot = main.firstIndex(of: ".") {
            resource = String(main[..<dot])
            apiGroup = String(main[main.index(after: dot)...])
        } else {
            resource = main
        }
    }

    func values(of source: FieldSource) -> [FieldValue]? {
        guard !unknown, case let .scanned(field) = source else { return nil }
        let value: String?
        switch field {
        case .resource: value = resource
        case .apiGroup: value = apiGroup
        case .subresource: value = subresource
        default: return nil
        }
        return value.map { [.string($0)] } ?? []
    }
}
