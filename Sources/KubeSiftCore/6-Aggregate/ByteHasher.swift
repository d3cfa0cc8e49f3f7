/// A fast, seeded hash over byte runs, eight bytes at a time.
///
/// Used where Swift's `Hasher` (SipHash) is too slow for the hot path. The mixing step is the
/// "multiply, then fold the 128-bit product" construction of wyhash. Its seeds must be secret and
/// random (see ``HashSeeds``): with a known seed an attacker who writes log content could craft two
/// requests with one fingerprint and have the second dropped as a "duplicate".
struct ByteHasher {
    private var state: UInt64

    init(seed: UInt64) { state = seed ^ 0x9E37_79B9_7F4A_7C15 }

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Mixes in `count` bytes at `start`, then the length, so `"ab","c"` and `"a","bc"` differ.
    @inline(__always)
    mutating func combine(_ start: UnsafeRawPointer, _ count: Int) {
        var offset = 0
        while offset + 8 <= count {
            let word = start.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            state = Self.fold(state ^ word ^ 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB)
            offset += 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(start.load(fromByteOffset: offset, as: UInt8.self)) << shift
                shift += 8
                offset += 1
            }
            state = Self.fold(state ^ tail ^ 0x8EBC_6AF0_9C88_C6E3, 0x5899_65CC_7537_4CC3)
        }
        combine(UInt64(truncatingIfNeeded: count))
    }

    @inline(__always)
    mutating func combine(_ value: UInt64) {
        state = Self.fold(state ^ value ^ 0x1D8E_4E27_C47D_124F, 0xE703_7ED1_A0B4_28DB)
    }

    mutating func combine(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress else { return combine(UInt64(0)) }
        combine(base, buffer.count)
    }

    func finalize() -> UInt64 { Self.fold(state, 0x2D35_8DCC_AA6C_78A5) }

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
        let remaining = count - offset
        var low: UInt64 = 0
        var high: UInt64 = 0
        if remaining >= 8 {
            low = start.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            high = start.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if remaining >= 4 {
            low = UInt64(start.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) << 32
                | UInt64(start.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        } else if remaining > 0 {
            // The first, middle and last byte: all of one, two or three.
            low = UInt64(start.load(fromByteOffset: offset, as: UInt8.self)) << 16
                | UInt64(start.load(fromByteOffset: offset + remaining / 2, as: UInt8.self)) << 8
                | UInt64(start.load(fromByteOffset: count - 1, as: UInt8.self))
        }
        state = fold(low ^ 0xE703_7ED1_A0B4_28DB, high ^ state ^ UInt64(truncatingIfNeeded: count))
        return fold(state ^ 0x8EBC_6AF0_9C88_C6E3, 0x5899_65CC_7537_4CC3)
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

/// Builds a ``Fingerprint`` from a sequence of fields.
struct FingerprintBuilder {
    private var first: ByteHasher
    private var second: ByteHasher

    init(seeds: HashSeeds) {
        first = ByteHasher(seed: seeds.fingerprint.0)
        second = ByteHasher(seed: seeds.fingerprint.1)
    }

    @inline(__always)
    mutating func combine(_ start: UnsafeRawPointer, _ count: Int) {
        first.combine(start, count)
        second.combine(start, count)
    }

    @inline(__always)
    mutating func combine(_ value: UInt64) {
        first.combine(value)
        second.combine(value)
    }

    func finalize() -> Fingerprint { Fingerprint(high: first.finalize(), low: second.finalize()) }
}
