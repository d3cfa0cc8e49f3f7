import Foundation
import Testing
@testable import KubeSiftCore

/// The encoder writes what Foundation's `JSONEncoder` writes with sorted keys, byte for byte:
/// reports and findings keep their form whichever encoder produced them.
@Suite struct SortedJSONEncoderTests {
    /// Foundation's encoding with the options every KubeSift document uses.
    static func foundation<T: Encodable>(_ value: T, pretty: Bool) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for pretty in [false, true] {
            let ours = try SortedJSONEncoder(prettyPrinted: pretty).encode(value)
            let theirs = try foundation(value, pretty: pretty)
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self),
                    "pretty: \(pretty)", sourceLocation: sourceLocation)
        }
    }

    struct Leaf: Encodable {
        var z: Int
        var text: String?
        var empty: [Int]
        var counts: [String: Int]
        var ratio: Double
        var flag: Bool
        var small: Int8
        var big: UInt64
        var single: Float
    }

    struct Tree: Encodable {
        var leaf: Leaf
        var leaves: [Leaf]
        var nested: [[String]]
        var emptyMap: [String: String]
        var absent: Int?
        var tag: Tag
        var byTag: [Tag: Int]
    }

    enum Tag: String, Encodable, CodingKeyRepresentable {
        case alpha, Beta, _gamma
    }

    /// Writes its members through nested containers and a super encoder, as hand-written
    /// conformances can.
    struct Handwritten: Encodable {
        enum Keys: String, CodingKey { case outer, list, zeta, base }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var outer = container.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try outer.encode("inside", forKey: .zeta)
            try outer.encodeNil(forKey: .base)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(true, forKey: .zeta)
            try list.encodeNil()
            var single = container.superEncoder(forKey: .base).singleValueContainer()
            try single.encode(2.5)
            try container.encode(Nothing(), forKey: .zeta)
        }
    }

    /// Encodes no value at all: nested, Foundation writes an empty object.
    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    static let leaf = Leaf(z: -7, text: "a/b \u{1}\u{1f}\u{7f}\u{2028}é\"\\\n\t\r\u{8}\u{c}𐀀", empty: [],
                           counts: ["b": 1, "B": 2, "a10": 3, "a9": 4, "_": 5, "é": 6, "": 7], ratio: 0.1, flag: true,
                           small: -128, big: .max, single: 0.1)

    @Test("Scalars, escapes, key order, empty containers and nesting as Foundation writes them")
    func matchesFoundation() throws {
        var other = Self.leaf
        other.text = nil
        other.counts = [:]
        other.ratio = 1e20
        let tree = Tree(leaf: Self.leaf, leaves: [Self.leaf, other], nested: [[], ["x"]], emptyMap: [:], absent: nil,
                        tag: .Beta, byTag: [.alpha: 1, .Beta: 2, ._gamma: 3])
        try Self.expectSame(tree)
        try Self.expectReindented(tree)
        try Self.expectSame(Handwritten())
        try Self.expectSame([Nothing()])
        try Self.expectSame("top")
        try Self.expectSame([Int8(-5): "x", 3: "y"])
    }

    @Test("Every control character and ASCII byte, and doubles in every form Swift prints")
    func stringsAndNumbers() throws {
        let ascii = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        try Self.expectSame([ascii, String(ascii.reversed())])
        try Self.expectSame([0.1, 1.5, 1, -0.0, 1e20, 1e-7, 123456789.125, 2.5e-5, 1e16, 1e15 + 0.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude])
        try Self.expectSame([Int.min, Int.max, 0])
    }

    @Test("Random nested documents come out as Foundation's")
    func randomDocuments() throws {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("aZ_/\"\\é\u{0}\n 9".unicodeScalars)
        func word() -> String {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...6, using: &generator) { text.append(alphabet.randomElement(using: &generator)!) }
            return String(text)
        }
        for _ in 0..<200 {
            var document: [String: [String: [Int]]] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                var inner: [String: [Int]] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &generator) {
                    inner[word()] = (0..<Int.random(in: 0...3, using: &generator)).map { _ in Int.random(in: -1000...1000, using: &generator) }
                }
                document[word()] = inner
            }
            try Self.expectSame(document)
            try Self.expectReindented(document)
        }
    }

    /// A compact encoding, re-indented as ``EncodedJSON`` does, is the pretty encoding.
    static func expectReindented<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var reindented: [UInt8] = []
        EncodedJSON(compact: try SortedJSONEncoder().encode(value)[...]).appendPretty(depth: 0, to: &reindented)
        let pretty = try SortedJSONEncoder(prettyPrinted: true).encode(value)
        #expect(String(decoding: reindented, as: UTF8.self) == String(decoding: pretty, as: UTF8.self), sourceLocation: sourceLocation)
    }

    @Test("The samples' report and findings, encoded both ways, are the same bytes")
    func sampleReport() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)
        let samples = Peers.repositoryRoot.appendingPathComponent("samples").path
        let result = Analysis.run([samples]) { options in
            options.clusterFromDirectory = true
            options.rules = rules
            options.compliance = ComplianceConfiguration(library: try! ControlLibrary.builtIn.get())
        }
        #expect(result.findings.count > 100, "the samples hold findings of every kind")
        let parameters = ReportDocument.Parameters(paths: [samples], cluster: nil, clusterFromDirectory: true, since: nil,
                                                   until: nil, now: nil, maximumRecordBytes: 1 << 20, maximumNesting: 4)
        let document = ReportDocument(result: result, parameters: parameters, generatedAt: Timestamp(unixSeconds: 0), rules: rules)
        try Self.expectSame(document)
        try Self.expectSame(result.findings)
        try Self.expectReindented(result.findings)
        // report.json written from findings.jsonl's lines is report.json encoded whole; the findings
        // come as chunks of their own, spliced between the document's parts before and after them,
        // and findings.jsonl is written from the same lines, whatever the batch.
        let whole = try document.encoded()
        for batch in [1, 7, 4_096] {
            var chunks: [[UInt8]] = []
            var lines: [UInt8] = []
            try document.write(emit: { chunks.append($0) }, findingsLines: { lines += $0 }, batch: batch)
            #expect(Array(chunks.joined()) == whole, "batches of \(batch)")
            #expect(lines == FindingsFile.encoded(result.findings), "batches of \(batch)")
            #expect(chunks.count > 3 && chunks.allSatisfy { $0.count < whole.count / 2 })
        }
        var quiet = document
        quiet.detections.findings = []
        var quietChunks: [UInt8] = []
        try quiet.write(emit: { quietChunks += $0 })
        #expect(try quietChunks == quiet.encoded(), "no findings: an empty list either way")
        #expect(try FindingsFile.encoded(result.findings) == result.findings.flatMap { try SortedJSONEncoder().encode($0) + [0x0A] })
    }

    @Test("What JSON cannot hold is refused, as Foundation refuses it")
    func refusals() {
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(["x": Double.infinity]) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(Nothing()) }
    }
}
