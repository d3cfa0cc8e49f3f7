import Foundation

/// One request a detection rule matched, its stages merged.
struct MatchedRequest: Sendable, Codable {
    var rule: Int
    var summary: RequestSummary
    /// Where this run read the matched stages: named as evidence only for what a finding shows
    /// (most matches only feed correlations, and a location is a fraction of an evidence entry).
    var locations = Locations()
    /// Evidence an earlier run named (a carried request).
    var evidence: [Finding.Evidence] = []
    var keys: [CorrelationKey]
    var latestStage: AuditStage
    /// About what a correlated request holds in memory, to turn a memory budget into a count.
    static let estimatedBytes = 1_000

    /// Which request this is during one assembly (it is counted in a partition per correlation group).
    var origin = 0

    /// Names where one stage of a request (by audit ID) was read.
    typealias Namer = (HitLocation, AuditStage, String) -> Finding.Evidence

    /// Where one matched stage was read.
    struct StageLocation: Sendable {
        var location: HitLocation
        var stage: AuditStage
    }

    /// A request's stages where this run read them: nearly always one, kept without an array.
    struct Locations: Sendable {
        var first: StageLocation?
        var more: [StageLocation] = []

        var count: Int { (first == nil ? 0 : 1) + more.count }
        var all: [StageLocation] { (first.map { [$0] } ?? []) + more }

        mutating func append(_ location: StageLocation) {
            if first == nil { first = location } else { more.append(location) }
        }
    }

    /// Its evidence: what an earlier run named, and this run's locations.
    func allEvidence(_ name: Namer) -> [Finding.Evidence] {
        evidence + locations.all.map { name($0.location, $0.stage, summary.auditID) }
    }

    var evidenceCount: Int { evidence.count + locations.count }

    /// Appends its evidence, sorted, to `list`: for the usual request, read once here and never
    /// before, one entry without the arrays ``allEvidence(_:)`` makes.
    func appendEvidence(to list: inout [Finding.Evidence], _ name: Namer) {
        if evidence.isEmpty, locations.more.isEmpty, let only = locations.first {
            list.append(name(only.location, only.stage, summary.auditID))
        } else {
            list += allEvidence(name).sorted()
        }
    }

    /// The same request with its locations named: what a later run can still read.
    func named(_ name: Namer) -> MatchedRequest {
        var named = self
        named.evidence = allEvidence(name)
        named.locations = Locations()
        return named
    }

    /// Only named evidence is written (a state's carried requests): a location means nothing
    /// outside the run that read it.
    private enum CodingKeys: String, CodingKey {
        case rule, summary, evidence, keys, latestStage
    }

    init(rule: Int, summary: RequestSummary, location: HitLocation, keys: [CorrelationKey], latestStage: AuditStage) {
        self.init(rule: rule, summary: summary, locations: Locations(first: StageLocation(location: location, stage: latestStage)),
                  keys: keys, latestStage: latestStage)
    }

    init(rule: Int, summary: RequestSummary, locations: Locations, keys: [CorrelationKey], latestStage: AuditStage) {
        self.rule = rule
        self.summary = summary
        self.locations = locations
        self.keys = keys
        self.latestStage = latestStage
    }
}

/// Turns every worker's rule hits into findings, after the pass: stages of one request become one
/// match, matches of generating rules become findings, and correlations run over all matches in
/// event time, so that files, rotations and chunk boundaries make no difference.
struct FindingAssembler: Sendable {
    let ruleSet: RuleSet
    /// Resolves where a hit was read to file, member and line.
    let locate: @Sendable (HitLocation) -> (file: String, member: String?, line: Int, sha256: String?)
    /// The stages seen of each request (``AuditStage`` raw values, or-ed), matched or not; asked
    /// once for all of a share's requests.
    let stagesSeen: @Sendable ([(request: Fingerprint, time: Timestamp?)]) -> [UInt8]
    /// Correlated requests held in memory, in all, before assembly writes the rest to a temporary file.
    var requestBudget = Int.max
    /// Whether an event may have hits in more than one list (``firstReaders(_:)`` keeps one list's).
    var keepsFirstReaderOnly = false

    /// - Parameters:
    ///   - hits: every worker's hits, a list per worker.
    ///   - duplicates: every worker's dropped copies of events, a list per worker.
    func assemble(_ hits: [[RuleHit]], duplicates: [[EventCopy]] = []) -> [Finding] {
        assemble(hits.map { SpillPartitions.holding($0) }, duplicates: duplicates, carried: CarriedRequestBlocks()).findings
    }

