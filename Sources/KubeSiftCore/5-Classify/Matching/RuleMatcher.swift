/// Decides which detection rules one event matches. One per worker: it keeps its memos.
///
/// Most rules name a verb and a resource, and most events match no rule at all. So the matcher
/// first evaluates every rule on just the verb, resource, subresource, API group and response
/// code, and whether a request and a response body were logged, in three-valued logic (any other
/// field is "unknown"), and remembers, per combination of those, which rules match outright and
/// which could still match. Rules still open are then tried the same way on the identity alone
/// (user, groups, impersonation, source addresses), memoised per identity: most events come from a
/// few kubelets and controllers that no identity rule is about. What both leave is remembered in
/// turn, per combination of the two (about 3,300 per worker in the benchmark's 860,000 events), so
/// that most events cost one lookup. Only what is left is evaluated in full, as a compiled
/// ``DetectionProgram``, and only the fields it reads are decoded.
///
/// Its state is per worker thread and never accessed re-entrantly, hence `@exclusivity(unchecked)`:
/// the runtime's dynamic checks cost more per event than the lookups they guard.
final class RuleMatcher {
    private let rules: [DetectionRule]
    /// Past this many distinct combinations (only crafted input has them) candidates are not cached.
    private static let memoLimit = 1 << 16
    /// Each combination of the prefilter's fields, by its fingerprint (``prefilterKey(_:_:)``); its
    /// candidates at the same index.
    @exclusivity(unchecked) private var keys = FingerprintTable(limit: RuleMatcher.memoLimit)
    @exclusivity(unchecked) private var entries: [Candidates] = []
    /// The rule indices every entry's ranges point into. Lists of plain values in flat arrays: an
    /// array per entry (and per identity) was retained and released on every event.
    @exclusivity(unchecked) private var candidateRules: [Int32] = []
    /// At the same positions, the programs undecided rules run: folded for the entry's prefilter
    /// fields (``FoldedPrograms``), as the rule's own past ``foldLimit`` positions.
    @exclusivity(unchecked) private var candidateCodes: [DetectionProgram.Code] = []
    private let folded = FoldedPrograms()
    /// Folded programs kept, at most (crafted input with thousands of combinations gets the rest unfolded).
    private static let foldLimit = 1 << 14
    /// The memos' keys are fingerprints of the fields they stand for, as logged: hashed where they
    /// lie, with the run's secret seeds, instead of copied out and compared byte for byte (as the
    /// request index tells requests apart; see ``Fingerprint``). Each key starts as a copy of this
    /// builder: making one draws its keys from the seeds.
    private let blankKey = FingerprintBuilder(seeds: .random())
    /// Each identity, by its fingerprint (``identityKey(_:_:)``); from its index times the rule
    /// count, per rule, whether the identity alone rules it out (`false` on identity fields
    /// alone), worked out the first time an event of it needs to know.
    @exclusivity(unchecked) private var identityKeys = FingerprintTable(limit: RuleMatcher.memoLimit)
    @exclusivity(unchecked) private var identities: [IdentityVerdict] = []
    /// Each combination of the prefilter's and the identity's fields, by its fingerprint
    /// (``combinedKey(_:_:)``); what the two memos leave of it at the same index, as ranges of
    /// `decidedRules` and `decidedCodes` (the programs its rules run, as in `candidateCodes`).
    @exclusivity(unchecked) private var combinedKeys = FingerprintTable(limit: RuleMatcher.memoLimit)
    @exclusivity(unchecked) private var combined: [Decided] = []
    @exclusivity(unchecked) private var decidedRules: [Int32] = []
    @exclusivity(unchecked) private var decidedCodes: [DetectionProgram.Code] = []

    private enum IdentityVerdict {
        case unknown, excluded, open
    }

    /// The rules an event with one combination of the prefilter's fields can match, as ranges of
    /// `candidateRules`.
    private struct Candidates {
        /// Rules the prefilter fields alone decide: they match.
        var matching: Range<Int>
        /// Rules that depend on other fields too: evaluated in full.
        var undecided: Range<Int>
        /// Whether any undecided rule reads who made the request: if none does, the identity memo
        /// is not consulted at all.
        var readsIdentity: Bool
    }

    /// What the prefilter and the identity leave of the rules, for one combination of both, as
    /// ranges of `decidedRules`.
    private struct Decided {
        /// Rules that match outright, in rule order.
        var matching: Range<Int>
        /// Rules evaluated in full, in rule order.
        var evaluated: Range<Int>
    }

