/// Decides which detection rules one event matches. One per worker: it keeps a memo and scratch.
///
/// Most rules name a verb and a resource, and most events match no rule at all. So the matcher
/// first evaluates every rule on just the verb, resource, subresource, API group and response
/// code, in three-valued logic (any other field is "unknown"), and remembers, per combination of
/// those five, which rules match outright and which could still match. Only the latter are
/// evaluated in full, and only the fields they read are decoded.
final class RuleMatcher {
    private let rules: [DetectionRule]
    /// Candidates by the hash of their key; a (vanishingly rare) collision is computed, not cached.
    private var memo: [UInt64: Int] = [:]
    private var entries: [Candidates] = []
    /// Past this many distinct combinations (only crafted input has them) candidates are not cached.
    private let memoLimit = 1 << 16
    private var keyBytes: [UInt8] = []
    private var scratch: [UInt8] = []
    private let seed = UInt64.random(in: .min ... .max)

    /// The rules an event with one combination of the prefilter's fields can match.
    private struct Candidates {
        var key: [UInt8]
        /// Rules the prefilter fields alone decide: they match.
        var matching: [Int]
        /// Rules that depend on other fields too: evaluated in full.
        var undecided: [Int]
    }

    init(rules: [DetectionRule]) {
        self.rules = rules
    }

    /// The indices of the rules `view` matches, in rule order.
    func matches(_ view: EventView, into result: inout [Int]) {
        result.removeAll(keepingCapacity: true)
        guard !rules.isEmpty else { return }
        writeKey(view.event, base: view.base)
        let hash = keyBytes.withUnsafeBytes { ByteHasher.hash($0.baseAddress!, $0.count, seed: seed) }
        if let index = memo[hash], entries[index].key == keyBytes {
            collect(entries[index], view, into: &result)
        } else {
            let key = PrefilterKey(view)
            var computed = Candidates(key: keyBytes, matching: [], undecided: [])
            for index in rules.indices {
                switch Self.prefilter(rules[index].detection, key) {
                case true?: computed.matching.append(index)
                case nil: computed.undecided.append(index)
                case false?: break
                }
            }
            if entries.count < memoLimit, memo[hash] == nil {
                memo[hash] = entries.count
                entries.append(computed)
            }
            collect(computed, view, into: &result)
        }
    }

    @inline(__always)
    private func collect(_ candidates: Candidates, _ view: EventView, into result: inout [Int]) {
        if candidates.undecided.isEmpty {
            result.append(contentsOf: candidates.matching)
            return
        }
        for index in candidates.undecided where Self.evaluate(rules[index].detection, view) {
            result.append(index)
        }
        if !candidates.matching.isEmpty {
            result.append(contentsOf: candidates.matching)
            result.sort()
        }
    }

    /// The prefilter fields' raw bytes, each ended by a separator (absent fields by a marker no
    /// JSON string holds), into `keyBytes`: no allocation once warm.
    private func writeKey(_ event: ScannedEvent, base: UnsafePointer<UInt8>) {
        keyBytes.removeAll(keepingCapacity: true)
        // One call per field: an array literal of the spans would allocate for every event.
        append(event.verb, base)
        append(event.resource, base)
        append(event.subresource, base)
        append(event.apiGroup, base)
        if let code = event.responseCode {
            withUnsafeBytes(of: code.littleEndian) { keyBytes.append(contentsOf: $0) }
        } else {
            keyBytes.append(0x01)
        }
    }

    @inline(__always)
    private func append(_ span: StringSpan, _ base: UnsafePointer<UInt8>) {
        if !span.isPresent {
            keyBytes.append(0x01)
        } else if span.escaped {
            JSONText.unescape(base + span.start, span.count, into: &scratch)
            keyBytes.append(contentsOf: scratch)
        } else {
            keyBytes.append(contentsOf: UnsafeBufferPointer(start: base + span.start, count: span.count))
        }
        keyBytes.append(0x00)
    }

    // MARK: - Full evaluation

    static func evaluate(_ detection: Detection, _ view: EventView) -> Bool {
        evaluate(detection.condition, detection.selections, view)
    }

