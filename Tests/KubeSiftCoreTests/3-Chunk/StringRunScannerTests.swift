import Testing
@testable import KubeSiftCore

/// The contract, a byte at a time: the run stops at an unescaped quote or at any newline (an escaped
/// one with the escape pending), or at `end`, pending when a backslash there still waits for its
/// second byte. Written out plainly so that a wrong bit mask in the scanner cannot agree with it.
private func referenceRun(_ bytes: [UInt8], from start: Int, to end: Int) -> (end: Int, escapePending: Bool) {
    var index = start
    while index < end {
        switch bytes[index] {
        case UInt8(ascii: "\""), 0x0A:
            return (index, false)
        case UInt8(ascii: "\\"):
            if index + 1 == end { return (end, true) }
            if bytes[index + 1] == 0x0A { return (index + 1, true) }
            index += 2
        default:
            index += 1
        }
    }
    return (end, false)
}

private func scannerRun(_ bytes: [UInt8], from start: Int, to end: Int) -> (end: Int, escapePending: Bool) {
    bytes.withUnsafeBytes { StringRunScanner.run($0.baseAddress!, from: start, to: end) }
}

private func expectSameRun(_ bytes: [UInt8], from start: Int, to end: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = referenceRun(bytes, from: start, to: end)
    let found = scannerRun(bytes, from: start, to: end)
    #expect(found.end == expected.end && found.escapePending == expected.escapePending,
            "\(String(decoding: bytes[start..<end], as: UTF8.self).debugDescription) from \(start)",
            sourceLocation: sourceLocation)
}

@Suite struct StringRunScannerTests {
    /// Lengths that end inside, at and just past each 16-byte part and 64-byte window.
    static let lengths = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200]

    @Test(arguments: [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A])
    func oneSpecialByteAtEveryOffset(special: UInt8) {
        for length in Self.lengths {
            for offset in 0..<length {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[offset] = special
                for start in 0...min(3, offset) { expectSameRun(bytes, from: start, to: length) }
            }
        }
    }

    @Test func anEscapedQuoteAtEveryOffsetIsContent() {
        for length in Self.lengths where length >= 3 {
            for offset in 0..<(length - 2) {
                // `…\"…"`: only the second quote ends the string, wherever the escape falls.
                var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                bytes[offset] = UInt8(ascii: "\\")
                bytes[offset + 1] = UInt8(ascii: "\"")
                bytes[length - 1] = UInt8(ascii: "\"")
                #expect(scannerRun(bytes, from: 0, to: length) == (length - 1, false))
                expectSameRun(bytes, from: 0, to: length)
            }
        }
    }

    @Test func aRunOfBackslashesEscapesTheQuoteAfterItWhenItsLengthIsOdd() {
        // Runs up to two windows long, starting at every alignment: the carry from one window to the
        // next and the pairing within a run are what decide.
        for lead in 0..<64 {
            for run in 1...130 {
                let bytes = [UInt8](repeating: UInt8(ascii: "y"), count: lead)
                    + [UInt8](repeating: UInt8(ascii: "\\"), count: run) + Array(#""z""#.utf8)
                let quote = lead + run
                let found = scannerRun(bytes, from: 0, to: bytes.count)
                #expect(found.end == (run % 2 == 0 ? quote : bytes.count - 1) && !found.escapePending,
                        "\(run) backslashes after \(lead) bytes")
            }
        }
    }

    @Test func anEscapeCutAtTheEndIsPendingAtEveryOffset() {
        for length in Self.lengths {
            // A block ending in one backslash (pending) or two (an escaped backslash: not pending).
            var bytes = [UInt8](repeating: UInt8(ascii: "b"), count: length)
            bytes[length - 1] = UInt8(ascii: "\\")
            #expect(scannerRun(bytes, from: 0, to: length) == (length, true))
            if length >= 2 {
                bytes[length - 2] = UInt8(ascii: "\\")
                #expect(scannerRun(bytes, from: 0, to: length) == (length, false))
            }
        }
    }

    @Test func anEscapedNewlineStopsTheRunWithTheEscapePending() {
        for length in Self.lengths where length >= 2 {
            for offset in 0..<(length - 1) {
                var bytes = [UInt8](repeating: UInt8(ascii: "c"), count: length)
                bytes[offset] = UInt8(ascii: "\\")
                bytes[offset + 1] = 0x0A
                #expect(scannerRun(bytes, from: 0, to: length) == (offset + 1, true))
            }
        }
    }

    @Test func theEndIsALimitNotJustTheBuffersEnd() {
        // A quote past `end` is not seen; the bytes beyond are never read as part of the run.
        let bytes = Array(String(repeating: "d", count: 100).utf8) + Array(#"""#.utf8)
        for end in [0, 1, 63, 64, 65, 100] {
            #expect(scannerRun(bytes, from: 0, to: end) == (end, false))
        }
        #expect(scannerRun(bytes, from: 0, to: 101) == (100, false))
    }

    @Test(arguments: [1, 2, 3])
    func randomEscapeHeavyTextAgreesWithTheReference(seed: UInt64) {
        // Text like an event sent as a string: quotes and backslashes every few bytes, a newline now and then.
        var generator = SeededGenerator(seed: seed)
        let alphabet = Array(#"aaaaaaa\\\""#.utf8) + [0x0A]
        for _ in 0..<2_000 {
            let length = Int.random(in: 1...300, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let start = Int.random(in: 0..<length, using: &generator)
            // The scanner's precondition: the byte at `start` is not escaped.
            var escapedAtStart = false
            var index = 0
            while index < start {
                if bytes[index] == UInt8(ascii: "\\") { index += 1; escapedAtStart = index == start }
                index += 1
            }
            if escapedAtStart { continue }
            expectSameRun(bytes, from: start, to: Int.random(in: start...length, using: &generator))
        }
    }
}
