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

/// Found by the `envelope` fuzz target: the scanner handed the byte after a record's end to the
/// element decoder when the record ended right after a comma inside an array.
@Suite struct JSONScannerBoundsTests {
    @Test func anArrayEndingAfterACommaIsCutOffNotReadPastItsEnd() {
        // The byte after the scanner's end starts a valid element: an element handed to the body
        // there is read past the end (the record decoders look at an element's first byte first).
        let bytes = Array("[1,{}]".utf8)
        var firstBytes: [UInt8] = []
        var failure: ScanFailure?
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(base: buffer.baseAddress!, start: 0, end: 3)
            do throws(ScanFailure) {
                try scanner.forEachElement { element throws(ScanFailure) in
                    firstBytes.append(element.current)
                    _ = try element.skipValue()
                }
            } catch {
                failure = error
            }
        }
        #expect(firstBytes == [UInt8(ascii: "1")], "no element is handed on past the end")
        #expect(failure == .unexpectedEnd)
    }

    @Test func anEnvelopeWhoseEventListEndsAfterACommaIsCutOff() throws {
        let record = Array(#"{"events": ["a","#.utf8)
        let decoded = record.withUnsafeBytes { DecodedRecord($0) }
        #expect(decoded.events.isEmpty)
        #expect(!decoded.skipped.isEmpty, "the broken record is counted")
    }
}
