/// Evaluates one correlation rule over every request its base rules matched.
///
/// Requests are grouped by the group-by values and ordered by the time they were received. For
/// conditions that more requests can only satisfy (`gt`, `gte`) a window of `timespan` slides over
/// each group, and windows in which the condition holds that share a request form one episode: one finding,
/// however long the attack lasted. Other conditions (`lt`, `eq`, …) are tested on fixed windows
/// starting at the group's first request.
struct Correlator {
    let correlation: RuleSet.ResolvedCorrelation
    let index: Int
    /// Names where a request's stages were read.
    let evidence: MatchedRequest.Namer

    /// One base-rule match as the correlation counts it; `request` indexes the matched requests.
    /// Plain values only: items are sorted and slid over, and a text in each was retained and
    /// released at every move.
    private struct Item {
        var time: Int64
        var slot: Int32
        /// The counted value's number among those of one ``findings(in:positions:counts:openAfter:)``
        /// call; ``noValue`` when the correlation counts events or the request has none.
        var value: Int32
        var request: Int
    }

    private static let noValue: Int32 = -1

    /// A group's texts or a counted value, looked up by the hash its key carries
    /// (``CorrelationKey/groupHash``, ``CorrelationKey/valueHash``).
    private struct Prehashed<Content: Equatable>: Hashable {
        var content: Content
        var hash: Int

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
        // Already a seeded hash: mixed with the table's seed, not hashed again.
        func _rawHashValue(seed: Int) -> Int { hash ^ seed }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.hash == rhs.hash && lhs.content == rhs.content }
    }

    /// - Parameters:
    ///   - positions: the indices in `requests` of the requests this correlation counts.
    ///   - counts: whether a key of this correlation is counted here (its group's partition).
    ///   - openAfter: a time (microseconds); the requests of episodes that end at or after it are
    ///     returned in `open`.
    func findings(in requests: JoinedArrays<MatchedRequest>, positions: [Int], counts: (CorrelationKey) -> Bool = { _ in true },
                  openAfter: Int64? = nil) -> (findings: [Finding], open: [Int])
    {
        var groups: [Prehashed<[String]>: [Item]] = [:]
        var valueNumbers: [Prehashed<String>: Int32] = [:]
        for position in positions {
            guard let time = requests[position].summary.time?.microseconds else { continue }
            for key in requests[position].keys where key.correlation == index && counts(key) {
                var value = Self.noValue
                if let text = key.value {
                    let counted = Prehashed(content: text, hash: key.valueHash)
                    if let known = valueNumbers[counted] {
                        value = known
                    } else {
                        value = Int32(valueNumbers.count)
                        valueNumbers[counted] = value
                    }
                }
                let item = Item(time: time, slot: Int32(key.slot), value: value, request: position)
                groups[Prehashed(content: key.group, hash: key.groupHash), default: []].append(item)
            }
        }
        var findings: [Finding] = []
        var open: [Int] = []
        // One window for every group, emptied after each: its counts per value are as many as there
        // are values in all groups.
        var window = WindowState(slots: correlation.baseRules.count, values: valueNumbers.count)
        for group in groups.keys.sorted(by: { $0.content.lexicographicallyPrecedes($1.content) }) {
            let items = groups[group]!.sorted { lhs, rhs in
                if lhs.time != rhs.time { return lhs.time < rhs.time }
                // At one instant (rare), by audit ID, then base rule, then where the request was read.
                let left = requests[lhs.request].summary.auditID, right = requests[rhs.request].summary.auditID
                if left != right { return left < right }
                if lhs.slot != rhs.slot { return lhs.slot < rhs.slot }
                return requests[lhs.request].allEvidence(evidence).min()! < requests[rhs.request].allEvidence(evidence).min()!
            }
            for episode in episodes(items, window: &window) {
                findings.append(finding(group: group.content, items: items[episode], requests: requests))
                if let openAfter, items[episode.upperBound].time >= openAfter { open += items[episode].map(\.request) }
            }
        }
        return (findings, open)
    }

    /// Index ranges of `items` that form episodes. `window` is empty, and left empty.
    private func episodes(_ items: [Item], window: inout WindowState) -> [ClosedRange<Int>] {
        let rule = correlation.rule
        guard rule.comparison.growsWithCount || rule.kind == .temporal || rule.kind == .temporalOrdered else {
            return fixedWindows(items, window: &window)
        }
        var episodes: [ClosedRange<Int>] = []
        var left = 0
        defer { for item in items[left...] { window.remove(item) } }
        for right in items.indices {
            window.add(items[right])
            while items[right].time - items[left].time >= rule.timespan {
                window.remove(items[left])
                left += 1
            }
            let holds: Bool
            switch rule.kind {
            case .eventCount: holds = rule.comparison.holds(Double(window.count), rule.threshold)
            case .valueCount: holds = rule.comparison.holds(Double(window.distinctValues), rule.threshold)
            case .temporal: holds = window.slotsSeen >= Int(rule.threshold)
            case .temporalOrdered:
                holds = items[right].slot == Int32(correlation.baseRules.count - 1)
                    && Self.inOrder(items[left...right], slots: correlation.baseRules.count)
            }
            guard holds else { continue }
            if let last = episodes.last, left <= last.upperBound {
                episodes[episodes.count - 1] = min(last.lowerBound, left)...right
            } else {
                episodes.append(left...right)
            }
        }
        return episodes
    }

    private func fixedWindows(_ items: [Item], window: inout WindowState) -> [ClosedRange<Int>] {
        let rule = correlation.rule
        guard let first = items.first?.time else { return [] }
        var ranges: [ClosedRange<Int>] = []
        var start = 0
        while start < items.count {
            let bucket = (items[start].time - first) / rule.timespan
            var end = start
            while end + 1 < items.count, (items[end + 1].time - first) / rule.timespan == bucket { end += 1 }
            for item in items[start...end] { window.add(item) }
            let measure = rule.kind == .valueCount ? window.distinctValues : window.count
            if rule.comparison.holds(Double(measure), rule.threshold) { ranges.append(start...end) }
            for item in items[start...end] { window.remove(item) }
            start = end + 1
        }
        return ranges
    }

    /// Whether the base rules occur in their listed order within `items`.
    private static func inOrder(_ items: ArraySlice<Item>, slots: Int) -> Bool {
        var next: Int32 = 0
        for item in items where item.slot == next {
            next += 1
            if next == Int32(slots) { return true }
        }
        return false
    }

    private struct WindowState {
        var count = 0
        /// By value number (they run from 0), how many of the window's items have it.
        var valueCounts: [Int]
        var distinctValues = 0
        var slotCounts: [Int]

        init(slots: Int, values: Int) {
            slotCounts = [Int](repeating: 0, count: slots)
            valueCounts = [Int](repeating: 0, count: values)
        }

        var slotsSeen: Int { slotCounts.count { $0 > 0 } }

        mutating func add(_ item: Item) {
            count += 1
            slotCounts[Int(item.slot)] += 1
            guard item.value != Correlator.noValue else { return }
            valueCounts[Int(item.value)] += 1
            if valueCounts[Int(item.value)] == 1 { distinctValues += 1 }
        }

        mutating func remove(_ item: Item) {
            count -= 1
            slotCounts[Int(item.slot)] -= 1
            guard item.value != Correlator.noValue else { return }
            valueCounts[Int(item.value)] -= 1
            if valueCounts[Int(item.value)] == 0 { distinctValues -= 1 }
        }
    }

    private func finding(group: [String], items: ArraySlice<Item>, requests: JoinedArrays<MatchedRequest>) -> Finding {
        let rule = correlation.rule
        var groupValues: [String: String] = [:]
        // Grouped on the raw values; written scrubbed, like every other log text in a finding.
        for (field, value) in zip(rule.groupBy, group) { groupValues[field] = SecretScrubber.scrub(value) }
        var seen = Set<String>(minimumCapacity: items.count)
        var auditIDs: [String] = []
        var evidence: [Finding.Evidence] = []
        var evidenceTotal = 0
        var users = Set<String>()
        var sourceIPs = Set<String>()
        // Requests read where they lie (a copy of each is counted), and the user and addresses added
        // only when they differ from the last request's: a busy group repeats one client for thousands.
        var lastUser: String?
        var lastSourceIPs: [String] = []
        for item in items {
            let auditID = requests[item.request].summary.auditID
            guard seen.insert(auditID).inserted else { continue }
            auditIDs.append(auditID)
            if evidence.count < Finding.evidenceLimit { requests[item.request].appendEvidence(to: &evidence, self.evidence) }
            evidenceTotal += requests[item.request].evidenceCount
            if let user = requests[item.request].summary.username, user != lastUser {
                users.insert(user)
                lastUser = user
            }
            if requests[item.request].summary.sourceIPs != lastSourceIPs {
                lastSourceIPs = requests[item.request].summary.sourceIPs
                sourceIPs.formUnion(lastSourceIPs)
            }
        }
        let omitted = max(0, evidenceTotal - Finding.evidenceLimit)
        return Finding(
            rule: correlation.reference, kind: .correlation,
            firstSeen: Timestamp(microseconds: items.first!.time), lastSeen: Timestamp(microseconds: items.last!.time),
            count: auditIDs.count, auditIDs: auditIDs, request: requests[items.first!.request].summary,
            group: groupValues.isEmpty ? nil : groupValues,
            distinctValues: rule.kind == .valueCount ? Set(items.lazy.map(\.value).filter { $0 != Self.noValue }).count : nil,
            users: users.sorted(), sourceIPs: sourceIPs.sorted(), evidence: Array(evidence.prefix(Finding.evidenceLimit)),
            evidenceOmitted: omitted > 0 ? omitted : nil)
    }
}
