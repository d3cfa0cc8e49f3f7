/// A Sigma detection rule: which single events it matches.
package struct DetectionRule: Sendable {
    package var metadata: RuleMetadata
    package var detection: Detection
}

/// A Sigma correlation rule: what the requests its base rules matched add up to, per group, in time.
package struct CorrelationRule: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case eventCount = "event_count"
        case valueCount = "value_count"
        case temporal
        case temporalOrdered = "temporal_ordered"
    }

    package var metadata: RuleMetadata
    package var kind: Kind
    /// The base rules, by name or id, in the order the rule lists them (the order counts for
    /// `temporal_ordered`).
    package var ruleReferences: [String]
    package var groupBy: [String]
    /// Per group-by name, the field to read from each base rule when it differs (Sigma `aliases`).
    package var aliases: [String: [String: String]]
    package var timespan: Int64
    package var comparison: Comparison
    package var threshold: Double
    /// `value_count`: the field whose distinct values are counted.
    package var valueField: String?
    /// Whether the base rules also make findings of their own.
    package var generate: Bool
}

/// One document of a rule file.
package enum RuleDefinition: Sendable {
    case detection(DetectionRule)
    case correlation(CorrelationRule)

    /// "detection" or "correlation", as reports and listings name the kind.
    package var kindName: String {
        if case .correlation = self { return "correlation" }
        return "detection"
    }

    package var metadata: RuleMetadata {
        get {
            switch self {
            case let .detection(rule): rule.metadata
            case let .correlation(rule): rule.metadata
            }
        }
        set {
            switch self {
            case var .detection(rule):
                rule.metadata = newValue
                self = .detection(rule)
            case var .correlation(rule):
                rule.metadata = newValue
                self = .correlation(rule)
            }
        }
    }
}
