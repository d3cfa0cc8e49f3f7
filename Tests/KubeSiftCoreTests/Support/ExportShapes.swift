import Foundation
@testable import KubeSiftCore

/// Writes native audit event lines in the shapes cloud exports and shippers give them, as their
/// documentation describes (research: samples.md §3). Built with Foundation's JSON, never through the
/// code under test, so that a decoder and its test cannot share a misunderstanding.
enum ExportShape: String, CaseIterable, CustomStringConvertible {
    /// The log backend: one event per line.
    case native
    /// The webhook backend: one `EventList` batch, items without `kind`/`apiVersion`.
    case eventList
    /// `aws logs filter-log-events --output json`: one indented document, `events[].message`.
    case eksCloudWatch
    /// CloudWatch Logs subscription → Firehose → S3: gzip'd `DATA_MESSAGE` records concatenated
    /// without newlines, with a `CONTROL_MESSAGE` first.
    case eksFirehose
    /// `CreateExportTask` → S3: `<ISO time> <message>` lines.
    case eksExport
    /// `aws logs get-query-results` (Logs Insights): rows of `{"field","value"}` cells.
    case eksInsights
    /// `gcloud logging read --format=json`: an indented JSON array of `LogEntry` objects.
    case gke
    /// A Cloud Logging sink to Cloud Storage: one `LogEntry` per line.
    case gkeSink
    /// AKS diagnostic settings to a storage account: one record per line.
    case aks
    /// AKS through Event Hub: `{"records":[…]}` messages, one per line.
    case aksEventHub
    /// Fluent Bit's tail input with `out_file` in `plain` format: `{"log":"<event>"}`.
    case fluentBit
    /// Fluent Bit with a JSON parser: the event's fields merged with `time` and `tag`.
    case fluentMerged
    /// Vector's file sink: `{"file","host","message","source_type","timestamp"}`.
    case vector
    /// Filebeat: `message` beside `@timestamp`, `agent`, `ecs`, `log`.
    case filebeat
    /// containerd/CRI-O log lines: `<RFC 3339 nano> stdout F <event>`.
    case cri
    /// Docker's json-file driver: `{"log":"<event>\n","stream":"stdout","time":…}`.
    case docker
    /// rsyslog's traditional file format: `Nov 21 03:00:00 host kube-apiserver[1]: <event>`.
    case syslog

    var description: String { rawValue }

    /// The format the decoder should report for events of this shape.
    var format: SourceFormat {
        switch self {
        case .native: .native
        case .eventList: .eventList
        case .eksCloudWatch, .eksInsights: .eksCloudWatch
        case .eksFirehose: .eksFirehose
        case .eksExport: .eksExport
        case .gke, .gkeSink: .gke
        case .aks, .aksEventHub: .aks
        case .fluentBit, .fluentMerged: .fluent
        case .vector: .vector
        case .filebeat: .filebeat
        case .cri: .cri
        case .docker: .docker
        case .syslog: .syslog
        }
    }

    var fileName: String {
        switch self {
        case .eksFirehose: "firehose-2026-11-21-03-00-00-0d8e"   // Firehose objects have no extension
        case .gke, .eksCloudWatch, .eksInsights, .eventList: "\(rawValue).json"
        default: "\(rawValue).log"
        }
    }