    private static func evaluate(_ expression: ConditionExpression, _ selections: [Selection], _ view: EventView) -> Bool {
        switch expression {
        case let .selection(index):
            return selections[index].alternatives.contains { conditions in
                conditions.allSatisfy { test($0, view) }
            }
        case let .and(terms): return terms.allSatisfy { evaluate($0, selections, view) }
        case let .or(terms): return terms.contains { evaluate($0, selections, view) }
        case let .not(term): return !evaluate(term, selections, view)
        }
    }

    static func test(_ condition: FieldCondition, _ view: EventView) -> Bool {
        test(condition) { view.anyValue(of: condition.sources, $0) }
    }

    /// A field condition over any way of listing the field's values (`anyValue` stops at the
    /// first value its body accepts and says whether one did).
    @inline(__always)
    static func test(_ condition: FieldCondition, anyValue: ((FieldValue) -> Bool) -> Bool) -> Bool {
        if let exists = condition.exists { return anyValue { _ in true } == exists }
        let patterns = condition.patterns
        if condition.requiresAll {
            return patterns.allSatisfy { pattern in anyValue { pattern.matches($0) } }
        }
        if condition.negated {
            var sawValue = false
            let equal = anyValue { value in
                sawValue = true
                return patterns.contains { $0.matches(value) }
            }
            return sawValue && !equal
        }
        if anyValue({ value in patterns.contains { $0.matches(value) } }) { return true }
        if patterns.contains(where: { if case .null = $0 { true } else { false } }) {
            return !anyValue { _ in true }
        }
        return false
    }

    // MARK: - Prefilter

    /// The fields the prefilter decides on, as the event has them.
    struct PrefilterKey {
        var verb: FieldValue?
        var resource: FieldValue?
        var subresource: FieldValue?
        var apiGroup: FieldValue?
        var code: FieldValue?

        init(_ view: EventView) {
            verb = view.value(of: .verb)
            resource = view.value(of: .resource)
            subresource = view.value(of: .subresource)
            apiGroup = view.value(of: .apiGroup)
            code = view.value(of: .responseCode)
        }

        /// `.none` when the field is not one the prefilter knows; `.some(nil)` when the event lacks it.
        func value(of field: ScannedField) -> FieldValue?? {
            switch field {
            case .verb: verb
            case .resource: resource
            case .subresource: subresource
            case .apiGroup: apiGroup
            case .responseCode: code
            default: .none
            }
        }
    }

    /// Three-valued: false when no event with this key can match, nil when it depends on other fields.
    static func prefilter(_ detection: Detection, _ key: PrefilterKey) -> Bool? {
        prefilter(detection.condition, detection.selections, key)
    }

    private static func prefilter(_ expression: ConditionExpression, _ selections: [Selection], _ key: PrefilterKey)
        -> Bool?
    {
        switch expression {
        case let .selection(index):
            var result: Bool? = false
            for conditions in selections[index].alternatives {
                var conjunction: Bool? = true
                for condition in conditions {
                    conjunction = and(conjunction, prefilter(condition, key))
                    if conjunction == false { break }
                }
                result = or(result, conjunction)
                if result == true { break }
            }
            return result
        case let .and(terms):
            var result: Bool? = true
            for term in terms {
                result = and(result, prefilter(term, selections, key))
                if result == false { return false }
            }
            return result
        case let .or(terms):
            var result: Bool? = false
            for term in terms {
                result = or(result, prefilter(term, selections, key))
                if result == true { return true }
            }
            return result
        case let .not(term):
            return prefilter(term, selections, key).map(!)
        }
    }

    private static func prefilter(_ condition: FieldCondition, _ key: PrefilterKey) -> Bool? {
        var values: [FieldValue] = []
        for source in condition.sources {
            guard case let .scanned(field) = source, case let .some(value) = key.value(of: field) else { return nil }
            if let value { values.append(value) }
        }
        return test(condition) { body in values.contains(where: body) }
    }

    private static func and(_ lhs: Bool?, _ rhs: Bool?) -> Bool? {
        if lhs == false || rhs == false { return false }
        if lhs == nil || rhs == nil { return nil }
        return true
    }

    private static func or(_ lhs: Bool?, _ rhs: Bool?) -> Bool? {
        if lhs == true || rhs == true { return true }
        if lhs == nil || rhs == nil { return nil }
        return false
    }
}
