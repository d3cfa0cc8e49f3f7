#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings (usernames, IPs, verbs…) to small integers without building a `String`.
///
/// The statistics of every event go through one of these per dimension, so a lookup must cost a
/// hash and a `memcmp`, not an allocation. Keys are copied once, into one arena, the first time they
/// are seen. A table holds at most `limit` keys: past that, hostile or runaway cardinality (random
/// user agents, say) lands in one overflow entry instead of exhausting memory.
struct SpanTable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    private let seed: UInt64
    let limit: Int

    /// The index returned once the table is full.
    static let overflow = -1

    init(seed: UInt64, limit: Int) {
        self.seed = seed
        self.limit = limit
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    var count: Int { offsets.count }

    /// The index of the key, inserting it when new; ``overflow`` when the table is full.
    @inline(__always)
    mutating func index(of start: UnsafeRawPointer, count: Int) -> Int {
        let hash = ByteHasher.hash(start, count, seed: seed)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == hash, lengths[entry] == count,
               arena.withUnsafeBytes({ memcmp($0.baseAddress! + offsets[entry], start, count) }) == 0 {
                return entry
            }
            slot = (slot + 1) & mask
        }
        guard offsets.count < limit else { return Self.overflow }
        let entry = offsets.count
        offsets.append(arena.count)
        lengths.append(count)
        hashes.append(hash)
        arena.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
        slots[slot] = Int32(entry)
        if offsets.count * 4 >= slots.count * 3 { grow() }
        return entry
    }

    func key(at index: Int) -> String {
        arena.withUnsafeBytes { buffer in
            String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offsets[index]..<(offsets[index] + lengths[index])]),
                   as: UTF8.self)
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for entry in 0..<hashes.count {
            var slot = Int(truncatingIfNeeded: hashes[entry]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
