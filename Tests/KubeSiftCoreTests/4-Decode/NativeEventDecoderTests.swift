import Foundation
import Synchronization
import Testing
@testable import KubeSiftCore

private func decode(_ record: String) -> Result<[AuditEvent], SkipReason> { AuditEvent.decode(record: record) }

private func decodeOne(_ record: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> AuditEvent {
    let events = try decode(record).get()
    try #require(events.count == 1, sourceLocation: sourceLocation)
    return events[0]
}

/// Runs `body` on a thread with a 1 MiB stack (a quarter of what the pipeline gives its threads), so
/// that a decoder that recursed once per nesting level would crash the test instead of passing on a
/// roomy stack. (`JSONValue.parse` does recurse, up to `JSONScanner.maximumDepth`: in a debug build
/// that needs more than 512 KiB.)
private func onSmallStack<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        let value = body()
        result.withLock { $0 = value }
        done.signal()
    }
    thread.stackSize = 1 << 20
    thread.start()
    done.wait()
    return result.withLock { $0! }
}

@Suite struct NativeEventDecoderTests {
    // MARK: - A real event

    /// crowdsecurity/hub `.tests/k8s-audit-pod-exec-file/k8s-audit-pod-exec-file.log` (MIT), read from
    /// `../shared/peers/crowdsecurity-hub/`: one minikube `kubectl exec` event, no trailing newline.
    static let execEvent = "crowdsecurity-hub/k8s-audit-pod-exec-file.log"

