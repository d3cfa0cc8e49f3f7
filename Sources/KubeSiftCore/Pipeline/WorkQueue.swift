import Dispatch
import Synchronization

/// A bounded, blocking, multi-producer multi-consumer queue: the back-pressure between readers and
/// decoders. A reader that gets ahead waits in `push`, so memory holds at most `capacity` chunks
/// in flight whatever the input size.
package final class WorkQueue<Element: Sendable>: Sendable {
    private struct State: Sendable {
        /// Taken slots are set to `nil` at once: a chunk must not outlive its decoding in here.
        var items: [Element?] = []
        var head = 0
        var closed = false
    }

    private let state = Locked(State())
    private let freeSlots: DispatchSemaphore
    private let filledSlots = DispatchSemaphore(value: 0)

    /// - Parameter capacity: elements that may wait in the queue.
    package init(capacity: Int) {
        freeSlots = DispatchSemaphore(value: capacity)
    }

    /// Adds an element, waiting while the queue is full.
    package func push(_ element: Element) {
        freeSlots.wait()
        state.withLock { $0.items.append(element) }
        filledSlots.signal()
    }

    /// Takes the oldest element, waiting while the queue is empty; `nil` once closed and drained.
    package func pop() -> Element? {
        filledSlots.wait()
        let element: Element? = state.withLock { state in
            guard state.head < state.items.count else { return nil }
            let element = state.items[state.head].take()
            state.head += 1
            if state.head > 64 && state.head * 2 > state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            return element
        }
        if element != nil {
            freeSlots.signal()
        } else {
            // Closed and empty: pass the wake-up on to the next consumer.
            filledSlots.signal()
        }
        return element
    }

    /// No more elements will come: consumers drain what is queued, then get `nil`.
    package func close() {
        let alreadyClosed = state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        if !alreadyClosed { filledSlots.signal() }
    }
}

/// Reuses chunk buffers between readers and decoders: a fresh multi-megabyte allocation per chunk,
/// freed on another thread, costs more than decoding it.
package final class BufferPool: Sendable {
    private let buffers = Locked<[[UInt8]]>([])
    private let capacity: Int
    private let retained: Int

    package init(bufferCapacity: Int, retained: Int) {
        self.capacity = bufferCapacity
        self.retained = retained
    }

    package func take() -> [UInt8] {
        if let buffer = buffers.withLock({ $0.popLast() }) { return buffer }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(capacity)
        return buffer
    }

    package func recycle(_ buffer: consuming [UInt8]) {
        var buffer = buffer
        // Buffers grown by an over-long line are let go rather than kept at that size.
        guard buffer.capacity <= capacity * 2 else { return }
        buffer.removeAll(keepingCapacity: true)
        let kept = buffer
        buffers.withLock { pool in
            if pool.count < retained { pool.append(kept) }
        }
    }
}

/// Live counters a progress display reads while the pipeline runs.
package final class ProgressCounters: Sendable {
    private let inputBytes = Atomic<Int>(0)
    private let decompressedBytes = Atomic<Int>(0)
    private let events = Atomic<Int>(0)
    private let filesDone = Atomic<Int>(0)
    package let totalInputBytes: Int
    package let totalFiles: Int

    package init(totalInputBytes: Int, totalFiles: Int) {
        self.totalInputBytes = totalInputBytes
        self.totalFiles = totalFiles
    }

    func addInputBytes(_ count: Int) { inputBytes.add(count, ordering: .relaxed) }
    func addDecompressedBytes(_ count: Int) { decompressedBytes.add(count, ordering: .relaxed) }
    func addEvents(_ count: Int) { events.add(count, ordering: .relaxed) }
    func finishFile() { filesDone.add(1, ordering: .relaxed) }

    package struct Snapshot: Sendable {
        package var inputBytes: Int
        package var decompressedBytes: Int
        package var events: Int
        package var filesDone: Int
    }

    package func snapshot() -> Snapshot {
        Snapshot(inputBytes: inputBytes.load(ordering: .relaxed), decompressedBytes: decompressedBytes.load(ordering: .relaxed),
                 events: events.load(ordering: .relaxed), filesDone: filesDone.load(ordering: .relaxed))
    }
}
