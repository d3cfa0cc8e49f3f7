import Foundation
import Testing
@testable import KubeSiftCore

/// One record at a time: each envelope gives the event it carries, with its format, and what is not
/// an event is skipped or passed over with its reason.
@Suite struct EnvelopeDecoderTests {
    let line = EventLine(number: 7).json

    private func only(_ record: String, format: SourceFormat? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> AuditEvent
    {
        let decoded = DecodedRecord(record, format: format)
        #expect(decoded.skipped.isEmpty, "\(decoded.skipped)", sourceLocation: sourceLocation)
        try #require(decoded.events.count == 1, sourceLocation: sourceLocation)
        #expect(decoded.events[0].auditID == EventLine.auditID(7), sourceLocation: sourceLocation)
        return decoded.events[0]
    }

    private func quoted(_ text: String) -> String { ExportShape.quote(text) }

    // MARK: - EKS

    @Test func aCloudWatchEventCarriesTheEventAsItsMessage() throws {
        let record = #"{"logStreamName":"kube-apiserver-audit-1","timestamp":1,"message":\#(quoted(line)),"ingestionTime":2,"eventId":"3"}"#
        #expect(try only(record).format == .eksCloudWatch)
    }

    @Test func anEventCloudWatchCutIsCountedAsCutByTheService() {
        let cut = String(line.prefix(200)) + "[Truncated...]"
        let decoded = DecodedRecord(#"{"logStreamName":"kube-apiserver-audit-1","timestamp":1,"message":\#(quoted(cut))}"#)
        #expect(decoded.events.isEmpty)
        #expect(decoded.skipped.map(\.reason) == [.truncatedUpstream])
        #expect(decoded.skipped.map(\.format) == [.eksCloudWatch])
    }

    @Test func eksLogsOfOtherControlPlaneStreamsArePassedOver() {
        let klog = "I1121 03:00:00.000000      10 authenticator.go:110] access granted"
        let decoded = DecodedRecord(#"{"logStreamName":"authenticator-5f2b","timestamp":1,"message":\#(quoted(klog)),"ingestionTime":2,"eventId":"3"}"#)
        #expect(decoded.events.isEmpty && decoded.skipped.isEmpty)
        #expect(decoded.passedOver.map(\.reason) == [.otherLogCategory])
    }

    @Test func aSubscriptionRecordGivesEveryLogEventAndAControlMessageNone() throws {
        let data = ExportShape.firehose(type: "DATA_MESSAGE", [line, EventLine(number: 8).json])
        let decoded = DecodedRecord(data)
        #expect(decoded.events.map(\.auditID) == [EventLine.auditID(7), EventLine.auditID(8)])
        #expect(decoded.events.allSatisfy { $0.format == .eksFirehose })
        // A control message, here re-serialized with sorted keys (`logEvents` before `messageType`).
        let control = try String(decoding: ExportShape.json(ExportShape.object(ExportShape.firehose(
            type: "CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination Firehose."])), pretty: false),
            as: UTF8.self)
        #expect(control.range(of: "logEvents")!.lowerBound < control.range(of: "messageType")!.lowerBound)
        let passed = DecodedRecord(control)
        #expect(passed.events.isEmpty && passed.skipped.isEmpty)
        #expect(passed.passedOver.map(\.reason) == [.controlMessage])
    }

    @Test func logsInsightsRowsGiveTheirMessage() throws {
        // The console's "Export results" (JSON) and one row of `aws logs get-query-results`.
        #expect(try only(#"{"@timestamp":"2026-11-21 03:00:00.000","@message":\#(quoted(line))}"#).format == .eksCloudWatch)
        let row = #"[{"field":"@timestamp","value":"2026-11-21 03:00:00.000"},{"field":"@message","value":\#(quoted(line))}]"#
        #expect(try only(row).format == .eksCloudWatch)
    }

    @Test func aCloudWatchExportLineIsATimeThenTheEvent() throws {
        #expect(try only("2026-11-21T03:00:00.123Z " + line).format == .eksExport)
    }

    // MARK: - AKS

    @Test func anAKSRecordCarriesTheEventInPropertiesLog() throws {
        let record = try String(decoding: ExportShape.json(ExportShape.aksRecord(line), pretty: false), as: UTF8.self)
        #expect(try only(record).format == .aks)
        // Some pipelines hand `properties.log` on already decoded.
        #expect(try only(#"{"category":"kube-audit","properties":{"log":\#(line),"stream":"stdout"}}"#).format == .aks)
    }

    @Test func aksRecordsOfOtherCategoriesArePassedOverAndKlogLinesInAuditAreNotJSON() {
        let klog = "I1121 03:00:00.000000 1 httplog.go:132] \"HTTP\" verb=\"GET\""
        let other = DecodedRecord(#"{"category":"kube-apiserver","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"log":\#(quoted(klog))}}"#)
        #expect(other.passedOver.map(\.reason) == [.otherLogCategory])
        #expect(other.skipped.isEmpty && other.events.isEmpty)
        let inAudit = DecodedRecord(#"{"category":"kube-audit","properties":{"log":\#(quoted(klog))}}"#)
        #expect(inAudit.skipped.map(\.reason) == [.notJSON])
        #expect(inAudit.skipped.map(\.format) == [.aks])
    }

    // MARK: - Shippers

    @Test func fluentFileOutputsCarryTheRecord() throws {
        // Fluent Bit `out_file` (default format) and Fluentd `out_file`.
        #expect(try only(#"kube.audit: [1795230000.123456, {"log":\#(quoted(line))}]"#).format == .fluent)
        #expect(try only("2026-11-21T03:00:00+00:00\tkube.audit\t" + line).format == .fluent)
    }

    @Test func aShipperOverContainerRuntimeLinesIsUnwrappedTwice() throws {
        let event = try only(#"{"log":\#(quoted("2026-11-21T03:00:00.123456789Z stdout F " + line)),"kubernetes":{"pod_name":"kube-apiserver-cp-1"}}"#)
        #expect(event.format == .fluent)
    }

    @Test func filebeatDocumentsCarryTheEventOrItsDecodedFields() throws {
        #expect(try only(#"{"@timestamp":"2026-11-21T03:00:01.000Z","agent":{"type":"filebeat"},"kubernetes":{"audit":\#(line)}}"#).format == .filebeat)
        // A document as Elasticsearch returns it.
        #expect(try only(#"{"_index":"logs-kubernetes.audit_logs-default","_id":"a1","_source":{"message":\#(quoted(line)),"ecs":{"version":"8.0.0"}}}"#).format == .filebeat)
    }

    @Test func syslogHeadersOfEitherRFC() throws {
        #expect(try only("<13>1 2026-11-21T03:00:00.123Z cp-1 kube-apiserver 412 - - " + line).format == .syslog)
        #expect(try only("<13>Nov 21 03:00:00 cp-1 kube-apiserver[412]: " + line).format == .syslog)
    }

    // MARK: - GKE

    @Test func aGKEEntryBecomesTheEventTheAPIServerWouldHaveLogged() throws {
        let entry = #"""
            {"insertId":"7c0a9f4e-2b1d-4c3e-9f8a-6d5e4c3b2a10","labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed"},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","operation":{"first":true,"id":"7c0a9f4e-2b1d-4c3e-9f8a-6d5e4c3b2a10","last":true,"producer":"k8s.io"},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"alice@example.com"},"methodName":"io.k8s.authorization.rbac.v1.clusterrolebindings.create","requestMetadata":{"callerIp":"10.8.0.14","callerSuppliedUserAgent":"kubectl/v1.31.2"},"resourceName":"rbac.authorization.k8s.io/v1/clusterrolebindings/ops","serviceName":"k8s.io","status":{}},"receiveTimestamp":"2026-11-21T03:00:01.5Z","resource":{"labels":{"cluster_name":"shop"},"type":"k8s_cluster"},"timestamp":"2026-11-21T03:00:00.25Z"}
            """#
        let event = try #require(DecodedRecord(entry).events.first)
        #expect(event.format == .gke)
        #expect(event.auditID == "7c0a9f4e-2b1d-4c3e-9f8a-6d5e4c3b2a10")
        #expect(event.verb == "create")
        #expect(event.stage == "ResponseComplete")
        #expect(event.level == "Metadata")
        #expect(event.user.username == "alice@example.com")
        #expect(event.sourceIPs == ["10.8.0.14"])
        #expect(event.userAgent == "kubectl/v1.31.2")
        #expect(event.objectRef == AuditEvent.ObjectReference(resource: "clusterrolebindings", namespace: nil, name: "ops",
                                                               apiGroup: "rbac.authorization.k8s.io", apiVersion: "v1",
                                                               subresource: nil))
        #expect(event.requestURI == "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "a create is posted to the collection")
        #expect(event.responseCode == 201)
        #expect(event.requestReceivedTimestamp == Timestamp(rfc3339: "2026-11-21T03:00:00.25Z"))
        #expect(event.annotations["authorization.k8s.io/decision"] == "allow")
    }

    @Test func gkeOutcomesFollowTheStatusOrTheGRPCCode() throws {
        func entry(method: String, resource: String, status: String, response: String = "", labels: String = "") -> String {
            #"{"insertId":"e1",\#(labels)"protoPayload":{"authenticationInfo":{"principalEmail":"u"},"authorizationInfo":[{"granted":false,"permission":"\#(method)"}],"methodName":"\#(method)","resourceName":"\#(resource)","serviceName":"k8s.io","status":\#(status)\#(response)},"timestamp":"2026-11-21T03:00:00Z"}"#
        }
        let exec = try #require(DecodedRecord(entry(method: "io.k8s.core.v1.pods.exec.create",
                                                    resource: "core/v1/namespaces/shop/pods/web-1/exec", status: "{}")).events.first)
        #expect(exec.responseCode == 101)
        #expect(exec.objectRef?.subresource == "exec")
        #expect(exec.requestURI == "/api/v1/namespaces/shop/pods/web-1/exec")
        // Refused, with no labels: the decision comes from authorizationInfo, the code from gRPC 7.
        let denied = try #require(DecodedRecord(entry(method: "io.k8s.core.v1.secrets.get",
                                                      resource: "core/v1/namespaces/shop/secrets/db", status: #"{"code":7,"message":"forbidden"}"#)).events.first)
        #expect(denied.responseCode == 403)
        #expect(denied.annotations["authorization.k8s.io/decision"] == "forbid")
        // A Status response says the HTTP code itself, and is not a body.
        let missing = try #require(DecodedRecord(entry(method: "io.k8s.core.v1.configmaps.get", resource: "core/v1/namespaces/shop/configmaps/x",
                                                       status: #"{"code":5}"#, response: #","response":{"@type":"core.k8s.io/v1.Status","code":404,"reason":"NotFound","status":"Failure"}"#)).events.first)
        #expect(missing.responseCode == 404)
        #expect(missing.responseReason == "NotFound")
        #expect(missing.responseObject == nil)
        #expect(missing.level == "Metadata")
        // Not a resource: `io.k8s.get` on `readyz`.
        let probe = try #require(DecodedRecord(entry(method: "io.k8s.get", resource: "readyz", status: "{}")).events.first)
        #expect(probe.verb == "get")
        #expect(probe.requestURI == "/readyz")
        #expect(probe.objectRef == nil)
        // The namespace itself, and a namespace's own subresource.
        let namespace = try #require(DecodedRecord(entry(method: "io.k8s.core.v1.namespaces.finalize.update",
                                                         resource: "core/v1/namespaces/shop/finalize", status: "{}")).events.first)
        #expect(namespace.objectRef == AuditEvent.ObjectReference(resource: "namespaces", namespace: "shop", name: "shop",
                                                                   apiGroup: nil, apiVersion: "v1", subresource: "finalize"))
    }

    @Test func gkeEntriesThatAreNoKubernetesRequestAreNotEvents() {
        let noPayload = DecodedRecord(#"{"insertId":"a","logName":"projects/p/logs/events","jsonPayload":{"message":"x"},"resource":{"type":"k8s_cluster"}}"#)
        #expect(noPayload.skipped.map(\.reason) == [.notAuditEvent])
        #expect(noPayload.skipped.map(\.format) == [.gke])
        let operation = DecodedRecord(#"{"insertId":"b","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","operation":{"id":"operation-1","first":true},"protoPayload":{"serviceName":"container.googleapis.com","methodName":"google.container.v1.ClusterManager.DeleteCluster","resourceName":"projects/p/locations/europe-west1/clusters/shop","authenticationInfo":{"principalEmail":"mallory@example.com"},"request":{"masterAuth":{"password":"hunter2"}}},"timestamp":"2026-11-21T03:00:00Z"}"#)
        #expect(operation.events.isEmpty && operation.skipped.isEmpty)
        #expect(operation.passedOver.map(\.reason) == [.cloudOperation])
        let listed = operation.cloudOperations.first
        #expect(listed?.method == "google.container.v1.ClusterManager.DeleteCluster")
        #expect(listed?.principal == "mallory@example.com")
        #expect(listed?.operationID == "operation-1")
        #expect(listed?.first == true)
        #expect(listed?.time == Timestamp(rfc3339: "2026-11-21T03:00:00Z"))
        // Nothing of the request body is kept.
        #expect(!String(describing: operation.cloudOperations).contains("hunter2"))
    }

    @Test func anEventSentAsAStringDecodesAsTheEventItself() throws {
        // Every kind of escape an event carries, escaped once more by its envelope: quotes and
        // backslashes inside values, Go's \u0026, raw and escaped non-ASCII (a surrogate pair
        // too), braces inside strings of a body, an empty object and array.
        var tricky = EventLine(number: 7)
        tricky.userAgent = #"curl/8.5.0 "quoted" \ back\slash {not JSON} µs 🚀"#
        tricky.requestURI = "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb&limit=500"
        tricky.level = "Request"
        tricky.requestObject = #"{"kind":"ConfigMap","data":{"a":"{\"x\": [1, 2]}","b":"line\nbreak \\ \u00e9","c":{},"d":[]}}"#
        let line = tricky.json
        let native = try #require(DecodedRecord(line).events.first)
        func inner(_ text: String) -> String { String(text.dropFirst().dropLast()) }
        let goEscaped = quoted(line)                                                  // Foundation: `\/` too
        let asciiOnly = "\"" + line.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case _ where scalar.value > 0x7E:
                return String(scalar).utf16.map { String(format: "\\u%04x", $0) }.joined()
            default: return String(scalar)
            }
        }.joined() + "\""
        let plainSlashes = "\"" + inner(goEscaped).replacingOccurrences(of: "\\/", with: "/") + "\""
        for message in [goEscaped, asciiOnly, plainSlashes] {
            // The unescaping on its own: the event's own line, and the scanner after the string.
            let bytes = Array(message.utf8)
            let text = ByteScratch()
            let position = try bytes.withUnsafeBufferPointer { buffer throws(ScanFailure) -> Int in
                var scanner = JSONScanner(base: buffer.baseAddress!, start: 0, end: buffer.count)
                try scanner.scanStringUnescaped(into: text)
                return scanner.position
            }
            #expect(Array(UnsafeBufferPointer(start: text.base, count: text.count)) == Array(line.utf8), "\(message)")
            #expect(position == bytes.count)
            for record in [#"{"message":\#(message),"source_type":"file"}"#, #"{"category":"kube-audit","properties":{"log":\#(message)}}"#] {
                var decoded = try #require(DecodedRecord(record).events.first, "\(record)")
                decoded.format = native.format
                #expect(decoded == native, "\(record)")
            }
        }
    }

    // MARK: - Limits and --format

    @Test func envelopesNestedPastTheLimitAreRefused() {
        var record = line
        for _ in 0...RecordDecoder.maximumDepth { record = #"{"log":\#(quoted(record))}"# }
        let decoded = DecodedRecord(record)
        #expect(decoded.events.isEmpty)
        #expect(decoded.skipped.map(\.reason) == [.nestedTooDeep])
    }

    @Test func aGivenFormatIsTheOnlyOneRead() throws {
        let aks = try String(decoding: ExportShape.json(ExportShape.aksRecord(line), pretty: false), as: UTF8.self)
        #expect(try only(aks, format: .aks).format == .aks)
        #expect(DecodedRecord(aks, format: .native).skipped.map(\.reason) == [.notInGivenFormat])
        #expect(DecodedRecord(line, format: .cri).skipped.map(\.reason) == [.notInGivenFormat])
        #expect(DecodedRecord("2026-11-21T03:00:00.1Z stdout F " + line, format: .aks).skipped.map(\.reason) == [.notInGivenFormat])
        // With --format syslog, whatever comes before the event is the header.
        #expect(try only("cp-1 audit[1]: " + line, format: .syslog).format == .syslog)
        #expect(DecodedRecord("cp-1 audit[1]: " + line).skipped.map(\.reason) == [.notJSON])
        // Every event of a given format is counted as that format.
        #expect(try only(line, format: .fluent).format == .fluent)
    }
}
