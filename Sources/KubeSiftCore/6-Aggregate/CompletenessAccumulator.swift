/// Where an event was read, ordered as the inputs are: file, member, chunk, line. Ties between
/// copies of one event are broken by it, so that the same copy is named as evidence whichever
/// worker read which.
struct EventLocation: Sendable, Comparable, Codable {
    var member: MemberKey
    var sequence: Int
    var line: ChunkLine

    static func < (lhs: EventLocation, rhs: EventLocation) -> Bool {
        (lhs.member, lhs.sequence, lhs.line.value) < (rhs.member, rhs.sequence, rhs.line.value)
    }
}

extension ChunkLine {
    /// Lines of one chunk are all local or all absolute, so within a chunk this orders them.
    var value: Int {
        switch self {
        case let .local(line), let .absolute(line): line
        }
    }
}

/// A time and the event that had it.
struct TimedLocation: Sendable, Codable {
    var time: Int64
    var location: EventLocation
}

/// Events of one cluster in one minute of receive time: how many, and the first and last of them.
/// Consecutive minutes with events are what the gaps between them are measured from, to the
/// microsecond: a gap shorter than a minute can hide inside one, but none of a minute or more can.
struct MinuteBucket: Sendable, Codable {
    /// Events read, copies included.
    var events = 0
    var first: TimedLocation
    var last: TimedLocation

    init(_ at: TimedLocation) {
        first = at
        last = at
    }

    /// Of copies of one event, the first in input order is kept, at either end.
    mutating func see(_ at: TimedLocation) {
        if (at.time, at.location) < (first.time, first.location) { first = at }
        if at.time > last.time || (at.time == last.time && at.location < last.location) { last = at }
    }

    mutating func merge(_ other: MinuteBucket) {
        events += other.events
        see(other.first)
        see(other.last)
    }
}

/// Occurrences of one kind of clock anomaly: how many, the largest, and the first few by location.
struct AnomalyTally: Sendable, Codable {
    var count = 0
    /// Microseconds.
    var largest: Int64 = 0
    var examples: [Example] = []

    struct Example: Sendable, Codable {
        var location: EventLocation
        var skew: Int64
    }

    static let examplesKept = 5

    mutating func note(_ location: EventLocation, skew: Int64) {
        count += 1
        largest = max(largest, skew)
        keep(location, skew)
    }

    private mutating func keep(_ location: EventLocation, _ skew: Int64) {
        if examples.count == Self.examplesKept {
            guard location < examples[examples.count - 1].location else { return }
            examples.removeLast()
        }
        let index = examples.firstIndex { location < $0.location } ?? examples.count
        examples.insert(Example(location: location, skew: skew), at: index)
    }

    mutating func merge(_ other: AnomalyTally) {
        count += other.count
        largest = max(largest, other.largest)
        for example in other.examples { keep(example.location, example.skew) }
    }
}

/// How many events carry each element PCI DSS 10.2.2 asks an audit log record to have.
///
/// Every figure of a cluster counts the events read in it, copies included: which copy of an event
/// read under two cluster labels the request index sees first depends on thread timing, and a
/// count that depends on it would not be the same from run to run.
struct FieldTally: Sendable, Codable {
    var events = 0
    var withUser = 0
    var withVerb = 0
    var withTime = 0
    /// Events past RequestReceived: only they can carry an outcome.
    var handled = 0
    var withOutcome = 0
    var withSource = 0
    var withObject = 0

    mutating func merge(_ other: FieldTally) {
        events += other.events
        withUser += other.withUser
        withVerb += other.withVerb
        withTime += other.withTime
        handled += other.handled
        withOutcome += other.withOutcome
        withSource += other.withSource
        withObject += other.withObject
    }
}

/// What one cluster's events say about the log's completeness.
struct ClusterCompletenessTally: Sendable, Codable {
    /// By minute since the epoch (receive time).
    var minutes: [Int64: MinuteBucket] = [:]
    var fields = FieldTally()
    var stageBeforeRequest = AnomalyTally()

    mutating func merge(_ other: ClusterCompletenessTally) {
        for (minute, bucket) in other.minutes {
            if minutes[minute] == nil { minutes[minute] = bucket } else { minutes[minute]!.merge(bucket) }
        }
        fields.merge(other.fields)
        stageBeforeRequest.merge(other.stageBeforeRequest)
    }
}

/// One chunk's events in the order they were written (by `stageTimestamp`): its first and last,
/// and where the time stepped back within it. Chunks are put end to end after the pass.
struct ChunkOrder: Sendable, Codable {
    var first: TimedLocation?
    var last: Int64?
    var stepsBack = AnomalyTally()
}

