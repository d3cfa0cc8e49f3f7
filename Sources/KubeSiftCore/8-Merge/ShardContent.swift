import Logging

/// What one shard read, as the merge needs it: everything ``ResultAssembler`` takes from a run's
/// own pass (read results, chunk tallies, rule hits and dropped copies, event totals), with file
/// indices into the listing every shard shares, plus one ``RequestRecord`` per distinct request.
///
/// Deliberately before assembly: the shard's own findings and statistics would count an event
/// read by two shards twice and a correlation split over two shards never. The merge deduplicates
/// requests and hits across shards, then assembles once, as a single run does.
package struct ShardContent: Sendable, Codable {
    /// Every input every shard found, in discovery order: file indices point into it.
    package var listing: [InputFile]
    /// Paths found but not analyzable, the same in every shard.
    package var skippedPaths: [SkippedPath]
    /// The indices into ``listing`` this shard read.
    package var assigned: [Int]
    var readResults: [Int: InputReadResult]
    var tallies: [TallyRecord]
    /// Stored apart, in binary (see ``MatchCodec``), with ``duplicateCopies``.
    var hits = ShardHits()
    var duplicateCopies: [EventCopy] = []
    var totals: EventTotals
    /// Per keyed dimension (``ActivityAccumulator/keyedDimensions``), the key texts the requests' ``DimensionKeys`` index.
    var keyTexts: [[String]]
    /// A shard's own, before its bundle is written; stored apart, in binary (see ``RequestRecordCodec``).
    package var requests: [RequestRecord] = []
    /// A bundle read back: where its requests are, streamed by the merge instead of held (``requests`` is then empty).
    package var requestFile: RequestFile?
    /// Where the content came from, for error messages: a bundle's directory.
    var origin = "a shard's own pass"
    /// Gaps, clock anomalies and fields: counted over every event read, copies included, so shards' counts add up.
    var completeness = CompletenessShare()
    /// With a state: when each input this shard read was last modified (µs since 1970), by listing
    /// index, for the merge to record.
    package var modified: [Int: Int64] = [:]
    /// With a state: the inputs every shard passed over, unchanged since an earlier run read them.
    package var unchanged: [String] = []

    private enum CodingKeys: String, CodingKey {
        case listing, skippedPaths, assigned, readResults, tallies, totals, keyTexts, completeness, modified, unchanged
    }
}

/// A shard's rule matches, partitioned as a run's own are (``RuleHit/partition``), in a store that
/// writes them to a temporary file past its budget: a merge then holds a partition of them at a
/// time, not every shard's matches. With what the merge checks and asks of them all, noted as they
/// are added rather than read back.
package struct ShardHits: Sendable {
    private(set) var store: SpillPartitions<RuleHit>
    /// The requests some match is of: the merge keeps the stages seen of these alone.
    private(set) var requests: Set<Fingerprint> = []
    /// The listing indices of the files matches were read in, as added.
    private(set) var files: Set<Int> = []
    private var added = 0
    /// The highest rule a match names, and the first match (in the order added) that names it.
    private var highestRule: (rule: Int, match: Int)?
    /// By correlation, the highest slot a match names, and the first match that names it.
    private var highestSlots: [Int: (slot: Int, match: Int)] = [:]

    /// - Parameter budget: matches held in memory before they are written to a temporary file.
    init(budget: Int = .max) {
        store = .forHits(budget: budget)
    }

    init(_ hits: some Sequence<RuleHit>) {
        self.init()
        for hit in hits { append(hit) }
    }

    mutating func append(_ hit: RuleHit) {
        store.append(hit, to: hit.partition)
        requests.insert(hit.request)
        files.insert(hit.location.member.file)
        if hit.rule > highestRule?.rule ?? -1 { highestRule = (hit.rule, added) }
        for key in hit.keys where key.slot > highestSlots[key.correlation]?.slot ?? -1 {
            highestSlots[key.correlation] = (key.slot, added)
        }
        added += 1
    }

    /// Every match, partition by partition.
    var all: [RuleHit] { store.all }

    /// The same matches, each passed through `transform` (nil leaves it out) as it is read.
    func mapped(_ transform: @escaping (RuleHit) -> RuleHit?) -> ShardHits {
        var mapped = self
        mapped.store = store.reading(transform)
        return mapped
    }

    /// The first match that names a rule, correlation or correlation slot `rules` lacks (which the
    /// assembly would index with); nil when none does.
    func mismatch(with rules: RuleSet) -> String? {
        if let (rule, match) = highestRule, rule >= rules.detections.count {
            return "match \(match) names rule \(rule) of \(rules.detections.count)"
        }
        let lacking = highestSlots.filter { correlation, highest in
            correlation >= rules.correlations.count || highest.slot >= rules.correlations[correlation].baseRules.count
        }
        guard let (correlation, highest) = lacking.min(by: { $0.value.match < $1.value.match }) else { return nil }
        return "match \(highest.match) names slot \(highest.slot) of correlation \(correlation), which the rules lack"
    }
}

