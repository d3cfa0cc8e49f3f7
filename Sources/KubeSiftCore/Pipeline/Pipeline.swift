import Dispatch
import Foundation
import Logging
import Synchronization

/// The whole analysis, one way: discover → read → chunk → decode → (window, deduplicate) → classify
/// → aggregate (statistics, findings, and control statuses from both).
///
/// Reader threads (one file each at a time) decompress and chunk; decoder threads (one per core)
/// decode, deduplicate and aggregate whatever chunk comes next. Between them, a bounded queue
/// applies back-pressure, so memory stays flat whatever the input size; both cores stay busy even
/// on one large `.gz`, whose inflate cannot be split.
package enum Pipeline {
    package static func run(_ options: AnalysisOptions, progress: ProgressCounters? = nil, logger: Logger)
        -> AnalysisResult
    {
        let inputs = discover(options)
        return run(inputs, options: options, progress: progress, logger: logger)
    }

    /// 1 · Discover.
    package static func discover(_ options: AnalysisOptions) -> InputDiscoverer.Result {
        InputDiscoverer(cluster: options.cluster, clusterFromDirectory: options.clusterFromDirectory)
            .discover(options.paths)
    }

    /// 2…7 · Read, chunk, decode, deduplicate, classify and aggregate the discovered inputs.
    package static func run(_ inputs: InputDiscoverer.Result, options: AnalysisOptions,
                            progress: ProgressCounters? = nil, logger: Logger) -> AnalysisResult
    {
        let files = inputs.files
        let clock = ContinuousClock()
        let started = clock.now
        let pass = read(files, options: options, seeds: .random(), progress: progress, logger: logger)
        let read = clock.now
        ReturnFreedMemory.now()
        for skipped in inputs.skipped { log(skipped.problem, path: skipped.path, logger: logger) }
        let deduplicator = pass.deduplicator
        var assembler = ResultAssembler(files: files, skippedPaths: inputs.skipped, window: options.window,
                                        rules: options.rules, gapThreshold: options.gapThreshold,
                                        matchMemoryBytes: options.matchMemoryBytes,
                                        stagesSeen: { requests in
                                            deduplicator.stagesSeen(requests.map { ($0.request, Deduplicator.slot(of: $0.time)) })
                                        })
        assembler.history = options.history
        var result = assembler.assemble(readResults: pass.readResults, workerOutputs: pass.workerOutputs,
                                        distinctRequests: deduplicator.distinctRequests)
        result.indexSpills = deduplicator.spillCount
        let assembled = clock.now
        // What assembly freed goes back on another thread while the run goes on (about 5 ms after a
        // busy assembly): nothing that follows needs it done first.
        DispatchQueue.global().async { ReturnFreedMemory.now() }
        if let compliance = options.compliance {
            ComplianceEvaluator(configuration: compliance, rules: options.rules).evaluate(&result)
        }
        logger.notice("time: read pass \(Self.seconds(read - started)), assembly \(Self.seconds(assembled - read)), compliance \(Self.seconds(clock.now - assembled))")
        return result
    }

    /// A duration for people: `0.123 s`.
    package static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f s", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// What the read pass leaves for assembly: per file what reading it found, per worker what it
    /// counted, and the request index they shared.
    struct PassOutput {
        var readResults: [Int: InputReadResult]
        var workerOutputs: [WorkerOutput]
        var deduplicator: Deduplicator
    }

    /// 2…6 · The pass over `files`: read, chunk, decode, deduplicate, classify and count.
    ///
    /// - Parameter logsRequests: also keep one ``LoggedRequest`` per distinct request (shard mode:
    ///   the merge counts the statistics again over every shard's requests).
    static func read(_ files: [InputFile], options: AnalysisOptions, seeds: HashSeeds, logsRequests: Bool = false,
                     progress: ProgressCounters?, logger: Logger) -> PassOutput
    {
        let shared = SharedRunState(options: options, seeds: seeds)
        let group = DispatchGroup()
        let readerCount = min(files.count, options.workers)
        let clusters = ClusterIndex(files)

        for _ in 0..<readerCount {
            startThread(group) {
                while let index = shared.claimNextFile(of: files.count) {
                    let feeder = ChunkFeeder(file: index, options: options, queue: shared.queue, pool: shared.pool,
                                             progress: progress)
                    let reader = ArchiveReader(limits: options.readLimits, progress: progress)
                    var result = reader.read(path: files[index].path, into: feeder)
                    if let resume = feeder.resume, !result.members.isEmpty {
                        result.members[0].resumedFrom = resume.skipped
                        result.members[0].position = resume.position
                    }
                    for problem in result.problems { log(problem, path: files[index].path, logger: logger) }
                    shared.store(result, for: index)
                    progress?.finishFile()
                }
                shared.readerFinished(readerCount: readerCount)
            }
        }
        if readerCount == 0 { shared.queue.close() }

        for _ in 0..<options.workers {
            startThread(group) {
                let worker = DecodeWorker(window: options.window, deduplicator: shared.deduplicator,
                                          seeds: shared.seeds, rules: options.rules, clusters: clusters,
                                          logsRequests: logsRequests,
                                          // A shard writes every hit into its bundle: spilling them would only
                                          // read them all back, unshared.
                                          hitBudget: logsRequests ? .max
                                              : options.matchMemoryBytes / RuleHit.estimatedBytes / options.workers,
                                          progress: progress)
                while let chunk = shared.queue.pop() {
                    worker.process(chunk)
                    shared.pool.recycle(chunk.bytes)
                }
                shared.store(worker.finish())
            }
        }
        group.wait()
        return PassOutput(readResults: shared.readResults(), workerOutputs: shared.workerOutputs(),
                          deduplicator: shared.deduplicator)
    }

    private static func startThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    static func log(_ problem: InputProblem, path: String, logger: Logger) {
        let location = problem.member.map { "\(path)[\($0)]" } ?? path
        if problem.kind.meansDataLoss {
            logger.warning("\(location): \(problem.message)")
        } else {
            logger.notice("\(location): \(problem.message)")
        }
    }
}

/// The state reader and decoder threads share during one run. Everything in it is synchronised.
private final class SharedRunState: Sendable {
    let queue: WorkQueue<Chunk>
    let pool: BufferPool
    let deduplicator: Deduplicator
    let seeds: HashSeeds
    private let nextFile = Atomic<Int>(0)
    private let readersDone = Atomic<Int>(0)
    private let results = Locked<[Int: InputReadResult]>([:])
    private let outputs = Locked<[WorkerOutput]>([])

    init(options: AnalysisOptions, seeds: HashSeeds) {
        self.seeds = seeds
        deduplicator = Deduplicator(memoryBudget: options.indexMemoryBytes)
        queue = WorkQueue(capacity: options.workers * 2)
        pool = BufferPool(bufferCapacity: options.chunkBytes + options.chunkBytes / 4,
                          retained: options.workers * 3 + 2)
    }

    func claimNextFile(of count: Int) -> Int? {
        let index = nextFile.wrappingAdd(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }

    func readerFinished(readerCount: Int) {
        if readersDone.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == readerCount { queue.close() }
    }

    func store(_ result: InputReadResult, for index: Int) { results.withLock { $0[index] = result } }
    func store(_ output: WorkerOutput) { outputs.withLock { $0.append(output) } }
    func readResults() -> [Int: InputReadResult] { results.withLock { $0 } }
    func workerOutputs() -> [WorkerOutput] { outputs.withLock { $0 } }
}