    /// Partitions of correlated requests: one partition's requests are correlated at a time.
    static let correlationPartitions = 128

    /// Hits are taken one partition of requests at a time: stages of one request become one match,
    /// and matches of generating rules become findings. Requests that feed correlations are then
    /// sorted into partitions by correlation and group (a group never spans two), and correlations
    /// run one partition at a time, in event time, so that files, rotations and chunk boundaries
    /// make no difference. Each step holds one partition (and what the stores keep under their budget).
    ///
    /// - Parameters:
    ///   - hits: every worker's hits, partitioned by time slot (``RuleHit/partition``); taken.
    ///   - carried: requests an earlier run matched that correlations still count (their windows
    ///     were open when it ended); they make no finding of their own.
    ///   - keepsOpenWindows: whether to return the correlated requests whose windows are still open
    ///     at the end (a run that keeps a state), named, for the next run to count again: those
    ///     within their correlation's timespan of the last event (`lastEvent`, or a later request),
    ///     and those counted in an episode still open then, so that the episode starts with the
    ///     same request next time and is recognised as the one reported.
    /// - Returns: the findings, the requests to carry on (none unless `keepsOpenWindows`), encoded
    ///   as each partition is done with them, and how many times matches were written to disk, in
    ///   the read pass and here.
    func assemble(_ hits: [SpillPartitions<RuleHit>], duplicates: [[EventCopy]], carried: CarriedRequestBlocks,
                  keepsOpenWindows: Bool = false, lastEvent: Timestamp? = nil)
        -> (findings: [Finding], open: CarriedRequestBlocks, spills: Int)
    {
        let firstCopies = firstCopies(duplicates)
        let shares = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let partitions = hits.first?.partitionCount ?? 1
        // Partitions are uneven (a busy five minutes, a quiet night): each share takes the next one free.
        let nextPartition = Locked(0)
        // Requests made from hits that all fit in memory share their summaries: holding them costs
        // a fraction of the hits' budget, and writing them out would cost time for nothing.
        let requestBudget = hits.contains { $0.spillCount > 0 } ? self.requestBudget / shares : .max
        let requestShares = concurrentMap(shares) { _ in
            var result = RequestShare(correlated: SpillPartitions(
                partitions: Self.correlationPartitions, budget: requestBudget,
                encode: MatchCodec.encodeBlock(requests:), decode: { try MatchCodec.decodeRequestBlock($0) }))
            while case let partition = nextPartition.withLock({ $0 += 1; return $0 - 1 }), partition < partitions {
                var lists = hits.map { $0.take(partition) }
                // The copies of an event share its time slot, hence its partition.
                if keepsFirstReaderOnly { lists = Self.firstReaders(lists) }
                var requests = matchedRequests(consume lists, firstCopies: firstCopies)
                // Taken out one by one (moved, not copied) into the store that keeps them.
                while var request = requests.popLast() {
                    if ruleSet.generatesFindings[request.rule] { result.findings.append(finding(request)) }
                    guard !request.keys.isEmpty else { continue }
                    request.origin = partition << 32 | requests.count
                    result.add(consume request)
                }
            }
            return result
        }
        var findings = requestShares.flatMap(\.findings)
        // Carried requests are decoded a block at a time, and held under the same budget as those read.
        var carriedShare = RequestShare(correlated: SpillPartitions(
            partitions: Self.correlationPartitions, budget: self.requestBudget / shares,
            encode: MatchCodec.encodeBlock(requests:), decode: { try MatchCodec.decodeRequestBlock($0) }))
        carried.forEachResolved(in: ruleSet) { index, request in
            var request = request
            request.origin = partitions << 32 | index
            carriedShare.add(request)
        }
        let stores = requestShares.map(\.correlated) + [carriedShare.correlated]

        // A request within its correlation's timespan of the last event may still join a window
        // next run; per correlation, so that a 10-minute rule's requests are not carried for an hour.
        let cutoffs = keepsOpenWindows ? { () -> [Int64] in
            let latest = (requestShares + [carriedShare]).compactMap(\.latest) + [lastEvent?.microseconds].compactMap { $0 }
            return ruleSet.correlations.map { (latest.max() ?? 0) - $0.rule.timespan }
        }() : nil
        // Within its correlation's timespan of the last event (see `keepsOpenWindows`).
        @Sendable func isRecent(_ request: MatchedRequest) -> Bool {
            guard let cutoffs else { return false }
            let time = request.summary.time?.microseconds ?? .min
            return request.keys.contains { time >= cutoffs[$0.correlation] }
        }
        let nextCorrelationPartition = Locked(0)
        let correlated = concurrentMap(shares) { _ in
            var findings: [Finding] = []
            // Recent requests are carried on by the partition of their first key, so once, encoded
            // when it is done; those only an open episode keeps, rarer, by origin at the end.
            var recent: [(partition: Int, requests: CarriedRequestBlocks)] = []
            var inOpenEpisodes: [Int: MatchedRequest] = [:]
            while case let partition = nextCorrelationPartition.withLock({ $0 += 1; return $0 - 1 }),
                  partition < Self.correlationPartitions {
                let read = stores.dropLast().map { $0.take(partition) }
                let requests = JoinedArrays(read + [Self.carriedOnce(stores.last!.take(partition), readAgainIn: read)])
                guard !requests.isEmpty else { continue }
                let counts = { (key: CorrelationKey) in Self.partition(of: key) == partition }
                // Each correlation reads only the requests of its own base rules.
                var perCorrelation = [[Int]](repeating: [], count: ruleSet.correlations.count)
                for position in requests.indices {
                    for key in requests[position].keys where perCorrelation[key.correlation].last != position && counts(key) {
                        perCorrelation[key.correlation].append(position)
                    }
                }
                for index in perCorrelation.indices where !perCorrelation[index].isEmpty {
                    let result = Correlator(correlation: ruleSet.correlations[index], index: index, evidence: evidence(of:stage:auditID:))
                        .findings(in: requests, positions: perCorrelation[index], counts: counts, openAfter: cutoffs?[index])
                    findings += result.findings
                    for position in result.open where !isRecent(requests[position]) {
                        inOpenEpisodes[requests[position].origin] = requests[position]
                    }
                }
                guard cutoffs != nil else { continue }
                let carriedOn = requests.indices.filter { isRecent(requests[$0]) && Self.partition(of: requests[$0].keys[0]) == partition }
                recent.append((partition, carriedRequests(carriedOn.lazy.map { requests[$0] })))
            }
            return (findings, recent, Array(inOpenEpisodes.values))
        }
        findings += correlated.flatMap(\.0)
        let spills = hits.reduce(0) { $0 + $1.spillCount } + stores.reduce(0) { $0 + $1.spillCount }
        var open = CarriedRequestBlocks()
        for (_, requests) in correlated.flatMap(\.1).sorted(by: { $0.partition < $1.partition }) { open.append(requests) }
        // A request in open episodes of two partitions, perhaps in two shares: carried once.
        var carriedOn = Set<Int>()
        open.append(carriedRequests(correlated.flatMap(\.2).filter { carriedOn.insert($0.origin).inserted }))
        return (Finding.identified(Finding.inReportOrder(findings)), open, spills)
    }

