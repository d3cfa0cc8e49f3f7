import Testing
@testable import KubeSiftCore

/// The scanner's two window-at-a-time loops against their rules read a byte at a time.
///
/// Skipping a container: a backslash
/// escapes the next byte (in a string or out), unescaped quotes open and close strings, brackets
/// outside strings count, and nesting past the limit is refused.
private func referenceSkipEnd(_ bytes: [UInt8]) -> Result<Int, ScanFailure> {
    var depth = 0
    var inString = false
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\\") {
            index += 2
            continue
        }
        if inString {
            if byte == UInt8(ascii: "\"") { inString = false }
        } else if byte == UInt8(ascii: "\"") {
            inString = true
        } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            depth += 1
            if depth > JSONScanner.maximumDepth { return .failure(.tooDeep) }
        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
            depth -= 1
            if depth == 0 { return .success(index + 1) }
        }
        index += 1
    }
    return .failure(.unexpectedEnd)
}

private func skipEnd(_ bytes: [UInt8]) -> Result<Int, ScanFailure> {
    bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(base: buffer.baseAddress!, start: 0, end: buffer.count)
        do throws(ScanFailure) {
            return .success(try scanner.skipValue().end)
        } catch {
            return .failure(error)
        }
    }
}

private func expectSameSkip(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = referenceSkipEnd(bytes)
    let found = skipEnd(bytes)
    #expect("\(found)" == "\(expected)", "\(String(decoding: bytes, as: UTF8.self).debugDescription)",
            sourceLocation: sourceLocation)
}

/// A random JSON value whose strings are full of what a skip must not count: brackets, escaped
/// quotes, runs of backslashes, `\u` escapes; long enough to cross windows.
private func randomValue(depth: Int, _ generator: inout SeededGenerator) -> String {
    switch depth > 5 ? 0 : Int.random(in: 0...4, using: &generator) {
    case 0, 1:
        let pieces = ["a", "{", "}", "[", "]", "\\\"", "\\\\", "\\\\\\\"", "\\u005b", " ", "é", "x]}"]
        let length = Int.random(in: 0...40, using: &generator)
        return "\"" + (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined() + "\""
    case 2:
        return ["1", "-2.5e3", "true", "null"].randomElement(using: &generator)!
    case 3:
        let count = Int.random(in: 0...6, using: &generator)
        return "[" + (0..<count).map { _ in randomValue(depth: depth + 1, &generator) }.joined(separator: ",") + "]"
    default:
        let count = Int.random(in: 0...6, using: &generator)
        return "{" + (0..<count).map { "\"k\($0)\":" + randomValue(depth: depth + 1, &generator) }.joined(separator: ",") + "}"
    }
}

/// A string's content ends at the first quote no backslash escapes; it is escaped when it holds a
/// backslash; a string with no closing quote is cut off.
private func referenceString(_ bytes: [UInt8]) -> Result<StringSpan, ScanFailure> {
    var index = 1
    var escaped = false
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "\"") { return .success(StringSpan(start: 1, end: index, escaped: escaped)) }
        if bytes[index] == UInt8(ascii: "\\") {
            escaped = true
            index += 1
        }
        index += 1
    }
    return .failure(.unexpectedEnd)
}

private func scannedString(_ bytes: [UInt8]) -> (span: Result<StringSpan, ScanFailure>, position: Int) {
    bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(base: buffer.baseAddress!, start: 0, end: buffer.count)
        do throws(ScanFailure) {
            return (.success(try scanner.scanString()), scanner.position)
        } catch {
            return (.failure(error), scanner.position)
        }
    }
}

private func expectSameString(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = referenceString(bytes)
    let found = scannedString(bytes)
    let text = String(decoding: bytes, as: UTF8.self).debugDescription
    switch (found.span, expected) {
    case let (.success(span), .success(reference)):
        #expect(span.start == reference.start && span.end == reference.end && span.escaped == reference.escaped, "\(text)",
                sourceLocation: sourceLocation)
        #expect(found.position == reference.end + 1, "\(text)", sourceLocation: sourceLocation)
    case let (.failure(error), .failure(reference)):
        #expect(error == reference, "\(text)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(text): scanned \(found.span), expected \(expected)", sourceLocation: sourceLocation)
    }
}

@Suite struct JSONScannerTests {
    @Test func aQuoteOrBackslashAtEveryOffsetOfSeveralBlocks() {
        for length in [1, 15, 16, 17, 31, 32, 33, 50] {
            for offset in 0..<length {
                for special in Array("\"\\".utf8) {
                    var content = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    content[offset] = special
                    let bytes = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
                    expectSameString(bytes)
                    // Cut before the closing quote.
                    expectSameString(Array(bytes.dropLast()))
                }
            }
        }
    }

