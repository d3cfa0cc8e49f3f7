import Foundation

/// `transform` of `0..<count`, run on every core, in index order whichever finishes first.
func concurrentMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let results = Locked([T?](repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let result = transform(index)
        results.withLock { $0[index] = result }
    }
    return results.withLock { $0 }.map { $0! }
}

/// `transform` of `0..<count` cut into at most `parts` ranges of even size, run on every core, in
/// range order: work on many small items (findings, say) without a task per item.
func concurrentMap<T: Sendable>(ranges count: Int, parts: Int = 16, _ transform: @Sendable (Range<Int>) -> T) -> [T] {
    let parts = min(count, parts)
    return concurrentMap(parts) { part in transform((count * part / parts)..<(count * (part + 1) / parts)) }
}

/// `work` started on another thread at once, its result taken by ``wait()``: one thing done while
/// the caller does another (the next batch of findings encoded while this one is written).
final class Pending<T: Sendable>: Sendable {
    private let result = Locked<T?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async { [result, done] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }
    }

    /// The result, once `work` has returned; to be taken once.
    func wait() -> T {
        done.wait()
        return result.withLock { $0.take()! }
    }
}
