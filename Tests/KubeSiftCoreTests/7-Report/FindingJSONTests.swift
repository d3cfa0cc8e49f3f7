import Foundation
import Testing
@testable import KubeSiftCore

/// The hand-written finding writer and the generic encoder write the same bytes, for a finding
/// with every member present and one with every optional member absent; the samples' findings
/// are compared in ``SortedJSONEncoderTests/sampleReport()``.
@Suite struct FindingJSONTests {
    /// Every optional member set, with text a log could hold: quotes, backslashes, control
    /// characters, non-ASCII, and group keys given out of order (upper case sorts before lower).
    static let everyMember = #"""
    {"id":"f-1","kind":"correlation","count":-3,"auditIDs":["a\"1","a\\2","\u0001"],
     "firstSeen":"2026-11-20T01:02:03.000004Z","lastSeen":"2026-11-20T01:02:04Z",
     "rule":{"id":"r","name":"rule-name","version":2,"title":"T\tab","category":"secret-access","severity":"high",
             "attack":["T1552","T1078.004"]},
     "request":{"auditID":"a\"1","time":"2026-11-20T01:02:03.000004Z","verb":"get","username":"ünïcode",
                "groups":["system:authenticated",""],"impersonatedUser":"bob","sourceIPs":["10.0.0.1","::1"],
                "userAgent":"curl/8 \u001b[31m","apiGroup":"","namespace":"ns","resource":"secrets","name":"db",
                "subresource":"exec","requestURI":"/api?x=\"y\"","command":"sh -c 'id'","decision":"allow",
                "responseCode":0,"level":"RequestResponse"},
     "group":{"user":"alice","Zone":"z","":"empty","émoji":"🙂","user.name":"u"},
     "distinctValues":12,"users":["alice","bob"],"sourceIPs":[],
     "evidence":[{"file":"a.log","member":"m/b.log","line":1,"sha256":"ab","auditID":"a\"1","stage":"ResponseComplete"},
                 {"file":"c.log","line":0,"auditID":"x","stage":"Panic"}],
     "evidenceOmitted":7,"controls":["pci-dss-4.0:10.2.1"],"relatedControls":[],"continues":"f-0",
     "disposition":{"kind":"false-positive","by":"carol","at":"2026-11-21T00:00:00Z","reason":"a \"test\"\n"}}
    """#

    static let fewestMembers = #"""
    {"id":"","kind":"request","count":1,"auditIDs":[],
     "rule":{"id":"r","name":"n","version":1,"title":"t","category":"exec-attach","severity":"low","attack":[]},
     "request":{"auditID":"a","sourceIPs":[]},"evidence":[]}
    """#

    @Test("A finding written by hand is the generic encoding, byte for byte", arguments: [everyMember, fewestMembers])
    func sameBytes(json: String) throws {
        let finding = try JSONDecoder().decode(Finding.self, from: Data(json.utf8))
        var handWritten: [UInt8] = []
        FindingJSON.append(finding, to: &handWritten)
        let generic = try SortedJSONEncoder().encode(finding)
        #expect(String(decoding: handWritten, as: UTF8.self) == String(decoding: generic, as: UTF8.self))
        try SortedJSONEncoderTests.expectSame(finding)
        // Nothing was lost on the way: the bytes read back as the finding.
        #expect(try JSONDecoder().decode(Finding.self, from: Data(handWritten)) == finding)
    }

    @Test("Every optional member of the full finding is present, so a field the writer forgets fails the test above")
    func fullFindingHasEveryMember() throws {
        let finding = try JSONDecoder().decode(Finding.self, from: Data(Self.everyMember.utf8))
        let object = try JSONSerialization.jsonObject(with: Data(Self.everyMember.utf8)) as! [String: Any]
        let request = try JSONSerialization.data(withJSONObject: object["request"]!)
        let fields = try JSONDecoder().decode(RequestSummary.Fields.self, from: request)
        let parts: [(String, Any)] = [("finding", finding), ("request", fields), ("disposition", finding.disposition!),
                                      ("evidence", finding.evidence[0])]
        for (name, value) in parts {
            for child in Mirror(reflecting: value).children {
                let member = Mirror(reflecting: child.value)
                #expect(member.displayStyle != .optional || !member.children.isEmpty, "\(name).\(child.label ?? "?") is absent")
            }
        }
    }
}
