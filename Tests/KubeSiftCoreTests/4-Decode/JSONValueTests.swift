import Foundation
import Testing
@testable import KubeSiftCore

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"s":"x\u00e9","n":-0.5e-3,"t":true,"f":false,"z":null,"a":[1,[],{}]} "#)
        #expect(value == .object([
            ("s", .string("xé")), ("n", .number("-0.5e-3")), ("t", .bool(true)), ("f", .bool(false)), ("z", .null),
            ("a", .array([.number("1"), .array([]), .object([])])),
        ]))
    }

    /// Go's decoder keeps the last of repeated keys; so do the event scanner and this lookup, so a
    /// hostile document reads the same to the apiserver's tooling and to every stage here.
    @Test func keepsTheLastOfRepeatedKeysWhenLookedUpAsGoDoes() throws {
        let value = try JSONValue.parse(#"{"k":1,"k":2}"#)
        #expect(value["k"] == .number("2"))
        let event = try #require(try AuditEvent.decode(record: #"{"auditID":"a","stage":"ResponseComplete","auditID":"b"}"#).get().first)
        #expect(event.auditID == "b")
    }

    @Test(arguments: ["", "{", #"{"a":}"#, "[1 2]", "tru", "01x", "nul", "{} {}", #"{"a":1}}"#, "-", "+1"])
    func rejectsWhatIsNotOneJSONValue(_ text: String) {
        #expect(throws: ScanFailure.self) { try JSONValue.parse(text) }
    }

    @Test func agreesWithFoundationOnTheShapeOfAGeneratedEvent() throws {
        var line = EventLine(number: 3)
        line.requestObject = #"{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}"#
        let ours = try JSONValue.parse(line.json)
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(line.json.utf8)) as? [String: Any])
        guard case let .object(members) = ours else { Issue.record("not an object"); return }
        #expect(Set(members.map(\.key)) == Set(theirs.keys))
        #expect(ours["requestURI"]?.stringValue == theirs["requestURI"] as? String)
        #expect(ours["user"]?["groups"]?.arrayValue?.compactMap(\.stringValue)
            == (theirs["user"] as? [String: Any])?["groups"] as? [String])
    }
}
