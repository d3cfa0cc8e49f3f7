/// Where a matched event was read, before line numbers are final (see ``ChunkLine``).
struct HitLocation: Sendable, Codable {
    var member: MemberKey
    var sequence: Int
    var line: ChunkLine
}

/// One copy of an event that was read again (a rotated file beside the live one, a shipper's copy).
struct EventCopy: Sendable, Codable {
    var request: Fingerprint
    var stage: AuditStage
    var location: HitLocation
}

/// The values a correlation groups and counts a matched event by.
struct CorrelationKey: Sendable, Hashable, Codable {
    var correlation: Int
    var slot: Int
    let group: [String]
    let value: String?
    /// The group's and the value's hashes, taken once (a worker makes a key list once per distinct
    /// set of fields): assembly looks requests up by group several times each, and numbers their
    /// values, and hashing the texts each time cost more than the lookups. Per process (the
    /// hasher's seed), never written.
    let groupHash: Int
    let valueHash: Int

    init(correlation: Int, slot: Int, group: [String], value: String?) {
        self.correlation = correlation
        self.slot = slot
        self.group = group
        self.value = value
        groupHash = group.hashValue
        valueHash = value.hashValue
    }

    private enum CodingKeys: String, CodingKey {
        case correlation, slot, group, value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(correlation: try container.decode(Int.self, forKey: .correlation),
                  slot: try container.decode(Int.self, forKey: .slot),
                  group: try container.decode([String].self, forKey: .group),
                  value: try container.decodeIfPresent(String.self, forKey: .value))
    }
}

/// One event that matched one detection rule.
struct RuleHit: Sendable, Codable {
    var rule: Int
    var request: Fingerprint
    var stage: AuditStage
    var location: HitLocation
    var summary: RequestSummary
    var keys: [CorrelationKey]
}

/// Stage 5: runs the rule set over each distinct event a worker decodes and keeps what matched.
///
/// One per worker thread; only its ``RuleHit``s leave the thread.
final class Classifier {
    private let ruleSet: RuleSet
    private let matcher: RuleMatcher
    private let view = EventView()
    // One thread's state, never accessed re-entrantly: the runtime's exclusivity checks are skipped.
    @exclusivity(unchecked) private var matched: [Int] = []
    /// Partitioned by time slot (``RuleHit/partition``), for assembly to take a partition at a time.
    let hits: SpillPartitions<RuleHit>
    @exclusivity(unchecked) private var texts = TextInterner()
    /// Each distinct set of correlation fields (``correlationKeys(of:)``), interned; its keys at the same index.
    @exclusivity(unchecked) private var keyTable = SpanTable(seed: UInt64.random(in: .min ... .max), limit: 1 << 16)
    @exclusivity(unchecked) private var keyLists: [[CorrelationKey]] = []
    private let keyBytes = ByteScratch(capacity: 256)
    /// The fields of each correlation a rule feeds, the rules' one after the other (`keyFieldRanges`
    /// by rule): read from here, not from a copy of the correlation, which retained all of it.
    private let keyFields: [KeyFields]
    private let keyFieldRanges: [Range<Int>]

    private struct KeyFields {
        let correlation: Int
        let slot: Int
        let group: [CompiledSources]
        /// Nil for a correlation that counts events, not distinct values.
        let value: CompiledSources?
    }

    /// - Parameter hitBudget: hits held in memory before they are written to a temporary file.
    init(ruleSet: RuleSet, hitBudget: Int = .max) {
        self.ruleSet = ruleSet
        matcher = RuleMatcher(rules: ruleSet.detections)
        var keyFields: [KeyFields] = []
        keyFieldRanges = ruleSet.uses.map { uses in
            let start = keyFields.count
            for use in uses {
                let correlation = ruleSet.correlations[use.correlation]
                keyFields.append(KeyFields(correlation: use.correlation, slot: use.slot,
                                           group: correlation.groupSources[use.slot].map(CompiledSources.init),
                                           value: correlation.rule.valueField == nil ? nil
                                               : CompiledSources(correlation.valueSources[use.slot])))
            }
            return start..<keyFields.count
        }
        self.keyFields = keyFields
        hits = .forHits(budget: hitBudget)
    }

