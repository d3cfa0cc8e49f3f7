/// What the events say about the log itself, per cluster: where it has holes, whether its clocks
/// can be trusted, whether its records carry what PCI DSS 10.2.2 asks of them, and how many days
/// it covers (10.5.1). Computed in the same pass as everything else.
package struct CompletenessResult: Sendable, Encodable, Equatable {
    package var clusters: [ClusterCompleteness]
    /// What an audit log cannot show of its own completeness, said once.
    package var limits: [String]

    package static let limitsText = [
        "An audit event does not name the API server that wrote it, so the clocks of two API servers can only be told apart "
            + "when each server's log is its own input: compare their first and last events in the evidence inventory. "
            + "A request is logged by the one server that handled it, so no request appears in two servers' logs to compare.",
        "Lease renewals (coordination.k8s.io) carry the renewing clock's time in their body, which is logged at Request level "
            + "only, and are not compared with the server's receive time by this version.",
        "A gap is a stretch without any event; whether the cluster was idle, the API server down or its log lost cannot be "
            + "told from the log alone. A busy cluster is never idle: its controllers renew leases every few seconds.",
    ]
}

/// One cluster's completeness.
package struct ClusterCompleteness: Sendable, Encodable, Equatable {
    /// The cluster's label, or nil for inputs without one.
    package var cluster: String?
    /// Events read in the window, copies included (see ``FieldTally``).
    package var eventsRead: Int
    /// The first and the last event received: where logging starts and stops in what was read.
    package var started: Boundary?
    package var stopped: Boundary?
    package var gapThreshold: GapThreshold
    /// Every stretch longer than the threshold without an event, in time order (at most ``gapsListed``).
    package var gaps: [Gap]
    package var gapCount: Int
    /// Microseconds of all the gaps.
    package var gapTotal: Int64
    package var clock: ClockAnomalies
    package var fields: [FieldCoverage]
    package var retention: Retention

    package static let gapsListed = 100

    package struct Boundary: Sendable, Encodable, Equatable {
        package var time: Timestamp
        package var at: EventProvenance
    }

    package struct GapThreshold: Sendable, Encodable, Equatable {
        package var microseconds: Int64
        /// `learned` from the cluster's own rate, or `given` by `--gap`.
        package var source: String
        /// How it was learned or given, in a sentence.
        package var basis: String
    }

    package struct Gap: Sendable, Encodable, Equatable {
        package var from: Timestamp
        package var to: Timestamp
        package var microseconds: Int64
        /// The last event before the gap; nil when the gap opens the window.
        package var lastBefore: EventProvenance?
        /// The first event after the gap; nil when the gap closes the window.
        package var firstAfter: EventProvenance?
    }

    package struct ClockAnomalies: Sendable, Encodable, Equatable {
        /// Events whose `stageTimestamp` is before their `requestReceivedTimestamp`.
        package var stageBeforeRequest: Anomaly
        /// Events written (by `stageTimestamp`) more than a minute before the event before them in the same file.
        package var outOfOrder: Anomaly
    }

    package struct Anomaly: Sendable, Encodable, Equatable {
        package var count: Int
        /// Microseconds.
        package var largest: Int64
        package var examples: [Example]

        package struct Example: Sendable, Encodable, Equatable {
            package var at: EventProvenance
            package var microseconds: Int64
        }
    }

    /// One element of PCI DSS 10.2.2: the share of events that carry it.
    package struct FieldCoverage: Sendable, Encodable, Equatable {
        package var element: String
        /// The fields of the audit event that provide it.
        package var fields: [String]
        package var events: Int
        package var of: Int
    }

    package struct Retention: Sendable, Encodable, Equatable {
        /// The end of the window, or the last event when the window has none.
        package var end: Timestamp?
        /// UTC days with at least one event in the 365 and the 90 days before `end`.
        package var daysCoveredOf365: Int
        package var daysCoveredOf90: Int
        package var firstDay: String?
    }
}

extension CompletenessResult {
    /// Puts the workers' tallies together. `locate` turns a location into file, member and line.
    static func assemble(_ tally: CompletenessAccumulator, clusters names: [String?], window: TimeWindow,
                         gapThreshold given: Int64?, locate: (EventLocation) -> EventProvenance) -> CompletenessResult
    {
        let stepsBack = Self.stepsBack(tally.chunks, clusterOfFile: tally.clusterOfFile)
        let end = window.until ?? tally.clusters.compactMap { $0.minutes.values.map(\.last.time).max() }.max()
            .map { Timestamp(microseconds: $0 + 1) }
        let clusters = names.indices.compactMap { index -> ClusterCompleteness? in
            let cluster = tally.clusters[index]
            guard !cluster.minutes.isEmpty else { return nil }
            return ClusterCompleteness.assemble(
                cluster, name: names[index], window: window, end: end, given: given,
                outOfOrder: stepsBack[index] ?? AnomalyTally(), locate: locate)
        }
        return CompletenessResult(clusters: clusters.sorted { ($0.cluster ?? "") < ($1.cluster ?? "") }, limits: limitsText)
    }

    /// Each cluster's steps back, with chunks put end to end in their files: a chunk's first event
    /// is compared with the last of the chunk before it.
    private static func stepsBack(_ chunks: [MemberKey: [Int: ChunkOrder]], clusterOfFile: [Int]) -> [Int: AnomalyTally] {
        var byCluster: [Int: AnomalyTally] = [:]
        for (member, sequence) in chunks {
            var tally = AnomalyTally()
            var previous: Int64?
            for index in sequence.keys.sorted() {
                let chunk = sequence[index]!
                tally.merge(chunk.stepsBack)
                if let first = chunk.first, let before = previous, first.time < before - CompletenessAccumulator.outOfOrderTolerance {
                    tally.note(first.location, skew: before - first.time)
                }
                previous = chunk.last ?? previous
            }
            byCluster[clusterOfFile[member.file], default: AnomalyTally()].merge(tally)
        }
        return byCluster
    }
}

