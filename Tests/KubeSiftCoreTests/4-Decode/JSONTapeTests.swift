import Foundation
import Testing
@testable import KubeSiftCore

@Suite("JSON tape: bodies indexed in place read as the parsed value does")
struct JSONTapeTests {
    /// Rebuilds the value a tape node stands for, to compare it with `JSONValue.parse`.
    private static func value(_ tape: JSONTape, _ index: Int) -> JSONValue {
        let node = tape.nodes[index]
        switch node.kind {
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            _ = tape.anyChild(of: index) { key, value in
                members.append((tape.text(key!), Self.value(tape, value)))
                return false
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            _ = tape.anyChild(of: index) { _, element in
                elements.append(Self.value(tape, element))
                return false
            }
            return .array(elements)
        case .string: return .string(tape.text(index))
        case .number: return .number(String(decoding: UnsafeBufferPointer(start: tape.base + node.start, count: node.end - node.start), as: UTF8.self))
        case .bool: return .bool(node.flag)
        case .null: return .null
        }
    }

    private static func indexed(_ text: String, _ body: (JSONTape) throws -> Void) throws {
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            let tape = JSONTape()
            try tape.index(UnsafePointer(buffer.baseAddress!), start: 0, end: buffer.count)
            try body(tape)
        }
    }

    @Test("Every event of the bundled samples, and edge cases, index to exactly the parsed value")
    func agreesWithParser() throws {
        var documents = [
            #"{}"#, #"[]"#, #"  {"a" : [1, -2.5e+3, 0, true, false, null, "x\"y", {"\u00e9t\u00e9": {}}]}  "#,
            #"{"k":1,"k":2}"#, #"[[[]],[{}]]"#, #""just text""#, "-0", "1E9",
        ]
        let log = try String(contentsOfFile: Peers.samples + "/shop-prod/audit.log", encoding: .utf8)
        documents += log.split(separator: "\n").map(String.init)
        #expect(documents.count > 100, "the samples' plain log was not read")
        for document in documents {
            let parsed = try JSONValue.parse(document)
            try Self.indexed(document) { tape in
                #expect(Self.value(tape, 0) == parsed, "\(document.prefix(80))")
            }
        }
    }

    @Test("What is not one well-formed JSON value is refused, as the parser refuses it",
          arguments: [#"{"a":}"#, "[1,]", "01", "1.", "-", "tru", "nul", #"{"a" 1}"#, #""open"#, "[1] 2", "{", "",
                      "0x1p3", "nan", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)])
    func refusesMalformed(document: String) {
        #expect(throws: ScanFailure.self) { try Self.indexed(document) { _ in } }
        #expect(throws: ScanFailure.self) { try JSONValue.parse(document) }
    }

    @Test("Member lookup: the last of repeated keys, escaped keys decoded, objects only")
    func members() throws {
        try Self.indexed(#"{"a":1,"b\u002fc":2,"a":3,"list":[{"a":4}]}"#) { tape in
            #expect(tape.member(0, "a").map { Self.value(tape, $0) } == .number("3"))
            #expect(tape.member(0, "b/c").map { Self.value(tape, $0) } == .number("2"))
            #expect(tape.member(0, "missing") == nil)
            let list = try #require(tape.member(0, "list"))
            #expect(tape.member(list, "a") == nil)
        }
        try Self.indexed(#"{"a.b":1,"a":2,"ab.c":3,"\u0061.c":4}"#) { tape in
            func startsComponent(_ key: Int, _ component: String) -> Bool {
                var component = component
                return component.withUTF8 { tape.reader.keyStartsComponent(key, $0) }
            }
            #expect(startsComponent(1, "a") && !startsComponent(1, "a.b"))
            #expect(!startsComponent(3, "a") && !startsComponent(5, "a"))
            // An escaped key is compared as it decodes (`a.c`).
            #expect(startsComponent(7, "a") && !startsComponent(7, "ab"))
        }
    }
}
