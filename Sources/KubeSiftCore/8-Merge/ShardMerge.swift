/// Puts shards' ``ShardContent`` together into the ``AnalysisResult`` one run over all their inputs
/// gives: the same findings, statistics and totals, whichever shard read which file.
///
/// A request read by two shards (a live file and its rotated copy in different shards) is counted
/// once, from the merged stages of its copies, as the single run's request index would; its rule
/// hits are kept from the shard that read its earliest file (assembly drops the others, one
/// partition at a time), so the evidence names the first copy in input order. Assembly (stage merging, correlations in event time, report order)
/// is the single run's own ``ResultAssembler``.
package enum ShardMerge {
    /// - Parameters:
    ///   - shards: the shards present, in any order; at least one. They share one listing.
    ///   - missingFiles: listing indices no present shard read (its bundle is missing): reported
    ///     as inputs that could not be analyzed.
    ///   - matchMemoryBytes: memory for the correlated requests during assembly; past it, they are
    ///     written to a temporary file (when the shards' matches were).
    ///   - history: what earlier runs left, when a state is kept (see ``ResultAssembler/history``).
    /// - Important: takes the matches out of `shards`' stores, so that they do not outlive assembly.
    ///   Parts restricted to a cluster (``ShardContent/restricted(toCluster:bounded:)``) only read
    ///   them: merge those first.
    /// - Throws: ``ShardBundleError`` when a bundle's `requests.bin`, streamed here, turns out bad
    ///   (cut, altered since it was checked, or holding a record no shard writes), or a match names
    ///   a rule or correlation `rules` lacks.
    package static func result(of shards: [ShardContent], window: TimeWindow, rules: RuleSet,
                               compliance: ComplianceConfiguration?, missingFiles: Set<Int> = [],
                               matchMemoryBytes: Int = AnalysisOptions.defaultMatchMemoryBytes,
                               history: RunHistory? = nil) throws(ShardBundleError)
        -> AnalysisResult
    {
        for shard in shards {
            if let problem = shard.hits.mismatch(with: rules) { throw .malformed("\(shard.origin)/\(ShardBundle.matchesName)", problem) }
        }
        let listing = shards.first?.listing ?? []
        let hitRequests = shards.reduce(into: Set<Fingerprint>()) { $0.formUnion($1.hits.requests) }
        let requests = try mergedRequests(shards, keepingStagesOf: hitRequests)

        var totals = EventTotals()
        var outputs: [WorkerOutput] = []
        var readResults: [Int: InputReadResult] = [:]
        let clusters = ClusterIndex(listing)
        let noCompleteness = CompletenessAccumulator(clusterOfFile: clusters.ofFile, clusterCount: clusters.names.count)
        var completeness = noCompleteness
        for shard in shards {
            totals.merge(shard.totals)
            readResults.merge(shard.readResults) { first, _ in first }
            completeness.absorb(shard.completeness, names: clusters.names)
            outputs.append(WorkerOutput(activity: ActivityStats(), tallies: shard.tallies.map(\.tally), hits: shard.hits.store,
                                        duplicateCopies: shard.duplicateCopies, totals: EventTotals(), completeness: noCompleteness))
        }
        let inWindow = totals.distinctEvents + totals.duplicates
        totals.distinctEvents = requests.distinctEvents
        totals.duplicates = inWindow - requests.distinctEvents
        if !outputs.isEmpty {
            outputs[0].activity = requests.activity
            outputs[0].totals = totals
            outputs[0].completeness = completeness
        }

        let stages = requests.stages
        var assembler = ResultAssembler(files: listing, skippedPaths: shards.first?.skippedPaths ?? [], window: window,
                                        rules: rules, matchMemoryBytes: matchMemoryBytes, stagesSeen: { requests in
                                            requests.map { stages[SlotKey(request: $0.request, slot: Deduplicator.slot(of: $0.time))] ?? 0 }
                                        })
        // An event in two shards' inputs (a live file and its rotated copy) was matched by both.
        assembler.matchesRepeatAcrossOutputs = true
        assembler.history = history
        var result = assembler.assemble(readResults: readResults, workerOutputs: outputs, distinctRequests: requests.count)
        markUnread(missingFiles.map { listing[$0].path }, in: &result)
        if let compliance { ComplianceEvaluator(configuration: compliance, rules: rules).evaluate(&result) }
        return result
    }

    struct SlotKey: Hashable {
        var request: Fingerprint
        var slot: Int64
    }

    /// Every shard's requests, deduplicated across shards and counted.
    struct MergedRequests {
        var count = 0
        var distinctEvents = 0
        var activity = ActivityStats()
        /// The stages seen, of the requests some rule matched.
        var stages: [SlotKey: UInt8] = [:]
    }

    /// Merges the copies of each request and counts each request once, as ``ActivityAccumulator``
    /// counts it: its keys, time and level from its first copy in input order, its response from
    /// its most final stage. Each shard's records are sorted (``RequestRecord/precedes``), so the
    /// copies of a request come out of a k-way merge side by side, read from the bundles a block at
    /// a time: the memory this takes grows with the number of shards, not of requests.
    ///
    /// - Parameter blockRows: the rows of each bundle's file read at a time.
    static func mergedRequests(_ shards: [ShardContent], keepingStagesOf matched: Set<Fingerprint>,
                               blockRows: Int = RequestStream.defaultBlockRows) throws(ShardBundleError) -> MergedRequests
    {
        var merged = MergedRequests()
        var counter = StatisticsCounter(shards)
        var streams: [RequestStream] = []
        for (position, shard) in shards.enumerated() {
            streams.append(try RequestStream(shard, label: "the requests of shard \(position)", blockRows: blockRows))
        }
        var records = try RecordMerger(streams)
        var next = try records.next()
        while let (first, shard) = next {
            var stages = first.stages
            var rank = first.responseRank
            var code = first.code
            next = try records.next()
            while let (copy, _) = next, copy.request == first.request, copy.slot == first.slot {
                stages |= copy.stages
                if copy.responseRank > rank {
                    rank = copy.responseRank
                    code = copy.code
                }
                next = try records.next()
            }
            merged.count += 1
            merged.distinctEvents += stages.nonzeroBitCount
            if matched.contains(first.request) { merged.stages[SlotKey(request: first.request, slot: first.slot)] = stages }
            counter.count(first, shard: shard, code: rank > 0 ? code : nil)
        }
        merged.activity = counter.stats
        return merged
    }

    /// Inputs of a missing shard: listed, never read. They make the report partial.
    private static func markUnread(_ paths: [String], in result: inout AnalysisResult) {
        let unread = Set(paths)
        for index in result.inputs.indices where unread.contains(result.inputs[index].path) {
            result.inputs[index].container = "none"
            result.inputs[index].problems = [InputProblem(
                kind: .unreadable, message: "not analyzed: the bundle of the shard assigned this file is missing")]
            result.totals.inputsWithDataLoss += 1
        }
    }
}

