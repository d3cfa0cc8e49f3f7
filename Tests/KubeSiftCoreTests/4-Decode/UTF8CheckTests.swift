import Testing
@testable import KubeSiftCore

private func isValid(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return true }
        return UTF8Check.isValid(base, buffer.count)
    }
}

@Suite struct UTF8CheckTests {
    @Test(arguments: [
        [0xC0, 0x80],              // overlong NUL
        [0xE0, 0x80, 0xAF],        // overlong "/"
        [0xED, 0xA0, 0x80],        // a UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
        [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xC3],                    // cut-off sequence
        [0x80],                    // lone continuation byte
        [0xFF],
    ] as [[UInt8]])
    func rejectsMalformedSequences(_ sequence: [UInt8]) {
        // Also after eight ASCII bytes, past the word-at-a-time fast path.
        #expect(!isValid(sequence))
        #expect(!isValid(Array("12345678".utf8) + sequence + Array("tail".utf8)))
    }

    @Test func acceptsEveryPlane() {
        #expect(isValid(Array("ascii, é, 例え, 😀, \u{10FFFF}".utf8)))
        #expect(isValid([]))
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SeededGenerator(seed: 0x5EED_0008)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...24, using: &generator)
            // Mostly ASCII and valid lead/continuation bytes, so that valid sequences occur often.
            let bytes = (0..<count).map { _ -> UInt8 in
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: UInt8.random(in: 0x20...0x7E, using: &generator)
                case 1: UInt8.random(in: 0x80...0xBF, using: &generator)
                case 2: UInt8.random(in: 0xC0...0xF7, using: &generator)
                default: UInt8.random(in: 0...0xFF, using: &generator)
                }
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(isValid(bytes) == expected, "\(bytes)")
        }
    }
}