    func classify(
        _ event: ScannedEvent, base: UnsafePointer<UInt8>, request: Fingerprint, stage: AuditStage, time: Timestamp?,
        location: HitLocation
    ) {
        let pointed = matcher.matches(event, base: base, view: view, into: &matched)
        guard !matched.isEmpty else { return }
        if !pointed { view.reset(event, base: base) }
        let complete = matched.contains { ruleSet.generatesFindings[$0] }
        let summary = RequestSummary(view, time: time, complete: complete, texts: &texts)
        for rule in matched {
            let hit = RuleHit(rule: rule, request: request, stage: stage, location: location, summary: summary,
                              keys: correlationKeys(of: rule))
            hits.append(hit, to: hit.partition)
        }
    }

    /// What the correlations `rule` feeds group and count this event by, looked up by the bytes of
    /// those fields: the same user in the same namespace again builds no text and hashes no list.
    private func correlationKeys(of rule: Int) -> [CorrelationKey] {
        let range = keyFieldRanges[rule]
        guard !range.isEmpty else { return [] }
        return keyFields.withUnsafeBufferPointer { all in
            let uses = all[range]
            keyBytes.count = 0
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: rule)) { appendKeyBytes($0) }
            for use in uses {
                for sources in use.group { appendFirstText(of: sources) }
                if let value = use.value { appendFirstText(of: value) }
            }
            let entry = keyTable.index(of: keyBytes.base, count: keyBytes.count)
            if entry >= 0, entry < keyLists.count { return keyLists[entry] }
            let keys = texts.keys(uses.map { use in
                CorrelationKey(correlation: use.correlation, slot: use.slot,
                               group: texts.list(use.group.map { texts.text(view.firstText(of: $0) ?? "", .plain) }),
                               value: use.value.flatMap { view.firstText(of: $0) }.map { texts.text($0, .plain) })
            })
            if entry == keyLists.count { keyLists.append(keys) }
            return keys
        }
    }

    /// The text the event view's `firstText(of:)` finds, as its length and bytes; an absent one as a
    /// length no text has. The keys are a function of these bytes.
    private func appendFirstText(of sources: CompiledSources) {
        let found = view.anyValue(of: sources.buffer) { value in
            if case let .raw(bytes) = value {
                appendText(UnsafeRawBufferPointer(bytes))
                return true
            }
            guard var text = value.text else { return false }
            text.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
            return true
        }
        if !found { withUnsafeBytes(of: UInt32.max) { appendKeyBytes($0) } }
    }

    private func appendText(_ bytes: UnsafeRawBufferPointer) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count)) { appendKeyBytes($0) }
        appendKeyBytes(bytes)
    }

    private func appendKeyBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        keyBytes.append(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }
}

extension RuleHit {
    /// Partitions of hits, by the request index's time slot (``Deduplicator/slot(of:)``): the stages
    /// of a request, in whatever worker, are in the same one, and assembly, asking the index which
    /// stages each request had, reads each slot the index wrote to disk once.
    static let partitions = 128
    /// About what a hit holds in memory (the hit, its share of a request summary, its audit ID),
    /// to turn a memory budget into a count.
    static let estimatedBytes = 400

    var partition: Int { Int(UInt64(bitPattern: Deduplicator.slot(of: summary.time)) % UInt64(Self.partitions)) }
}

extension SpillPartitions where Record == RuleHit {
    static func forHits(budget: Int) -> SpillPartitions {
        SpillPartitions(partitions: RuleHit.partitions, budget: budget, encode: MatchCodec.encodeBlock(hits:),
                        decode: { try MatchCodec.decodeHitBlock($0) })
    }

    /// `hits`, held in memory, partitioned as a worker partitions them.
    static func holding(_ hits: [RuleHit]) -> SpillPartitions {
        partitioning(hits, partitions: RuleHit.partitions, by: \.partition)
    }
}