    /// Requests to carry on, named: where this run read them means nothing to the next. In no
    /// particular order: the next run sorts what it counts.
    private func carriedRequests(_ requests: some RandomAccessCollection<MatchedRequest>) -> CarriedRequestBlocks {
        CarriedRequestBlocks(carrying: requests, rules: ruleSet, name: evidence(of:stage:auditID:))
    }

    /// The carried requests of one partition, each once and none this run read again (a rotated
    /// file read again as a new input): a state written before carried requests were
    /// deduplicated may hold one twice, and a request read again has the same keys, hence
    /// partitions, as when it was carried.
    private static func carriedOnce(_ carried: [MatchedRequest], readAgainIn read: [[MatchedRequest]]) -> [MatchedRequest] {
        guard !carried.isEmpty else { return carried }
        var seen = Set<RequestKey>()
        for requests in read {
            for request in requests { seen.insert(RequestKey(rule: request.rule, auditID: request.summary.auditID)) }
        }
        return carried.filter { seen.insert(RequestKey(rule: $0.rule, auditID: $0.summary.auditID)).inserted }
    }

    /// One request as rules match it: the rule, and the request's audit ID.
    private struct RequestKey: Hashable {
        var rule: Int
        var auditID: String
    }

    /// Which partition of correlated requests counts `key`.
    static func partition(of key: CorrelationKey) -> Int {
        // The group's hash is already a keyed hash: the correlation is mixed in, not hashed again.
        let mixed = UInt(bitPattern: key.groupHash) &+ UInt(bitPattern: key.correlation) &* 0x9E37_79B9_7F4A_7C15
        return Int((mixed ^ mixed >> 29) % UInt(correlationPartitions))
    }