    /// By rule index: whether the rule has a condition on an identity field.
    private let readsIdentity: [Bool]
    /// Whether any rule does: if none does, what the rules leave cannot depend on the identity,
    /// and the combined key leaves its fields out.
    private let anyReadsIdentity: Bool
    /// By rule index: the rule's detection, compiled, and what evaluating it reads.
    private let programs: [DetectionProgram]
    private let codes: [DetectionProgram.Code]

    init(rules: [DetectionRule]) {
        self.rules = rules
        programs = rules.map { DetectionProgram($0.detection) }
        codes = programs.map(\.code)
        readsIdentity = rules.map { rule in
            rule.detection.selections.contains { selection in
                selection.alternatives.joined().contains { $0.sources.contains(where: IdentityKey.knows) }
            }
        }
        anyReadsIdentity = readsIdentity.contains(true)
    }

    /// The indices of the rules the event matches, in rule order.
    ///
    /// Most events are decided by the memos, from bytes read where the scanned event holds them;
    /// `view` is pointed at the event (a copy of most of a kilobyte) only when a rule needs more.
    ///
    /// - Returns: whether `view` was pointed at the event.
    func matches(_ event: ScannedEvent, base: UnsafePointer<UInt8>, view: EventView, into result: inout [Int]) -> Bool {
        // Most events match nothing: the list is then left alone (emptying it costs a call).
        if !result.isEmpty { result.removeAll(keepingCapacity: true) }
        guard !rules.isEmpty else { return false }
        var pointed = false
        let pair = combinedKeys.index(of: combinedKey(event, base))
        if pair >= 0, pair < combined.count {
            evaluate(combined[pair], event, base, view, pointed: &pointed, into: &result)
            return pointed
        }
        let start = decidedRules.count
        let decided = decide(event, base, view, pointed: &pointed)
        evaluate(decided, event, base, view, pointed: &pointed, into: &result)
        if pair == combined.count {
            combined.append(decided)
        } else {
            // Past the memo's limit (crafted input): worked out for this event alone.
            decidedRules.removeLast(decidedRules.count - start)
            decidedCodes.removeLast(decidedCodes.count - start)
        }
        return pointed
    }

    /// Runs what is left to evaluate of `decided` and adds the rules that match outright.
    @inline(__always)
    private func evaluate(_ decided: Decided, _ event: ScannedEvent, _ base: UnsafePointer<UInt8>, _ view: EventView,
                          pointed: inout Bool, into result: inout [Int]) {
        // The lists are read by index, not through `withUnsafeBufferPointer`: holding a buffer
        // across the loop retained and released it for every event.
        if !decided.evaluated.isEmpty {
            // The view lent, not retained, for each condition tested.
            let lent = Unmanaged.passUnretained(view)
            Self.point(view, at: event, base, pointed: &pointed)
            for position in decided.evaluated {
                if decidedCodes[position].evaluate({ condition in lent._withUnsafeGuaranteedRef { Self.test(condition, $0) } },
                                                   mayHaveKey: { keys in lent._withUnsafeGuaranteedRef { $0.mayHaveKey(keys) } }) {
                    result.append(Int(decidedRules[position]))
                }
            }
        }
        guard !decided.matching.isEmpty else { return }
        let evaluatedMatched = !result.isEmpty
        for position in decided.matching { result.append(Int(decidedRules[position])) }
        if evaluatedMatched { result.sort() }
    }

    /// What the prefilter and the identity leave of the rules for this event's combination of
    /// both, appended to `decidedRules` and `decidedCodes`.
    private func decide(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>, _ view: EventView,
                        pointed: inout Bool) -> Decided {
        let start = candidateRules.count
        let (candidates, kept) = self.candidates(event, base, view, pointed: &pointed)
        defer {
            if !kept {
                candidateRules.removeLast(candidateRules.count - start)
                candidateCodes.removeLast(candidateCodes.count - start)
            }
        }
        let identity = candidates.readsIdentity ? identityEntry(event, base) : nil
        var key: IdentityKey?
        let evaluatedStart = decidedRules.count
        for position in candidates.undecided {
            let index = Int(candidateRules[position])
            if let identity, readsIdentity[index] {
                let verdict = identity * rules.count + index
                if identities[verdict] == .unknown {
                    if key == nil {
                        Self.point(view, at: event, base, pointed: &pointed)
                        key = IdentityKey(view)
                    }
                    identities[verdict] = Self.prefilter(programs[index], known: key!.values(of:)) == false ? .excluded : .open
                }
                if identities[verdict] == .excluded { continue }
            }
            decidedRules.append(candidateRules[position])
            decidedCodes.append(candidateCodes[position])
        }
        let matchingStart = decidedRules.count
        for position in candidates.matching {
            decidedRules.append(candidateRules[position])
            decidedCodes.append(codes[Int(candidateRules[position])])
        }
        return Decided(matching: matchingStart..<decidedRules.count, evaluated: evaluatedStart..<matchingStart)
    }