/// One distinct request as one shard saw it: enough to deduplicate it against the other shards'
/// copies and count it into the statistics exactly as ``ActivityAccumulator`` would.
package struct RequestRecord: Sendable, Equatable {
    var request: Fingerprint
    /// The receive time: the index slot, first/last seen and the hour it counts in.
    var time: Timestamp?
    /// The listing index of the file the shard read the request from first.
    var file: Int
    /// Indices into the shard's ``ShardContent/keyTexts``.
    var keys: DimensionKeys
    var level: AuditLevel?
    /// The stages the shard saw (``AuditStage`` raw values, or-ed).
    var stages: UInt8
    /// The rank (``AuditStage/responseRank``) and code of the stage the response counts from.
    var responseRank: UInt8
    var code: Int?

    var slot: Int64 { Deduplicator.slot(of: time) }
}

/// One worker's note of a request it counted first (shard mode).
struct LoggedRequest: Sendable {
    var request: Fingerprint
    var time: Timestamp?
    var file: Int
    var keys: DimensionKeys
    var level: AuditLevel?
}

/// A ``ChunkTally`` as the bundle stores it: its dictionaries and pairs as sorted lists.
struct TallyRecord: Sendable, Codable {
    struct Count<Reason: Codable & Sendable & Hashable>: Sendable, Codable {
        var format: SourceFormat
        var reason: Reason
        var count: Int
    }

    struct Located<Value: Codable & Sendable>: Sendable, Codable {
        var value: Value
        var line: ChunkLine
    }

    var member: MemberKey
    var sequence: Int
    var lines: Int
    var eventsRead: Int
    var outsideWindow: Int
    var withoutTime: Int
    var firstEvent: Timestamp?
    var lastEvent: Timestamp?
    var eventsByFormat: [Int]
    var skipped: [Count<SkipReason>]
    var skipSamples: [Located<SkipReason>]
    var passedOver: [Count<PassOverReason>]
    var cloudOperations: [Located<CloudOperation>]

    init(_ tally: ChunkTally, member: MemberKey) {
        self.member = member
        sequence = tally.sequence
        lines = tally.lines
        eventsRead = tally.eventsRead
        outsideWindow = tally.outsideWindow
        withoutTime = tally.withoutTime
        firstEvent = tally.firstEvent
        lastEvent = tally.lastEvent
        eventsByFormat = tally.eventsByFormat
        skipped = tally.skipped.map { Count(format: $0.key.format, reason: $0.key.reason, count: $0.value) }
            .sorted { ($0.format, $0.reason) < ($1.format, $1.reason) }
        skipSamples = tally.skipSamples.map { Located(value: $0.reason, line: $0.line) }
        passedOver = tally.passedOver.map { Count(format: $0.key.format, reason: $0.key.reason, count: $0.value) }
            .sorted { ($0.format, $0.reason) < ($1.format, $1.reason) }
        cloudOperations = tally.cloudOperations.map { Located(value: $0.operation, line: $0.line) }
    }

