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
    var group: [String]
    var value: String?
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

    /// - Parameter hitBudget: hits held in memory before they are written to a temporary file.
    init(ruleSet: RuleSet, hitBudget: Int = .max) {
        self.ruleSet = ruleSet
        matcher = RuleMatcher(rules: ruleSet.detections)
        hits = .forHits(budget: hitBudget)
    }

    func classify(
        _ event: ScannedEvent, base: UnsafePointer<UInt8>, request: Fingerprint, stage: AuditStage, time: Timestamp?,
        location: HitLocation
    ) {
        view.reset(event, base: base)
        matcher.matches(view, into: &matched)
        guard !matched.isEmpty else { return }
        let complete = matched.contains { ruleSet.generatesFindings[$0] }
        let summary = RequestSummary(view, time: time, complete: complete, texts: &texts)
        for rule in matched {
            // The correlation's fields read where they lie: a copy of the correlation retained all of it.
            let keys = texts.keys(ruleSet.uses[rule].map { use in
                CorrelationKey(
                    correlation: use.correlation, slot: use.slot,
                    group: texts.list(ruleSet.correlations[use.correlation].groupSources[use.slot].map {
                        texts.text(view.firstText(of: $0) ?? "", .plain)
                    }),
                    value: ruleSet.correlations[use.correlation].rule.valueField == nil
                        ? nil
                        : view.firstText(of: ruleSet.correlations[use.correlation].valueSources[use.slot]).map { texts.text($0, .plain) })
            })
            let hit = RuleHit(rule: rule, request: request, stage: stage, location: location, summary: summary, keys: keys)
            hits.append(hit, to: hit.partition)
        }
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