/// Counts requests into ``ActivityStats`` from their records, as ``ActivityAccumulator`` counts
/// them from the bytes: a request once under each of its keys, denied when its final response was.
///
/// Keys are counted by an id per distinct text (each shard's key table is translated once), and
/// turned into text-keyed statistics at the end: no string is hashed per request.
private struct StatisticsCounter {
    private static let dimensions = ActivityAccumulator.keyedDimensions
    private static let resource = dimensions.firstIndex(of: .resource)!
    private static let verb = dimensions.firstIndex(of: .verb)!

    /// Per dimension: the id of each text, the texts by id, and the counts by id (the last id, one
    /// past the texts, is `(other)`).
    private var texts: [[String]]
    private var counts: [[ActivityCount]] = []
    private var levels: [LevelCounts] = []
    /// By resource id << 32 | verb id, as ``ActivityAccumulator`` keys them.
    private var verbLevels: [Int: LevelCounts] = [:]
    /// Per shard and dimension, the id of each key of the shard's table.
    private let translations: [[[Int]]]
    private var codes: [Int: ActivityCount] = [:]
    private var hourly: [Timestamp: HourlyCount] = [:]

    init(_ shards: [ShardContent]) {
        var ids = [[String: Int]](repeating: [:], count: Self.dimensions.count)
        var texts = [[String]](repeating: [], count: Self.dimensions.count)
        translations = shards.map { shard in
            shard.keyTexts.enumerated().map { dimension, keys in
                keys.map { text in
                    if let id = ids[dimension][text] { return id }
                    ids[dimension][text] = texts[dimension].count
                    texts[dimension].append(text)
                    return texts[dimension].count - 1
                }
            }
        }
        self.texts = texts
        counts = texts.map { [ActivityCount](repeating: ActivityCount(), count: $0.count + 1) }
        levels = [LevelCounts](repeating: LevelCounts(), count: texts[Self.resource].count + 1)
    }

