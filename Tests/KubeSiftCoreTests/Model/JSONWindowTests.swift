import Testing
@testable import KubeSiftCore

/// The masks, checked bit by bit against the bytes they describe, and the string mask against a
/// walk that toggles at each unescaped quote: written plainly so a wrong compare or shift in the
/// SSE2 path (or the portable one) cannot agree with them.
@Suite struct JSONWindowTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func everyMaskHasABitExactlyWhereItsCharacterIs(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let alphabet = Array("\"\\\n{}[]a:, zK/\t\r".utf8) + [0x7B ^ 0x20, 0x7D ^ 0x20, 0xFB, 0xDB, 0x00, 0x0B, 0x0C, 0xA0]
        for _ in 0..<300 {
            let bytes = (0..<64).map { _ in alphabet.randomElement(using: &generator)! }
            let window = bytes.withUnsafeBytes { JSONWindow($0.baseAddress!) }
            let portable = bytes.withUnsafeBytes { JSONWindow(portable: $0.baseAddress!) }
            #expect([portable.quotes, portable.backslashes, portable.newlines, portable.slashes, portable.opens, portable.closes,
                     portable.blanks]
                == [window.quotes, window.backslashes, window.newlines, window.slashes, window.opens, window.closes,
                    window.blanks])
            func mask(_ matches: (UInt8) -> Bool) -> UInt64 {
                bytes.enumerated().reduce(0) { $0 | (matches($1.element) ? 1 << UInt64($1.offset) : 0) }
            }
            #expect(window.quotes == mask { $0 == UInt8(ascii: "\"") })
            #expect(window.backslashes == mask { $0 == UInt8(ascii: "\\") })
            #expect(window.newlines == mask { $0 == 0x0A })
            #expect(window.slashes == mask { $0 == UInt8(ascii: "/") })
            #expect(window.opens == mask { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") })
            #expect(window.closes == mask { $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: "]") })
            #expect(window.blanks == mask { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            let stops = mask { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
            for offset in [0, 16, 48] {
                let found = bytes.withUnsafeBytes { JSONWindow.stringStops16($0.baseAddress! + offset) }
                let portableFound = bytes.withUnsafeBytes { JSONWindow.portableStringStops16($0.baseAddress! + offset) }
                #expect(found == UInt32(truncatingIfNeeded: stops >> UInt64(offset)) & 0xFFFF)
                #expect(portableFound == found)
            }
        }
    }

    @Test func theWindowIsReadUnalignedFromAnyOffset() {
        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 160)
        bytes[70] = UInt8(ascii: "\"")
        for offset in 7...70 {
            let window = bytes.withUnsafeBytes { JSONWindow($0.baseAddress! + offset) }
            #expect(window.quotes == 1 << UInt64(70 - offset))
        }
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func insideStringsTogglesAtEachQuoteAcrossWindows(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let quotes = (0..<4).map { _ in UInt64.random(in: 0...UInt64.max, using: &generator) & UInt64.random(in: 0...UInt64.max, using: &generator) }
            var carry: UInt64 = 0
            var inside = false
            for word in quotes {
                let found = JSONWindow.insideStrings(quotes: word, carry: &carry)
                for bit in 0..<64 {
                    if word >> UInt64(bit) & 1 == 1 { inside.toggle() }
                    #expect((found >> UInt64(bit) & 1 == 1) == inside, "bit \(bit)")
                }
                #expect(carry == (inside ? UInt64.max : 0))
            }
        }
    }
}
