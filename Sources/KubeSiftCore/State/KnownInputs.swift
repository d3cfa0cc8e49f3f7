import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The inputs earlier runs read, as a run decides from them what to pass over and where to resume:
/// a single run from its state, a shard from a snapshot of it.
package struct KnownInputs: Sendable {
    private let byPath: [String: KnownInput]
    /// Modification times of the inputs found, by path, in microseconds since 1970.
    package private(set) var modified: [String: Int64] = [:]
    /// Inputs passed over because an earlier run read them and they have not changed since.
    package private(set) var unchanged: [String] = []

    package init(_ byPath: [String: KnownInput] = [:]) {
        self.byPath = byPath
    }

    /// Notes when each input found was last modified and, in an incremental run, takes out those
    /// unchanged since an earlier run read them.
    ///
    /// - Returns: where earlier runs stopped reading (incremental runs only).
    package mutating func passOver(_ discovered: inout InputDiscoverer.Result, incremental: Bool) -> ResumePoints? {
        for file in discovered.files { modified[file.path] = Self.modificationTime(of: file.path) }
        guard incremental else { return nil }
        discovered.files.removeAll { file in
            guard let earlier = byPath[file.path], earlier.size == file.size, earlier.modified == modified[file.path]
            else { return false }
            unchanged.append(file.path)
            return true
        }
        return ResumePoints(byPath.values.compactMap(\.position))
    }

    /// What the shards of a run noted as they passed over inputs, for the merge to commit.
    package mutating func adopt(modified: [String: Int64], unchanged: [String]) {
        self.modified = modified
        self.unchanged = unchanged
    }

    /// A SHA-256 over every input known and how far it was read: what shards decide from, so that
    /// the merge can tell the state it commits to is the one they read.
    package var sha256: String {
        var hasher = SHA256()
        for input in byPath.values.sorted(by: { $0.path < $1.path }) {
            let position = input.position.map { "\($0.fingerprint)\t\($0.fingerprintLength)\t\($0.bytes)\t\($0.lines)\t\($0.events)" }
            hasher.update(data: Array("\(input.path)\t\(input.size)\t\(input.modified)\t\(input.sha256 ?? "-")\t\(position ?? "-")\n".utf8))
        }
        return hasher.finalize().lowercaseHex
    }

    /// In microseconds since 1970; 0 when the file cannot be examined (it is then read, and fails there).
    private static func modificationTime(of path: String) -> Int64 {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return Int64(status.st_mtim.tv_sec) * 1_000_000 + Int64(status.st_mtim.tv_nsec) / 1_000
    }
}
