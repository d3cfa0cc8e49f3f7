import Crypto
import Foundation

/// Which shard reads which input: computed by every shard alone, the same in all of them.
package enum ShardAssignment: Sendable, Equatable {
    /// By a SHA-256 of the path below the input root it was found under, modulo the shard count:
    /// the same wherever the volume is mounted and whatever order the files are listed in.
    case pathHash
    /// Size-balanced bins over a listing (`SIZE PATH` lines, paths below the input root) every
    /// shard is given: the largest file first, each to the least-loaded shard.
    case listing([ListedFile])

    package struct ListedFile: Sendable, Equatable {
        package var path: String
        package var size: Int64

        package init(path: String, size: Int64) {
            self.path = path
            self.size = size
        }
    }

    /// Reads a listing file: one `SIZE PATH` per line (spaces or a tab between), `#` comments and
    /// blank lines ignored; `aws s3 ls --recursive` output (`DATE TIME SIZE KEY`) is read too.
    package static func parseListing(_ text: String) throws(ShardError) -> [ListedFile] {
        var files: [ListedFile] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let words = trimmed.split(maxSplits: 3, whereSeparator: \.isWhitespace).map(String.init)
            let isS3 = words.count == 4 && words[0].count == 10 && Array(words[0])[4] == "-"
            let fields = isS3 ? [words[2], words[3]] : trimmed.split(maxSplits: 1, whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 2, let size = Int64(fields[0]), size >= 0 else {
                throw .badListing("line \(number + 1) is not `SIZE PATH`: \(trimmed.prefix(80))")
            }
            files.append(ListedFile(path: fields[1].trimmingCharacters(in: .whitespaces), size: size))
        }
        return files
    }

    /// The listing indices of `files` that shard `index` of `count` reads.
    ///
    /// - Parameter roots: the paths given to `analyze`: each file is named by its path below the one it was found under.
    /// - Throws: ``ShardError/unlistedInput(_:)`` when a listing is used and a found file is not in it.
    package func assigned(_ files: [InputFile], roots: [String], index: Int, count: Int) throws(ShardError) -> [Int] {
        let relative = files.map { Self.relativePath($0.path, roots: roots) }
        switch self {
        case .pathHash:
            return relative.indices.filter { Self.hash(relative[$0]) % UInt64(count) == UInt64(index) }
        case let .listing(listed):
            let bins = Self.bins(listed, count: count)
            var shards: [Int] = []
            for (position, path) in relative.enumerated() {
                guard let shard = bins[path] else { throw .unlistedInput(files[position].path) }
                if shard == index { shards.append(position) }
            }
            return shards
        }
    }

    /// Largest first (ties by path), each to the shard with the fewest bytes so far (ties: the lowest index).
    static func bins(_ listed: [ListedFile], count: Int) -> [String: Int] {
        var loads = [Int64](repeating: 0, count: count)
        var bins: [String: Int] = [:]
        for file in listed.sorted(by: { ($1.size, $0.path) < ($0.size, $1.path) }) where bins[file.path] == nil {
            let shard = loads.indices.min { (loads[$0], $0) < (loads[$1], $1) }!
            loads[shard] += file.size
            bins[file.path] = shard
        }
        return bins
    }

    static func relativePath(_ path: String, roots: [String]) -> String {
        let root = roots.map { $0.hasSuffix("/") && $0.count > 1 ? String($0.dropLast()) : $0 }
            .filter { path == $0 || path.hasPrefix($0 + "/") }
            .max { $0.count < $1.count }
        guard let root else { return path }
        // A file given by itself is named by its file name.
        return path == root ? (path as NSString).lastPathComponent : String(path.dropFirst(root.count + 1))
    }

    static func hash(_ path: String) -> UInt64 {
        SHA256.hash(data: Array(path.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// The shared secret of a run's shards: every shard must fingerprint requests alike for the merge
/// to find the copies of one request, yet an attacker who writes the logs must not be able to
/// predict the fingerprints (and craft two requests that collide).
package enum ShardSeeds {
    /// Seeds derived from the run id (in Kubernetes, the Job's uid, unknown before the Job exists)
    /// and the options digest.
    package static func derive(runID: String, optionsDigest: String) -> HashSeeds {
        let digest = Array(SHA256.hash(data: Array("kubesift shard seeds\n\(runID)\n\(optionsDigest)".utf8)))
        func word(_ at: Int) -> UInt64 { digest[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return HashSeeds(fingerprint: (word(0), word(8)), table: word(16))
    }

    /// What the manifest records of the run id: enough to see the shards agree, not the id itself.
    package static func digest(runID: String) -> String {
        SHA256.hash(data: Array("kubesift run id\n\(runID)".utf8)).lowercaseHex
    }
}

/// A shard or merge that cannot go on; retrying it would not help.
package enum ShardError: Error, CustomStringConvertible, Sendable, Equatable {
    case badListing(String)
    case unlistedInput(String)

    package var description: String {
        switch self {
        case let .badListing(detail): "--listing: \(detail)"
        case let .unlistedInput(path): "--listing does not list \(path): every shard must be given the same, complete listing"
        }
    }
}
