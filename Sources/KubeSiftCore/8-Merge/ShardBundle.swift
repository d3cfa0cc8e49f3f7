import Crypto
import Foundation

/// `manifest.json` of a shard bundle: what produced it, with which configuration, and the SHA-256
/// of every other file in it. The merge refuses bundles that disagree on any of it.
package struct ShardManifest: Sendable, Codable, Equatable {
    /// v2: the matches moved from `shard.json` to `matches.bin`. v3: what a shard passed over and
    /// noted with a state (`modified`, `unchanged`, `stateSHA256`). v4: request fingerprints are
    /// taken sixteen bytes at a time, and compare with no earlier bundle's.
    package static let formatName = "kubesift.shard/v4"

    package var format = formatName
    package var toolVersion = KubeSiftVersion.current
    package var shardIndex: Int
    package var shardCount: Int
    /// The retry this bundle came from, when the scheduler says (`AWS_BATCH_JOB_ATTEMPT`).
    package var attempt: Int?
    package var rulesSHA256: String
    /// Over the `analyze` arguments without the shard options: every shard must run the same command.
    package var optionsSHA256: String
    /// Over the run id the request fingerprints are seeded with (see ``ShardSeeds``).
    package var runIDSHA256: String
    /// Over the inputs every shard found (paths, sizes, clusters) and the listing file, if one assigned them.
    package var listingSHA256: String
    package var assignment: String
    /// Resolved to absolute UTC times: a relative `--since` must mean the same in every shard.
    package var window: TimeWindow
    /// The instant relative times were resolved against, when there were any.
    package var now: Timestamp?
    /// With a state: over the inputs it knew when the shard read it (``KnownInputs/sha256``).
    package var stateSHA256: String?
    /// The `analyze` arguments without the shard options: the merge reads rules and report options from them.
    package var arguments: [String]
    package var startedAt: Timestamp
    package var finishedAt: Timestamp
    /// SHA-256 of every other file of the bundle, by name.
    package var files: [String: String] = [:]

    package init(shardIndex: Int, shardCount: Int, attempt: Int?, rulesSHA256: String, optionsSHA256: String,
                 runIDSHA256: String, listingSHA256: String, assignment: String, window: TimeWindow, now: Timestamp?,
                 stateSHA256: String? = nil, arguments: [String], startedAt: Timestamp, finishedAt: Timestamp)
    {
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.attempt = attempt
        self.rulesSHA256 = rulesSHA256
        self.optionsSHA256 = optionsSHA256
        self.runIDSHA256 = runIDSHA256
        self.listingSHA256 = listingSHA256
        self.assignment = assignment
        self.window = window
        self.now = now
        self.stateSHA256 = stateSHA256
        self.arguments = arguments
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// What every shard of one run must agree on, as (name, value) pairs, for error messages.
    package var runIdentity: [(String, String)] {
        [("format", format), ("tool version", toolVersion), ("shard count", String(shardCount)), ("rule set", rulesSHA256),
         ("options", optionsSHA256), ("run id", runIDSHA256), ("listing", listingSHA256), ("assignment", assignment),
         ("state", stateSHA256 ?? "none"),
         ("window", "\(window.since.map(\.description) ?? "-")…\(window.until.map(\.description) ?? "-")")]
    }
}

/// One shard's output directory, `shard-0003-of-0008/`: `manifest.json`, `shard.json` (the
/// ``ShardContent`` but its requests and matches), `matches.bin` (see ``MatchCodec``) and
/// `requests.bin` (see ``RequestRecordCodec``), which a bundle read back does not hold but streams
/// (see ``RequestFile``).
package enum ShardBundle {
    static let contentName = "shard.json"
    static let matchesName = "matches.bin"
    static let requestsName = "requests.bin"

    package static func directoryName(index: Int, count: Int) -> String {
        "shard-\(padded(index))-of-\(padded(count))"
    }

    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The SHA-256 of the listing the shards assigned inputs from, and of the inputs a state let them pass over.
    package static func listingDigest(_ inputs: InputDiscoverer.Result, unchanged: [String] = [], listingFile: [UInt8]?) -> String {
        var hasher = SHA256()
        for file in inputs.files { hasher.update(data: Array("\(file.path)\t\(file.size)\t\(file.cluster ?? "")\n".utf8)) }
        for path in unchanged { hasher.update(data: Array("unchanged\t\(path)\n".utf8)) }
        for path in inputs.skipped { hasher.update(data: Array("skipped\t\(path.path)\t\(path.problem.kind.rawValue)\n".utf8)) }
        if let listingFile { hasher.update(data: listingFile) }
        return hasher.finalize().lowercaseHex
    }

    /// Writes the bundle into `parent` all at once: into a temporary directory beside it, which
    /// then takes the bundle's name. A retried shard replaces its earlier bundle whole; a shard
    /// killed while writing leaves only a temporary directory, which no merge reads.
    ///
    /// - Returns: the bundle's path.
    package static func write(_ content: ShardContent, manifest: ShardManifest, into parent: String) throws -> String {
        let name = directoryName(index: manifest.shardIndex, count: manifest.shardCount)
        let target = parent + "/" + name
        let temporary = parent + "/.\(name).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: temporary, code: EACCES)
        }
        var manifest = manifest
        /// A file written, flushed and hashed as its chunks come, as a report's files are
        /// (requests.bin is most of a shard's output, and is never held whole).
        func write(_ fileName: String, _ chunks: (_ emit: ([UInt8]) throws -> Void) throws -> Void) throws {
            let staged = try AtomicFileWriter.StagedFile(target: temporary + "/" + fileName)
            let file = ReportOutput.RenderedFile(name: fileName, destination: .staged(staged))
            try chunks(file.append)
            try file.finish()
            try AtomicFileWriter.commit([.success(staged)])
            manifest.files[fileName] = file.sha256
        }
        try write(contentName) { try $0(try SortedJSONEncoder().encode(content)) }
        try write(matchesName) { try $0(MatchCodec.encode(hits: content.hits.all, copies: content.duplicateCopies)) }
        try write(requestsName) { try RequestRecordCodec.encode(content.requests, emit: $0) }
        try AtomicFileWriter.write(try SortedJSONEncoder(prettyPrinted: true).encode(manifest) + [0x0A],
                                   to: temporary + "/manifest.json")
        try replace(target, with: temporary)
        return target
    }

    /// Puts `temporary` in the place of `target`: a directory cannot be renamed over a non-empty
    /// one, so an earlier bundle is first moved aside, then removed.
    private static func replace(_ target: String, with temporary: String) throws {
        let aside = temporary + ".old"
        let hadTarget = rename(target, aside) == 0
        guard rename(temporary, target) == 0 else {
            let code = errno
            if hadTarget { rename(aside, target) }
            throw OutputError(path: target, code: code)
        }
        if hadTarget { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Reads bundles on every core (the merge's time goes mostly into decoding them), with the
    /// SHA-256 of each manifest. The first error, in the order given, is thrown.
    ///
    /// - Parameter matchMemoryBytes: memory for all bundles' matches; past it, they are written to
    ///   a temporary file.
    package static func read(_ directories: [String], matchMemoryBytes: Int = AnalysisOptions.defaultMatchMemoryBytes)
        throws(ShardBundleError) -> [(manifest: ShardManifest, content: ShardContent, manifestSHA256: String)]
    {
        let hitBudget = matchMemoryBytes / RuleHit.estimatedBytes / max(1, directories.count)
        let results = concurrentMap(directories.count) { index in
            Result { () throws(ShardBundleError) in
                let bundle = try read(directories[index], hitBudget: hitBudget)
                let bytes = FileManager.default.contents(atPath: directories[index] + "/manifest.json") ?? Data()
                return (bundle.manifest, bundle.content, SHA256.hash(data: bytes).lowercaseHex)
            }
        }
        return try results.map { result throws(ShardBundleError) in try result.get() }
    }

    /// Reads a bundle and checks every file against the manifest's SHA-256.
    ///
    /// - Parameter hitBudget: matches held in memory before they are written to a temporary file.
    package static func read(_ directory: String, hitBudget: Int = .max) throws(ShardBundleError)
        -> (manifest: ShardManifest, content: ShardContent)
    {
        func load(_ name: String) throws(ShardBundleError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw .unreadable(directory, name)
            }
            return Array(data)
        }
        struct Format: Decodable { var format: String }
        let manifest: ShardManifest
        do {
            let bytes = Data(try load("manifest.json"))
            // The format first: another version's manifest may not even decode as this one.
            let format = try JSONDecoder().decode(Format.self, from: bytes).format
            guard format == ShardManifest.formatName else {
                throw ShardBundleError.malformed("\(directory)/manifest.json", "it is a \(format) bundle, and this kubesift reads "
                    + "\(ShardManifest.formatName): run the shards and the merge with the same version")
            }
            manifest = try JSONDecoder().decode(ShardManifest.self, from: bytes)
        } catch let error as ShardBundleError {
            throw error
        } catch {
            throw .malformed("\(directory)/manifest.json", "\(error)")
        }
        func checked(_ name: String) throws(ShardBundleError) -> [UInt8] {
            let bytes = try load(name)
            guard let expected = manifest.files[name], SHA256.hash(data: bytes).lowercaseHex == expected else {
                throw .checksumMismatch(directory, name)
            }
            return bytes
        }
        var content: ShardContent
        let contentBytes = try checked(contentName)
        do {
            content = try JSONDecoder().decode(ShardContent.self, from: Data(contentBytes))
        } catch {
            throw .malformed("\(directory)/\(contentName)", "\(error)")
        }
        content.origin = directory
        let matches = try checked(matchesName)
        do {
            var hits = ShardHits(budget: hitBudget)
            content.duplicateCopies = try MatchCodec.decode(matches) { hits.append($0) }
            content.hits = hits
        } catch {
            throw .malformed("\(directory)/\(matchesName)", error.description)
        }
        // The bulk of the bundle: checked here, streamed by the merge.
        content.requestFile = try RequestFile.open(directory + "/" + requestsName, directory: directory,
                                                   sha256: manifest.files[requestsName], ownFiles: Set(content.assigned))
        return (manifest, content)
    }
}

/// A bundle that cannot be merged.
package enum ShardBundleError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(String, String)
    case malformed(String, String)
    case checksumMismatch(String, String)

    package var description: String {
        switch self {
        case let .unreadable(directory, name): "\(directory): \(name) is missing or unreadable"
        case let .malformed(file, detail): "\(file) is malformed: \(detail)"
        case let .checksumMismatch(directory, name):
            "\(directory)/\(name) does not match the SHA-256 in its manifest: the bundle was altered or half-copied"
        }
    }
}
