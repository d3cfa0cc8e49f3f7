/// Numbers fingerprints in the order they are first seen, as ``SpanTable`` numbers byte strings,
/// for keys that are themselves a hash of what they stand for, keyed by the run's secret seeds
/// (``FingerprintBuilder``): a lookup compares sixteen bytes and hashes nothing. A table holds at
/// most `limit` keys; past that, ``overflow``.
struct FingerprintTable {
    private var keys: [Fingerprint] = []
    private var slots: [Int32]
    private var mask: Int
    let limit: Int

    /// The index returned once the table is full.
    static let overflow = -1

    init(limit: Int) {
        self.limit = limit
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    var count: Int { keys.count }

    /// The index of the key, inserting it when new; ``overflow`` when the table is full.
    @inline(__always)
    mutating func index(of key: Fingerprint) -> Int {
        // One lane of a keyed hash is as good a slot as any hash of it.
        var slot = Int(truncatingIfNeeded: key.high) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if keys[entry] == key { return entry }
            slot = (slot + 1) & mask
        }
        guard keys.count < limit else { return Self.overflow }
        slots[slot] = Int32(keys.count)
        keys.append(key)
        if keys.count * 4 >= slots.count * 3 { grow() }
        return keys.count - 1
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (entry, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: key.high) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