    /// What one share of the request partitions made: findings of generating rules, and the requests
    /// correlations count, by partition of correlation and group.
    private struct RequestShare: @unchecked Sendable {
        var findings: [Finding] = []
        var correlated: SpillPartitions<MatchedRequest>
        /// The latest time of a correlated request.
        var latest: Int64?

        init(correlated: SpillPartitions<MatchedRequest>) { self.correlated = correlated }

        /// Into each partition one of its keys is counted in, once; moved into the last.
        mutating func add(_ request: consuming MatchedRequest) {
            if let time = request.summary.time?.microseconds, latest.map({ time > $0 }) ?? true { latest = time }
            let first = FindingAssembler.partition(of: request.keys[0])
            guard request.keys.count > 1 else { return correlated.append(request, to: first) }
            var partitions = [first]
            for key in request.keys.dropFirst() {
                let partition = FindingAssembler.partition(of: key)
                if !partitions.contains(partition) { partitions.append(partition) }
            }
            for partition in partitions.dropLast() { correlated.append(copy request, to: partition) }
            correlated.append(request, to: partitions[partitions.count - 1])
        }
    }

    /// The finding of one request a generating rule matched.
    private func finding(_ request: MatchedRequest) -> Finding {
        var evidence = request.allEvidence(evidence(of:stage:auditID:)).sorted()
        let omitted = max(0, evidence.count - Finding.evidenceLimit)
        evidence = Array(evidence.prefix(Finding.evidenceLimit))
        return Finding(
            rule: ruleSet.references[request.rule], kind: .request,
            firstSeen: request.summary.time, lastSeen: request.summary.time,
            count: 1, auditIDs: [request.summary.auditID], request: request.summary, evidence: evidence,
            evidenceOmitted: omitted > 0 ? omitted : nil)
    }

    /// A location as evidence: file, member, line and the file's digest.
    @Sendable func evidence(of location: HitLocation, stage: AuditStage, auditID: String) -> Finding.Evidence {
        let place = locate(location)
        return Finding.Evidence(file: place.file, member: place.member, line: place.line, sha256: place.sha256,
                                auditID: auditID, stage: stage.name)
    }

    /// Of an event with hits in several lists (shards that each read a copy of it, in different
    /// files), the hits of the list that read it from the earliest file; the others are left out.
    /// They would change nothing else: the evidence names the first copy in input order, and these
    /// copies come later in it.
    static func firstReaders(_ lists: [[RuleHit]]) -> [[RuleHit]] {
        guard lists.lazy.filter({ !$0.isEmpty }).count > 1 else { return lists }
        var reader: [CopyKey: (list: Int, file: Int)] = [:]
        for (list, hits) in lists.enumerated() {
            for hit in hits {
                let key = CopyKey(request: hit.request, stage: hit.stage)
                if let known = reader[key], known.file <= hit.location.member.file { continue }
                reader[key] = (list, hit.location.member.file)
            }
        }
        return lists.enumerated().map { list, hits in
            let kept = hits.filter { reader[CopyKey(request: $0.request, stage: $0.stage)]?.list == list }
            // Nothing left out, the usual case: the list itself, not a copy.
            return kept.count == hits.count ? hits : kept
        }
    }

    /// Where one stage of one request was read.
    struct CopyKey: Hashable {
        var request: Fingerprint
        var stage: AuditStage
    }

    /// Per event read more than once, its copy that comes first in input order (file, archive member,
    /// line) among the dropped ones: which copy a worker kept depends on thread timing, the evidence
    /// must not.
    func firstCopies(_ duplicates: [[EventCopy]]) -> [CopyKey: HitLocation] {
        var first: [CopyKey: HitLocation] = [:]
        for copy in duplicates.joined() {
            let key = CopyKey(request: copy.request, stage: copy.stage)
            if let known = first[key], !precedes(copy.location, known) { continue }
            first[key] = copy.location
        }
        return first
    }

    /// Whether `lhs` comes before `rhs` in input order.
    private func precedes(_ lhs: HitLocation, _ rhs: HitLocation) -> Bool {
        (lhs.member.file, lhs.member.member, locate(lhs).line) < (rhs.member.file, rhs.member.member, locate(rhs).line)
    }

