import Foundation
import Testing
@testable import KubeSiftCore

/// A bundle as the merge reads it: its requests streamed from `requests.bin`, and every file a
/// hostile or damaged bundle could hand it refused with a reason, never followed.
@Suite struct ShardBundleTests {
    static let rules = try! RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)

    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// Two overlapping logs (a live file and its rotated copy) and a third, enough requests for many blocks.
    private func inputs() throws -> (InputDiscoverer.Result, AnalysisOptions) {
        let events = EventLine.numbered(400).map { event in
            var event = event
            if event.auditID.hasSuffix("3") { event.code = 403 }
            return event
        }
        try directory.write("logs/audit.log", lines: events[100...].map(\.json))
        try directory.write("logs/audit.log.1", lines: events[..<250].map(\.json))
        try directory.write("logs/other.log", lines: EventLine.numbered(50, from: 1_000).map(\.json))
        var options = AnalysisOptions(paths: [directory.path("logs")], workers: 2)
        options.rules = Self.rules
        return (Pipeline.discover(options), options)
    }

    /// Shard `index` of `count` reading `assigned`, written as a bundle; `alter` changes its content first.
    private func bundle(_ inputs: InputDiscoverer.Result, _ options: AnalysisOptions, index: Int = 0, count: Int = 1,
                        assigned: [Int]? = nil, alter: (inout ShardContent) -> Void = { _ in }) throws
        -> (content: ShardContent, path: String)
    {
        var content = Pipeline.shard(inputs, assigned: assigned ?? Array(inputs.files.indices), options: options,
                                     seeds: ShardSeeds.derive(runID: "bundle-test", optionsDigest: ""), logger: Analysis.quietLogger)
        alter(&content)
        let manifest = ShardManifest(
            shardIndex: index, shardCount: count, attempt: nil, rulesSHA256: Self.rules.sha256, optionsSHA256: "", runIDSHA256: "",
            listingSHA256: "", assignment: "test", window: .unbounded, now: nil, arguments: [],
            startedAt: Timestamp(unixSeconds: 0), finishedAt: Timestamp(unixSeconds: 0))
        return (content, try ShardBundle.write(content, manifest: manifest, into: directory.path("bundles")))
    }

    private func flipByte(in path: String, at offset: (Int) -> Int) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[offset(bytes.count)] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    private func cut(_ path: String, by count: Int) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(count).write(to: URL(fileURLWithPath: path))
    }

    /// The merge's error, or a recorded issue when it merged.
    private func mergeError(_ contents: [ShardContent], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            _ = try ShardMerge.result(of: contents, window: .unbounded, rules: Self.rules, compliance: nil)
            Issue.record("the merge accepted the bundle", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.description
        }
    }

    @Test("Requests come back from requests.bin in blocks exactly as the shard held them, and merge the same")
    func requestsStreamInBlocks() throws {
        let (inputs, options) = try inputs()
        let (content, path) = try bundle(inputs, options)
        #expect(content.requests.count > 400, "the corpus spans many blocks of 7")
        let read = try ShardBundle.read(path).content
        #expect(read.requests.isEmpty && read.requestFile?.count == content.requests.count, "the bundle read holds no request")

        for rows in [1, 7, content.requests.count, 100_000] {
            let stream = try RequestStream(read, label: "test", blockRows: rows)
            var streamed: [RequestRecord] = []
            while let record = try stream.next() { streamed.append(record) }
            #expect(streamed == content.requests, "blocks of \(rows)")
        }
        // Two shards, streamed in blocks of 3, count what the records held in memory count.
        let halves = [[0], Array(inputs.files.indices.dropFirst())]
        let shards = try halves.enumerated().map { index, assigned in
            try bundle(inputs, options, index: index, count: 2, assigned: assigned)
        }
        let inMemory = try ShardMerge.mergedRequests(shards.map(\.content), keepingStagesOf: [])
        let streamed = try ShardMerge.mergedRequests(try shards.map { try ShardBundle.read($0.path).content },
                                                     keepingStagesOf: [], blockRows: 3)
        #expect(streamed.count == inMemory.count && streamed.distinctEvents == inMemory.distinctEvents)
        #expect(streamed.activity == inMemory.activity)
        #expect(inMemory.count < shards.reduce(0) { $0 + $1.content.requests.count }, "copies in both shards are joined")
    }

    @Test("A requests.bin cut or altered, before or while the merge reads it, is refused with a reason")
    func alteredRequests() throws {
        let (inputs, options) = try inputs()
        let requests = { (path: String) in path + "/requests.bin" }
        for damage in [{ try flipByte(in: $0, at: { $0 / 2 }) }, { try cut($0, by: 1) }, { try cut($0, by: 64) }] as [(String) throws -> Void] {
            let (_, path) = try bundle(inputs, options)
            try damage(requests(path))
            #expect(throws: ShardBundleError.checksumMismatch(path, "requests.bin")) { try ShardBundle.read(path) }
        }
        // Checked when read, then changed under the merge: a flipped row, a cut file.
        let (_, path) = try bundle(inputs, options)
        let read = try ShardBundle.read(path).content
        // A bit of the last row's response code: a value the rows' own checks cannot tell from a real one.
        try flipByte(in: requests(path), at: { $0 - 64 + 29 })
        #expect(mergeError([read]).contains("it changed while the merge read it"))
        try cut(requests(path), by: 64 * 5)
        #expect(mergeError([read]).contains("it was cut short while the merge read it"))
    }

    @Test("Requests no shard writes are refused: a key outside its table, another shard's input, out of order")
    func impossibleRequests() throws {
        let (inputs, options) = try inputs()
        let cases: [(String, [Int]?, (inout ShardContent) -> Void)] = [
            ("names key 10000 of a table of", nil, { $0.requests[5].keys[0] = 10_000 }),
            ("is of input 2, which the shard did not read", [0, 1], { $0.requests[3].file = 2 }),
            ("request 1 is out of index order", nil, { $0.requests.swapAt(0, 1) }),
        ]
        for (expected, assigned, alter) in cases {
            // The checksum is the bundle's own: these pass it and must be caught by what they say.
            let (_, path) = try bundle(inputs, options, assigned: assigned, alter: alter)
            let error = mergeError([try ShardBundle.read(path).content])
            #expect(error.contains(path + "/requests.bin is malformed") && error.contains(expected), "\(error)")
        }
    }
}