    @Test(.enabled(if: Peers.exists(execEvent), "peer material ../shared/peers/\(execEvent) is absent"))
    func decodesEveryFieldOfARealExecEvent() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.path(Self.execEvent)))
        let event = try decodeOne(String(decoding: data, as: UTF8.self))
        // The oracle is Foundation's own JSON parser on the same bytes.
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let user = try #require(json["user"] as? [String: Any])
        let reference = try #require(json["objectRef"] as? [String: Any])

        #expect(event.apiVersion == "audit.k8s.io/v1")
        #expect(event.level == json["level"] as? String)
        #expect(event.auditID == "57a794de-44d3-40ee-a0ad-c0eb096eef6c")
        #expect(event.stage == "ResponseComplete")
        #expect(event.verb == "create")
        #expect(event.requestURI == json["requestURI"] as? String)
        #expect(event.requestURI == "/api/v1/namespaces/foo/pods/test-pod-1/exec?command=%2Fbin%2Fbash&container=centos&stdin=true&stdout=true&tty=true",
                "\\u0026 is unescaped to &")
        #expect(event.user.username == "minikube-user")
        #expect(event.user.groups == user["groups"] as? [String])
        #expect(event.user.groups == ["system:masters", "system:authenticated"])
        #expect(event.impersonatedUser == nil)
        #expect(event.sourceIPs == ["192.168.49.1"])
        #expect(event.userAgent == json["userAgent"] as? String)
        #expect(event.objectRef?.resource == "pods")
        #expect(event.objectRef?.namespace == "foo")
        #expect(event.objectRef?.name == "test-pod-1")
        #expect(event.objectRef?.apiVersion == reference["apiVersion"] as? String)
        #expect(event.objectRef?.apiGroup == nil)
        #expect(event.objectRef?.subresource == "exec")
        #expect(event.responseCode == 101)
        // The peer's scenario assert names 2023-05-17T15:08:22.76396Z as the event's time.
        #expect(event.requestReceivedTimestamp == Timestamp(rfc3339: "2023-05-17T15:08:22.76396Z"))
        #expect(event.stageTimestamp == Timestamp(rfc3339: "2023-05-17T15:08:30.619910Z"))
        #expect(event.time == event.requestReceivedTimestamp)
        #expect(event.annotations == json["annotations"] as? [String: String])
        #expect(event.annotations["apiserver.latency.k8s.io/etcd"] == "561.927µs", "raw UTF-8 inside a value")
        #expect(event.requestObject == nil)
    }

    // MARK: - Values

    @Test func keepsRawUTF8InValues() throws {
        var line = EventLine(number: 1)
        line.user = "jürgen.müller@例え.jp"
        line.namespace = "équipe-😀"
        let event = try decodeOne(line.json)
        #expect(event.user.username == "jürgen.müller@例え.jp")
        #expect(event.objectRef?.namespace == "équipe-😀")
    }

    @Test func unescapesJSONEscapes() throws {
        let record = #"{"auditID":"a\"b\\c","stage":"ResponseComplete","verb":"get","requestURI":"/x?a=1\u0026b=\u003cc\u003e","user":{"username":"tab\there\nnl \ud83d\ude00 \u00e9 \/ bad:\u12zz"}}"#
        let event = try decodeOne(record)
        #expect(event.auditID == #"a"b\c"#)
        #expect(event.requestURI == "/x?a=1&b=<c>")
        #expect(event.user.username == "tab\there\nnl 😀 é / bad:\u{FFFD}12zz")
    }

    @Test func readsBodiesAsValuesInDocumentOrder() throws {
        var line = EventLine(number: 1)
        line.requestObject = #"{"kind":"Pod","spec":{"hostPID":true,"containers":[{"name":"a","securityContext":{"privileged":true}}]},"n":-1.50e3,"z":null}"#
        let event = try decodeOne(line.json)
        let body = try #require(event.requestObject)
        #expect(body["kind"] == .string("Pod"))
        #expect(body["spec"]?["hostPID"] == .bool(true))
        #expect(body["n"] == .number("-1.50e3"), "numbers are kept as written")
        #expect(body["z"] == .null)
        guard case let .object(members) = body else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["kind", "spec", "n", "z"])
    }

    @Test func readsImpersonationAndExtra() throws {
        let record = #"{"auditID":"i","stage":"ResponseComplete","verb":"get","user":{"username":"system:admin","uid":"u-1","groups":["g1","g2"],"extra":{"arn":["arn:aws:iam::1:role/x"],"sessionName":["s"]}},"impersonatedUser":{"username":"bob","groups":["system:authenticated"]}}"#
        let event = try decodeOne(record)
        #expect(event.user.uid == "u-1")
        #expect(event.user.extra == ["arn": ["arn:aws:iam::1:role/x"], "sessionName": ["s"]])
        #expect(event.impersonatedUser?.username == "bob")
        #expect(event.impersonatedUser?.groups == ["system:authenticated"])
    }

    // MARK: - Shapes

    @Test func decodesASingleLineEventListWithItemsWithoutKind() throws {
        // Webhook batch items carry neither kind nor apiVersion.
        let items = (1...3).map { number -> String in
            var line = EventLine(number: number)
            line.kind = nil
            line.apiVersion = nil
            return line.json
        }
        let record = #"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[\#(items.joined(separator: ","))]}"#
        let events = try decode(record).get()
        #expect(events.map(\.auditID) == (1...3).map(EventLine.auditID))
    }

    @Test func decodesATopLevelArrayAndConcatenatedObjects() throws {
        let lines = EventLine.numbered(3).map(\.json)
        #expect(try decode("[" + lines.joined(separator: ", ") + "]").get().count == 3)
        #expect(try decode(lines.joined()).get().count == 3, #""}{" on one line is read as written"#)
        #expect(try decode(" \t" + lines[0] + " ").get().count == 1)
    }

    @Test func decodesV1beta1WithOnlyTimestamp() throws {
        // The shape of audit2rbac's first demo.log: v1beta1, `timestamp`, no requestReceivedTimestamp.
        let record = #"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2017-09-11T19:55:05Z"},"level":"Metadata","timestamp":"2017-09-11T19:55:05Z","auditID":"033d17af","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"system:admin"},"sourceIPs":["::1"]}"#
        let event = try decodeOne(record)
        #expect(event.apiVersion == "audit.k8s.io/v1beta1")
        #expect(event.requestReceivedTimestamp == Timestamp(rfc3339: "2017-09-11T19:55:05Z"))
        #expect(event.stageTimestamp == nil)
        #expect(event.objectRef == nil)
    }

    @Test(.enabled(if: Peers.exists("liggitt-audit2rbac/commit-501d132/demo.log"),
                   "peer material ../shared/peers/liggitt-audit2rbac is absent"))
    func decodesTheFirstLineOfAudit2rbacsDemoLog() throws {
        // liggitt/audit2rbac testdata/demo.log at 501d132 (Apache-2.0), ../shared/peers/liggitt-audit2rbac/.
        let text = try String(contentsOfFile: Peers.path("liggitt-audit2rbac/commit-501d132/demo.log"), encoding: .utf8)
        let first = try #require(text.split(separator: "\n").first)
        let event = try decodeOne(String(first))
        #expect(event.requestReceivedTimestamp == Timestamp(rfc3339: "2017-09-11T19:55:05Z"))
        #expect(event.user.username == "system:admin")
        #expect(event.impersonatedUser?.username == "bob")
        #expect(event.responseCode == 403)
        #expect(event.sourceIPs == ["::1"])
    }

    // MARK: - What is not an event

    @Test func theFalcoFindingKindZeroIsNotAnAuditEvent() {
        #expect(decode(#"{"kind": 0}"#) == .failure(.notAuditEvent))
    }

    @Test(.enabled(if: Peers.exists("falcosecurity-falco-k8s_audit/fal_01_003.json"),
                   "peer material ../shared/peers/falcosecurity-falco-k8s_audit is absent"))
    func theFalcoFindingFileIsNotAnAuditEvent() throws {
        // falcosecurity/falco test/trace_files/k8s_audit/fal_01_003.json at 0.34.1 (Apache-2.0).
        let text = try String(contentsOfFile: Peers.path("falcosecurity-falco-k8s_audit/fal_01_003.json"), encoding: .utf8)
        #expect(decode(text) == .failure(.notAuditEvent))
    }

    @Test(arguments: [
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}"#,
        #"{"kind":"Pod","auditID":"a","stage":"ResponseComplete","verb":"get"}"#,
        #"{"auditID":"a"}"#,
        #"{"stage":"ResponseComplete","verb":"get"}"#,
        #"{"kind":"EventList","items":[]}"#,
        "[]", "{}", #"[1, "two", null, [3]]"#,
    ])
    func validJSONThatIsNotAnEventIsNotAnAuditEvent(_ record: String) {
        #expect(decode(record) == .failure(.notAuditEvent))
    }

    @Test(arguments: ["hello", "<html>", "{'kind': 'Event'}", #"{"a" 1}"#, #"{"a":1,}"#, "\u{1}\u{2}", #"{"a":1} x"#,
                      #""just a string""#, "42", "null", #"{"a":@}"#])
    func whatIsNotJSONIsNotJSON(_ record: String) {
        #expect(decode(record) == .failure(.notJSON))
    }

    @Test func aRecordCutOffAnywhereIsCutOff() {
        let line = EventLine(number: 1).json
        let cuts = stride(from: 1, to: line.utf8.count - 1, by: 7).map {
            String(decoding: Array(line.utf8).prefix($0), as: UTF8.self)
        }
        let outcomes = cuts.map(decode)
        #expect(outcomes.allSatisfy { $0 == .failure(.cutOff) }, "\(zip(cuts, outcomes).filter { $0.1 != .failure(.cutOff) }.map(\.0))")
    }

    @Test func oneHundredThousandNestedBracketsAreTooDeepWithoutExhaustingTheStack() {
        let depth = 100_000
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let records = [
            nested,
            String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth),
            #"{"auditID":"a","stage":"ResponseComplete","verb":"get","requestObject":"# + nested + "}",
            #"{"kind":"EventList","items":["# + nested + "]}",
        ]
        let outcomes = onSmallStack { records.map { decode($0) } }
        for outcome in outcomes { #expect(outcome == .failure(.nestedTooDeep)) }
        let parsed = onSmallStack { () -> Bool in
            do throws(ScanFailure) {
                _ = try JSONValue.parse(nested)
                return false
            } catch {
                return error == .tooDeep
            }
        }
        #expect(parsed, "the value parser refuses it too")
    }

    @Test func bodiesNestedJustUnderTheLimitAreKept() throws {
        let depth = JSONScanner.maximumDepth - 1
        var line = EventLine(number: 1)
        line.requestObject = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let record = line.json
        let outcome = onSmallStack { decode(record) }
        #expect(try outcome.get().count == 1)
    }

    @Test func duplicateKeysDoNotCrashAndTheLastOneCountsLikeGo() throws {
        let record = #"{"auditID":"first","auditID":"second","stage":"ResponseComplete","verb":"get","verb":"list","user":{"username":"a","username":"b"},"user":{"username":"c"},"responseStatus":{"code":200},"responseStatus":{"code":403}}"#
        let event = try decodeOne(record)
        #expect(event.auditID == "second")
        #expect(event.verb == "list")
        #expect(event.user.username == "c")
        #expect(event.responseCode == 403)
    }

    @Test func fieldsOfTheWrongTypeAreAbsentNotFatal() throws {
        let record = #"{"auditID":"a","stage":"ResponseComplete","verb":5,"user":"bob","sourceIPs":"1.2.3.4","objectRef":[],"responseStatus":{"code":"200"},"requestReceivedTimestamp":12,"annotations":null,"impersonatedUser":true}"#
        let event = try decodeOne(record)
        #expect(event.verb == nil)
        #expect(event.user.username == nil)
        #expect(event.sourceIPs.isEmpty)
        #expect(event.objectRef == nil)
        #expect(event.responseCode == nil)
        #expect(event.requestReceivedTimestamp == nil)
        #expect(event.annotations.isEmpty)
        #expect(event.impersonatedUser == nil)
    }

    @Test(arguments: [("2.5e2", nil), ("99999999999999999999", nil), ("-1", -1), ("403", 403), ("0", 0)] as [(String, Int?)])
    func readsOnlyIntegerResponseCodes(code: String, expected: Int?) throws {
        let event = try decodeOne(#"{"auditID":"a","stage":"ResponseComplete","verb":"get","responseStatus":{"code":\#(code)}}"#)
        #expect(event.responseCode == expected)
    }
}