    /// The rules the prefilter leaves for this event's combination of its fields, and whether
    /// they were kept in the memo (past its limit, their ranges are to be dropped after use).
    private func candidates(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>, _ view: EventView,
                            pointed: inout Bool) -> (Candidates, kept: Bool) {
        let entry = keys.index(of: prefilterKey(event, base))
        if entry >= 0, entry < entries.count { return (entries[entry], true) }
        Self.point(view, at: event, base, pointed: &pointed)
        let key = PrefilterKey(view)
        // One closure for every rule: `key.values(of:)` written per call allocated its context each time.
        let known = key.values(of:)
        var matching: [Int32] = []
        var undecided: [Int32] = []
        programs.withUnsafeBufferPointer { programs in
            for index in programs.indices {
                switch Self.prefilter(programs[index], known: known) {
                case true?: matching.append(Int32(index))
                case nil: undecided.append(Int32(index))
                case false?: break
                }
            }
        }
        let start = candidateRules.count
        candidateRules += matching
        candidateRules += undecided
        let folds = entry == entries.count && candidateCodes.count + undecided.count <= Self.foldLimit
        candidateCodes += matching.map { codes[Int($0)] }
        candidateCodes += undecided.map { rule in
            let program = programs[Int(rule)]
            guard folds else { return codes[Int(rule)] }
            return folded.fold(program) { Self.prefilter(program.conditions[$0], known) }
        }
        let computed = Candidates(matching: start..<(start + matching.count), undecided: (start + matching.count)..<candidateRules.count,
                                  readsIdentity: undecided.contains { readsIdentity[Int($0)] })
        guard entry == entries.count else { return (computed, false) }
        entries.append(computed)
        return (computed, true)
    }

    /// Points `view` at the event, once.
    @inline(__always)
    private static func point(_ view: EventView, at event: ScannedEvent, _ base: UnsafePointer<UInt8>, pointed: inout Bool) {
        if !pointed {
            view.reset(event, base: base)
            pointed = true
        }
    }

    /// The event's identity in `identities`; nil past the memo's limit.
    private func identityEntry(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>) -> Int? {
        let entry = identityKeys.index(of: identityKey(event, base))
        guard entry >= 0 else { return nil }
        if entry * rules.count == identities.count { identities.append(contentsOf: repeatElement(.unknown, count: rules.count)) }
        return entry
    }

    /// The fingerprint of what the identity prefilter reads (``IdentityKey``), as logged.
    private func identityKey(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>) -> Fingerprint {
        var builder = blankKey
        combineIdentity(event, base, into: &builder)
        return builder.finalize()
    }

    /// The fingerprint of the prefilter's fields and bodies (``PrefilterKey``), as logged.
    private func prefilterKey(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>) -> Fingerprint {
        var builder = blankKey
        combinePrefilter(event, base, into: &builder)
        return builder.finalize()
    }

    /// The fingerprint of both: the prefilter's fields and bodies, then the identity's (when a
    /// rule reads one).
    @inline(__always)
    private func combinedKey(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>) -> Fingerprint {
        var builder = blankKey
        combinePrefilter(event, base, into: &builder)
        if anyReadsIdentity { combineIdentity(event, base, into: &builder) }
        return builder.finalize()
    }

    @inline(__always)
    private func combineIdentity(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>, into builder: inout FingerprintBuilder) {
        Self.combine((event.username.start, event.username.end), (event.userGroups.start, event.userGroups.end),
                     (event.impersonatedUser.start, event.impersonatedUser.end), (event.sourceIPs.start, event.sourceIPs.end),
                     base, into: &builder)
    }

