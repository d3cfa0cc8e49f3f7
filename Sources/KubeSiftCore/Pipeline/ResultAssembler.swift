/// Puts the stages' counts together into one ``AnalysisResult``, in a deterministic order: whatever
/// thread handled which chunk, the same input gives the same result.
struct ResultAssembler {
    let files: [InputFile]
    let skippedPaths: [SkippedPath]
    let window: TimeWindow
    var rules = RuleSet.empty
    var gapThreshold: Int64?
    /// Correlated requests held in memory during assembly before the rest is written to a temporary file.
    var matchMemoryBytes = Int.max
    /// The stages seen of each request asked, from the request index.
    var stagesSeen: @Sendable ([(request: Fingerprint, time: Timestamp?)]) -> [UInt8] = { Array(repeating: 0, count: $0.count) }
    /// What earlier runs left, when a state is kept: the requests of their open correlation windows
    /// are counted again, the requests of windows still open at the end handed on, and the findings
    /// they reported marked (``AnalysisResult/apply(_:)``).
    var history: RunHistory?
    /// Whether one event may be matched in more than one worker output (shards that each read a copy
    /// of it); a run's own workers never match an event twice.
    var matchesRepeatAcrossOutputs = false

    func assemble(readResults: [Int: InputReadResult], workerOutputs: [WorkerOutput], distinctRequests: Int)
        -> AnalysisResult
    {
        var activity = ActivityStats()
        var eventTotals = EventTotals()
        var tallies: [ChunkTally] = []
        var hits: [SpillPartitions<RuleHit>] = []
        var duplicates: [[EventCopy]] = []
        // Numbered as the workers numbered them: both from the same files.
        let clusters = ClusterIndex(files)
        var completeness = CompletenessAccumulator(clusterOfFile: clusters.ofFile, clusterCount: clusters.names.count)
        for output in workerOutputs {
            completeness.merge(output.completeness)
            hits.append(output.hits)
            duplicates.append(output.duplicateCopies)
            activity.merge(output.activity)
            eventTotals.merge(output.totals)
            tallies.append(contentsOf: output.tallies)
        }
        tallies.sort { ($0.member, $0.sequence) < ($1.member, $1.sequence) }

        var inputs = files.enumerated().map { index, file in
            let read = readResults[index]
            return InputSummary(
                path: file.path, cluster: file.cluster, size: read?.bytesRead ?? file.size, sha256: read?.sha256,
                container: read?.container ?? "plain", compressions: read?.compressions ?? [],
                members: (read?.members ?? []).map {
                    MemberSummary(name: $0.name, compressions: $0.compressions, decompressedBytes: $0.decompressedBytes)
                },
                problems: (read?.problems ?? []).sorted())
        }

        // Lines are counted per chunk; a record's line is the lines of the chunks before it plus its own.
        var skipped: [SkipReason: AnalysisResult.SkipSummary] = [:]
        var passedOver: [PassOverReason: AnalysisResult.PassSummary] = [:]
        var operations: [CloudOperation] = []
        var samples: [(reason: SkipReason, order: (Int, Int, Int), provenance: EventProvenance)] = []
        var linesBefore: [MemberKey: Int] = [:]
        // A resumed member's lines count on from those an earlier run read.
        for (file, read) in readResults {
            if let skipped = read.members.first?.resumedFrom { linesBefore[MemberKey(file: file, member: 0)] = skipped.lines }
        }
        // Per member, by chunk sequence: the lines of the member before the chunk.
        var chunkOffsets: [MemberKey: [Int]] = [:]
        for tally in tallies {
            let key = tally.member
            let offset = linesBefore[key, default: 0]
            linesBefore[key] = offset + tally.lines
            // Tallies are sorted, so a member's chunks arrive in sequence order (with no gaps: every
            // chunk is tallied; a missing one would have had no lines).
            while chunkOffsets[key, default: []].count <= tally.sequence { chunkOffsets[key, default: []].append(offset) }
            var input = inputs[key.file]
            if key.member < input.members.count {
                var member = input.members[key.member]
                member.lines += tally.lines
                member.eventsRead += tally.eventsRead
                Self.widen(&member.firstEvent, &member.lastEvent, tally)
                input.members[key.member] = member
            }
            input.eventsRead += tally.eventsRead
            Self.widen(&input.firstEvent, &input.lastEvent, tally)
            for format in SourceFormat.allCases where tally.eventsByFormat[format.index] > 0 {
                input.formats[format, default: 0] += tally.eventsByFormat[format.index]
            }
            for (key, count) in tally.skipped {
                input.skipped[key.reason, default: 0] += count
                input.skippedByFormat[key.format, default: [:]][key.reason, default: 0] += count
                skipped[key.reason, default: .init()].count += count
                skipped[key.reason]!.byFormat[key.format, default: 0] += count
            }
            for (key, count) in tally.passedOver {
                input.passedOver[key.reason, default: 0] += count
                passedOver[key.reason, default: .init()].count += count
                passedOver[key.reason]!.byFormat[key.format, default: 0] += count
            }
            let memberName = key.member < input.members.count ? input.members[key.member].name : nil
            func resolve(_ chunkLine: ChunkLine) -> Int {
                switch chunkLine {
                case let .local(local): offset + local
                case let .absolute(absolute): absolute
                }
            }
            for sample in tally.skipSamples {
                let line = resolve(sample.line)
                samples.append((sample.reason, (key.file, key.member, line),
                                EventProvenance(file: input.path, member: memberName, line: line)))
            }
            for found in tally.cloudOperations {
                var operation = found.operation
                operation.provenance = EventProvenance(file: input.path, member: memberName, line: resolve(found.line))
                operations.append(operation)
            }
            inputs[key.file] = input
        }
        for (file, read) in readResults {
            guard var position = read.members.first?.position, let member = inputs[file].members.first else { continue }
            position.lines += member.lines
            position.events += member.eventsRead
            inputs[file].position = position
            inputs[file].resumedFrom = read.members.first?.resumedFrom
        }
        samples.sort { ($0.reason, $0.order.0, $0.order.1, $0.order.2) < ($1.reason, $1.order.0, $1.order.1, $1.order.2) }
        for sample in samples where skipped[sample.reason]!.samples.count < ChunkTally.samplesPerReason {
            skipped[sample.reason]!.samples.append(sample.provenance)
        }

        for path in skippedPaths {
            inputs.append(InputSummary(path: path.path, cluster: path.cluster, size: 0, sha256: nil, container: "none",
                                       compressions: [], members: [], problems: [path.problem]))
        }
        inputs.sort { lhs, rhs in
            let left = (lhs.cluster ?? "", lhs.firstEvent?.microseconds ?? .max)
            let right = (rhs.cluster ?? "", rhs.firstEvent?.microseconds ?? .max)
            return left != right ? left < right : lhs.path < rhs.path
        }

        var totals = AnalysisResult.Totals()
        totals.inputFiles = files.count
        totals.eventsRead = eventTotals.eventsRead
        totals.eventsOutsideWindow = eventTotals.outsideWindow
        totals.eventsWithoutTime = eventTotals.withoutTime
        totals.duplicateEvents = eventTotals.duplicates
        totals.distinctEvents = eventTotals.distinctEvents
        totals.distinctRequests = distinctRequests
        totals.recordsSkipped = skipped.values.reduce(0) { $0 + $1.count }
        totals.recordsPassedOver = passedOver.values.reduce(0) { $0 + $1.count }
        totals.cloudOperations = passedOver[.cloudOperation]?.count ?? 0
        operations.sort { ($0.time?.microseconds ?? .max, $0.provenance!) < ($1.time?.microseconds ?? .max, $1.provenance!) }
        for input in inputs {
            totals.inputBytes += input.size
            totals.decompressedBytes += input.members.reduce(0) { $0 + $1.decompressedBytes }
            if input.problems.contains(where: \.kind.meansDataLoss) { totals.inputsWithDataLoss += 1 }
        }
        for count in activity.dimensions[.user]?.values.map({ $0 }) ?? [] {
            if let first = count.firstSeen, totals.firstEvent.map({ first < $0 }) ?? true { totals.firstEvent = first }
            if let last = count.lastSeen, totals.lastEvent.map({ last > $0 }) ?? true { totals.lastEvent = last }
        }
        let inputsByPath = Dictionary(inputs.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let lineOffsets = chunkOffsets
        // Per file, what evidence names: looked up for every rule match, so not the whole summary.
        let evidenceOfFile = files.map { file in
            let input = inputsByPath[file.path]
            return (sha256: input?.sha256, memberNames: input?.members.map(\.name) ?? [])
        }
        // Where an event was read: file, member and final line.
        let locate = { @Sendable (member: MemberKey, sequence: Int, chunkLine: ChunkLine) -> (String, String?, Int, String?) in
            let names = evidenceOfFile[member.file].memberNames
            let name = member.member < names.count ? names[member.member] : nil
            let line: Int
            switch chunkLine {
            case let .local(local):
                let offsets = lineOffsets[member] ?? []
                line = (sequence < offsets.count ? offsets[sequence] : 0) + local
            case let .absolute(absolute): line = absolute
            }
            return (files[member.file].path, name, line, evidenceOfFile[member.file].sha256)
        }
        var findingAssembler = FindingAssembler(ruleSet: rules, locate: { locate($0.member, $0.sequence, $0.line) },
                                                stagesSeen: stagesSeen)
        findingAssembler.requestBudget = matchMemoryBytes / MatchedRequest.estimatedBytes
        findingAssembler.keepsFirstReaderOnly = matchesRepeatAcrossOutputs
        let (findings, open, matchSpills) = findingAssembler.assemble(
            hits, duplicates: duplicates, carried: history?.carried ?? CarriedRequestBlocks(),
            keepsOpenWindows: history != nil, lastEvent: totals.lastEvent)
        var result = AnalysisResult(window: window, inputs: inputs, totals: totals, skipped: skipped, passedOver: passedOver,
                                    cloudOperations: Array(operations.prefix(AnalysisResult.cloudOperationsListed)),
                                    activity: activity, findings: findings)
        result.completeness = CompletenessResult.assemble(
            completeness, clusters: clusters.names, window: window, gapThreshold: gapThreshold,
            locate: { location in
                let (file, member, line, _) = locate(location.member, location.sequence, location.line)
                return EventProvenance(file: file, member: member, line: line)
            })
        result.matchSpills = matchSpills
        if let history {
            result.openCorrelationRequests = open
            result.apply(history)
        }
        return result
    }

    private static func widen(_ first: inout Timestamp?, _ last: inout Timestamp?, _ tally: ChunkTally) {
        if let time = tally.firstEvent, first.map({ time < $0 }) ?? true { first = time }
        if let time = tally.lastEvent, last.map({ time > $0 }) ?? true { last = time }
    }
}
