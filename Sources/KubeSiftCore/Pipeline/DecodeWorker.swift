/// What one decode worker learned from one chunk, beyond the statistics it accumulates.
struct ChunkTally: Sendable {
    var member: MemberKey
    var sequence: Int
    var lines = 0
    var eventsRead = 0
    /// Of the events read, those outside the window and those without a time (see ``EventTotals``).
    var outsideWindow = 0
    var withoutTime = 0
    var firstEvent: Timestamp?
    var lastEvent: Timestamp?
    /// Events read, by ``SourceFormat/index``.
    var eventsByFormat = [Int](repeating: 0, count: SourceFormat.allCases.count)
    var skipped: [FormatCount<SkipReason>: Int] = [:]
    /// The first few skipped records of each reason, to point the user at them.
    var skipSamples: [(reason: SkipReason, line: ChunkLine)] = []
    var passedOver: [FormatCount<PassOverReason>: Int] = [:]
    /// Cloud control-plane operations, the first ``cloudOperationsPerChunk`` of the chunk.
    var cloudOperations: [(operation: CloudOperation, line: ChunkLine)] = []

    static let samplesPerReason = 5
    /// Bounds what a chunk of hostile input can make the report list.
    static let cloudOperationsPerChunk = 1_000

    mutating func note(_ note: RecordNote, format: SourceFormat, line: ChunkLine) {
        switch note {
        case let .skipped(reason):
            let key = FormatCount(format: format, reason: reason)
            skipped[key, default: 0] += 1
            if skipped.filter({ $0.key.reason == reason }).values.reduce(0, +) <= Self.samplesPerReason {
                skipSamples.append((reason, line))
            }
        case let .passedOver(reason):
            passedOver[FormatCount(format: format, reason: reason), default: 0] += 1
        case let .cloudOperation(operation):
            passedOver[FormatCount(format: format, reason: .cloudOperation), default: 0] += 1
            if cloudOperations.count < Self.cloudOperationsPerChunk { cloudOperations.append((operation, line)) }
        }
    }
}

/// A count kept per format and reason.
struct FormatCount<Reason: Hashable & Sendable>: Hashable, Sendable {
    var format: SourceFormat
    var reason: Reason
}

/// Totals one worker counted: how many events it read, and where each went.
struct EventTotals: Sendable, Codable {
    var eventsRead = 0
    var outsideWindow = 0
    var withoutTime = 0
    var duplicates = 0
    var distinctEvents = 0

    mutating func merge(_ other: EventTotals) {
        eventsRead += other.eventsRead
        outsideWindow += other.outsideWindow
        withoutTime += other.withoutTime
        duplicates += other.duplicates
        distinctEvents += other.distinctEvents
    }
}

/// Everything one worker hands back when the queue runs dry.
struct WorkerOutput: Sendable {
    var activity: ActivityStats
    var tallies: [ChunkTally]
    var hits: SpillPartitions<RuleHit>
    /// Where each dropped copy of an event was read (kept only when rules run): a finding's evidence
    /// names the first copy in input order, whichever copy a worker happened to see first.
    var duplicateCopies: [EventCopy]
    var totals: EventTotals
    var completeness: CompletenessAccumulator
    /// Shard mode only: each request this worker counted first, and the texts of the keys they name.
    var requests: [LoggedRequest] = []
    var keyTexts: [[String]] = []
}

/// One decode thread's state: decode → window → deduplicate → classify → aggregate, for every chunk it takes.
///
/// Not `Sendable`: each worker is owned by its thread; only its ``WorkerOutput`` crosses over.
final class DecodeWorker {
    private let window: TimeWindow
    private let deduplicator: Deduplicator
    private let seeds: HashSeeds
    private let progress: ProgressCounters?
    private let decoder = ChunkDecoder()
    private let classifier: Classifier?
    // One thread's state, never accessed re-entrantly: the runtime's exclusivity checks are skipped.
    @exclusivity(unchecked) private var accumulator: ActivityAccumulator
    @exclusivity(unchecked) private var completeness: CompletenessAccumulator
    @exclusivity(unchecked) private var cursor = Deduplicator.Cursor()
    @exclusivity(unchecked) private var tallies: [ChunkTally] = []
    @exclusivity(unchecked) private var totals = EventTotals()
    @exclusivity(unchecked) private var duplicateCopies: [EventCopy] = []
    @exclusivity(unchecked) private var unescaped: [UInt8] = []
    /// Shard mode only (nil otherwise): one entry per request this worker counted first.
    @exclusivity(unchecked) private var requests: [LoggedRequest]?

    init(window: TimeWindow, deduplicator: Deduplicator, seeds: HashSeeds, rules: RuleSet, clusters: ClusterIndex,
         logsRequests: Bool = false, hitBudget: Int = .max,
         progress: ProgressCounters?)
    {
        classifier = rules.isEmpty ? nil : Classifier(ruleSet: rules, hitBudget: hitBudget)
        self.window = window
        self.deduplicator = deduplicator
        self.seeds = seeds
        self.progress = progress
        accumulator = ActivityAccumulator(seeds: seeds)
        completeness = CompletenessAccumulator(clusterOfFile: clusters.ofFile, clusterCount: clusters.names.count)
        accumulator.logsKeys = logsRequests
        requests = logsRequests ? [] : nil
    }