    @inline(__always)
    private func combinePrefilter(_ event: ScannedEvent, _ base: UnsafePointer<UInt8>, into builder: inout FingerprintBuilder) {
        Self.combine((event.verb.start, event.verb.end), (event.resource.start, event.resource.end),
                     (event.subresource.start, event.subresource.end), (event.apiGroup.start, event.apiGroup.end),
                     base, into: &builder)
        let bodies = (event.requestObject.isPresent ? 1 : 0) | (event.responseObject.isPresent ? 2 : 0) as UInt64
        if let code = event.responseCode {
            builder.combine(UInt64(bitPattern: Int64(code)), bodies)
        } else {
            builder.combine(0, bodies | 4)
        }
    }

    /// Four fields (start and end in `base`, a negative start for an absent one), then their
    /// lengths in two steps: read from the end, the lengths say how many steps each field took.
    /// One call per field: an array literal of the spans would allocate for every event.
    @inline(__always)
    private static func combine(_ first: (Int, Int), _ second: (Int, Int), _ third: (Int, Int), _ fourth: (Int, Int),
                                _ base: UnsafePointer<UInt8>, into builder: inout FingerprintBuilder) {
        let lengths = (combine(first.0, first.1, base, into: &builder),
                       combine(second.0, second.1, base, into: &builder),
                       combine(third.0, third.1, base, into: &builder),
                       combine(fourth.0, fourth.1, base, into: &builder))
        builder.combine(lengths.0, lengths.1)
        builder.combine(lengths.2, lengths.3)
    }

    /// A field's bytes as logged (raw: an escaped spelling is a key of its own, and decides the
    /// same); nothing when it is absent. Returns what the key's lengths step takes for it: its
    /// length, or a marker no length can equal.
    @inline(__always)
    private static func combine(_ start: Int, _ end: Int, _ base: UnsafePointer<UInt8>,
                                into builder: inout FingerprintBuilder) -> UInt64 {
        guard start >= 0 else { return .max }
        builder.combineBytes(base + start, end - start)
        return UInt64(end - start)
    }

    // MARK: - Full evaluation

    static func test(_ compiled: CompiledCondition, _ view: EventView) -> Bool {
        test(compiled) { view.anyValue(of: compiled.sources, $0) }
    }

    /// A field condition over any way of listing the field's values (`anyValue` stops at the
    /// first value its body accepts and says whether one did).
    @inline(__always)
    static func test(_ compiled: CompiledCondition, anyValue: ((FieldValue) -> Bool) -> Bool) -> Bool {
        if let exists = compiled.exists { return anyValue { _ in true } == exists }
        if let contains = compiled.containsList { return test(compiled, contains, anyValue) }
        if let tests = compiled.tests { return test(compiled, tests, anyValue) }
        return test(compiled, compiled.condition.patterns, anyValue)
    }

    @inline(__always)
    private static func test(_ compiled: CompiledCondition, _ patterns: some PatternList,
                             _ anyValue: ((FieldValue) -> Bool) -> Bool) -> Bool {
        if compiled.requiresAll {
            return (0..<patterns.count).allSatisfy { index in anyValue { patterns.matches(index, $0) } }
        }
        if compiled.negated {
            var sawValue = false
            let equal = anyValue { value in
                sawValue = true
                return patterns.anyMatches(value)
            }
            return sawValue && !equal
        }
        if anyValue({ patterns.anyMatches($0) }) { return true }
        if compiled.acceptsMissing { return !anyValue { _ in true } }
        return false
    }

    // MARK: - Prefilter

    /// The fields the prefilter decides on, as the event has them, and which of the bodies it has.
    struct PrefilterKey {
        // Each field's values as the list a condition reads (empty when the event lacks it), made
        // once: a memo miss asks for them once per condition of every rule.
        var verb: [FieldValue]
        var resource: [FieldValue]
        var subresource: [FieldValue]
        var apiGroup: [FieldValue]
        var code: [FieldValue]
        /// Whether the event logged a request or response body. Most events are logged at the
        /// Metadata level, without either, and a rule that reads one (a ConfigMap's data, a pod's
        /// containers) is then decided here: every path into a missing body has no values.
        var hasRequestObject: Bool
        var hasResponseObject: Bool

        init(_ view: EventView) {
            verb = view.value(of: .verb).map { [$0] } ?? []
            resource = view.value(of: .resource).map { [$0] } ?? []
            subresource = view.value(of: .subresource).map { [$0] } ?? []
            apiGroup = view.value(of: .apiGroup).map { [$0] } ?? []
            code = view.value(of: .responseCode).map { [$0] } ?? []
            hasRequestObject = view.event.requestObject.isPresent
            hasResponseObject = view.event.responseObject.isPresent
        }

