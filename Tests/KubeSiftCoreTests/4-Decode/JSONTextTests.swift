import Testing
@testable import KubeSiftCore

@Suite("Unescaping JSON string content")
struct JSONTextTests {
    /// The rules a byte at a time, written plainly: what ``JSONText/unescape(_:_:into:)`` must agree with.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        let controls: [Character: UInt8] = ["n": 0x0A, "t": 0x09, "r": 0x0D, "b": 0x08, "f": 0x0C]
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let isEscape = bytes[index] == UInt8(ascii: "\\") && index + 1 < bytes.count
            if !isEscape {
                output.append(bytes[index])
                index += 1
            } else if bytes[index + 1] == UInt8(ascii: "u") {
                let decoded = bytes.withUnsafeBufferPointer {
                    JSONText.unicodeEscape($0.baseAddress!, at: index + 2, limit: bytes.count)
                }
                output += Array(String(decoded.scalar).utf8)
                index = decoded.next
            } else {
                // Any other escaped byte stands for itself.
                output.append(controls[Character(Unicode.Scalar(bytes[index + 1]))] ?? bytes[index + 1])
                index += 2
            }
        }
        return output
    }

    static func unescaped(_ bytes: [UInt8], into output: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { JSONText.unescape($0.baseAddress!, $0.count, into: &output) }
    }

    @Test("Escapes at either end, back to back, a backslash that ends the text, and bad or split \\u escapes")
    func edges() {
        let cases: [(String, String)] = [
            (#"\"quoted\""#, "\"quoted\""),
            (#"a\\"#, #"a\"#),
            (#"end\"#, #"end\"#),
            (#"\n\t\r\b\f\/"#, "\n\t\r\u{08}\u{0C}/"),
            (#"\u0026\u003c"#, "&<"),
            (#"\ud83d\ude00!"#, "😀!"),
            (#"bad:\u12zz"#, "bad:\u{FFFD}12zz"),
            (#"cut:\u00"#, "cut:\u{FFFD}00"),
            (#"\"#, #"\"#),
            ("plain, no escape at all", "plain, no escape at all"),
        ]
        var output: [UInt8] = []
        for (written, expected) in cases {
            // One buffer for all: what an earlier text left in it must not show.
            Self.unescaped(Array(written.utf8), into: &output)
            #expect(String(decoding: output, as: UTF8.self) == expected, "\(written)")
        }
    }

    @Test("Agrees with the rules a byte at a time on random mixes of text, backslashes and escapes")
    func agreesWithTheReference() {
        var generator = SeededGenerator(seed: 0x4B53_4946_5400)
        let pieces = ["a", "é", "/x?y=1", "\\", "\\n", "\\\"", "\\\\", "\\u0026", "\\ud83d\\ude00", "\\ud83d", "\\u12",
                      "\\uZZZZ", "\\q"]
        var output: [UInt8] = []
        for _ in 0..<2_000 {
            let count = Int(generator.next() % 12)
            let bytes = Array((0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined().utf8)
            Self.unescaped(bytes, into: &output)
            #expect(output == Self.reference(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
