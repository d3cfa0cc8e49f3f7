import Testing
@testable import KubeSiftCore

@Suite("Contains lists: one pass over the text answers as each pattern does on its own")
struct ContainsListTests {
    /// `contains` patterns as a condition compiles them (each a `*literal*` glob), and their tests,
    /// which point into the patterns: the caller keeps the patterns alive while it uses the tests.
    private static func tests(_ literals: [String], cased: [Bool]) -> (patterns: [GlobPattern], tests: UnsafeMutableBufferPointer<PatternTest>) {
        let patterns = zip(literals, cased).map { literal, cased in
            GlobPattern(sigma: literal, cased: cased).surrounded(leading: true, trailing: true)
        }
        let tests = UnsafeMutableBufferPointer<PatternTest>.allocate(capacity: patterns.count)
        _ = tests.initialize(from: patterns.map { PatternTest(.text($0))! })
        return (patterns, tests)
    }

    @Test("Overlapping, repeated and case-folded literals, on texts that hold them anywhere")
    func agreesWithEachPattern() {
        var random = SeededGenerator(seed: 0x5EED)
        let alphabet = Array("abcAB-_k.".utf8)
        for round in 0..<400 {
            let literals = (0..<Int.random(in: 2...5, using: &random)).map { _ in
                String(decoding: (0..<Int.random(in: (round % 50 == 0 ? 0 : 1)...4, using: &random)).map { _ in
                    alphabet.randomElement(using: &random)!
                }, as: UTF8.self)
            }
            let cased = Bool.random(using: &random)
            let (patterns, tests) = Self.tests(literals, cased: Array(repeating: cased, count: literals.count))
            defer { tests.deallocate() }
            // The tests point into the patterns: kept alive to the end of the round.
            defer { withExtendedLifetime(patterns) {} }
            // An empty literal makes its pattern `*`, which is no `contains` shape: no list then.
            guard let list = ContainsList(tests) else {
                #expect(literals.contains(""), "\(literals)")
                continue
            }
            defer { list.deallocate() }
            for _ in 0..<30 {
                var text = String(decoding: (0..<Int.random(in: 0...12, using: &random)).map { _ in
                    alphabet.randomElement(using: &random)!
                }, as: UTF8.self)
                let values: [FieldValue] = [.string(text), .number(text), .structure, .null]
                for value in values {
                    #expect(list.anyMatches(value) == tests.anyMatches(value), "\(literals) cased=\(cased) on \(value)")
                    for index in literals.indices {
                        #expect(list.matches(index, value) == tests.matches(index, value), "\(literals[index]) on \(value)")
                    }
                }
                let written = text
                text.withUTF8 { bytes in
                    #expect(list.anyMatches(.raw(bytes)) == tests.anyMatches(.raw(bytes)), "\(literals) cased=\(cased) on \(written)")
                }
            }
        }
    }

    @Test("Only a list of two or more contains patterns, cased alike, is one")
    func onlyContainsLists() {
        let single = Self.tests(["abc"], cased: [false])
        let mixed = Self.tests(["abc", "def"], cased: [false, true])
        let globs = [GlobPattern(sigma: "abc*", cased: false), GlobPattern(sigma: "*def*", cased: false)]
        let prefix = UnsafeMutableBufferPointer<PatternTest>.allocate(capacity: 2)
        _ = prefix.initialize(from: globs.map { PatternTest(.text($0))! })
        defer { [single.tests, mixed.tests, prefix].forEach { $0.deallocate() } }
        withExtendedLifetime((single.patterns, mixed.patterns, globs)) {
            #expect(ContainsList(single.tests) == nil)
            #expect(ContainsList(mixed.tests) == nil)
            #expect(ContainsList(prefix) == nil)
        }
    }
}