    /// The bytes of a file holding `lines` (native events, one JSON object each) in this shape.
    func file(_ lines: [String]) throws -> [UInt8] {
        // Parsed only for the shapes that rebuild the event (a broken line stays as it is elsewhere).
        var events: [[String: Any]] { get throws { try lines.map { try Self.object($0) } } }
        switch self {
        case .native:
            return Array(lines.map { $0 + "\n" }.joined().utf8)
        case .eventList:
            let items = try events.map { $0.filter { $0.key != "kind" && $0.key != "apiVersion" } }
            return try Self.json(["kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": [String: Any](),
                                  "items": items], pretty: true)
        case .eksCloudWatch:
            let entries = lines.enumerated().map { index, line -> [String: Any] in
                ["logStreamName": "kube-apiserver-audit-0a1b2c3d4e5f6a7b", "timestamp": 1_795_230_000_000 + index,
                 "message": line, "ingestionTime": 1_795_230_000_900 + index, "eventId": "37\(index)"]
            }
            return try Self.json(["events": entries, "searchedLogStreams": [[String: Any]]()], pretty: true)
        case .eksFirehose:
            // Firehose writes the records back to back; CloudWatch Logs gzips each one.
            var records = [Self.firehose(type: "CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination Firehose."])]
            for start in stride(from: 0, to: lines.count, by: 7) {
                records.append(Self.firehose(type: "DATA_MESSAGE", Array(lines[start..<min(start + 7, lines.count)])))
            }
            return try Fixture.gzipMembers(records.map { Array($0.utf8) })
        case .eksExport:
            return Array(lines.enumerated().map { index, line in "2026-11-21T03:00:00.\(100 + index)Z \(line)\n" }.joined().utf8)
        case .eksInsights:
            let rows = lines.enumerated().map { index, line -> [[String: Any]] in
                [["field": "@timestamp", "value": "2026-11-21 03:00:00.\(100 + index)"], ["field": "@message", "value": line],
                 ["field": "@ptr", "value": "CmAKJwojMTIzNDU2Nzg5MDEyOi9hd3MvZWtzL3Nob3AvY2x1c3Rlch\(index)"]]
            }
            return try Self.json(["results": rows, "statistics": ["recordsMatched": Double(lines.count)],
                                  "status": "Complete"], pretty: true)
        case .gke:
            return try Self.json(try events.map(Self.logEntry), pretty: true)
        case .gkeSink:
            return try Self.lines(try events.map(Self.logEntry))
        case .aks:
            return try Self.lines(lines.map(Self.aksRecord))
        case .aksEventHub:
            var messages: [[String: Any]] = []
            for start in stride(from: 0, to: lines.count, by: 5) {
                messages.append(["records": lines[start..<min(start + 5, lines.count)].map(Self.aksRecord)])
            }
            return try Self.lines(messages)
        case .fluentBit:
            return try Self.lines(lines.map { ["log": $0] })
        case .fluentMerged:
            return try Self.lines(try events.map { $0.merging(["time": "2026-11-21T03:00:00.000Z", "tag": "kube.audit"]) { $1 } })
        case .vector:
            return try Self.lines(lines.map {
                ["file": "/var/log/kubernetes/audit/audit.log", "host": "cp-1", "message": $0, "source_type": "file",
                 "timestamp": "2026-11-21T03:00:01.000000Z"]
            })
        case .filebeat:
            return try Self.lines(lines.map {
                ["@timestamp": "2026-11-21T03:00:01.000Z", "message": $0, "agent": ["type": "filebeat", "version": "8.15.0"],
                 "ecs": ["version": "8.0.0"], "input": ["type": "filestream"],
                 "log": ["file": ["path": "/var/log/kubernetes/audit/audit.log"], "offset": 0]]
            })
        case .cri:
            return Array(lines.map { "2026-11-21T03:00:00.123456789Z stdout F \($0)\n" }.joined().utf8)
        case .docker:
            return try Self.lines(lines.map { ["log": $0 + "\n", "stream": "stdout", "time": "2026-11-21T03:00:00.123456789Z"] })
        case .syslog:
            return Array(lines.map { "Nov 21 03:00:00 cp-1 kube-apiserver[412]: \($0)\n" }.joined().utf8)
        }
    }

    // MARK: - Cloud records

    static func firehose(type: String, _ messages: [String]) -> String {
        // The field order CloudWatch Logs writes (messageType first), so built by hand.
        let events = messages.enumerated().map { index, message in
            #"{"id":"3760\#(index)","timestamp":\#(1_795_230_000_000 + index),"message":\#(quote(message))}"#
        }
        return #"{"messageType":"\#(type)","owner":"123456789012","logGroup":"/aws/eks/shop/cluster","#
            + #""logStream":"kube-apiserver-audit-0a1b2c3d4e5f6a7b","subscriptionFilters":["audit-to-firehose"],"#
            + #""logEvents":[\#(events.joined(separator: ","))]}"#
    }

    static func aksRecord(_ line: String) -> [String: Any] {
        ["category": "kube-audit", "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
         "properties": ["log": line + "\n", "stream": "stdout", "pod": "kube-apiserver-6f9c7d8b5-q2w4e",
                        "containerID": "0b5e1c9a7f3d"],
         "resourceId": "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/SHOP/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/SHOP-AKS",
         "serviceBuild": "na", "time": "2026-11-21T03:00:00.1234560Z"]
    }

    /// The Cloud Logging entry GKE writes for a request (samples.md §3.4): what it keeps of the
    /// event, and no more (no stage, level, groups or extra; one address; gRPC status).
    static func logEntry(_ event: [String: Any]) -> [String: Any] {
        let user = event["user"] as? [String: Any] ?? [:]
        let reference = event["objectRef"] as? [String: Any]
        let status = event["responseStatus"] as? [String: Any] ?? [:]
        let code = status["code"] as? Int ?? 200
        let verb = event["verb"] as? String ?? ""
        let annotations = event["annotations"] as? [String: Any] ?? [:]
        var method: String
        var resourceName: String
        if let reference, let resource = reference["resource"] as? String {
            let group = reference["apiGroup"] as? String ?? ""
            let version = reference["apiVersion"] as? String ?? "v1"
            // GKE names the group reversed and without `k8s.io` in methodName (rbac.authorization.k8s.io
            // → authorization.rbac); resourceName keeps it as it is.
            let methodGroup = group.isEmpty ? "core"
                : group.replacingOccurrences(of: ".k8s.io", with: "").split(separator: ".").reversed().joined(separator: ".")
            method = "io.k8s.\(methodGroup).\(version).\(resource)"
            resourceName = "\(group.isEmpty ? "core" : group)/\(version)"
            if let namespace = reference["namespace"] as? String { resourceName += "/namespaces/\(namespace)" }
            resourceName += "/\(resource)"
            if let name = reference["name"] as? String { resourceName += "/\(name)" }
            if let subresource = reference["subresource"] as? String {
                resourceName += "/\(subresource)"
                method += ".\(subresource)"
            }
            method += ".\(verb)"
        } else {
            method = "io.k8s.\(verb)"
            resourceName = String((event["requestURI"] as? String ?? "/").dropFirst())
        }
        var payload: [String: Any] = [
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": ["principalEmail": user["username"] as? String ?? ""],
            "authorizationInfo": [["granted": annotations["authorization.k8s.io/decision"] as? String == "allow",
                                   "permission": method, "resource": resourceName]],
            "methodName": method, "resourceName": resourceName, "serviceName": "k8s.io",
            "requestMetadata": ["callerIp": (event["sourceIPs"] as? [String])?.first ?? "",
                                "callerSuppliedUserAgent": event["userAgent"] as? String ?? ""],
            "status": code < 400 ? [String: Any]() : ["code": grpc(code), "message": status["message"] as? String ?? ""],
        ]
        if var request = event["requestObject"] as? [String: Any] {
            request["@type"] = "core.k8s.io/v1.\(request["kind"] as? String ?? "Object")"
            payload["request"] = request
        }
        if var response = event["responseObject"] as? [String: Any] {
            response["@type"] = "core.k8s.io/v1.\(response["kind"] as? String ?? "Object")"
            payload["response"] = response
        } else if code >= 400 {
            var response = status.filter { $0.key != "metadata" }
            response["@type"] = "core.k8s.io/v1.Status"
            response["kind"] = "Status"
            payload["response"] = response
        }
        let auditID = event["auditID"] as? String ?? ""
        // v1beta1 events may carry only `timestamp`.
        let time = event["requestReceivedTimestamp"] as? String ?? event["timestamp"] as? String ?? ""
        return [
            "insertId": auditID,
            "labels": annotations,
            "logName": "projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2F"
                + (["get", "list", "watch"].contains(verb) ? "data_access" : "activity"),
            "operation": ["id": auditID, "producer": "k8s.io", "first": true, "last": true],
            "protoPayload": payload,
            "receiveTimestamp": time,
            "resource": ["type": "k8s_cluster",
                         "labels": ["cluster_name": "shop-gke", "location": "europe-west1", "project_id": "shop-prod-4711"]],
            "severity": code < 400 ? "INFO" : "WARNING",
            "timestamp": time,
        ]
    }

    /// google.rpc.Code for an HTTP status, as Google's own mapping gives it.
    static func grpc(_ http: Int) -> Int {
        switch http {
        case 400: 3
        case 401: 16
        case 403: 7
        case 404: 5
        case 409: 6
        case 429: 8
        case 499: 1
        case 501: 12
        case 503: 14
        case 504: 4
        default: http < 400 ? 0 : 13
        }
    }

    // MARK: - JSON

    static func object(_ line: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw FixtureCommandFailed(command: ["parse"], status: 1, stderr: line)
        }
        return object
    }

    static func json(_ value: Any, pretty: Bool) throws -> [UInt8] {
        var options: JSONSerialization.WritingOptions = [.sortedKeys]
        if pretty { options.insert(.prettyPrinted) }
        return Array(try JSONSerialization.data(withJSONObject: value, options: options)) + [0x0A]
    }

    static func lines(_ values: [Any]) throws -> [UInt8] {
        try values.flatMap { try json($0, pretty: false) }
    }

    /// A JSON string literal (Foundation's escaping, slashes included).
    static func quote(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}

extension Fixture {
    /// Each part gzip'd on its own, the members concatenated (as Firehose stores CloudWatch's records).
    static func gzipMembers(_ parts: [[UInt8]]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubesift-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var output: [UInt8] = []
        for (index, part) in parts.enumerated() {
            let path = directory.appendingPathComponent("part-\(index)").path
            try Data(part).write(to: URL(fileURLWithPath: path))
            output += try Fixture.run(Compressor.gzip.command + [path])
        }
        return output
    }
}
