import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `STATE.lock`, held for as long as the value lives: a second run on the same
/// state is refused at once instead of waiting or interleaving its writes. The kernel drops the lock
/// when the process ends, however it ends, so a killed run never leaves it stale.
final class StateLock {
    private let descriptor: Int32

    /// - Throws: ``StateError/locked`` when another process holds it.
    init(statePath: String) throws(StateError) {
        let path = statePath + ".lock"
        // The descriptor is stored only once the lock is held: a class whose properties are all set
        // runs its deinit when its init throws, and would close it a second time (by then perhaps
        // another thread's file).
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unusable(path: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard Self.lock(descriptor) else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .locked(path: statePath, holder: holder.flatMap { $0.isEmpty ? nil : $0 })
        }
        self.descriptor = descriptor
        // Who holds it, for the message a refused run prints.
        let note = Array("pid \(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Takes the lock, waiting at most a second. Another run holds it for minutes; a lock that goes
    /// within a second was held by a process forked (by a test, a library) between our close and its
    /// exec, which shares the lock until its exec closes it.
    private static func lock(_ descriptor: Int32) -> Bool {
        for attempt in 0..<20 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR, attempt < 19 else { return false }
            usleep(50_000)
        }
        return false
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }
}

/// Why the state cannot be used.
package enum StateError: Error, CustomStringConvertible, Equatable {
    /// Another run holds the state.
    case locked(path: String, holder: String?)
    /// The state cannot be opened, read or written.
    case unusable(path: String, message: String)
    /// `findings` named an id no run recorded.
    case unknownFinding(String)

    package var description: String {
        switch self {
        case let .locked(path, holder):
            "\(path) is in use by another kubesift run\(holder.map { " (\($0))" } ?? ""); this run was refused, nothing was read or written"
        case let .unusable(path, message): "state \(path): \(message)"
        case let .unknownFinding(id): "no run recorded a finding with the id \(id)"
        }
    }
}
