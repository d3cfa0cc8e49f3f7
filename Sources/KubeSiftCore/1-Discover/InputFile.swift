/// One input file found under the paths given to `analyze`.
package struct InputFile: Hashable, Sendable, Codable {
    /// The path as the user would type it: a given path, or a given directory joined with the path below it.
    package var path: String
    /// The cluster the file belongs to (`--cluster`, or its first directory with `--cluster-from-dir`).
    package var cluster: String?
    package var size: Int64
    /// The time written in the file name by the rotation (`audit-2026-11-21T03-00-00.000.log.gz`).
    package var nameTime: Timestamp?
    /// logrotate's numeric suffix (`audit.log.2.gz` → 2): higher is older.
    package var rotationIndex: Int

    package init(path: String, cluster: String?, size: Int64, nameTime: Timestamp?, rotationIndex: Int) {
        self.path = path
        self.cluster = cluster
        self.size = size
        self.nameTime = nameTime
        self.rotationIndex = rotationIndex
    }
}

/// A path that was found but cannot be analyzed as an input file.
package struct SkippedPath: Hashable, Sendable, Codable {
    package var path: String
    package var cluster: String?
    package var problem: InputProblem
}
