/// The bundles given to one merge, checked against each other before anything is merged.
package struct ShardSet: Sendable {
    package var manifests: [ShardManifest]
    package var contents: [ShardContent]
    /// Shard indices no bundle was given for.
    package var missingShards: [Int]
    /// Listing indices that only a missing shard would have read.
    package var missingFiles: Set<Int>

    /// - Parameter expected: the shard count the run was started with (`merge --expect`).
    /// - Throws: ``ShardSetError`` when bundles disagree, repeat a shard, or read an input twice.
    package init(_ bundles: [(manifest: ShardManifest, content: ShardContent)], expected: Int) throws(ShardSetError) {
        guard let reference = bundles.first?.manifest else { throw .noBundles }
        let identity = reference.runIdentity
        var seen: [Int: Int] = [:]
        for (position, bundle) in bundles.enumerated() {
            let manifest = bundle.manifest
            guard manifest.shardCount == expected else {
                throw .disagree("shard \(manifest.shardIndex) was one of \(manifest.shardCount) shards, not \(expected)")
            }
            for (field, other) in zip(identity, manifest.runIdentity) where field.1 != other.1 {
                throw .disagree("shards \(reference.shardIndex) and \(manifest.shardIndex) differ in \(field.0): \(field.1) against \(other.1)")
            }
            guard (0..<expected).contains(manifest.shardIndex) else {
                throw .disagree("shard index \(manifest.shardIndex) is outside 0..<\(expected)")
            }
            if seen[manifest.shardIndex] != nil { throw .repeated(manifest.shardIndex) }
            seen[manifest.shardIndex] = position
        }
        let ordered = seen.keys.sorted().map { bundles[seen[$0]!] }
        manifests = ordered.map(\.manifest)
        contents = ordered.map(\.content)
        missingShards = (0..<expected).filter { seen[$0] == nil }

        let listingCount = contents[0].listing.count
        var readBy = [Int?](repeating: nil, count: listingCount)
        for (manifest, content) in zip(manifests, contents) {
            for file in content.assigned {
                guard file >= 0 && file < listingCount else { throw .disagree("shard \(manifest.shardIndex) read input \(file) of \(listingCount)") }
                if let other = readBy[file] {
                    throw .assignedTwice(content.listing[file].path, other, manifest.shardIndex)
                }
                readBy[file] = manifest.shardIndex
            }
        }
        for (manifest, content) in zip(manifests, contents) {
            if let problem = content.inconsistency { throw .inconsistent(manifest.shardIndex, problem) }
        }
        let unread = readBy.indices.filter { readBy[$0] == nil }
        if missingShards.isEmpty, let dropped = unread.first { throw .dropped(contents[0].listing[dropped].path) }
        missingFiles = Set(unread)
    }
}

/// Why bundles cannot be merged into one report.
package enum ShardSetError: Error, CustomStringConvertible, Sendable, Equatable {
    case noBundles
    case disagree(String)
    case repeated(Int)
    case assignedTwice(String, Int, Int)
    case dropped(String)
    case inconsistent(Int, String)

    package var description: String {
        switch self {
        case .noBundles: "no shard bundle was given"
        case let .disagree(detail): "the bundles are not of one run: \(detail)"
        case let .repeated(index): "two bundles are shard \(index)"
        case let .assignedTwice(path, first, second): "\(path) was read by shards \(first) and \(second)"
        case let .dropped(path): "\(path) was read by no shard"
        case let .inconsistent(index, problem): "the bundle of shard \(index) is inconsistent: \(problem)"
        }
    }
}

extension ShardContent {
    /// What in the bundle points outside it (an input it did not read, a chunk beyond the member's
    /// count), which the merge must not follow; nil when nothing does. Requests are checked as the
    /// merge streams them (``RequestStream``).
    var inconsistency: String? {
        let own = Set(assigned)
        var chunks: [MemberKey: Int] = [:]
        for tally in tallies {
            guard own.contains(tally.member.file) else { return "counts for input \(tally.member.file), not its own" }
            chunks[tally.member, default: 0] += 1
        }
        for tally in tallies where tally.sequence >= chunks[tally.member]! {
            return "chunk \(tally.sequence) of a member with \(chunks[tally.member]!) chunks"
        }
        for file in hits.files.sorted() + duplicateCopies.map(\.location.member.file) where !own.contains(file) {
            return "a match in input \(file), not its own"
        }
        if readResults.keys.contains(where: { !own.contains($0) }) { return "a read result for an input not its own" }
        return nil
    }
}
