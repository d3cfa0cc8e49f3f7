import Testing
@testable import KubeSiftCore

@Suite("Varint: LEB128 and zig-zag, as Avro and shard bundles write them")
struct VarintTests {
    @Test("Known encodings from the Avro specification's examples, both ways")
    func knownEncodings() {
        // Avro spec, "Binary encoding": 0 → 00, -1 → 01, 1 → 02, -2 → 03, 2 → 04, -64 → 7f, 64 → 80 01.
        let cases: [(Int64, [UInt8])] = [(0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (2, [0x04]),
                                         (-64, [0x7F]), (64, [0x80, 0x01])]
        for (value, encoded) in cases {
            var bytes: [UInt8] = []
            Varint.encode(Varint.zigZag(value), into: &bytes)
            #expect(bytes == encoded, "\(value)")
            var offset = 0
            #expect(Varint.decode(encoded, at: &offset) == .value(Varint.zigZag(value)))
            #expect(offset == encoded.count)
        }
    }

    @Test("Every value round-trips, extremes included, and ends where it says")
    func roundTrips() {
        var generator = SystemRandomNumberGenerator()
        let values: [Int64] = [.min, .max, .min + 1, .max - 1, 0, 1, -1]
            + (0..<2_000).map { _ in Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63) }
        var bytes: [UInt8] = [0xAA]
        for value in values { Varint.encode(Varint.zigZag(value), into: &bytes) }
        var offset = 1
        for value in values {
            guard case let .value(decoded) = Varint.decode(bytes, at: &offset) else {
                Issue.record("\(value) did not decode")
                return
            }
            #expect(Varint.unZigZag(decoded) == value)
        }
        #expect(offset == bytes.count)
    }

    @Test("A number cut short is truncated and leaves the offset; one past 64 bits is an overflow")
    func damage() {
        var encoded: [UInt8] = []
        Varint.encode(.max, into: &encoded)
        #expect(encoded.count == 10)
        for cut in 0..<encoded.count {
            var offset = 0
            #expect(Varint.decode(encoded[..<cut], at: &offset) == .truncated)
            #expect(offset == 0)
        }
        var offset = 0
        // The tenth byte may carry only the 64th bit.
        #expect(Varint.decode(Array(encoded.dropLast()) + [0x02], at: &offset) == .overflow)
        #expect(Varint.decode([UInt8](repeating: 0x80, count: 11) + [0x00], at: &offset) == .overflow)
    }
}
