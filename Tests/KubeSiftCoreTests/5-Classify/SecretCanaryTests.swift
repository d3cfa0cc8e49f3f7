import Foundation
import Testing
@testable import KubeSiftCore

/// Plants credential values everywhere an audit event can carry one, lets rules match every one of
/// those events, and checks that no output holds any of them.
@Suite("Secrets stay secret")
struct SecretCanaryTests {
    static let canaries = [
        "CANARYSECRETDATA1", "CANARYSTRINGDATA2", "eyJhbGciOiJSUzI1NiJ9.CANARYTOKENREQUEST3.c2ln", "CANARYCONFIGMAP4",
        "CANARYLASTAPPLIED5", "CANARYQUERYTOKEN6", "CANARYBEARER7", "CANARYPASSWORDFLAG8",
    ]

    static func event(_ number: Int, _ body: String) -> String {
        #"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c0000000-0000-4000-8000-00000000000\#(number)","stage":"ResponseComplete",\#(body),"user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["203.0.113.5"],"userAgent":"kubectl/v1.31.2","responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2026-11-21T10:00:0\#(number).000000Z","stageTimestamp":"2026-11-21T10:00:0\#(number).100000Z"}"#
    }

    static var lines: [String] {
        let secretData = Data(canaries[0].utf8).base64EncodedString()
        let lastApplied = #"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"password\":\"\#(canaries[4])\"}}"#
        return [
            event(1, #""requestURI":"/api/v1/namespaces/shop/secrets","verb":"create","objectRef":{"resource":"secrets","namespace":"shop","name":"db","apiVersion":"v1"},"requestObject":{"kind":"Secret","metadata":{"name":"db","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"\#(lastApplied)"}},"data":{"password":"\#(secretData)"},"stringData":{"token":"\#(canaries[1])"}},"responseObject":{"kind":"Secret","metadata":{"name":"db"},"data":{"password":"\#(secretData)"}}"#),
            event(2, #""requestURI":"/api/v1/namespaces/shop/serviceaccounts/ci/token","verb":"create","objectRef":{"resource":"serviceaccounts","namespace":"shop","name":"ci","subresource":"token","apiVersion":"v1"},"requestObject":{"kind":"TokenRequest","spec":{"audiences":["api"]}},"responseObject":{"kind":"TokenRequest","status":{"token":"\#(canaries[2])","expirationTimestamp":"2026-11-21T11:00:00Z"}}"#),
            event(3, #""requestURI":"/api/v1/namespaces/shop/configmaps","verb":"create","objectRef":{"resource":"configmaps","namespace":"shop","name":"app","apiVersion":"v1"},"requestObject":{"kind":"ConfigMap","metadata":{"name":"app"},"data":{"db_password":"\#(canaries[3])"}}"#),
            event(4, #""requestURI":"/api/v1/namespaces/shop/secrets?watch=true&token=\#(canaries[5])","verb":"watch","objectRef":{"resource":"secrets","namespace":"shop","apiVersion":"v1"}"#),
            event(5, #""requestURI":"/api/v1/namespaces/shop/pods/web-1/exec?command=curl&command=-H&command=Authorization%3A+Bearer+\#(canaries[6])&command=https%3A%2F%2Fapi&command=--password%3D\#(canaries[7])","verb":"create","objectRef":{"resource":"pods","namespace":"shop","name":"web-1","subresource":"exec","apiVersion":"v1"}"#),
        ]
    }

    @Test("No canary reaches findings.jsonl or report.json, though every planted event is a finding")
    func noCanaryInOutputs() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("audit.log", lines: Self.lines)
        let everything = RuleFixture.yaml(name: "everything", detection: "sel:\n  verb|exists: true\ncondition: sel")
        let builtIn = RuleCatalog.builtIn()
        #expect(builtIn.problems.isEmpty)
        let rules = try RuleSet(builtIn.rules + RuleLoader.load(yaml: everything, origin: .file(path: "t.yml")).rules)
        let result = Analysis.run([path]) { $0.rules = rules }
        let matched = Set(result.findings.filter { $0.rule.name == "everything" }.flatMap(\.auditIDs))
        #expect(matched.count == 5, "every planted request is a finding, so its summary was written")

        let parameters = ReportDocument.Parameters(paths: [path], cluster: nil, clusterFromDirectory: false, since: nil,
                                                   until: nil, now: nil, maximumRecordBytes: 1 << 20, maximumNesting: 4)
        let report = try ReportDocument(result: result, parameters: parameters,
                                        generatedAt: Timestamp(unixSeconds: 0), rules: rules).encoded()
        let findings = FindingsFile.encoded(result.findings)
        for (name, bytes) in [("report.json", report), ("findings.jsonl", findings)] {
            let text = String(decoding: bytes, as: UTF8.self)
            for canary in Self.canaries {
                #expect(!text.contains(canary), "\(name) holds \(canary)")
                #expect(!text.contains(Data(canary.utf8).base64EncodedString()), "\(name) holds base64 of \(canary)")
            }
        }
        // What is kept instead: the exec command, masked where it carried credentials.
        let exec = try #require(result.findings.first { $0.request.subresource == "exec" })
        #expect(exec.request.command == "curl -H Authorization: Bearer [REDACTED] https://api --password=[REDACTED]")
    }

    @Test("The scrubber masks tokens, credentials in parameters and long secret-looking strings, and keeps the rest")
    func scrubber() {
        #expect(SecretScrubber.scrubURI("/api/v1/pods?watch=1&access_token=abc&labelSelector=app%3Dweb")
            == "/api/v1/pods?watch=1&access_token=[REDACTED]&labelSelector=app%3Dweb")
        #expect(SecretScrubber.scrub("cat /var/run/secrets/kubernetes.io/serviceaccount/token")
            == "cat /var/run/secrets/kubernetes.io/serviceaccount/token")
        #expect(SecretScrubber.scrub("mysql -p hunter2 --host db") == "mysql -p [REDACTED] --host db")
        #expect(SecretScrubber.scrub("echo AKIAIOSFODNN7EXAMPLE1234567890abcdefXYZ") == "echo [REDACTED]")
        #expect(SecretScrubber.scrub("kubectl get pods -n kube-system") == "kubectl get pods -n kube-system")
        #expect(SecretScrubber.scrub("curl -H 'Authorization: Bearer abc.def'") == "curl -H 'Authorization: Bearer [REDACTED]")
        #expect(SecretScrubber.scrub("login --PASSWORD=s3cret now") == "login --PASSWORD=[REDACTED] now")
        #expect(SecretScrubber.scrub("x \"eyJhbGciOiJIUzI1NiJ9.payload.sig\";") == "x [REDACTED]")
        #expect(SecretScrubber.scrubURI("/api/v1/namespaces/default/pods/web-0/exec?command=sh&command=-c&command=TOKEN%3Dabc+curl"
            + "&container=app") == "/api/v1/namespaces/default/pods/web-0/exec?command=sh&command=-c&command=TOKEN%3D%5BREDACTED%5D+curl"
            + "&container=app")
    }
}
