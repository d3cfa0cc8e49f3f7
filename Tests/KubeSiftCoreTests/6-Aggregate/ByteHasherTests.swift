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

/// The fingerprint that tells requests apart: every byte, every length and every field boundary
/// counts, and no text can make a lane forget what came before it.
@Suite struct FingerprintBuilderTests {
    static let seeds = HashSeeds(fingerprint: (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210), table: 0)

    static func fingerprint(_ fields: [[UInt8]], seeds: HashSeeds = seeds) -> Fingerprint {
        var builder = FingerprintBuilder(seeds: seeds)
        for field in fields {
            field.withUnsafeBytes { builder.combine($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count) }
        }
        return builder.finalize()
    }

    @Test("Every byte, every length and every boundary between fields counts: no two of these collide")
    func distinct() {
        var seen: [Fingerprint: [[UInt8]]] = [:]
        func record(_ fields: [[UInt8]]) {
            let print = Self.fingerprint(fields)
            if let other = seen[print] { #expect(other == fields, "\(other.map(\.count)) and \(fields.map(\.count)) collide") }
            seen[print] = fields
            #expect(print.high != print.low, "the lanes are independent")
        }
        let base = ByteHasherTests.noise(70)
        for count in 0...70 {
            record([Array(base[..<count])])
            // Runs of one byte read the same words whatever their length from 8 to 16: only the
            // length tells them apart.
            record([[UInt8](repeating: 0x61, count: count)])
            record([[UInt8](repeating: 0, count: count)])
            // The same bytes cut into two fields at every place.
            record([Array(base[..<(count / 2)]), Array(base[(count / 2)..<count])] + [[0x7C]])
        }
        for count in [1, 3, 4, 7, 8, 9, 15, 16, 17, 33] {
            for position in 0..<count {
                var flipped = Array(base[..<count])
                flipped[position] ^= 0x10
                record([flipped])
            }
        }
        #expect(Self.fingerprint([[1, 2]], seeds: HashSeeds(fingerprint: (1, 2), table: 0)) != Self.fingerprint([[1, 2]]))
    }

    @Test("No text resets a lane: two requests that differ early differ after any block a log can write")
    func noReset() {
        // Words of the constants the code holds (public), and zeros: a lane whose multiply took a
        // public value would lose its state, and everything before it with it.
        let constants: [UInt64] = [0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB, 0x8EBC_6AF0_9C88_C6E3,
                                   0x5899_65CC_7537_4CC3, 0x2D35_8DCC_AA6C_78A5, 0x9E37_79B9_7F4A_7C15, 0]
        for first in constants {
            for second in constants {
                let block = withUnsafeBytes(of: (first.littleEndian, second.littleEndian)) { Array($0) }
                #expect(Self.fingerprint([Array("alice".utf8), block]) != Self.fingerprint([Array("mallory".utf8), block]))
                #expect(Self.fingerprint([Array("alice".utf8) + block]) != Self.fingerprint([Array("mallory".utf8) + block]))
            }
        }
    }
}