    /// The requests each rule matched: stages merged, matches the final stage withdrew left out.
    /// Evidence names each event's first copy in input order.
    ///
    /// - Parameter hitLists: taken apart: each hit is moved into its request, not copied (a copy
    ///   retains its summary and keys, which the other threads' hits share, and releases them after).
    func matchedRequests(_ hitLists: consuming [[RuleHit]], firstCopies: [CopyKey: HitLocation] = [:]) -> [MatchedRequest] {
        struct Key: Hashable {
            var rule: Int
            var request: Fingerprint

            // A fingerprint is already a keyed hash (see ``Fingerprint``): the rule is mixed into its
            // lane instead of running SipHash over both.
            private var lane: UInt64 { request.high &+ UInt64(rule) &* 0x9E37_79B9_7F4A_7C15 }
            func hash(into hasher: inout Hasher) { hasher.combine(lane) }
            func _rawHashValue(seed: Int) -> Int { Int(truncatingIfNeeded: lane ^ UInt64(UInt(bitPattern: seed))) }
        }
        // Merged in place in one array: copying these values in and out of a dictionary would copy
        // their evidence lists each time.
        let hitCount = hitLists.reduce(0) { $0 + $1.count }
        var indices: [Key: Int] = [:]
        indices.reserveCapacity(hitCount)
        var merged: [MatchedRequest] = []
        merged.reserveCapacity(hitCount)
        var fingerprints: [Fingerprint] = []
        fingerprints.reserveCapacity(hitCount)
        func add(_ hit: consuming RuleHit) {
            var location = hit.location
            if let copy = firstCopies[CopyKey(request: hit.request, stage: hit.stage)], precedes(copy, location) {
                location = copy
            }
            let key = Key(rule: hit.rule, request: hit.request)
            guard let index = indices[key] else {
                indices[key] = merged.count
                fingerprints.append(hit.request)
                merged.append(MatchedRequest(rule: hit.rule, summary: hit.summary, location: location, keys: hit.keys,
                                             latestStage: hit.stage))
                return
            }
            if hit.stage.order > merged[index].latestStage.order {
                var summary = hit.summary
                summary.absorb(merged[index].summary)
                merged[index].summary = summary
                merged[index].keys = hit.keys
                merged[index].latestStage = hit.stage
            } else {
                merged[index].summary.absorb(hit.summary)
            }
            merged[index].locations.append(.init(location: location, stage: hit.stage))
        }
        for list in hitLists.indices {
            while let hit = hitLists[list].popLast() { add(hit) }
        }
        // The request's most final stage decides: when a later stage was logged and the rule did not
        // match it (a denied exec, whose RequestReceived carries no response yet), the earlier match
        // is withdrawn. Rules that name the stage they want are taken at their word.
        let judged = merged.indices.filter { ruleSet.judgedOnFinalStage[merged[$0].rule] }
        let seen = stagesSeen(judged.map { (fingerprints[$0], merged[$0].summary.time) })
        let withdrawn = Set(zip(judged, seen).filter { index, stages in
            AuditStage.allCases.contains { stages & $0.rawValue != 0 && $0.order > merged[index].latestStage.order }
        }.map(\.0))
        // In arrival order, which depends on thread timing: everything downstream sorts what it
        // reports by content (findings in report order, correlation items by time and request),
        // so the kept ones are taken from the end, moved: swapping them into place copied both
        // sides of every swap.
        if withdrawn.isEmpty { return merged }
        var kept: [MatchedRequest] = []
        kept.reserveCapacity(merged.count - withdrawn.count)
        while let request = merged.popLast() {
            if !withdrawn.contains(merged.count) { kept.append(request) }
        }
        return kept
    }
}

extension AuditStage {
    /// Later stages know more (the response): they win when stages are merged.
    var order: Int {
        switch self {
        case .requestReceived: 0
        case .other: 1
        case .responseStarted: 2
        case .responseComplete: 3
        case .panic: 4
        }
    }
}

private func < (lhs: (Int, Int64, String, Finding.Evidence), rhs: (Int, Int64, String, Finding.Evidence)) -> Bool {
    if lhs.0 != rhs.0 { return lhs.0 < rhs.0 }
    if lhs.1 != rhs.1 { return lhs.1 < rhs.1 }
    if lhs.2 != rhs.2 { return lhs.2 < rhs.2 }
    return lhs.3 < rhs.3
}