/// Counts one worker's events for the completeness section, straight from the decoded bytes:
/// minutes with events per cluster (gaps, coverage), the PCI DSS 10.2.2 fields each event
/// carries, and clock anomalies. Each worker owns one; they are merged once at the end.
struct CompletenessAccumulator: Sendable {
    /// The cluster index of each input file.
    let clusterOfFile: [Int]
    private(set) var clusters: [ClusterCompletenessTally]
    private(set) var chunks: [MemberKey: [Int: ChunkOrder]] = [:]

    /// An event written more than this before the one before it in its file is out of order.
    static let outOfOrderTolerance: Int64 = 60_000_000
    static let minute: Int64 = 60_000_000

    /// By ``SourceFormat/index``: the shapes whose record order is the order the API server wrote
    /// its events in (its log and webhook backends, and the container runtime's copy of its
    /// output). Cloud exports and shippers order records their own way (`gcloud logging read`
    /// newest first), so a step back there says nothing about a clock.
    static let keepsWriteOrder = SourceFormat.allCases.sorted { $0.index < $1.index }.map {
        [.native, .eventList, .cri, .docker].contains($0)
    }

    // The chunk being decoded, and the minute last counted into (most events fall in the same one).
    private var member = MemberKey(file: 0, member: 0)
    private var sequence = 0
    private var cluster = 0
    private var order = ChunkOrder()
    private var currentMinute = Int64.min
    private var current: MinuteBucket?

    init(clusterOfFile: [Int], clusterCount: Int) {
        self.clusterOfFile = clusterOfFile
        clusters = Array(repeating: ClusterCompletenessTally(), count: clusterCount)
    }

    mutating func begin(_ member: MemberKey, sequence: Int) {
        self.member = member
        self.sequence = sequence
        cluster = member.file < clusterOfFile.count ? clusterOfFile[member.file] : 0
        order = ChunkOrder()
    }

    mutating func end() {
        flushMinute()
        chunks[member, default: [:]][sequence] = order
    }

    /// Counts one event in the window.
    @inline(__always)
    mutating func record(_ event: ScannedEvent, base: UnsafePointer<UInt8>, time: Timestamp?, stage: AuditStage,
                         line: ChunkLine)
    {
        let location = EventLocation(member: member, sequence: sequence, line: line)
        let written = Self.parse(event.stageTimestamp, base: base)
        if let written, Self.keepsWriteOrder[event.format.index] {
            if let previous = order.last, written.microseconds < previous - Self.outOfOrderTolerance {
                order.stepsBack.note(location, skew: previous - written.microseconds)
            }
            if order.first == nil { order.first = TimedLocation(time: written.microseconds, location: location) }
            order.last = written.microseconds
        }
        if let time {
            let at = TimedLocation(time: time.microseconds, location: location)
            let minute = time.microseconds >= 0 ? time.microseconds / Self.minute : (time.microseconds + 1) / Self.minute - 1
            if minute != currentMinute || current == nil {
                flushMinute()
                currentMinute = minute
                current = clusters[cluster].minutes[minute] ?? MinuteBucket(at)
            }
            current!.see(at)
            current!.events += 1
            // Only when the receive time is the event's own, not one borrowed from stageTimestamp.
            if let written, event.requestReceivedTimestamp.isPresent, written < time {
                clusters[cluster].stageBeforeRequest.note(location, skew: time.microseconds - written.microseconds)
            }
        }
        var fields = clusters[cluster].fields
        fields.events += 1
        if event.username.isPresent && event.username.count > 0 { fields.withUser += 1 }
        if event.verb.isPresent && event.verb.count > 0 { fields.withVerb += 1 }
        if time != nil { fields.withTime += 1 }
        if stage != .requestReceived {
            fields.handled += 1
            if event.responseCode != nil { fields.withOutcome += 1 }
        }
        if event.firstSourceIP.isPresent && event.firstSourceIP.count > 0 { fields.withSource += 1 }
        if (event.resource.isPresent && event.resource.count > 0) || (event.requestURI.isPresent && event.requestURI.count > 0) {
            fields.withObject += 1
        }
        clusters[cluster].fields = fields
    }

    private mutating func flushMinute() {
        guard let bucket = current else { return }
        clusters[cluster].minutes[currentMinute] = bucket
        current = nil
    }

    @inline(__always)
    private static func parse(_ span: StringSpan, base: UnsafePointer<UInt8>) -> Timestamp? {
        guard span.isPresent, !span.escaped else { return nil }
        return Timestamp(rfc3339: UnsafeRawBufferPointer(start: base + span.start, count: span.count))
    }

    fileprivate mutating func absorb(_ tally: ClusterCompletenessTally, into cluster: Int) {
        clusters[cluster].merge(tally)
    }

    fileprivate mutating func absorb(_ order: ChunkOrder, member: MemberKey, sequence: Int) {
        chunks[member, default: [:]][sequence] = order
    }

    mutating func merge(_ other: CompletenessAccumulator) {
        for index in clusters.indices where index < other.clusters.count { clusters[index].merge(other.clusters[index]) }
        for (member, chunks) in other.chunks { self.chunks[member, default: [:]].merge(chunks) { first, _ in first } }
    }
}