    var tally: ChunkTally {
        var tally = ChunkTally(member: member, sequence: sequence)
        tally.lines = lines
        tally.eventsRead = eventsRead
        tally.outsideWindow = outsideWindow
        tally.withoutTime = withoutTime
        tally.firstEvent = firstEvent
        tally.lastEvent = lastEvent
        // A hand-edited bundle must not index out of range.
        for (index, count) in eventsByFormat.enumerated() where index < tally.eventsByFormat.count {
            tally.eventsByFormat[index] = count
        }
        for count in skipped { tally.skipped[FormatCount(format: count.format, reason: count.reason), default: 0] += count.count }
        tally.skipSamples = skipSamples.map { ($0.value, $0.line) }
        for count in passedOver {
            tally.passedOver[FormatCount(format: count.format, reason: count.reason), default: 0] += count.count
        }
        tally.cloudOperations = cloudOperations.map { ($0.value, $0.line) }
        return tally
    }
}

extension Pipeline {
    /// Reads the inputs `assigned` to this shard (indices into `inputs.files`) and keeps what the
    /// merge needs, before assembly.
    ///
    /// - Parameter seeds: the same in every shard of a run (see ``ShardSeeds``), so that the
    ///   shards' request fingerprints can be compared.
    package static func shard(_ inputs: InputDiscoverer.Result, assigned: [Int], options: AnalysisOptions,
                              seeds: HashSeeds, progress: ProgressCounters? = nil, logger: Logger) -> ShardContent
    {
        let files = assigned.map { inputs.files[$0] }
        var pass = read(files, options: options, seeds: seeds, logsRequests: true, progress: progress, logger: logger)
        func global(_ key: MemberKey) -> MemberKey { MemberKey(file: assigned[key.file], member: key.member) }
        func global(_ location: HitLocation) -> HitLocation {
            HitLocation(member: global(location.member), sequence: location.sequence, line: location.line)
        }

        // One key table for the shard: each worker interned its own.
        let dimensions = ActivityAccumulator.keyedDimensions.count
        var keyTexts = [[String]](repeating: [], count: dimensions)
        var keyIndices = [[String: Int32]](repeating: [:], count: dimensions)
        var requests: [RequestRecord] = []
        var content = ShardContent(listing: inputs.files, skippedPaths: inputs.skipped, assigned: assigned,
                                   readResults: [:], tallies: [], duplicateCopies: [], totals: EventTotals(),
                                   keyTexts: [])
        for worker in pass.workerOutputs.indices {
            let output = pass.workerOutputs[worker]
            // Each worker's log is let go once translated: the shard never holds it twice.
            pass.workerOutputs[worker].requests = []
            let translation = (0..<dimensions).map { dimension in
                output.keyTexts[dimension].map { text in
                    if let index = keyIndices[dimension][text] { return index }
                    let index = Int32(keyTexts[dimension].count)
                    keyTexts[dimension].append(text)
                    keyIndices[dimension][text] = index
                    return index
                }
            }
            for logged in output.requests {
                var keys = logged.keys
                for dimension in 0..<dimensions where keys[dimension] >= 0 {
                    keys[dimension] = translation[dimension][Int(keys[dimension])]
                }
                // What the index saw of it is filled in below, a slot at a time.
                requests.append(RequestRecord(request: logged.request, time: logged.time, file: assigned[logged.file],
                                              keys: keys, level: logged.level, stages: 0, responseRank: 0, code: nil))
            }
            content.tallies += output.tallies.map { TallyRecord($0, member: global($0.member)) }
            for var hit in output.hits.takeAll() {
                hit.location = global(hit.location)
                content.hits.append(hit)
            }
            content.duplicateCopies += output.duplicateCopies.map { copy in
                var copy = copy
                copy.location = global(copy.location)
                return copy
            }
            content.totals.merge(output.totals)
        }
        for (local, result) in pass.readResults { content.readResults[assigned[local]] = result }
        content.keyTexts = keyTexts
        let clusters = ClusterIndex(files)
        var completeness = CompletenessAccumulator(clusterOfFile: clusters.ofFile, clusterCount: clusters.names.count)
        for output in pass.workerOutputs { completeness.merge(output.completeness) }
        content.completeness = completeness.share(names: clusters.names, listingIndex: { assigned[$0] })
        // In index order, not thread order: a rerun of the shard writes the same records. Sorted by
        // slot first, so the index answers a slot at a time, and a slot it wrote to disk is read
        // for its answers alone, not brought back into memory.
        requests.sort(by: RequestRecord.precedes)
        pass.deduplicator.seen(requests.count, request: { (requests[$0].request, requests[$0].slot) }) { position, seen in
            requests[position].stages = seen.stages
            requests[position].responseRank = seen.responseRank
            requests[position].code = seen.code
        }
        content.requests = requests
        return content
    }
}

