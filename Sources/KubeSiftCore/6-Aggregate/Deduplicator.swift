import Foundation
import Synchronization

/// How recording one event changes what its request counts as.
package enum ResponseUpdate: Equatable, Sendable {
    /// Nothing to count: not a response stage, or a less final one than already counted.
    case none
    /// The request's first response stage: count its code (`nil` when the stage carried none).
    case count(code: Int?)
    /// A more final stage replaces the one counted (a Panic after ResponseStarted): uncount `old`,
    /// count `new`. Whatever order stages arrive in, a request ends up counted with the code of its
    /// most final response stage.
    case replace(old: Int?, new: Int?)
}

/// What recording one event found.
package struct DeduplicationOutcome: Equatable, Sendable {
    package var isNewEvent: Bool
    package var isNewRequest: Bool
    package var response: ResponseUpdate
}

/// Decides, across every worker, whether an event is new, whether it opens a new request, and which
/// of a request's stages its response code counts from.
///
/// A request is identified by a fingerprint of what all its stages share (auditID, receive time,
/// user, verb, URI, source, object); an event by that request and its stage. So the same event read
/// twice (a live file and its rotated copy, overlapping syncs, one member in two tarballs) counts
/// once, RequestReceived/ResponseStarted/ResponseComplete fold into one request, and a client that
/// reuses an `Audit-ID` header for different requests cannot hide one behind another.
///
/// Memory stays within a budget however long the period: the index is partitioned by the requests'
/// receive time into five-minute slots, and when it outgrows the budget the least recently used
/// slots are written to a temporary file and read back only if a later input reaches them again (an
/// overlapping copy read late). Counting stays exact; only the time to reread a slot is paid.
package final class Deduplicator: Sendable {
    /// A worker's handle on the slot it used last: most events fall in the slot of the one before.
    package struct Cursor {
        fileprivate var slot = Int64.min
        /// Holds the bucket; `lent` is the same, read without a retain.
        fileprivate var bucket: Bucket?
        fileprivate var lent: Unmanaged<Bucket>?
        fileprivate var uses = 0

        package init() {}
    }

    /// Bytes one indexed request takes, for the budget: a 16-byte key and an 8-byte value in a
    /// `Dictionary` that is between 3/8 and 3/4 full.
    static let bytesPerRequest = 48
    static let slotMicroseconds: Int64 = 300_000_000

    private let budgetEntries: Int
    private let spillDirectory: URL
    private let buckets = Locked<[Int64: Bucket]>([:])
    private let residentEntries = Atomic<Int>(0)
    private let clock = Atomic<Int>(0)
    private let evicting = Atomic<Bool>(false)
    private let spills = Atomic<Int>(0)
    private let readBacks = Atomic<Int>(0)

    /// - Parameters:
    ///   - memoryBudget: bytes the index may hold in memory before it spills slots to disk.
    ///   - spillDirectory: where spilled slots go; created when first needed, removed at the end.
    package init(memoryBudget: Int = 32 << 20, spillDirectory: URL? = nil) {
        budgetEntries = max(16, memoryBudget / Self.bytesPerRequest)
        self.spillDirectory = spillDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("kubesift-index-\(UUID().uuidString)")
    }

    deinit { try? FileManager.default.removeItem(at: spillDirectory) }

    /// The slot a request received at `time` is indexed in.
    package static func slot(of time: Timestamp?) -> Int64 {
        guard let time else { return .min }
        let micros = time.microseconds
        return micros >= 0 ? micros / slotMicroseconds : (micros - slotMicroseconds + 1) / slotMicroseconds
    }

    /// Records that `stage` of `request`, received in `slot`, was seen with response `code`.
    package func record(request: Fingerprint, slot: Int64, stage: AuditStage, code: Int?, cursor: inout Cursor)
        -> DeduplicationOutcome
    {
        // Lent by the cursor, which holds it: no retain and release per event of an object both
        // workers use at once.
        bucket(for: slot, cursor: &cursor)._withUnsafeGuaranteedRef { bucket in
            record(request: request, slot: slot, stage: stage, code: code, in: bucket)
        }
    }

    private func record(request: Fingerprint, slot: Int64, stage: AuditStage, code: Int?, in bucket: Bucket)
        -> DeduplicationOutcome
    {
        // A bucket's resident count changes only under its lock, so eviction cannot lose a change.
        let outcome = bucket.state.withLock { state -> DeduplicationOutcome in
            if state.spilled { reload(&state, slot: slot, into: bucket) }
            let previous = state.entries[request] ?? 0
            let seen = IndexEntry(previous)
            if seen.stages & stage.rawValue != 0 {
                return DeduplicationOutcome(isNewEvent: false, isNewRequest: false, response: .none)
            }
            var entry = seen
            entry.stages |= stage.rawValue
            var response = ResponseUpdate.none
            let rank = stage.responseRank
            if rank > 0 && rank > seen.countedRank {
                response = seen.countedRank == 0 ? .count(code: code) : .replace(old: seen.countedCode, new: code)
                entry.countedRank = rank
                entry.countedCode = code
            }
            state.entries[request] = entry.packed
            if previous == 0 { bucket.residentCount.add(1, ordering: .relaxed) }
            return DeduplicationOutcome(isNewEvent: true, isNewRequest: previous == 0, response: response)
        }
        if outcome.isNewRequest, residentEntries.add(1, ordering: .relaxed).newValue > budgetEntries {
            evict(sparing: bucket)
        }
        return outcome
    }

    /// Records without a cursor (tests, single events).
    package func record(request: Fingerprint, slot: Int64 = .min, stage: AuditStage, code: Int? = nil)
        -> DeduplicationOutcome
    {
        var cursor = Cursor()
        return record(request: request, slot: slot, stage: stage, code: code, cursor: &cursor)
    }

    /// What the index holds of `count` requests once every worker is done: the stages seen (a
    /// bitmask of ``AuditStage`` raw values), and the rank (``AuditStage/responseRank``, 0 for none)
    /// and code of the stage the response counts from; each answer is handed to `answer` with the
    /// request's position (none for a request the index never saw).
    ///
    /// A run of requests in one slot looks the slot up once, and a slot on disk is read for them and
    /// left there: asked in slot order, the index is never brought back into memory (a shard asks
    /// about every request it logged).
    package func seen(_ count: Int, request: (Int) -> (request: Fingerprint, slot: Int64),
                      answer: (Int, (stages: UInt8, responseRank: UInt8, code: Int?)) -> Void) {
        var start = 0
        while start < count {
            let slot = request(start).slot
            var end = start + 1
            while end < count, request(end).slot == slot { end += 1 }
            _ = withEntries(ofSlot: slot) { entries in
                for position in start..<end {
                    let entry = IndexEntry(entries[request(position).request] ?? 0)
                    answer(position, (entry.stages, entry.countedRank, entry.countedCode))
                }
            }
            start = end
        }
    }

    /// The stages seen of many requests at once, once every worker is done: each slot is looked up
    /// and locked once, not once per request (assembly asks for every matched request).
    package func stagesSeen(_ queries: [(request: Fingerprint, slot: Int64)]) -> [UInt8] {
        var answers = [UInt8](repeating: 0, count: queries.count)
        for (slot, positions) in Dictionary(grouping: queries.indices, by: { queries[$0].slot }) {
            withEntries(ofSlot: slot) { entries in
                for position in positions { answers[position] = IndexEntry(entries[queries[position].request] ?? 0).stages }
            }
        }
        return answers
    }

    /// `body` over a slot's entries; nil for a slot never used. A slot on disk is read for `body`
    /// alone and left there: the questions after the pass come a slot at a time, and keeping each
    /// slot they read would bring the whole index back into memory.
    private func withEntries<T>(ofSlot slot: Int64, _ body: ([Fingerprint: UInt64]) -> T) -> T? {
        guard let bucket = buckets.withLock({ $0[slot] }) else { return nil }
        return bucket.state.withLock { state in
            guard state.spilled else { return body(state.entries) }
            return body(readSpilled(slot))
        }
    }

    /// Slots whose entries are in memory (the others are on disk).
    package var residentSlotCount: Int {
        buckets.withLock { Array($0.values) }.filter { bucket in bucket.state.withLock { !$0.spilled } }.count
    }

    /// How many times a spilled slot was read back from disk.
    package var readBackCount: Int { readBacks.load(ordering: .relaxed) }

    package var distinctRequests: Int {
        buckets.withLock { Array($0.values) }.reduce(0) { $0 + $1.state.withLock { $0.count } }
    }

    /// How many times a slot was written out to stay within the budget.
    package var spillCount: Int { spills.load(ordering: .relaxed) }

    // MARK: - Slots

    /// The slot's bucket, unretained: `cursor` holds it.
    private func bucket(for slot: Int64, cursor: inout Cursor) -> Unmanaged<Bucket> {
        cursor.uses += 1
        if cursor.slot == slot, let lent = cursor.lent {
            if cursor.uses & 1023 == 0 {
                lent._withUnsafeGuaranteedRef { $0.lastUse.store(clock.add(1, ordering: .relaxed).newValue, ordering: .relaxed) }
            }
            return lent
        }
        let bucket = buckets.withLock { buckets in
            if let existing = buckets[slot] { return existing }
            let created = Bucket()
            buckets[slot] = created
            return created
        }
        bucket.lastUse.store(clock.add(1, ordering: .relaxed).newValue, ordering: .relaxed)
        cursor.slot = slot
        cursor.bucket = bucket
        cursor.lent = Unmanaged.passUnretained(bucket)
        return cursor.lent!
    }

    /// Writes least recently used slots to disk until the index is back under 3/4 of its budget.
    /// One thread evicts at a time; the others go on.
    private func evict(sparing current: Bucket) {
        guard evicting.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        defer { evicting.store(false, ordering: .releasing) }
        while residentEntries.load(ordering: .relaxed) > budgetEntries * 3 / 4 {
            let candidates = buckets.withLock { buckets in
                buckets.filter { $0.value !== current && $0.value.residentCount.load(ordering: .relaxed) > 0 }
            }
            guard let (slot, victim) = candidates.min(by: {
                $0.value.lastUse.load(ordering: .relaxed) < $1.value.lastUse.load(ordering: .relaxed)
            }) else { return }
            let freed = victim.state.withLock { state -> Int? in
                guard !state.spilled, spill(&state, slot: slot) else { return nil }
                return victim.residentCount.exchange(0, ordering: .relaxed)
            }
            // A slot that cannot be written (a full disk) stays in memory: over budget, never inexact.
            guard let freed else { return }
            residentEntries.subtract(freed, ordering: .relaxed)
            spills.add(1, ordering: .relaxed)
        }
    }

    private func file(for slot: Int64) -> URL { spillDirectory.appendingPathComponent("slot-\(slot).bin") }

    private func spill(_ state: inout Bucket.State, slot: Int64) -> Bool {
        var bytes = [UInt64]()
        bytes.reserveCapacity(state.entries.count * 3)
        for (fingerprint, entry) in state.entries {
            bytes.append(fingerprint.high)
            bytes.append(fingerprint.low)
            bytes.append(entry)
        }
        do {
            try FileManager.default.createDirectory(at: spillDirectory, withIntermediateDirectories: true)
            try bytes.withUnsafeBytes { try Data($0).write(to: file(for: slot)) }
        } catch {
            return false
        }
        state.requestCount = state.entries.count
        state.entries = [:]
        state.spilled = true
        return true
    }

    private func reload(_ state: inout Bucket.State, slot: Int64, into bucket: Bucket) {
        let entries = readSpilled(slot)
        state.entries = entries
        state.spilled = false
        bucket.residentCount.add(entries.count, ordering: .relaxed)
        residentEntries.add(entries.count, ordering: .relaxed)
    }

    private func readSpilled(_ slot: Int64) -> [Fingerprint: UInt64] {
        readBacks.add(1, ordering: .relaxed)
        // The file was written by this process moments ago; if it cannot be read back the run
        // cannot count exactly, and stopping beats a silently wrong report.
        guard let data = try? Data(contentsOf: file(for: slot)) else {
            fatalError("kubesift: cannot read back the request index spilled to \(file(for: slot).path)")
        }
        var entries = [Fingerprint: UInt64](minimumCapacity: data.count / 24)
        data.withUnsafeBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in stride(from: 0, to: words.count - 2, by: 3) {
                entries[Fingerprint(high: words[index], low: words[index + 1])] = words[index + 2]
            }
        }
        return entries
    }
}

