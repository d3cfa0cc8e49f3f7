import Testing
@testable import KubeSiftCore

@Suite("Findings: one per rule and request, stages merged")
struct FindingTests {
    static let execRule = RuleFixture.yaml(name: "exec", detection: "sel:\n  objectRef.subresource: exec\ncondition: sel")

    @Test("The three stages of an exec make one finding with the final response and every stage's location")
    func stagesMerge() throws {
        let rules = try RuleFixture.ruleSet(Self.execRule)
        let uri = "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&stdin=true&tty=true"
        let stages = [("RequestReceived", "null"), ("ResponseStarted", #"{"code":101}"#), ("ResponseComplete", #"{"code":101}"#)]
        let events = try stages.map { stage, status in
            try RuleFixture.event(#"{"auditID":"e1","stage":"\#(stage)","verb":"get","requestURI":"\#(uri)","responseStatus":\#(status),"objectRef":{"resource":"pods","namespace":"shop","name":"web-1","subresource":"exec"}}"#)
        }
        let findings = RuleExampleRunner.findings(for: events, ruleSet: rules)
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.request.responseCode == 101)
        #expect(finding.request.command == "sh")
        #expect(finding.evidence.map(\.stage).sorted() == ["RequestReceived", "ResponseComplete", "ResponseStarted"])
        #expect(finding.auditIDs == ["e1"])
    }

    @Test("A create's name comes from the body when objectRef has none")
    func nameFromBody() throws {
        let rules = try RuleFixture.ruleSet(RuleFixture.yaml(name: "pods", detection: "sel:\n  verb: create\ncondition: sel"))
        let event = try RuleFixture.event(#"{"verb":"create","objectRef":{"resource":"pods","namespace":"shop"},"requestObject":{"metadata":{"generateName":"web-"}},"responseObject":{"metadata":{"name":"web-x7k2p","annotations":{"a":"b"}}}}"#)
        let findings = RuleExampleRunner.findings(for: [event], ruleSet: rules)
        #expect(findings.first?.request.name == "web-x7k2p")
        #expect(findings.first?.request.decision == nil)
    }

    @Test("Two requests are two findings; findings are in time order, the most severe first at one instant")
    func order() throws {
        let rules = try RuleFixture.ruleSet(
            RuleFixture.yaml(name: "low-one", level: "low", detection: "sel:\n  verb: delete\ncondition: sel"),
            RuleFixture.yaml(name: "high-one", level: "high", detection: "sel:\n  objectRef.resource: secrets\ncondition: sel"))
        let events = try [
            RuleFixture.event(#"{"auditID":"b","verb":"delete","objectRef":{"resource":"secrets","namespace":"a","name":"x"}}"#, second: 5),
            RuleFixture.event(#"{"auditID":"a","verb":"delete","objectRef":{"resource":"pods","namespace":"a","name":"y"}}"#, second: 1),
        ]
        let findings = RuleExampleRunner.findings(for: events, ruleSet: rules)
        #expect(findings.map { "\($0.auditIDs[0]):\($0.rule.name)" } == ["a:low-one", "b:high-one", "b:low-one"])
    }

    @Test("The most final stage decides: a denied exec is not an exec, though its RequestReceived matched")
    func finalStageDecides() throws {
        let rules = try RuleFixture.ruleSet(
            RuleFixture.yaml(name: "allowed-exec", detection: """
                sel:
                  objectRef.subresource: exec
                failed:
                  responseStatus.code|gte: 400
                condition: sel and not failed
                """),
            RuleFixture.yaml(name: "received", detection: "sel:\n  stage: RequestReceived\n  objectRef.subresource: exec\ncondition: sel"))
        func exec(_ id: String, _ stages: [(String, String)]) throws -> [JSONValue] {
            try stages.map { stage, status in
                try RuleFixture.event(#"{"auditID":"\#(id)","stage":"\#(stage)","verb":"create","responseStatus":\#(status),"objectRef":{"resource":"pods","namespace":"shop","name":"web-1","subresource":"exec"}}"#)
            }
        }
        let denied = try exec("denied", [("RequestReceived", "null"), ("ResponseComplete", #"{"code":403}"#)])
        let allowed = try exec("allowed", [("RequestReceived", "null"), ("ResponseStarted", #"{"code":101}"#)])
        let unfinished = try exec("unfinished", [("RequestReceived", "null")])
        let findings = RuleExampleRunner.findings(for: denied + allowed + unfinished, ruleSet: rules)
        #expect(Set(findings.filter { $0.rule.name == "allowed-exec" }.map(\.auditIDs[0])) == ["allowed", "unfinished"])
        #expect(Set(findings.filter { $0.rule.name == "received" }.map(\.auditIDs[0])) == ["allowed", "denied", "unfinished"])
    }

    @Test("A finding's id depends on what it is about, not on where its events were read; equal ones are told apart")
    func stableIDs() throws {
        let rules = try RuleFixture.ruleSet(Self.execRule)
        let exec = #"{"auditID":"e1","verb":"create","objectRef":{"resource":"pods","namespace":"shop","name":"web-1","subresource":"exec"}}"#
        let first = RuleExampleRunner.findings(for: [try RuleFixture.event(exec)], ruleSet: rules)
        let again = RuleExampleRunner.findings(for: [try RuleFixture.event(exec)], ruleSet: rules)
        #expect(first.map(\.id) == again.map(\.id))
        #expect(first.first?.id.count == 16)

        var moved = try #require(first.first)
        moved.evidence = [Finding.Evidence(file: "elsewhere/audit.log.1.gz", member: nil, line: 99, sha256: nil, auditID: "e1",
                                           stage: "ResponseComplete")]
        #expect(Finding.identified([moved]).first?.id == first.first?.id)
        var other = moved
        other.request.name = "web-2"
        #expect(Finding.identified([other]).first?.id != first.first?.id)
        #expect(Finding.identified([moved, moved, moved]).map(\.id) == [moved.id, moved.id + "-2", moved.id + "-3"])
    }
}

@Suite("Findings: evidence does not depend on which copy of an event a worker saw first")
struct DuplicateEvidenceTests {
    @Test("An event read from two files is evidenced by its copy in the first file, on any number of workers")
    func firstCopyInInputOrder() throws {
        let directory = try TemporaryDirectory()
        // Many small chunks across two files with the same events: which copy is decoded first is
        // up to the threads, the evidence is not.
        let lines = EventLine.numbered(400).map(\.json)
        let first = try directory.write("a-rotated.log", lines: lines)
        _ = try directory.write("b-live.log", lines: lines)
        let rules = try RuleFixture.ruleSet(RuleFixture.yaml(name: "pods", detection: "sel:\n  objectRef.resource: pods\ncondition: sel"))
        for workers in [1, 4, 4, 4, 4] {
            let result = Analysis.run([directory.path], workers: workers) {
                $0.rules = rules
                $0.chunkBytes = 2048
            }
            #expect(result.findings.count == 400)
            #expect(result.findings.allSatisfy { $0.evidence.map(\.file) == [first] }, "workers: \(workers)")
            #expect(result.totals.duplicateEvents == 400)
        }
    }
}