    func process(_ chunk: Chunk) {
        var tally = ChunkTally(member: chunk.member, sequence: chunk.sequence)
        let eventsBefore = totals.eventsRead
        completeness.begin(chunk.member, sequence: chunk.sequence)
        tally.lines = decoder.decode(chunk, event: { event, base, line in
            self.handle(event, base: base, tally: &tally, line: line)
        }, note: { note, format, line in
            tally.note(note, format: format, line: line)
        })
        completeness.end()
        tally.eventsRead = totals.eventsRead - eventsBefore
        progress?.addEvents(tally.eventsRead)
        tallies.append(tally)
    }

    @inline(__always)
    private func handle(_ event: ScannedEvent, base: UnsafePointer<UInt8>, tally: inout ChunkTally, line: ChunkLine) {
        totals.eventsRead += 1
        tally.eventsByFormat[event.format.index] += 1
        let time = Self.requestTime(of: event, base: base)
        if let time {
            if tally.firstEvent.map({ time < $0 }) ?? true { tally.firstEvent = time }
            if tally.lastEvent.map({ time > $0 }) ?? true { tally.lastEvent = time }
        }
        if !window.isUnbounded {
            guard let time else {
                totals.withoutTime += 1
                tally.withoutTime += 1
                return
            }
            guard window.contains(time) else {
                totals.outsideWindow += 1
                tally.outsideWindow += 1
                return
            }
        } else if time == nil {
            totals.withoutTime += 1
            tally.withoutTime += 1
        }
        let stage = Self.stage(of: event, base: base)
        let request = RequestFingerprint.of(event, base: base, seeds: seeds, unescaped: &unescaped)
        let outcome = deduplicator.record(
            request: request, slot: Deduplicator.slot(of: time), stage: stage, code: event.responseCode, cursor: &cursor)
        completeness.record(event, base: base, time: time, stage: stage, line: line)
        guard outcome.isNewEvent else {
            totals.duplicates += 1
            if classifier != nil {
                duplicateCopies.append(EventCopy(request: request, stage: stage,
                                                 location: HitLocation(member: tally.member, sequence: tally.sequence, line: line)))
            }
            return
        }
        totals.distinctEvents += 1
        accumulator.record(event, base: base, time: time, newRequest: outcome.isNewRequest, response: outcome.response)
        if outcome.isNewRequest, requests != nil {
            requests!.append(LoggedRequest(request: request, time: time, file: tally.member.file,
                                           keys: accumulator.lastKeys, level: ActivityAccumulator.level(of: event, base: base)))
        }
        classifier?.classify(event, base: base, request: request, stage: stage, time: time,
                             location: HitLocation(member: tally.member, sequence: tally.sequence, line: line))
    }

    /// The time the request was received; `v1beta1` files may only have `timestamp`, and a few
    /// hand-made files only `stageTimestamp`.
    @inline(__always)
    static func requestTime(of event: ScannedEvent, base: UnsafePointer<UInt8>) -> Timestamp? {
        func parse(_ span: StringSpan) -> Timestamp? {
            guard span.isPresent, !span.escaped else { return nil }
            return Timestamp(rfc3339: UnsafeRawBufferPointer(start: base + span.start, count: span.count))
        }
        return parse(event.requestReceivedTimestamp) ?? parse(event.legacyTimestamp) ?? parse(event.stageTimestamp)
    }

    @inline(__always)
    static func stage(of event: ScannedEvent, base: UnsafePointer<UInt8>) -> AuditStage {
        let span = event.stage
        guard span.isPresent, !span.escaped else { return .other }
        let scanner = JSONScanner(base: base, start: 0, end: 0)
        if scanner.equals(span, "ResponseComplete") { return .responseComplete }
        if scanner.equals(span, "ResponseStarted") { return .responseStarted }
        if scanner.equals(span, "RequestReceived") { return .requestReceived }
        if scanner.equals(span, "Panic") { return .panic }
        return .other
    }

    func finish() -> WorkerOutput {
        WorkerOutput(activity: accumulator.stats(), tallies: tallies, hits: classifier?.hits ?? .holding([]),
                     duplicateCopies: duplicateCopies, totals: totals, completeness: completeness, requests: requests ?? [],
                     keyTexts: requests == nil ? [] : accumulator.keyTexts())
    }
}

/// The identity of a request: what all of its stages share (what the URL and the client fix).
enum RequestFingerprint {
    /// - Parameter unescaped: where escaped text is unescaped: the caller's, kept from event to
    ///   event (one per event was an allocation for most of them, the URI being escaped).
    @inline(__always)
    static func of(_ event: ScannedEvent, base: UnsafePointer<UInt8>, seeds: HashSeeds, unescaped: inout [UInt8]) -> Fingerprint {
        var builder = FingerprintBuilder(seeds: seeds)
        func combine(_ span: StringSpan) {
            if !span.isPresent {
                builder.combine(UInt64.max)
            } else if span.escaped {
                // Hash the text, not its spelling: `\u0026` and `&` are one request.
                JSONText.unescape(base + span.start, span.count, into: &unescaped)
                unescaped.withUnsafeBytes { builder.combine($0.baseAddress ?? UnsafeRawPointer(base), $0.count) }
            } else {
                builder.combine(base + span.start, span.count)
            }
        }
        // Written out field by field: an array literal here would allocate once per event.
        combine(event.auditID)
        combine(event.requestReceivedTimestamp)
        combine(event.legacyTimestamp)
        combine(event.verb)
        combine(event.requestURI)
        combine(event.username)
        combine(event.impersonatedUsername)
        combine(event.firstSourceIP)
        combine(event.userAgent)
        combine(event.resource)
        // Not the name: a create's RequestReceived stage has none, its later stages have it from the body.
        combine(event.namespace)
        combine(event.subresource)
        combine(event.apiGroup)
        return builder.finalize()
    }
}
