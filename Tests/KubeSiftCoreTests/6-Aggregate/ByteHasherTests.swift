import Testing
@testable import KubeSiftCore

/// The one-shot hash every ``SpanTable`` lookup takes: a function of the bytes and seed alone, every
/// byte and the length count, and keys spread evenly over a table's buckets.
@Suite struct ByteHasherTests {
    static func hash(_ bytes: [UInt8], seed: UInt64 = 0x1234_5678_9ABC_DEF0) -> UInt64 {
        bytes.withUnsafeBytes { ByteHasher.hash($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count, seed: seed) }
    }

    /// Bytes that look random, from a fixed generator.
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test("The same bytes and seed give the same hash wherever the bytes lie; another seed another hash")
    func deterministic() {
        let bytes = Self.noise(300)
        for count in [0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200] {
            let run = Array(bytes[..<count])
            let shifted = [0xFF] + run
            let again = shifted.withUnsafeBytes { ByteHasher.hash($0.baseAddress! + 1, count, seed: 0x1234_5678_9ABC_DEF0) }
            #expect(Self.hash(run) == again)
            if count > 0 { #expect(Self.hash(run) != Self.hash(run, seed: 0x1234_5678_9ABC_DEF1)) }
        }
    }

    @Test("Every byte counts, at every position, and so does the length: no two of these runs collide")
    func everyByteAndLengthCounts() {
        var seen: [UInt64: [UInt8]] = [:]
        func record(_ bytes: [UInt8]) {
            let hash = Self.hash(bytes)
            if let other = seen[hash] { #expect(other == bytes, "collision between runs of \(other.count) and \(bytes.count) bytes") }
            seen[hash] = bytes
        }
        let base = Self.noise(130)
        for count in 0...130 {
            record(Array(base[..<count]))
            record([UInt8](repeating: 0, count: count))
        }
        for count in [3, 7, 8, 12, 16, 24, 31, 32, 40, 64, 100, 130] {
            for position in 0..<count {
                for bit in [0, 3, 7] {
                    var flipped = Array(base[..<count])
                    flipped[position] ^= 1 << bit
                    record(flipped)
                }
            }
        }
        // 261 prefixes and zero runs (the empty one is both), 1,401 flipped runs: all distinct.
        #expect(seen.count == 1_662)
    }

    @Test("Keys that differ a little spread evenly over a table's buckets")
    func spreadsKeys() {
        var buckets = [Int](repeating: 0, count: 256)
        for number in 0..<65_536 {
            let hash = Self.hash(Array("system:serviceaccount:team-\(number % 97):worker-\(number)".utf8))
            buckets[Int(hash & 255)] += 1
        }
        // 256 expected in each, a standard deviation of 16: seven of them either way.
        #expect(buckets.allSatisfy { (144...368).contains($0) }, "\(buckets.min()!)...\(buckets.max()!)")
    }
}
