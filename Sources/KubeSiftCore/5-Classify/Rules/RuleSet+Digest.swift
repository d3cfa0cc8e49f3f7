import Crypto

extension RuleSet {
    /// A SHA-256 that names exactly these rules: over each rule's id and the text of the file it was
    /// read from, in id order (`id`, a newline, the text's length in bytes, a newline, the text).
    ///
    /// Two runs with the same digest ran the same rules, whatever their paths or order of loading;
    /// one edited character in any rule file changes it. A file holding several rules (a correlation
    /// and its base rules) is hashed once per rule.
    package var sha256: String {
        var hasher = SHA256()
        for definition in all.sorted(by: { $0.metadata.id < $1.metadata.id }) {
            let text = Array((RuleCatalog.source(of: definition.metadata) ?? "").utf8)
            hasher.update(data: Array("\(definition.metadata.id)\n\(text.count)\n".utf8))
            hasher.update(data: text)
        }
        return hasher.finalize().lowercaseHex
    }
}

extension CorrelationRule {
    /// The rule's condition in one line, as a method section states it:
    /// `event_count >= 10 within 10m, grouped by sourceIPs`.
    package var conditionSummary: String {
        let bound = threshold == threshold.rounded() ? String(Int64(threshold)) : String(threshold)
        let operators: [Comparison: String] = [.gt: ">", .gte: ">=", .lt: "<", .lte: "<=", .eq: "==", .neq: "!="]
        var text: String
        switch kind {
        case .eventCount: text = "event_count \(operators[comparison]!) \(bound)"
        case .valueCount: text = "value_count(\(valueField ?? "?")) \(operators[comparison]!) \(bound)"
        case .temporal, .temporalOrdered: text = "\(kind.rawValue) of \(ruleReferences.joined(separator: ", "))"
        }
        text += " within \(TimeWindow.durationText(timespan))"
        if !groupBy.isEmpty { text += ", grouped by \(groupBy.joined(separator: ", "))" }
        return text
    }
}
