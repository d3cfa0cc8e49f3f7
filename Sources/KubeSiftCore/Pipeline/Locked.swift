import Foundation

/// A value shared between threads, reachable only while holding its lock.
///
/// Swift's `Synchronization.Mutex` would do the same, but on Linux it locks with raw futex calls
/// that ThreadSanitizer cannot see, so every access it guards is reported as a race and a real race
/// would hide among them. `NSLock` is a pthread mutex, which the sanitizer understands.
package final class Locked<State: Sendable>: @unchecked Sendable {
    // SAFETY: `state` is read and written only in `withLock`, while `lock` is held; this is the one
    // `@unchecked Sendable` in the project.
    private let lock = NSLock()
    private var state: State

    package init(_ state: State) { self.state = state }

    package func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
