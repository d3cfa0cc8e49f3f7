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
        self.rule = rule
        self.summary = summary
        locations = Locations(first: StageLocation(location: location, stage: latestStage))
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

    /// - Parameters:
    ///   - hits: every worker's hits, a list per worker.
    ///   - duplicates: every worker's dropped copies of events, a list per worker.
    func assemble(_ hits: [[RuleHit]], duplicates: [[EventCopy]] = []) -> [Finding] {
        assemble(hits, duplicates: duplicates, carried: []).findings
    }

    /// - Parameters:
    ///   - carried: requests an earlier run matched that correlations still count (their windows
    ///     were open when it ended); they make no finding of their own.
    ///   - keepsCorrelated: whether to return the correlated requests (only a run that keeps a
    ///     state carries them on; the copy is the largest thing assembly holds).
    /// - Returns: the findings, and every request correlations count (carried ones included), for
    ///   the caller to keep those whose windows are still open; none unless `keepsCorrelated`.
    func assemble(_ hits: [[RuleHit]], duplicates: [[EventCopy]], carried: [MatchedRequest], keepsCorrelated: Bool = true)
        -> (findings: [Finding], correlated: [MatchedRequest])
    {
        let firstCopies = firstCopies(duplicates)
        // Requests are independent until correlations: each share of them (by fingerprint, so the
        // shares are even) is merged on its own thread, and the shares are put together in share
        // order, whichever finishes first.
        let shares = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        // The shares stay where they were merged: a request is a large value to copy, and there are many.
        var requests = JoinedArrays(concurrentMap(shares) { share in
            matchedRequests(hits, firstCopies: firstCopies) { $0.low % UInt64(shares) == UInt64(share) }
        })
        let newRequests = requests.count
        if !carried.isEmpty {
            // A request read again (a full re-run) is counted once.
            let readKeys = Set(requests.map { "\($0.rule) \($0.summary.auditID)" })
            requests.append(carried.filter { !readKeys.contains("\($0.rule) \($0.summary.auditID)") })
        }
        var findings: [Finding] = []
        for position in 0..<newRequests where ruleSet.generatesFindings[requests[position].rule] {
            let request = requests[position]
            let metadata = ruleSet.detections[request.rule].metadata
            var evidence = request.allEvidence(evidence(of:stage:auditID:)).sorted()
            let omitted = max(0, evidence.count - Finding.evidenceLimit)
            evidence = Array(evidence.prefix(Finding.evidenceLimit))
            findings.append(Finding(
                rule: .init(metadata), kind: .request, firstSeen: request.summary.time, lastSeen: request.summary.time,
                count: 1, auditIDs: [request.summary.auditID], request: request.summary, evidence: evidence,
                evidenceOmitted: omitted > 0 ? omitted : nil))
        }
        // Each correlation reads only the requests of its own base rules.
        let perCorrelation = requests.indices.reduce(into: [[Int]](repeating: [], count: ruleSet.correlations.count)) {
            lists, position in
            for key in requests[position].keys where lists[key.correlation].last != position {
                lists[key.correlation].append(position)
            }
        }
        findings += concurrentMap(ruleSet.correlations.count) { [requests] index in
            Correlator(correlation: ruleSet.correlations[index], index: index, evidence: evidence(of:stage:auditID:))
                .findings(in: requests, positions: perCorrelation[index])
        }.joined()
        return (Finding.identified(Finding.inReportOrder(findings)),
                keepsCorrelated ? requests.filter { !$0.keys.isEmpty }.map { $0.named(evidence(of:stage:auditID:)) } : [])
    }

    /// A location as evidence: file, member, line and the file's digest.
    @Sendable func evidence(of location: HitLocation, stage: AuditStage, auditID: String) -> Finding.Evidence {
        let place = locate(location)
        return Finding.Evidence(file: place.file, member: place.member, line: place.line, sha256: place.sha256,
                                auditID: auditID, stage: stage.name)
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

    /// The requests each rule matched (of the requests `includes` takes): stages merged, matches the
    /// final stage withdrew left out. Evidence names each event's first copy in input order.
    func matchedRequests(_ hitLists: [[RuleHit]], firstCopies: [CopyKey: HitLocation] = [:],
                         of includes: (Fingerprint) -> Bool = { _ in true }) -> [MatchedRequest] {
        struct Key: Hashable {
            var rule: Int
            var request: Fingerprint
        }
        // Merged in place in one array: copying these values in and out of a dictionary would copy
        // their evidence lists each time.
        var indices: [Key: Int] = [:]
        var merged: [MatchedRequest] = []
        var fingerprints: [Fingerprint] = []
        func add(_ hit: RuleHit) {
            var location = hit.location
            if let copy = firstCopies[CopyKey(request: hit.request, stage: hit.stage)], precedes(copy, location) {
                location = copy
            }
            let key = Key(rule: hit.rule, request: hit.request)
            guard let index = indices[key] else {
                indices[key] = merged.count
                merged.append(MatchedRequest(rule: hit.rule, summary: hit.summary, location: location, keys: hit.keys,
                                             latestStage: hit.stage))
                fingerprints.append(hit.request)
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
        // By index: a hit of another share is skipped without copying it.
        for hits in hitLists {
            for position in hits.indices where includes(hits[position].request) {
                add(hits[position])
            }
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
        // reports by content (findings in report order, correlation items by time and request).
        if withdrawn.isEmpty { return merged }
        return merged.indices.filter { !withdrawn.contains($0) }.map { merged[$0] }
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
