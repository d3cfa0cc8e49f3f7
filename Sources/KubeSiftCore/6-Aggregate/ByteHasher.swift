/// A fast, seeded hash over byte runs, sixteen bytes at a time.
///
/// Used where Swift's `Hasher` (SipHash) is too slow for the hot path. The mixing step is the
/// "multiply, then fold the 128-bit product" construction of wyhash.
enum ByteHasher {
    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Hashes one byte run, sixteen bytes per multiply (two words folded together, the state in the
    /// second), the last up to sixteen read as two words that may overlap. Every lookup of a
    /// ``SpanTable`` takes one: a long key (who made a request: user, groups, addresses) is the
    /// common case there, and its last bytes were mixed in one at a time.
    static func hash(_ start: UnsafeRawPointer, _ count: Int, seed: UInt64) -> UInt64 {
        var state = seed ^ 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while count - offset > 16 {
            state = fold(start.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ 0xA076_1D64_78BD_642F,
                         start.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self) ^ state)
            offset += 16
        }
        let (low, high) = tail(start, from: offset, to: count)
        state = fold(low ^ 0xE703_7ED1_A0B4_28DB, high ^ state ^ UInt64(truncatingIfNeeded: count))
        return fold(state ^ 0x8EBC_6AF0_9C88_C6E3, 0x5899_65CC_7537_4CC3)
    }

    /// The last bytes of a run, `offset..<count` (sixteen at most), as two words that may overlap:
    /// for a given length, every byte is in one of them (of one, two or three bytes: the first, the
    /// middle and the last); zeros for none.
    @inline(__always)
    static func tail(_ start: UnsafeRawPointer, from offset: Int, to count: Int) -> (low: UInt64, high: UInt64) {
        let remaining = count - offset
        if remaining >= 8 {
            return (start.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                    start.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        } else if remaining >= 4 {
            return (UInt64(start.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
                    UInt64(start.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
        } else if remaining > 0 {
            return (UInt64(start.load(fromByteOffset: offset, as: UInt8.self)) << 16
                | UInt64(start.load(fromByteOffset: offset + remaining / 2, as: UInt8.self)) << 8
                | UInt64(start.load(fromByteOffset: count - 1, as: UInt8.self)), 0)
        }
        return (0, 0)
    }
}

/// A 128-bit content fingerprint: two independent 64-bit lanes, so that telling apart even
/// billions of requests by fingerprint alone has a collision probability far below 1e-18.
package struct Fingerprint: Hashable, Sendable, Codable {
    package var high: UInt64
    package var low: UInt64

    // A fingerprint is already a hash keyed by the run's secret seeds: a hash table takes one lane
    // as it is, mixed with its own seed, instead of running SipHash over both lanes again.
    package func hash(into hasher: inout Hasher) { hasher.combine(high) }
    package func _rawHashValue(seed: Int) -> Int { Int(truncatingIfNeeded: high ^ UInt64(UInt(bitPattern: seed))) }
}

/// The secret, per-run seeds of every hash table and fingerprint in one analysis.
///
/// A single run compares fingerprints only within itself, so a fresh random seed costs nothing and
/// keeps crafted collisions (and hash-flooding of the statistics tables) out of reach. The shards
/// of one run store theirs for the merge, and share seeds derived from a run id the log writers
/// cannot know (see ``ShardSeeds``).
package struct HashSeeds: Sendable {
    package var fingerprint: (UInt64, UInt64)
    package var table: UInt64

    package static func random() -> HashSeeds {
        var generator = SystemRandomNumberGenerator()
        return HashSeeds(fingerprint: (generator.next(), generator.next()), table: generator.next())
    }
}

/// Builds a ``Fingerprint`` from a sequence of fields: both lanes read each field sixteen bytes at
/// a time (one multiply per lane, the two independent), the last up to sixteen as two words that may
/// overlap (no byte at a time), then its length, so `"ab","c"` and `"a","bc"` differ.
///
/// Every multiply has a secret on each side (the lane's state, and a key drawn from the run's seed),
/// so no log content can zero one and make a lane forget what came before: two requests that differ
/// only early on cannot be made to share a fingerprint without knowing the seeds.
struct FingerprintBuilder {
    private var first: UInt64
    private var second: UInt64
    private let firstKey: UInt64
    private let secondKey: UInt64

    init(seeds: HashSeeds) {
        first = seeds.fingerprint.0 ^ 0x9E37_79B9_7F4A_7C15
        second = seeds.fingerprint.1 ^ 0x9E37_79B9_7F4A_7C15
        // Odd, so never zero; secret, being made from a secret.
        firstKey = ByteHasher.fold(seeds.fingerprint.0 ^ 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB) | 1
        secondKey = ByteHasher.fold(seeds.fingerprint.1 ^ 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB) | 1
    }

    @inline(__always)
    private mutating func mix(_ low: UInt64, _ high: UInt64) {
        first = ByteHasher.fold(low ^ firstKey, high ^ first)
        second = ByteHasher.fold(low ^ secondKey, high ^ second)
    }

    @inline(__always)
    mutating func combine(_ start: UnsafeRawPointer, _ count: Int) {
        combineBytes(start, count)
        // The length in a step of its own: folded into a word of the text, text could cancel it.
        combine(UInt64(truncatingIfNeeded: count))
    }

    /// A field's bytes without its length, in as many steps as the length says (one up to sixteen
    /// bytes): for keys that combine their fields' lengths together, after them all, so that the
    /// steps still tell the fields apart.
    @inline(__always)
    mutating func combineBytes(_ start: UnsafeRawPointer, _ count: Int) {
        var offset = 0
        while count - offset > 16 {
            mix(start.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                start.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            offset += 16
        }
        let (low, high) = ByteHasher.tail(start, from: offset, to: count)
        mix(low, high)
    }

    @inline(__always)
    mutating func combine(_ value: UInt64) {
        mix(value, 0x8EBC_6AF0_9C88_C6E3)
    }

    /// Two words in one step.
    @inline(__always)
    mutating func combine(_ low: UInt64, _ high: UInt64) {
        mix(low, high)
    }

    func finalize() -> Fingerprint {
        Fingerprint(high: ByteHasher.fold(first ^ 0x2D35_8DCC_AA6C_78A5, secondKey),
                    low: ByteHasher.fold(second ^ 0x2D35_8DCC_AA6C_78A5, firstKey))
    }
}
