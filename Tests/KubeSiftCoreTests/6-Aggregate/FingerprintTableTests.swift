import Testing
@testable import KubeSiftCore

/// The rule matcher's memos: fingerprints numbered in the order first seen, the same number for the
/// same fingerprint however the table grew, and nothing past its limit.
@Suite struct FingerprintTableTests {
    /// Distinct fingerprints; every `sharing`-th shares its `high` lane with the one before, so that
    /// probing past a taken slot is exercised too.
    static func keys(_ count: Int, sharing: Int = 7) -> [Fingerprint] {
        (0..<count).map { number in
            let lane = UInt64(number / sharing * sharing + (number % sharing == sharing - 1 ? -1 : 0) + 1) &* 0x9E37_79B9_7F4A_7C15
            return Fingerprint(high: lane, low: UInt64(number))
        }
    }

    @Test("Keys are numbered as first seen and keep their numbers while the table grows")
    func numbering() {
        var table = FingerprintTable(limit: 10_000)
        let keys = Self.keys(5_000)
        for (number, key) in keys.enumerated() { #expect(table.index(of: key) == number) }
        #expect(table.count == keys.count)
        for (number, key) in keys.enumerated().reversed() { #expect(table.index(of: key) == number) }
        #expect(table.count == keys.count)
    }

    @Test("Past its limit a new key gets the overflow index; known keys keep theirs")
    func limit() {
        var table = FingerprintTable(limit: 100)
        let keys = Self.keys(150)
        for key in keys.prefix(100) { _ = table.index(of: key) }
        for key in keys.dropFirst(100) { #expect(table.index(of: key) == FingerprintTable.overflow) }
        #expect(table.count == 100)
        #expect(table.index(of: keys[42]) == 42)
    }
}
