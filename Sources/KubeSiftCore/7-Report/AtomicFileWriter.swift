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
        // Written and flushed side by side: a report's files are flushed in the time of its largest.
        let staged = concurrentMap(files.count) { index in
            Result { () throws -> StagedFile in
                let file = try StagedFile(target: files[index].path)
                for chunk in files[index].chunks { try file.append(chunk) }
                try file.finish()
                return file
            }
        }
        try commit(staged)
    }

    /// Renames files staged and finished over their targets, in order; if any failed to be staged,
    /// discards them all and throws its error.
    package static func commit(_ staged: [Result<StagedFile, any Error>]) throws {
        let files = staged.compactMap { try? $0.get() }
        defer { for file in files { file.discard() } }
        for result in staged { _ = try result.get() }
        for file in files { try file.commit() }
    }

    /// A file being written beside its target (`.NAME.tmp-PID`), its chunks one after another.
    /// Released before it replaced its target (a write failed, another file did), it is removed.
    package final class StagedFile: @unchecked Sendable {
        package let target: String
        private let path: String
        private var descriptor: Int32
        private var settled = false

        package init(target: String) throws {
            self.target = target
            let directory = (target as NSString).deletingLastPathComponent
            path = (directory.isEmpty ? "." : directory) + "/.\((target as NSString).lastPathComponent).tmp-\(getpid())"
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw OutputError(path: target, code: errno) }
        }

        deinit { discard() }

        package func append(_ chunk: [UInt8]) throws {
            try chunk.withUnsafeBufferPointer { try append($0) }
        }

        package func append(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            var written = 0
            while written < chunk.count {
                let count = Foundation.write(descriptor, chunk.baseAddress! + written, chunk.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: target, code: errno)
                }
                written += count
            }
        }

        /// Flushes the file to disk and closes it.
        package func finish() throws {
            let status = fsync(descriptor) == 0 ? 0 : errno
            close(descriptor)
            descriptor = -1
            if status != 0 { throw OutputError(path: target, code: status) }
        }

        fileprivate func commit() throws {
            guard rename(path, target) == 0 else { throw OutputError(path: target, code: errno) }
            settled = true
        }

        /// Removes the staged file unless it replaced its target.
        fileprivate func discard() {
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
            }
            if !settled {
                unlink(path)
                settled = true
            }
        }
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
