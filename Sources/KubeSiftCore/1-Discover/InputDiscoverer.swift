import Foundation

/// Finds every input file under the paths given to `analyze`, in the order rotation wrote them.
///
/// Directories are walked recursively. Hidden files and directories, and directories KubeSift
/// wrote its own reports into, are passed over; FIFOs, sockets and devices are listed as skipped,
/// never opened (opening a FIFO blocks). Symbolic links are followed, but a directory or file reached
/// twice (a link loop, two links to one file) is read once.
package struct InputDiscoverer: Sendable {
    /// Name of the marker file in every directory KubeSift writes reports into.
    package static let outputMarker = ".kubesift-output"

    package var cluster: String?
    package var clusterFromDirectory = false

    package init(cluster: String? = nil, clusterFromDirectory: Bool = false) {
        self.cluster = cluster
        self.clusterFromDirectory = clusterFromDirectory
    }

    package struct Result: Sendable {
        package var files: [InputFile] = []
        package var skipped: [SkippedPath] = []
    }

    package func discover(_ paths: [String]) -> Result {
        var walk = Walk(discoverer: self)
        for path in paths { walk.visitArgument(path) }
        var result = Result()
        result.files = walk.files.sorted { lhs, rhs in
            let left = (lhs.cluster ?? "", lhs.nameTime?.microseconds ?? .max, -lhs.rotationIndex)
            let right = (rhs.cluster ?? "", rhs.nameTime?.microseconds ?? .max, -rhs.rotationIndex)
            return left != right ? left < right : lhs.path < rhs.path
        }
        result.skipped = walk.skipped.sorted { $0.path < $1.path }
        return result
    }

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct Walk {
        let discoverer: InputDiscoverer
        var files: [InputFile] = []
        var skipped: [SkippedPath] = []
        var seen: Set<FileIdentity> = []

        init(discoverer: InputDiscoverer) { self.discoverer = discoverer }

        mutating func visitArgument(_ path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else {
                skipped.append(SkippedPath(path: path, cluster: discoverer.cluster, problem: InputProblem(
                    kind: .unreadable, message: "cannot open: \(String(cString: strerror(errno)))")))
                return
            }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                let root = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
                visitDirectory(root, relative: [], status: status)
            } else {
                visitFile(path, cluster: discoverer.cluster, status: status)
            }
        }

        private mutating func visitDirectory(_ directory: String, relative: [String], status: stat) {
            guard seen.insert(FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))).inserted else {
                return
            }
            if FileManager.default.fileExists(atPath: directory + "/" + InputDiscoverer.outputMarker) { return }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                skipped.append(SkippedPath(path: directory, cluster: discoverer.cluster, problem: InputProblem(
                    kind: .unreadable, message: "cannot list directory: \(error.localizedDescription)")))
                return
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = directory + "/" + name
                var entry = stat()
                guard stat(path, &entry) == 0 else {
                    // A dangling link, or a file removed while we walk.
                    skipped.append(SkippedPath(path: path, cluster: discoverer.cluster, problem: InputProblem(
                        kind: .unreadable, message: "cannot open: \(String(cString: strerror(errno)))")))
                    continue
                }
                let components = relative + [name]
                if (entry.st_mode & S_IFMT) == S_IFDIR {
                    visitDirectory(path, relative: components, status: entry)
                } else {
                    let cluster = discoverer.clusterFromDirectory && components.count > 1 ? components[0] : discoverer.cluster
                    visitFile(path, cluster: cluster, status: entry)
                }
            }
        }

        private mutating func visitFile(_ path: String, cluster: String?, status: stat) {
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                skipped.append(SkippedPath(path: path, cluster: cluster, problem: InputProblem(
                    kind: .notRegularFile, message: "not a regular file (FIFO, socket or device); not opened")))
                return
            }
            guard seen.insert(FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))).inserted else {
                return
            }
            let name = path.split(separator: "/").last.map(String.init) ?? path
            files.append(InputFile(path: path, cluster: cluster, size: Int64(status.st_size),
                                   nameTime: RotationName.time(in: name), rotationIndex: RotationName.index(in: name)))
        }
    }
}