    mutating func count(_ record: RequestRecord, shard: Int, code: Int?) {
        let denied = ActivityAccumulator.isDenied(code) ? 1 : 0
        for dimension in Self.dimensions.indices {
            let key = record.keys[dimension]
            guard key != DimensionKeys.none else { continue }
            let id = key == DimensionKeys.overflow ? texts[dimension].count : translations[shard][dimension][Int(key)]
            counts[dimension][id].add(denied: denied, at: record.time)
            if dimension == Self.resource { levels[id].add(record.level) }
        }
        let resource = record.keys[Self.resource]
        let verb = record.keys[Self.verb]
        if resource >= 0, verb >= 0 {
            let key = translations[shard][Self.resource][Int(resource)] << 32 | translations[shard][Self.verb][Int(verb)]
            verbLevels[key, default: LevelCounts()].add(record.level)
        }
        if let code {
            codes[code, default: ActivityCount()].requests += 1
            codes[code, default: ActivityCount()].denied += denied
        }
        if let time = record.time {
            hourly[time.hourStart, default: HourlyCount()].requests += 1
            hourly[time.hourStart, default: HourlyCount()].denied += denied
        }
    }

    var stats: ActivityStats {
        var stats = ActivityStats()
        for (position, dimension) in Self.dimensions.enumerated() {
            var values: [String: ActivityCount] = [:]
            for (id, count) in counts[position].enumerated() where count.requests > 0 {
                let text = id == texts[position].count ? "(other)" : texts[position][id]
                // Two keys masked alike are one, as ``ActivityAccumulator/stats()`` counts them.
                values[text, default: ActivityCount()].merge(count)
                if id == texts[position].count { stats.overflowed[dimension] = count.requests }
                if position == Self.resource { stats.levels[text, default: LevelCounts()].merge(levels[id]) }
            }
            if !values.isEmpty { stats.dimensions[dimension] = values }
        }
        for (key, counts) in verbLevels {
            stats.verbLevels[texts[Self.resource][key >> 32], default: [:]][texts[Self.verb][key & 0xFFFF_FFFF], default: LevelCounts()]
                .merge(counts)
        }
        if !codes.isEmpty { stats.dimensions[.responseCode] = Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) }) }
        stats.hourly = hourly
        return stats
    }
}

private extension ActivityCount {
    mutating func add(denied: Int, at time: Timestamp?) {
        requests += 1
        self.denied += denied
        see(time)
    }
}

/// The records of sorted streams, in ``RequestRecord/precedes`` order: a binary heap of the streams' heads.
private struct RecordMerger {
    private struct Head {
        var record: RequestRecord
        var stream: Int
        /// ``RequestRecord/slot``, computed once per record rather than per comparison.
        var slot: Int64

        init(_ record: RequestRecord, stream: Int) {
            self.record = record
            self.stream = stream
            slot = record.slot
        }

        func precedes(_ other: Head) -> Bool {
            (slot, record.request.high, record.request.low, record.file)
                < (other.slot, other.record.request.high, other.record.request.low, other.record.file)
        }
    }

    private let streams: [RequestStream]
    private var heads: [Head] = []

    init(_ streams: [RequestStream]) throws(ShardBundleError) {
        self.streams = streams
        for (index, stream) in streams.enumerated() {
            if let record = try stream.next() { heads.append(Head(record, stream: index)) }
        }
        for index in stride(from: heads.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The next record and the stream it came from; nil when every stream is done.
    mutating func next() throws(ShardBundleError) -> (record: RequestRecord, list: Int)? {
        guard let top = heads.first else { return nil }
        if let record = try streams[top.stream].next() {
            heads[0] = Head(record, stream: top.stream)
        } else {
            heads[0] = heads[heads.count - 1]
            heads.removeLast()
        }
        if !heads.isEmpty { siftDown(0) }
        return (top.record, top.stream)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var first = parent
            let left = 2 * parent + 1
            if left < heads.count && heads[left].precedes(heads[first]) { first = left }
            if left + 1 < heads.count && heads[left + 1].precedes(heads[first]) { first = left + 1 }
            if first == parent { return }
            heads.swapAt(parent, first)
            parent = first
        }
    }
}