/// One slot of the index.
private final class Bucket: Sendable {
    struct State: Sendable {
        var entries: [Fingerprint: UInt64] = [:]
        var spilled = false
        /// Requests in the slot while it is spilled (`entries` is empty then).
        var requestCount = 0

        var count: Int { spilled ? requestCount : entries.count }
    }

    let state = Locked(State())
    let lastUse = Atomic<Int>(0)
    let residentCount = Atomic<Int>(0)
}

/// What the index keeps per request, packed into one word: the stages seen, and the stage and code
/// its response is counted with.
private struct IndexEntry {
    var stages: UInt8
    var countedRank: UInt8
    var countedCode: Int?

    init(_ packed: UInt64) {
        stages = UInt8(truncatingIfNeeded: packed)
        countedRank = UInt8(truncatingIfNeeded: packed >> 8) & 0x3
        countedCode = packed >> 10 & 1 == 1 ? Int(Int32(truncatingIfNeeded: packed >> 16)) : nil
    }

    var packed: UInt64 {
        var word = UInt64(stages) | UInt64(countedRank) << 8
        if let countedCode { word |= 1 << 10 | UInt64(UInt32(truncatingIfNeeded: Int32(clamping: countedCode))) << 16 }
        return word
    }
}

extension AuditStage {
    /// How final a response stage is: a request's response counts from its highest-ranked stage.
    var responseRank: UInt8 {
        switch self {
        case .responseStarted: 1
        case .responseComplete: 2
        case .panic: 3
        default: 0
        }
    }
}