        /// The values of `source` (empty when the event lacks it), or nil when it is not a key field
        /// or a path into a body the event lacks.
        func values(of source: FieldSource) -> [FieldValue]? {
            switch source {
            case let .scanned(field):
                switch field {
                case .verb: return verb
                case .resource: return resource
                case .subresource: return subresource
                case .apiGroup: return apiGroup
                case .responseCode: return code
                default: return nil
                }
            case .body(.requestObject, _), .podSpec, .podContainer:
                // Pod specs and their containers are read from the request body alone.
                return hasRequestObject ? nil : []
            case .body(.responseObject, _):
                return hasResponseObject ? nil : []
            case .body, .derived:
                return nil
            }
        }
    }

    /// Who made the request, as the identity prefilter sees it.
    struct IdentityKey {
        var username: FieldValue?
        var groups: [FieldValue]
        var impersonated: Bool
        var sourceIPs: [FieldValue]

        init(_ view: EventView) {
            sourceIPs = view.strings(of: .sourceIPs).map(FieldValue.string)
            username = view.value(of: .username)?.text.map(FieldValue.string)
            groups = view.strings(of: .userGroups).map(FieldValue.string)
            impersonated = view.event.impersonatedUser.isPresent || view.event.impersonatedUsername.isPresent
        }

        /// Whether `source` is one of the identity fields ``values(of:)`` knows.
        static func knows(_ source: FieldSource) -> Bool {
            switch source {
            case .scanned(.username), .body(.userGroups, path: []), .body(.sourceIPs, path: []),
                 .derived(.clientIP), .derived(.peerIP), .scanned(.impersonatedUsername), .body(.impersonatedUser, _):
                return true
            default:
                return false
            }
        }

        func values(of source: FieldSource) -> [FieldValue]? {
            switch source {
            case .scanned(.username): return username.map { [$0] } ?? []
            case .body(.userGroups, path: []): return groups
            case .body(.sourceIPs, path: []): return sourceIPs
            case let .derived(field) where field == .clientIP || field == .peerIP:
                return field.address(among: sourceIPs.compactMap(\.text)).map { [.string($0)] } ?? []
            case .scanned(.impersonatedUsername), .body(.impersonatedUser, _): return impersonated ? nil : []
            default: return nil
            }
        }
    }

    /// Three-valued: false when no event with these known fields can match, nil when it depends on
    /// other fields. `known` gives a field's values, or nil when the field is unknown here. Over a
    /// rule compiled once: a memo miss (every event, with crafted input past the memo's limit)
    /// allocates nothing for it.
    static func prefilter(_ program: DetectionProgram, known: (FieldSource) -> [FieldValue]?) -> Bool? {
        prefilter(program.condition, program, known)
    }

    private static func prefilter(
        _ expression: ConditionExpression, _ program: DetectionProgram, _ key: (FieldSource) -> [FieldValue]?
    ) -> Bool? {
        switch expression {
        case let .selection(index):
            var result: Bool? = false
            for conditions in program.selections[index] {
                var conjunction: Bool? = true
                for condition in conditions {
                    conjunction = and(conjunction, prefilter(program.conditions[condition], key))
                    if conjunction == false { break }
                }
                result = or(result, conjunction)
                if result == true { break }
            }
            return result
        case let .and(terms):
            var result: Bool? = true
            for term in terms {
                result = and(result, prefilter(term, program, key))
                if result == false { return false }
            }
            return result
        case let .or(terms):
            var result: Bool? = false
            for term in terms {
                result = or(result, prefilter(term, program, key))
                if result == true { return true }
            }
            return result
        case let .not(term):
            return prefilter(term, program, key).map(!)
        }
    }

    private static func prefilter(_ compiled: CompiledCondition, _ known: (FieldSource) -> [FieldValue]?) -> Bool? {
        let sources = compiled.condition.sources
        // Nearly every condition reads one field: its list as it is, not copied into another.
        if sources.count == 1 {
            guard let values = known(sources[0]) else { return nil }
            return test(compiled) { body in values.contains(where: body) }
        }
        var values: [FieldValue] = []
        for source in sources {
            guard let found = known(source) else { return nil }
            values += found
        }
        return test(compiled) { body in values.contains(where: body) }
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
