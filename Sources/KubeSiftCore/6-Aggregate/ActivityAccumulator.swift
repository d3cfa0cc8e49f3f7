#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts one worker's events into ``ActivityStats`` straight from the decoded bytes.
///
/// Each worker owns one; they are merged once at the end. Keys are interned per dimension in a
/// ``SpanTable``, so counting an event builds no `String`.
struct ActivityAccumulator {
    /// What one event adds to each of its request's dimensions.
    fileprivate struct Change {
        var requests: Int
        var denied: Int
        var time: Timestamp?
    }

    private struct Tally {
        var table: SpanTable
        var counts: [ActivityCount] = []
        var overflow = ActivityCount()

        /// Counts the change under the key and returns the key's index (``SpanTable/overflow`` past the limit).
        @inline(__always)
        mutating func count(_ start: UnsafeRawPointer, _ length: Int, _ change: Change) -> Int {
            let index = table.index(of: start, count: length)
            if index == SpanTable.overflow {
                overflow.apply(change)
                return index
            }
            if index == counts.count { counts.append(ActivityCount()) }
            counts[index].apply(change)
            return index
        }
    }

    /// The dimensions kept in byte tables; response codes are integers and counted apart.
    static let keyedDimensions: [ActivityDimension] = [
        .user, .serviceAccount, .sourceIP, .namespace, .resource, .verb, .userAgent,
    ]

    private var tallies: [Tally]
    /// Per resource key (by its index in the resource tally), requests by audit level.
    private var resourceLevels: [LevelCounts] = []
    private var overflowLevels = LevelCounts()
    /// Per resource and verb (their indices in their tallies, packed), requests by audit level.
    private var verbLevels: [Int: LevelCounts] = [:]
    private var codes: [Int: ActivityCount] = [:]
    private var hourly: [Int64: HourlyCount] = [:]
    /// The hour the last events fell in, counted here until another comes: a chunk's events are
    /// nearly all in one hour, and looking it up per event was a tenth of this type's time.
    private var currentHour: (start: Int64, count: HourlyCount)?
    private var scratch: [UInt8] = []
    private var unescaped: [UInt8] = []
    /// Shard mode: keep ``lastKeys`` for each new request.
    var logsKeys = false
    /// The keys the last new request was counted under, when ``logsKeys`` is set.
    private(set) var lastKeys = DimensionKeys()

    /// How many distinct values one dimension keeps before counting the rest under `(other)`.
    static let defaultKeyLimit = 250_000

    init(seeds: HashSeeds, keyLimit: Int = defaultKeyLimit) {
        tallies = Self.keyedDimensions.map { _ in Tally(table: SpanTable(seed: seeds.table, limit: keyLimit)) }
    }

    /// Counts one deduplicated event: its request's dimensions when it opens a new request, and the
    /// change to the request's response (see ``ResponseUpdate``) in codes and denials.
    mutating func record(_ event: ScannedEvent, base: UnsafePointer<UInt8>, time: Timestamp?, newRequest: Bool,
                         response: ResponseUpdate)
    {
        var deniedChange = 0
        switch response {
        case .none:
            break
        case let .count(code):
            countCode(code, by: 1)
            deniedChange = Self.isDenied(code) ? 1 : 0
        case let .replace(old, new):
            countCode(old, by: -1)
            countCode(new, by: 1)
            deniedChange = (Self.isDenied(new) ? 1 : 0) - (Self.isDenied(old) ? 1 : 0)
        }
        guard newRequest || deniedChange != 0 else { return }
        let requests = newRequest ? 1 : 0
        if let time {
            let start = time.hourStart.microseconds
            if currentHour?.start != start {
                if let done = currentHour { hourly[done.start, default: HourlyCount()].merge(done.count) }
                currentHour = (start, HourlyCount())
            }
            currentHour!.count.requests += requests
            currentHour!.count.denied += deniedChange
        }
        let change = Change(requests: requests, denied: deniedChange, time: time)
        var keys = DimensionKeys()
        keys[0] = count(0, event.username, base: base, change, absent: "(unknown)")
        if event.username.isPresent {
            let prefix: StaticString = "system:serviceaccount:"
            let prefixLength = prefix.utf8CodeUnitCount
            if !event.username.escaped, event.username.count > prefixLength,
               memcmp(base + event.username.start, prefix.utf8Start, prefixLength) == 0 {
                var account = event.username
                account.start += prefixLength
                keys[1] = count(1, account, base: base, change, absent: nil)
            }
        }
        keys[2] = count(2, event.firstSourceIP, base: base, change, absent: nil)
        keys[3] = count(3, event.namespace, base: base, change, absent: nil)
        keys[5] = count(5, event.verb, base: base, change, absent: "(none)")
        keys[4] = countResource(event, base: base, change, newRequest: newRequest, verb: keys[5])
        keys[6] = count(6, event.userAgent, base: base, change, absent: "(none)")
        if logsKeys && newRequest { lastKeys = keys }
    }