extension ClusterCompleteness {
    /// A learned threshold is the time in which the cluster's median hour with events would have
    /// logged this many events; never under a minute (the resolution gaps are found at).
    static let eventsPerThreshold: Int64 = 20
    package static let shortestThreshold: Int64 = 60_000_000

    fileprivate static func assemble(_ tally: ClusterCompletenessTally, name: String?, window: TimeWindow, end: Timestamp?,
                                     given: Int64?, outOfOrder: AnomalyTally, locate: (EventLocation) -> EventProvenance)
        -> ClusterCompleteness
    {
        let minutes = tally.minutes.keys.sorted()
        let buckets = minutes.map { tally.minutes[$0]! }
        // Gaps are found between minutes with events: a shorter threshold could not be honoured.
        let threshold = given.map { max($0, shortestThreshold) }.map {
            GapThreshold(microseconds: $0, source: "given", basis: "set by --gap \(TimeWindow.durationText($0))")
        } ?? learnedThreshold(buckets)

        var gaps: [Gap] = []
        var count = 0
        var total: Int64 = 0
        func add(_ from: Int64, _ to: Int64, _ before: EventLocation?, _ after: EventLocation?) {
            guard to - from > threshold.microseconds else { return }
            count += 1
            total += to - from
            if gaps.count < gapsListed {
                gaps.append(Gap(from: Timestamp(microseconds: from), to: Timestamp(microseconds: to), microseconds: to - from,
                                lastBefore: before.map(locate), firstAfter: after.map(locate)))
            }
        }
        let first = buckets.first!.first
        let last = buckets.last!.last
        if let since = window.since { add(since.microseconds, first.time, nil, first.location) }
        for (before, after) in zip(buckets, buckets.dropFirst()) {
            add(before.last.time, after.first.time, before.last.location, after.first.location)
        }
        if let until = window.until { add(last.time, until.microseconds, last.location, nil) }

        let fields = tally.fields
        func example(_ tally: AnomalyTally) -> Anomaly {
            Anomaly(count: tally.count, largest: tally.largest,
                    examples: tally.examples.map { .init(at: locate($0.location), microseconds: $0.skew) })
        }
        return ClusterCompleteness(
            cluster: name, eventsRead: fields.events,
            started: Boundary(time: Timestamp(microseconds: first.time), at: locate(first.location)),
            stopped: Boundary(time: Timestamp(microseconds: last.time), at: locate(last.location)),
            gapThreshold: threshold, gaps: gaps, gapCount: count, gapTotal: total,
            clock: ClockAnomalies(stageBeforeRequest: example(tally.stageBeforeRequest), outOfOrder: example(outOfOrder)),
            fields: [
                .init(element: "10.2.2 user identification", fields: ["user.username"], events: fields.withUser, of: fields.events),
                .init(element: "10.2.2 type of event", fields: ["verb"], events: fields.withVerb, of: fields.events),
                .init(element: "10.2.2 date and time", fields: ["requestReceivedTimestamp", "stageTimestamp"],
                      events: fields.withTime, of: fields.events),
                .init(element: "10.2.2 success or failure", fields: ["responseStatus.code"], events: fields.withOutcome,
                      of: fields.handled),
                .init(element: "10.2.2 origination of event", fields: ["sourceIPs"], events: fields.withSource, of: fields.events),
                .init(element: "10.2.2 identity or name of affected data, system component, resource or service",
                      fields: ["objectRef.resource", "requestURI"], events: fields.withObject, of: fields.events),
            ],
            retention: retention(minutes, end: end))
    }

    private static func learnedThreshold(_ buckets: [MinuteBucket]) -> GapThreshold {
        var hours: [Int64: Int] = [:]
        for bucket in buckets { hours[bucket.first.time / 3_600_000_000, default: 0] += bucket.events }
        let counts = hours.values.filter { $0 > 0 }.sorted()
        let median = counts.isEmpty ? 1 : counts[counts.count / 2]
        let interval = 3_600_000_000 / Int64(max(1, median))
        let threshold = max(shortestThreshold, interval * eventsPerThreshold)
        return GapThreshold(
            microseconds: threshold, source: "learned",
            basis: "learned from the cluster's own rate: its median hour with events had \(median) event\(median == 1 ? "" : "s") "
                + "(one every \(ReportFormatting.duration(microseconds: interval))); a gap is a stretch without events as long as "
                + "\(eventsPerThreshold) such intervals, and at least a minute")
    }

    private static func retention(_ minutes: [Int64], end: Timestamp?) -> Retention {
        guard let end else { return Retention(end: nil, daysCoveredOf365: 0, daysCoveredOf90: 0, firstDay: nil) }
        let day: Int64 = 86_400_000_000
        let endDay = (end.microseconds - 1) / day
        let days = Set(minutes.map { $0 * CompletenessAccumulator.minute / day })
        let firstDay = days.min().map { Timestamp(microseconds: $0 * day).description.prefix(10) }.map(String.init)
        return Retention(end: end, daysCoveredOf365: days.filter { $0 > endDay - 365 && $0 <= endDay }.count,
                         daysCoveredOf90: days.filter { $0 > endDay - 90 && $0 <= endDay }.count, firstDay: firstDay)
    }
}
