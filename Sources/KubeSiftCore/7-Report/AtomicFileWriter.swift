import Foundation

/// Writes output files so that a reader never sees half of one: a temporary file in the same
/// directory, flushed, then renamed over the target. A failed write leaves the previous file intact.
package enum AtomicFileWriter {
    package static func write(_ bytes: [UInt8], to path: String) throws {
        try write([([bytes], path)])
    }

    /// Writes several files all or nothing, as far as a file system allows: every file is written
    /// and flushed beside its target first, and only when all of them are on disk are they renamed
    /// over their targets, in order. A full disk or any other failure while writing leaves every
    /// previous file as it was, so a report directory never mixes an old report with half a new one.
    ///
    /// - Parameter files: each file's bytes, in chunks written one after another.
    package static func write(_ files: [(chunks: [[UInt8]], path: String)]) throws {
        var staged = files.map { temporaryPath(for: $0.path) }
        defer { for temporary in staged { unlink(temporary) } }
        // Written and flushed side by side: a report's files are flushed in the time of its largest.
        let statuses = concurrentMap(files.count) { [staged] index in writeFlushed(files[index].chunks, to: staged[index]) }
        if let failed = statuses.firstIndex(where: { $0 != 0 }) { throw OutputError(path: files[failed].path, code: statuses[failed]) }
        for (index, file) in files.enumerated() {
            guard rename(staged[index], file.path) == 0 else { throw OutputError(path: file.path, code: errno) }
        }
        staged.removeAll()
    }

    private static func temporaryPath(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
    }

    /// Writes `chunks` one after another and flushes them; returns 0, or the errno of what failed.
    private static func writeFlushed(_ chunks: [[UInt8]], to path: String) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        for chunk in chunks {
            let status = chunk.withUnsafeBytes { buffer -> Int32 in
                var written = 0
                while written < buffer.count {
                    let count = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    written += count
                }
                return 0
            }
            if status != 0 { return status }
        }
        return fsync(descriptor) == 0 ? 0 : errno
    }
}

/// An output file or directory that could not be written.
package struct OutputError: Error, CustomStringConvertible, Sendable {
    package var path: String
    package var code: Int32

    package init(path: String, code: Int32) {
        self.path = path
        self.code = code
    }

    package var description: String { "cannot write \(path): \(String(cString: strerror(code)))" }
}