    /// 401 Unauthorized and 403 Forbidden: the requests the report calls denied.
    static func isDenied(_ code: Int?) -> Bool { code == 401 || code == 403 }

    /// Response codes keep no first and last seen: a request's code can move from one stage's to a
    /// later one's, and the times of a code it moved away from would depend on thread timing.
    private mutating func countCode(_ code: Int?, by delta: Int) {
        guard let code else { return }
        // Changed in place: one lookup, not a read and a write.
        codes[code, default: ActivityCount()].countResponse(delta, denied: Self.isDenied(code))
    }

    /// - Returns: the key's ``DimensionKeys`` entry.
    @inline(__always)
    private mutating func count(_ dimension: Int, _ span: StringSpan, base: UnsafePointer<UInt8>, _ change: Change,
                                absent: StaticString?) -> Int32
    {
        let index: Int
        if !span.isPresent {
            guard let absent else { return DimensionKeys.none }
            index = tallies[dimension].count(absent.utf8Start, absent.utf8CodeUnitCount, change)
        } else if span.escaped {
            JSONText.unescape(base + span.start, span.count, into: &unescaped)
            index = unescaped.withUnsafeBytes { tallies[dimension].count($0.baseAddress ?? UnsafeRawPointer(base), $0.count, change) }
        } else {
            index = tallies[dimension].count(base + span.start, span.count, change)
        }
        return DimensionKeys.entry(index)
    }

    /// The event's audit level; nil when it has none or one this tool does not know.
    @inline(__always)
    static func level(of event: ScannedEvent, base: UnsafePointer<UInt8>) -> AuditLevel? {
        let span = event.level
        guard span.isPresent, !span.escaped else { return nil }
        let scanner = JSONScanner(base: base, start: 0, end: 0)
        if scanner.equals(span, "Metadata") { return .metadata }
        if scanner.equals(span, "RequestResponse") { return .requestResponse }
        if scanner.equals(span, "Request") { return .request }
        return nil
    }

