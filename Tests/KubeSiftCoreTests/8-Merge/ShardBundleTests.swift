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
        // Written a block at a time too: the same file, whatever the block.
        let file = try Array(Data(contentsOf: URL(fileURLWithPath: path + "/" + ShardBundle.requestsName)))
        for rows in [1, 7, 100_000] {
            var chunks: [[UInt8]] = []
            RequestRecordCodec.encode(content.requests, blockRecords: rows) { chunks.append($0) }
            #expect(Array(chunks.joined()) == file, "written in blocks of \(rows)")
            #expect(chunks.count == 1 + (content.requests.count + rows - 1) / rows)
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

    /// The samples, read by one shard: matches of every kind of rule, and copies of events.
    private func samplesContent() -> ShardContent {
        var options = AnalysisOptions(paths: [Peers.samples], workers: 2)
        options.rules = Self.rules
        let inputs = Pipeline.discover(options)
        return Pipeline.shard(inputs, assigned: Array(inputs.files.indices), options: options, seeds: .random(),
                              logger: Analysis.quietLogger)
    }

    /// The matches as JSON, as bundles stored them before: the binary codec must keep all of it.
    private func json(_ hits: [RuleHit], _ copies: [EventCopy]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(hits)) + Array(try encoder.encode(copies))
    }

    @Test("matches.bin gives back every field of every match and copy, in order, in a fraction of the JSON")
    func matchesRoundTrip() throws {
        let content = samplesContent()
        let hits = content.hits.all
        #expect(hits.count > 100 && content.duplicateCopies.count > 10)
        #expect(hits.contains { !$0.keys.isEmpty } && hits.contains { $0.summary.groups == nil })
        let bytes = MatchCodec.encode(hits: hits, copies: content.duplicateCopies)
        let decoded = try MatchCodec.decode(bytes)
        #expect(try json(decoded.hits, decoded.copies) == json(hits, content.duplicateCopies))
        let jsonSize = try json(hits, content.duplicateCopies).count
        #expect(bytes.count * 3 < jsonSize, "\(bytes.count) bytes against \(jsonSize) of JSON")
        #expect(try MatchCodec.decode(MatchCodec.encode(hits: [], copies: [])).hits.isEmpty)
    }

    @Test("A cut or corrupted matches.bin gives a reason, never a crash or a made-up match")
    func corruptMatches() throws {
        let content = samplesContent()
        let bytes = MatchCodec.encode(hits: Array(content.hits.all.prefix(6)), copies: Array(content.duplicateCopies.prefix(3)))
        // Cut anywhere: always refused, with the offset inside what is left.
        for length in 0..<bytes.count {
            do {
                _ = try MatchCodec.decode(Array(bytes.prefix(length)))
                Issue.record("a file cut to \(length) of \(bytes.count) bytes was decoded")
            } catch {
                #expect(error.offset <= length)
            }
        }
        // Each byte flipped three ways: refused, or decoded into values the codec can write (a flipped
        // text or number is still a text or number); the rest of the merge checks what it indexes with.
        var refused = 0
        for offset in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var flipped = bytes
                flipped[offset] ^= mask
                do {
                    let decoded = try MatchCodec.decode(flipped)
                    #expect(MatchCodec.encode(hits: decoded.hits, copies: decoded.copies).count <= bytes.count + 16)
                } catch {
                    refused += 1
                    #expect(error.offset <= flipped.count)
                }
            }
        }
        #expect(refused > bytes.count, "most corruptions are caught by the format itself: \(refused) of \(bytes.count * 3)")
        var otherVersion = bytes
        otherVersion[7] = UInt8(ascii: "2")
        #expect(throws: MatchCodecError(offset: 5, problem: "version 002, not 001")) { try MatchCodec.decode(otherVersion) }
    }

    @Test("A bundle of another format version, a matches.bin altered, or matches of other rules are refused")
    func refusedMatches() throws {
        let (inputs, options) = try inputs()
        let (_, path) = try bundle(inputs, options)
        try flipByte(in: path + "/matches.bin", at: { $0 / 2 })
        #expect(throws: ShardBundleError.checksumMismatch(path, "matches.bin")) { try ShardBundle.read(path) }

        let manifest = path + "/manifest.json"
        _ = try bundle(inputs, options)
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let version = ShardManifest.formatName
        #expect(text.contains(version))
        try text.replacingOccurrences(of: version, with: "kubesift.shard/v1").write(toFile: manifest, atomically: true, encoding: .utf8)
        do {
            _ = try ShardBundle.read(path)
            Issue.record("a v1 bundle was read")
        } catch {
            #expect(error.description.contains("it is a kubesift.shard/v1 bundle, and this kubesift reads \(version)"),
                    "\(error)")
        }

        let samples = samplesContent()
        for (expected, alter) in [("names rule 100000 of", { (hit: inout RuleHit) in hit.rule = 100_000 }),
                                  ("names slot 9 of correlation", { (hit: inout RuleHit) in hit.keys[0].slot = 9 })] {
            var content = samples
            var hits = content.hits.all
            let index = hits.firstIndex { !$0.keys.isEmpty }!
            alter(&hits[index])
            content.hits = ShardHits(hits)
            let error = mergeError([content])
            #expect(error.contains("matches.bin is malformed: match \(index) \(expected)"), "\(error)")
        }
    }
}
