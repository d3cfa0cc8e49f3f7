import Foundation

/// Writes output files so that a reader never sees half of one: a temporary file in the same
/// directory, flushed, then renamed over the target. A failed write leaves the previous file intact.
package enum AtomicFileWriter {
    package static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(path: path, code: errno) }
        var written = 0
        let status: Int32 = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return fsync(descriptor) == 0 ? 0 : errno
        }
        close(descriptor)
        guard status == 0 else {
            unlink(temporary)
            throw OutputError(path: path, code: status)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw OutputError(path: path, code: code)
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
