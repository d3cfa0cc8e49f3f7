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
    private struct Tally {
        var table: SpanTable
        var counts: [ActivityCount] = []
        var overflow = ActivityCount()

        @inline(__always)
        mutating func count(_ start: UnsafeRawPointer, _ length: Int, time: Timestamp?, request: Bool, denied: Bool) {
            let index = table.index(of: start, count: length)
            if index == SpanTable.overflow {
                if request { overflow.requests += 1 }
                if denied { overflow.denied += 1 }
                overflow.see(time)
                return
            }
            if index == counts.count { counts.append(ActivityCount()) }
            if request {
                counts[index].requests += 1
                counts[index].see(time)
            }
            if denied { counts[index].denied += 1 }
        }
    }

    /// The dimensions kept in byte tables; response codes are integers and counted apart.
    private static let keyedDimensions: [ActivityDimension] = [
        .user, .serviceAccount, .sourceIP, .namespace, .resource, .verb, .userAgent,
    ]

    private var tallies: [Tally]
    private var codes: [Int: ActivityCount] = [:]
    private var hourly: [Int64: HourlyCount] = [:]
    private var scratch: [UInt8] = []
    private var unescaped: [UInt8] = []

    /// How many distinct values one dimension keeps before counting the rest under `(other)`.
    static let defaultKeyLimit = 250_000

    init(seeds: HashSeeds, keyLimit: Int = defaultKeyLimit) {
        tallies = Self.keyedDimensions.map { _ in Tally(table: SpanTable(seed: seeds.table, limit: keyLimit)) }
    }

    /// Counts one deduplicated event: its request's dimensions when it opens a new request, its
    /// response code and denial when it is the first of the request's stages to carry the response
    /// (kube-apiserver writes the same code into `ResponseStarted` and `ResponseComplete`).
    mutating func record(_ event: ScannedEvent, base: UnsafePointer<UInt8>, time: Timestamp?, stage: AuditStage,
                         newRequest: Bool, firstResponse: Bool)
    {
        let code = firstResponse ? event.responseCode : nil
        let denied = code == 401 || code == 403
        if let code {
            codes[code, default: ActivityCount()].requests += 1
            codes[code, default: ActivityCount()].see(time)
            if denied { codes[code, default: ActivityCount()].denied += 1 }
        }
        guard newRequest || denied else { return }
        if let time {
            var hour = hourly[time.hourStart.microseconds, default: HourlyCount()]
            if newRequest { hour.requests += 1 }
            if denied { hour.denied += 1 }
            hourly[time.hourStart.microseconds] = hour
        }
        count(0, event.username, base: base, time: time, request: newRequest, denied: denied, absent: "(unknown)")
        if event.username.isPresent {
            let prefix: StaticString = "system:serviceaccount:"
            let prefixLength = prefix.utf8CodeUnitCount
            if !event.username.escaped, event.username.count > prefixLength,
               memcmp(base + event.username.start, prefix.utf8Start, prefixLength) == 0 {
                var account = event.username
                account.start += prefixLength
                count(1, account, base: base, time: time, request: newRequest, denied: denied, absent: nil)
            }
        }
        count(2, event.firstSourceIP, base: base, time: time, request: newRequest, denied: denied, absent: nil)
        count(3, event.namespace, base: base, time: time, request: newRequest, denied: denied, absent: nil)
        countResource(event, base: base, time: time, request: newRequest, denied: denied)
        count(5, event.verb, base: base, time: time, request: newRequest, denied: denied, absent: "(none)")
        count(6, event.userAgent, base: base, time: time, request: newRequest, denied: denied, absent: "(none)")
    }

    @inline(__always)
    private mutating func count(_ dimension: Int, _ span: StringSpan, base: UnsafePointer<UInt8>, time: Timestamp?,
                                request: Bool, denied: Bool, absent: StaticString?)
    {
        if !span.isPresent {
            guard let absent else { return }
            tallies[dimension].count(absent.utf8Start, absent.utf8CodeUnitCount, time: time, request: request,
                                     denied: denied)
        } else if span.escaped {
            JSONText.unescape(base + span.start, span.count, into: &unescaped)
            unescaped.withUnsafeBytes {
                tallies[dimension].count($0.baseAddress ?? UnsafeRawPointer(base), $0.count, time: time,
                                         request: request, denied: denied)
            }
        } else {
            tallies[dimension].count(base + span.start, span.count, time: time, request: request, denied: denied)
        }
    }

    /// Resources are named as Kubernetes names them: `pods`, `pods/exec`, `deployments.apps`,
    /// `deployments.apps/scale`; requests to non-resource URLs by their path (`/healthz`).
    private mutating func countResource(_ event: ScannedEvent, base: UnsafePointer<UInt8>, time: Timestamp?,
                                        request: Bool, denied: Bool)
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
            return
        }
        scratch.withUnsafeBytes {
            tallies[4].count($0.baseAddress!, $0.count, time: time, request: request, denied: denied)
        }
    }

    /// The counts so far, keyed by text.
    func stats() -> ActivityStats {
        var stats = ActivityStats()
        for (position, dimension) in Self.keyedDimensions.enumerated() {
            let tally = tallies[position]
            var values: [String: ActivityCount] = [:]
            for index in 0..<tally.counts.count {
                values[tally.table.key(at: index), default: ActivityCount()].merge(tally.counts[index])
            }
            if tally.overflow.requests > 0 || tally.overflow.denied > 0 {
                values["(other)", default: ActivityCount()].merge(tally.overflow)
                stats.overflowed[dimension] = tally.overflow.requests
            }
            if !values.isEmpty { stats.dimensions[dimension] = values }
        }
        if !codes.isEmpty {
            stats.dimensions[.responseCode] = Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) })
        }
        for (hour, count) in hourly { stats.hourly[Timestamp(microseconds: hour)] = count }
        return stats
    }
}