/// One shard's completeness counts, as its bundle carries them to the merge: clusters by name and
/// files by their index in the listing every shard shares, so that shards that numbered their own
/// inputs differently merge into the counts one run over all of them gives.
struct CompletenessShare: Sendable, Codable {
    struct Cluster: Sendable, Codable {
        var name: String?
        var tally: ClusterCompletenessTally
    }

    struct Chunk: Sendable, Codable {
        var member: MemberKey
        var sequence: Int
        var order: ChunkOrder
    }

    var clusters: [Cluster] = []
    var chunks: [Chunk] = []

    /// Only the counts of `cluster`'s files, renumbered by `position` (listing index → new index).
    func restricted(toCluster cluster: String?, position: [Int: Int]) -> CompletenessShare {
        var share = self
        share.clusters = clusters.filter { $0.name == cluster }
        return share.renumbered { position[$0] }
    }

    /// Every file index renumbered; locations in files `renumber` drops go too.
    func renumbered(_ renumber: (Int) -> Int?) -> CompletenessShare {
        CompletenessShare(
            clusters: clusters.map { Cluster(name: $0.name, tally: $0.tally.renumbered(renumber)) },
            chunks: chunks.compactMap { chunk in
                renumber(chunk.member.file).map {
                    Chunk(member: MemberKey(file: $0, member: chunk.member.member), sequence: chunk.sequence,
                          order: chunk.order.renumbered(renumber))
                }
            })
    }
}

extension CompletenessAccumulator {
    /// The counts as a bundle carries them: `names` are the clusters this accumulator numbered,
    /// `listingIndex` maps its file indices to the listing's.
    func share(names: [String?], listingIndex: (Int) -> Int) -> CompletenessShare {
        let share = CompletenessShare(
            clusters: clusters.indices.map { CompletenessShare.Cluster(name: names[$0], tally: clusters[$0]) },
            chunks: chunks.flatMap { member, orders in
                orders.map { CompletenessShare.Chunk(member: member, sequence: $0.key, order: $0.value) }
            })
        return share.renumbered { listingIndex($0) }
    }

    /// Adds a shard's counts; `names` are this accumulator's clusters, by index.
    mutating func absorb(_ share: CompletenessShare, names: [String?]) {
        for cluster in share.clusters {
            guard let index = names.firstIndex(of: cluster.name) else { continue }
            absorb(cluster.tally, into: index)
        }
        for chunk in share.chunks { absorb(chunk.order, member: chunk.member, sequence: chunk.sequence) }
    }
}

private extension EventLocation {
    func renumbered(_ renumber: (Int) -> Int?) -> EventLocation? {
        renumber(member.file).map { EventLocation(member: MemberKey(file: $0, member: member.member), sequence: sequence, line: line) }
    }
}

private extension TimedLocation {
    func renumbered(_ renumber: (Int) -> Int?) -> TimedLocation? {
        location.renumbered(renumber).map { TimedLocation(time: time, location: $0) }
    }
}

private extension AnomalyTally {
    func renumbered(_ renumber: (Int) -> Int?) -> AnomalyTally {
        var tally = self
        tally.examples = examples.compactMap { example in
            example.location.renumbered(renumber).map { Example(location: $0, skew: example.skew) }
        }
        return tally
    }
}

private extension ClusterCompletenessTally {
    /// A cluster's events are in its own files: every location renumbers, or the cluster is not kept.
    func renumbered(_ renumber: (Int) -> Int?) -> ClusterCompletenessTally {
        var tally = self
        tally.minutes = minutes.compactMapValues { bucket in
            guard let first = bucket.first.renumbered(renumber), let last = bucket.last.renumbered(renumber) else { return nil }
            var moved = bucket
            moved.first = first
            moved.last = last
            return moved
        }
        tally.stageBeforeRequest = stageBeforeRequest.renumbered(renumber)
        return tally
    }
}

private extension ChunkOrder {
    func renumbered(_ renumber: (Int) -> Int?) -> ChunkOrder {
        var order = self
        order.first = first?.renumbered(renumber)
        order.stepsBack = stepsBack.renumbered(renumber)
        return order
    }
}

/// The clusters of a run's inputs, numbered: the completeness of each is computed apart.
struct ClusterIndex: Sendable {
    /// Each cluster's label, nil for inputs without one, in order of first appearance.
    let names: [String?]
    /// The index in `names` of each input file's cluster.
    let ofFile: [Int]

    init(_ files: [InputFile]) {
        var names: [String?] = []
        var index: [String?: Int] = [:]
        ofFile = files.map { file in
            if let known = index[file.cluster] { return known }
            index[file.cluster] = names.count
            names.append(file.cluster)
            return names.count - 1
        }
        self.names = names.isEmpty ? [nil] : names
    }
}