    /// Resources are named as Kubernetes names them: `pods`, `pods/exec`, `deployments.apps`,
    /// `deployments.apps/scale`; requests to non-resource URLs by their path (`/healthz`).
    /// A new request is also counted under the audit level it was logged at, per resource and per
    /// resource and verb.
    private mutating func countResource(_ event: ScannedEvent, base: UnsafePointer<UInt8>, _ change: Change,
                                        newRequest: Bool, verb: Int32) -> Int32
    {
        scratch.removeAll(keepingCapacity: true)
        func append(_ span: StringSpan) {
            if span.escaped {
                JSONText.unescape(base + span.start, span.count, into: &unescaped)
                scratch.append(contentsOf: unescaped)
            } else {
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + span.start, count: span.count))
            }
        }
        if event.resource.isPresent {
            append(event.resource)
            if event.apiGroup.isPresent && event.apiGroup.count > 0 {
                scratch.append(UInt8(ascii: "."))
                append(event.apiGroup)
            }
            if event.subresource.isPresent && event.subresource.count > 0 {
                scratch.append(UInt8(ascii: "/"))
                append(event.subresource)
            }
        } else if event.requestURI.isPresent {
            append(event.requestURI)
            if let query = scratch.firstIndex(of: UInt8(ascii: "?")) { scratch.removeSubrange(query...) }
        } else {
            return DimensionKeys.none
        }
        let index = scratch.withUnsafeBytes { tallies[4].count($0.baseAddress!, $0.count, change) }
        // One entry per key of the table, also for a key first seen in a request another worker
        // counted: the indices of later keys must still match.
        if index == resourceLevels.count { resourceLevels.append(LevelCounts()) }
        guard newRequest else { return DimensionKeys.entry(index) }
        let level = Self.level(of: event, base: base)
        if index == SpanTable.overflow {
            overflowLevels.add(level)
        } else {
            resourceLevels[index].add(level)
            if verb >= 0 { verbLevels[index << 32 | Int(verb), default: LevelCounts()].add(level) }
        }
        return DimensionKeys.entry(index)
    }

    /// Per dimension, the texts of the keys counted (masked like ``stats()`` masks them), by index.
    func keyTexts() -> [[String]] {
        tallies.map { tally in (0..<tally.counts.count).map { SecretScrubber.scrub(tally.table.key(at: $0)) } }
    }

    /// The counts so far, keyed by text. A key that looks like a credential (a token sent as a user
    /// agent) is masked, and keys masked alike are counted together.
    func stats() -> ActivityStats {
        var stats = ActivityStats()
        for (position, dimension) in Self.keyedDimensions.enumerated() {
            let tally = tallies[position]
            var values: [String: ActivityCount] = [:]
            for index in 0..<tally.counts.count {
                values[SecretScrubber.scrub(tally.table.key(at: index)), default: ActivityCount()].merge(tally.counts[index])
            }
            if tally.overflow != ActivityCount() {
                values["(other)", default: ActivityCount()].merge(tally.overflow)
                stats.overflowed[dimension] = tally.overflow.requests
            }
            if !values.isEmpty { stats.dimensions[dimension] = values }
        }
        let resources = tallies[4].table
        for index in resourceLevels.indices where resourceLevels[index] != LevelCounts() {
            stats.levels[SecretScrubber.scrub(resources.key(at: index)), default: LevelCounts()].merge(resourceLevels[index])
        }
        if overflowLevels != LevelCounts() { stats.levels["(other)", default: LevelCounts()].merge(overflowLevels) }
        let verbs = tallies[5].table
        for (key, counts) in verbLevels {
            stats.verbLevels[SecretScrubber.scrub(resources.key(at: key >> 32)), default: [:]][
                SecretScrubber.scrub(verbs.key(at: key & 0xFFFF_FFFF)), default: LevelCounts()].merge(counts)
        }
        if !codes.isEmpty {
            stats.dimensions[.responseCode] = Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) })
        }
        for (hour, count) in hourly { stats.hourly[Timestamp(microseconds: hour)] = count }
        if let current = currentHour {
            stats.hourly[Timestamp(microseconds: current.start), default: HourlyCount()].merge(current.count)
        }
        return stats
    }
}

private extension ActivityCount {
    mutating func countResponse(_ delta: Int, denied: Bool) {
        requests += delta
        if denied { self.denied += delta }
    }

    mutating func apply(_ change: ActivityAccumulator.Change) {
        requests += change.requests
        denied += change.denied
        if change.requests > 0 { see(change.time) }
    }
}

/// The key a request was counted under in each of ``ActivityAccumulator/keyedDimensions``: an index
/// into the worker's key table, ``none`` or ``overflow``.
struct DimensionKeys: Sendable, Equatable {
    private var indices = SIMD8<Int32>(repeating: DimensionKeys.none)

    /// Not counted in the dimension (no service account, no source IP).
    static let none: Int32 = -1
    /// Counted under `(other)`, past the table's limit.
    static let overflow: Int32 = -2

    static func entry(_ index: Int) -> Int32 { index == SpanTable.overflow ? overflow : Int32(index) }

    subscript(dimension: Int) -> Int32 {
        get { indices[dimension] }
        set { indices[dimension] = newValue }
    }
}