extension RequestRecord {
    /// Index order (slot, fingerprint), then input order: the copies of one request end up side by
    /// side, the first read first.
    static func precedes(_ lhs: RequestRecord, _ rhs: RequestRecord) -> Bool {
        (lhs.slot, lhs.request.high, lhs.request.low, lhs.file) < (rhs.slot, rhs.request.high, rhs.request.low, rhs.file)
    }
}

extension ShardContent {
    /// The clusters of the listing, in name order (`nil`: inputs without one).
    package var clusters: [String?] {
        Set(listing.map(\.cluster) + skippedPaths.map(\.cluster)).sorted { ($0 ?? "") < ($1 ?? "") }
    }

    /// The part of the shard that read `cluster`'s inputs, as if the listing held only them: a
    /// merge of such parts is the report of that cluster alone.
    ///
    /// - Parameter bounded: whether the run had a time window (then events without a time were
    ///   dropped before deduplication).
    package func restricted(toCluster cluster: String?, bounded: Bool) -> ShardContent {
        let kept = listing.indices.filter { listing[$0].cluster == cluster }
        let position = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        func moved(_ location: HitLocation) -> HitLocation? {
            position[location.member.file].map {
                HitLocation(member: MemberKey(file: $0, member: location.member.member), sequence: location.sequence,
                            line: location.line)
            }
        }
        var part = self
        part.listing = kept.map { listing[$0] }
        part.skippedPaths = skippedPaths.filter { $0.cluster == cluster }
        part.assigned = assigned.compactMap { position[$0] }
        part.modified = Dictionary(uniqueKeysWithValues: modified.compactMap { file, time in position[file].map { ($0, time) } })
        part.readResults = Dictionary(uniqueKeysWithValues: readResults.compactMap { file, result in position[file].map { ($0, result) } })
        part.tallies = tallies.compactMap { tally in
            var tally = tally
            guard let file = position[tally.member.file] else { return nil }
            tally.member.file = file
            return tally
        }
        part.hits = hits.mapped { hit in
            var hit = hit
            guard let location = moved(hit.location) else { return nil }
            hit.location = location
            return hit
        }
        part.duplicateCopies = duplicateCopies.compactMap { copy in
            var copy = copy
            guard let location = moved(copy.location) else { return nil }
            copy.location = location
            return copy
        }
        part.completeness = completeness.restricted(toCluster: cluster, position: position)
        part.requests = requests.compactMap { request in
            var request = request
            guard let file = position[request.file] else { return nil }
            request.file = file
            return request
        }
        part.requestFile?.restrict(to: position, listingCount: listing.count)
        // Only the sum of distinct and duplicate events is read before the merge counts them again.
        part.totals = EventTotals()
        for tally in part.tallies {
            part.totals.eventsRead += tally.eventsRead
            part.totals.outsideWindow += tally.outsideWindow
            part.totals.withoutTime += tally.withoutTime
        }
        part.totals.distinctEvents = part.totals.eventsRead - part.totals.outsideWindow
            - (bounded ? part.totals.withoutTime : 0)
        return part
    }
}