    @Test(arguments: [31, 32] as [UInt64])
    func randomEscapedStringsEndWhereTheyEnd(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let pieces = ["a", "bcdefghijklmnop", "\\\"", "\\\\", "\\u00e9", "é", "\"", "\\"]
        for _ in 0..<2000 {
            let count = Int.random(in: 0...12, using: &generator)
            let text = "\"" + (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
            expectSameString(Array(text.utf8))
        }
    }

    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func randomBodiesEndWhereTheyEnd(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<400 {
            let body = "{\"o\":" + randomValue(depth: 0, &generator) + "}"
            let bytes = Array((body + " ,\"next\":{}").utf8)
            #expect(skipEnd(bytes) == .success(body.utf8.count), "\(body.debugDescription)")
            expectSameSkip(bytes)
            // Cut anywhere inside, the body is unfinished.
            let cut = Int.random(in: 1..<body.utf8.count, using: &generator)
            #expect(skipEnd(Array(bytes[..<cut])) == .failure(.unexpectedEnd))
        }
    }

    @Test(arguments: [21, 22, 23] as [UInt64])
    func byteSoupFollowsTheSameRules(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let alphabet = Array("{{[[}]\"\\\\a ".utf8)
        for _ in 0..<3000 {
            let length = Int.random(in: 1...300, using: &generator)
            let bytes = [UInt8(ascii: "{")] + (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            expectSameSkip(bytes)
        }
    }

    @Test func aBracketOrQuoteAtEveryOffsetOfSeveralWindows() {
        for special in Array("}]\"\\{".utf8) {
            for offset in 1..<200 {
                var bytes = [UInt8(ascii: "[")] + [UInt8](repeating: UInt8(ascii: "1"), count: 200) + [UInt8(ascii: "]")]
                bytes[offset] = special
                expectSameSkip(bytes)
            }
        }
    }

    @Test func nestingPastTheLimitIsRefusedAndAtTheLimitIsSkipped() {
        let limit = JSONScanner.maximumDepth
        let atLimit = Array((String(repeating: "[", count: limit) + String(repeating: "]", count: limit)).utf8)
        #expect(skipEnd(atLimit) == .success(atLimit.count))
        let past = Array((String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)).utf8)
        #expect(skipEnd(past) == .failure(.tooDeep))
        // Deep nesting reached inside one window, after shallow windows.
        let late = Array(("[" + String(repeating: "0,", count: 100) + String(repeating: "{\"a\":", count: limit)).utf8)
        #expect(skipEnd(late) == .failure(.tooDeep))
    }
}

/// Unescaping a string into a buffer, a window at a time where it can, against
/// ``JSONText/unescape(_:_:into:)`` on the content up to the first unescaped quote: with each kernel
/// this CPU runs (the AVX-512 one only where it has VBMI2, as this project's machine does).
@Suite struct JSONScannerUnescapeTests {
    private func expectSameUnescape(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for kernel in JSONScanner.UnescapeKernel.available {
            expectSameUnescape(text, kernel: kernel, sourceLocation: sourceLocation)
        }
    }

    private func expectSameUnescape(_ text: String, kernel: JSONScanner.UnescapeKernel, sourceLocation: SourceLocation) {
        let bytes = Array(text.utf8)
        var expected: [UInt8]?
        if case let .success(span) = referenceString(bytes) {
            var unescaped: [UInt8] = []
            bytes.withUnsafeBufferPointer { JSONText.unescape($0.baseAddress! + span.start, span.count, into: &unescaped) }
            expected = unescaped
        }
        let output = ByteScratch(capacity: 8)
        output.append("kept")
        let found = bytes.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var scanner = JSONScanner(base: buffer.baseAddress!, start: 0, end: buffer.count)
            do throws(ScanFailure) {
                try scanner.scanStringUnescaped(into: output, kernel: kernel)
            } catch {
                return nil
            }
            return Array(UnsafeBufferPointer(start: output.base, count: output.count))
        }
        #expect(found == expected.map { Array("kept".utf8) + $0 }, "\(kernel): \(text.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func everyEscapeAtEveryOffsetOfTwoWindows() {
        let escapes = [#"\""#, #"\\"#, #"\/"#, #"\n"#, #"\t"#, #"\u00e9"#, #"\ud83d\ude80"#, #"\u12"#, #"\q"#]
        for escape in escapes {
            for offset in 0..<140 {
                let text = "\"" + String(repeating: "a", count: offset) + escape + String(repeating: "b", count: 150 - offset) + "\""
                expectSameUnescape(text)
                // Cut before the closing quote: no string.
                expectSameUnescape(String(text.dropLast()))
            }
        }
        // A backslash run across a window's end, and a string ending in one.
        for run in 1...5 {
            for offset in 55...70 {
                expectSameUnescape("\"" + String(repeating: "x", count: offset) + String(repeating: "\\", count: run) + "\"" + String(repeating: "y", count: 100) + "\"")
            }
        }
    }

    @Test(arguments: [41, 42, 43] as [UInt64])
    func randomEventsSentAsStrings(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let pieces = [#"\"kind\":"#, #"\"Event\","#, "abcdefghijklmnopqrstuvwxyz0123456789", #"\\\""#, #"\\\\"#, #"\/api\/v1"#,
                      #"\n"#, #"\u0026"#, "é", "{", "}", " "]
        for _ in 0..<500 {
            let count = Int.random(in: 0...60, using: &generator)
            let content = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
            expectSameUnescape("\"" + content + "\",\"next\":1}")
        }
    }
}
