import Foundation
import Testing
@testable import KubeSiftCore

/// merge(shard(input, M)) == analyze(input), byte for byte, whichever shard reads which file.
@Suite struct ShardMergeTests {
    static let rules = try! RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)
    static let compliance = ComplianceConfiguration(library: try! ControlLibrary.builtIn.get())
    /// The report formats compared: the HTML page holds the same model as the Markdown one.
    static let formats: Set<ReportFormat> = [.md, .csv, .json]

    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func options(_ paths: [String], cluster: String? = nil, fromDirectory: Bool = false) -> AnalysisOptions {
        var options = AnalysisOptions(paths: paths, workers: 2)
        options.cluster = cluster
        options.clusterFromDirectory = fromDirectory
        options.rules = Self.rules
        options.compliance = Self.compliance
        return options
    }

    /// The report files, rendered as `analyze` renders them.
    private func report(_ result: AnalysisResult, paths: [String]) throws -> [String: [UInt8]] {
        let parameters = ReportDocument.Parameters(paths: paths, cluster: nil, clusterFromDirectory: false, since: nil, until: nil,
                                                   now: nil, maximumRecordBytes: 64 << 20, maximumNesting: 4)
        let document = ReportDocument(result: result, parameters: parameters, generatedAt: Timestamp(unixSeconds: 1_800_000_000),
                                      rules: Self.rules)
        return Dictionary(uniqueKeysWithValues: try ReportOutput(formats: Self.formats).render(document).map { ($0.name, $0.bytes) })
    }

    /// Shards the inputs by `assignment` (a shard per listed file), writes and reads back each
    /// bundle, and merges them, bundles in shuffled order.
    ///
    /// - Parameter hitBudget: the matches of a bundle held in memory as it is read (1: each is
    ///   written to a temporary file as soon as it is read).
    private func shards(_ options: AnalysisOptions, count: Int, assignment: [Int], generator: inout SeededGenerator,
                        hitBudget: Int = .max) throws -> ShardSet
    {
        let inputs = Pipeline.discover(options)
        let seeds = ShardSeeds.derive(runID: "property-test", optionsDigest: "")
        var bundles: [(manifest: ShardManifest, content: ShardContent)] = []
        for shard in 0..<count {
            let content = Pipeline.shard(inputs, assigned: assignment.indices.filter { assignment[$0] == shard },
                                         options: options, seeds: seeds, logger: Analysis.quietLogger)
            let manifest = ShardManifest(
                shardIndex: shard, shardCount: count, attempt: nil, rulesSHA256: Self.rules.sha256, optionsSHA256: "",
                runIDSHA256: "", listingSHA256: ShardBundle.listingDigest(inputs, listingFile: nil), assignment: "test",
                window: options.window, now: nil, arguments: [], startedAt: Timestamp(unixSeconds: 0),
                finishedAt: Timestamp(unixSeconds: 0))
            let path = try ShardBundle.write(content, manifest: manifest, into: directory.path("bundles-\(count)"))
            bundles.append(try ShardBundle.read(path, hitBudget: hitBudget))
        }
        let set = try ShardSet(bundles.shuffled(using: &generator), expected: count)
        #expect(set.missingShards.isEmpty && set.missingFiles.isEmpty)
        return set
    }

    /// - Parameter spilling: whether every match goes through a temporary file, as the bundles are
    ///   read and again in assembly.
    private func merged(_ paths: [String], count: Int, assignment: [Int], generator: inout SeededGenerator, spilling: Bool)
        throws -> AnalysisResult
    {
        let set = try shards(options(paths), count: count, assignment: assignment, generator: &generator,
                             hitBudget: spilling ? 1 : .max)
        let result = try ShardMerge.result(of: set.contents, window: .unbounded, rules: Self.rules, compliance: Self.compliance,
                                           matchMemoryBytes: spilling ? 1 : .max)
        #expect((result.matchSpills > 0) == (spilling && !result.findings.isEmpty))
        return result
    }

    /// For M in 1…8 and `rounds` random assignments each: the merged report is the single run's.
    private func expectMergeEqualsSingleRun(_ paths: [String], rounds: Int, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let single = Pipeline.run(options(paths), logger: Analysis.quietLogger)
        let expected = try report(single, paths: paths)
        let fileCount = Pipeline.discover(options(paths)).files.count
        for count in 1...8 {
            for round in 0..<rounds {
                let seed = UInt64(count * 1_000 + round) &* 0x9E37_79B9
                var generator = SeededGenerator(seed: seed)
                let assignment = (0..<fileCount).map { _ in Int.random(in: 0..<count, using: &generator) }
                // Every other round, the merge writes every match to disk and reads it back.
                let spilling = round % 2 == 1
                let result = try merged(paths, count: count, assignment: assignment, generator: &generator, spilling: spilling)
                #expect(result.totals == single.totals, "totals, M = \(count), seed \(seed)", sourceLocation: sourceLocation)
                #expect(result.activity == single.activity, "statistics, M = \(count), seed \(seed)", sourceLocation: sourceLocation)
                let actual = try report(result, paths: paths)
                for name in expected.keys.sorted() where actual[name] != expected[name] {
                    let run = "M = \(count), seed \(seed), spilling \(spilling), assignment \(assignment)"
                    Issue.record("\(name) differs from the single run's: \(run)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test("The samples: merged shards report what one run does")
    func samples() throws {
        try expectMergeEqualsSingleRun([Peers.samples], rounds: 2)
    }

    @Test("Copies of events in several files, stages and a correlation split over files")
    func crossFileCopiesAndCorrelations() throws {
        let root = try writeSplitCorpus()
        // The corpus does what it is for: copies dropped, a correlation and a withdrawn match.
        let single = Pipeline.run(options([root]), logger: Analysis.quietLogger)
        #expect(single.totals.duplicateEvents == 151 + 50)
        #expect(single.findings.contains { $0.rule.name == "api-brute-force" })
        #expect(single.findings.filter { $0.rule.name == "exec-in-kube-system" }.count == 1)
        try expectMergeEqualsSingleRun([root], rounds: 3)
    }

    /// Inputs whose events a single run deduplicates and correlates across files: a rotated copy and
    /// a shipper's copy of the live log, requests whose stages sit in different files (one ending in
    /// a Panic, one a denied exec whose earlier match is withdrawn), and a brute force spread over
    /// four files.
    private func writeSplitCorpus() throws -> String {
        func lines(_ events: [EventLine]) -> [String] { events.map(\.json) }
        let base = EventLine.numbered(300).map { event in
            var event = event
            if event.auditID.hasSuffix("7") { event.code = 403 }
            event.user = ["alice", "bob", "system:serviceaccount:shop:api"][Int(event.received / 1_000_000 % 3)]
            return event
        }
        try directory.write("corpus/cluster/audit.log", lines: lines(Array(base)))
        try directory.write("corpus/cluster/audit.log.1", lines: lines(Array(base[149...])))
        let staged = EventLine.numbered(100, from: 301)
        try directory.write("corpus/shipped/copy.log", lines: lines(Array(base[0..<50]) + staged.map { event in
            var event = event
            event.stage = "RequestReceived"
            event.code = nil
            return event
        }))
        let started = EventLine.numbered(20, from: 401).map { event in
            var event = event
            event.stage = "ResponseStarted"
            return event
        }
        try directory.write("corpus/cluster/stages.log", lines: lines(staged.map { event in
            var event = event
            if event.auditID.hasSuffix("3") { event.code = 403 }
            return event
        } + started))
        try directory.write("corpus/cluster/panic.log", lines: lines(started.map { event in
            var event = event
            event.stage = "Panic"
            event.code = 500
            return event
        }))
        for part in 0..<4 {
            try directory.write("corpus/brute/part-\(part).log", lines: lines((0..<3).map { step in
                var event = EventLine(number: 1_000 + part + step * 4)
                event.user = "system:anonymous"
                event.sourceIPs = ["203.0.113.77"]
                event.code = 401
                return event
            }))
        }
        for (number, code) in [(2_000, 101), (2_001, 403)] {
            var exec = EventLine(number: number)
            exec.verb = "create"
            exec.namespace = "kube-system"
            exec.subresource = "exec"
            exec.name = "coredns-0"
            exec.stage = "RequestReceived"
            exec.code = nil
            try directory.write("corpus/exec/received-\(number).log", lines: [exec.json])
            exec.stage = "ResponseComplete"
            exec.code = code
            try directory.write("corpus/exec/complete-\(number).log", lines: [exec.json])
        }
        return directory.path("corpus")
    }

    @Test("One sharded run over every cluster's directory gives each cluster the report of a run over it alone")
    func perCluster() throws {
        let combined = options([Peers.samples], fromDirectory: true)
        let fileCount = Pipeline.discover(combined).files.count
        var generator = SeededGenerator(seed: 7)
        let assignment = (0..<fileCount).map { _ in Int.random(in: 0..<3, using: &generator) }
        let set = try shards(combined, count: 3, assignment: assignment, generator: &generator)
        let clusters = set.contents[0].clusters
        #expect(clusters == [nil, "shop-aks", "shop-eks", "shop-gke", "shop-prod"])
        for cluster in clusters.compactMap({ $0 }) {
            let path = Peers.samples + "/" + cluster
            let alone = Pipeline.run(options([path], cluster: cluster), logger: Analysis.quietLogger)
            let parts = set.contents.map { $0.restricted(toCluster: cluster, bounded: false) }
            let result = try ShardMerge.result(of: parts, window: .unbounded, rules: Self.rules, compliance: Self.compliance)
            #expect(result.totals == alone.totals, "\(cluster)")
            #expect(!result.findings.isEmpty, "\(cluster): the samples hold incidents in every cluster")
            let expected = try report(alone, paths: [path])
            let actual = try report(result, paths: [path])
            for name in expected.keys.sorted() where actual[name] != expected[name] {
                Issue.record("\(cluster): \(name) differs from a run over the cluster alone (seed 7, assignment \(assignment))")
            }
        }
    }

    @Test("Bundles that repeat a shard, read an input twice or drop one, or come from other runs are refused")
    func refusedSets() throws {
        let root = try directory.write("small/a.log", lines: EventLine.numbered(3).map(\.json))
        try directory.write("small/b.log", lines: EventLine.numbered(3, from: 10).map(\.json))
        let options = options([(root as NSString).deletingLastPathComponent])
        let inputs = Pipeline.discover(options)
        func bundle(_ index: Int, of count: Int, reading assigned: [Int], rules: String = Self.rules.sha256)
            -> (manifest: ShardManifest, content: ShardContent)
        {
            let manifest = ShardManifest(shardIndex: index, shardCount: count, attempt: nil, rulesSHA256: rules, optionsSHA256: "",
                                         runIDSHA256: "", listingSHA256: "", assignment: "test", window: .unbounded, now: nil,
                                         arguments: [], startedAt: Timestamp(unixSeconds: 0), finishedAt: Timestamp(unixSeconds: 0))
            let content = Pipeline.shard(inputs, assigned: assigned, options: options, seeds: .random(), logger: Analysis.quietLogger)
            return (manifest, content)
        }
        #expect(throws: ShardSetError.assignedTwice(inputs.files[1].path, 0, 1)) {
            try ShardSet([bundle(0, of: 2, reading: [0, 1]), bundle(1, of: 2, reading: [1])], expected: 2)
        }
        #expect(throws: ShardSetError.dropped(inputs.files[1].path)) {
            try ShardSet([bundle(0, of: 2, reading: [0]), bundle(1, of: 2, reading: [])], expected: 2)
        }
        #expect(throws: ShardSetError.repeated(0)) {
            try ShardSet([bundle(0, of: 2, reading: [0]), bundle(0, of: 2, reading: [1])], expected: 2)
        }
        #expect(throws: ShardSetError.self) {
            try ShardSet([bundle(0, of: 2, reading: [0]), bundle(1, of: 2, reading: [1], rules: "other")], expected: 2)
        }
        #expect(throws: ShardSetError.self) { try ShardSet([bundle(0, of: 2, reading: [0, 1])], expected: 3) }
        // A bundle whose matches and counts point at an input it says it did not read is not followed.
        var lying = bundle(0, of: 2, reading: [0, 1])
        lying.content.assigned = [0]
        do {
            _ = try ShardSet([lying, bundle(1, of: 2, reading: [1])], expected: 2)
            Issue.record("an inconsistent bundle was accepted")
        } catch {
            #expect(error.description.hasPrefix("the bundle of shard 0 is inconsistent: counts for input 1"), "\(error)")
        }
        // A missing shard is not an error here: the merge decides, and knows which inputs it lacks.
        let partial = try ShardSet([bundle(1, of: 2, reading: [1])], expected: 2)
        #expect(partial.missingShards == [0] && partial.missingFiles == [0])
    }

    @Test("Each input is read by exactly one shard, whatever the listing order")
    func assignmentCoversEveryInputOnce() throws {
        let files = (0..<200).map { InputFile(path: "/data/s3-sync/c\($0 % 3)/audit-\($0).log.gz", cluster: nil, size: Int64($0 * 7_919 % 1_000),
                                              nameTime: nil, rotationIndex: 0) }
        for assignment in [ShardAssignment.pathHash,
                           .listing(files.map { .init(path: String($0.path.dropFirst("/data/".count)), size: $0.size) })] {
            for count in [1, 3, 8] {
                let shards = try (0..<count).map { try assignment.assigned(files, roots: ["/data/"], index: $0, count: count) }
                #expect(shards.flatMap { $0 }.sorted() == Array(files.indices))
                // Another mount point and another order give the same files to the same shards.
                let moved = files.reversed().map { InputFile(path: "/mnt" + $0.path.dropFirst("/data".count), cluster: nil,
                                                             size: $0.size, nameTime: nil, rotationIndex: 0) }
                let again = try (0..<count).map { try assignment.assigned(moved, roots: ["/mnt"], index: $0, count: count) }
                #expect(again.map { Set($0.map { moved[$0].path.dropFirst(4) }) } == shards.map { Set($0.map { files[$0].path.dropFirst(5) }) })
            }
        }
        let bins = ShardAssignment.bins(files.map { .init(path: $0.path, size: $0.size) }, count: 8)
        let loads = (0..<8).map { shard in files.filter { bins[$0.path] == shard }.reduce(Int64(0)) { $0 + $1.size } }
        #expect(loads.max()! - loads.min()! <= files.map(\.size).max()!, "size-balanced bins: \(loads)")
    }

    @Test("A listing that misses an input is refused; `aws s3 ls` output is read")
    func listings() throws {
        let listed = try ShardAssignment.parseListing("""
            # size path
            120 c1/audit.log
            2026-11-24 03:00:00        512 c2/audit with space.log

            """)
        #expect(listed == [.init(path: "c1/audit.log", size: 120), .init(path: "c2/audit with space.log", size: 512)])
        #expect(throws: ShardError.badListing("line 1 is not `SIZE PATH`: big c1/audit.log")) {
            try ShardAssignment.parseListing("big c1/audit.log")
        }
        let files = [InputFile(path: "/d/c1/audit.log", cluster: nil, size: 1, nameTime: nil, rotationIndex: 0),
                     InputFile(path: "/d/c3/new.log", cluster: nil, size: 1, nameTime: nil, rotationIndex: 0)]
        #expect(throws: ShardError.unlistedInput("/d/c3/new.log")) {
            try ShardAssignment.listing(listed).assigned(files, roots: ["/d"], index: 0, count: 2)
        }
    }
}
