/// The shape an audit event arrived in: the API server's own output, a cloud's logging export, or
/// the envelope of the shipper that copied it. Rules never see it; the report counts events by it.
package enum SourceFormat: String, Sendable, Codable, CaseIterable, Comparable {
    /// `audit.k8s.io` `Event` objects, one per line (the log backend), or a JSON array of them.
    case native
    /// `EventList` batches, as the webhook backend posts them.
    case eventList = "event-list"
    /// EKS through CloudWatch Logs: `aws logs filter-log-events`/`get-log-events` output, and Logs
    /// Insights rows (`@message`), each event's message the audit `Event` as a string.
    case eksCloudWatch = "eks-cloudwatch"
    /// EKS through a CloudWatch Logs subscription (Firehose to S3): `DATA_MESSAGE` records.
    case eksFirehose = "eks-firehose"
    /// EKS through `CreateExportTask` to S3: `<timestamp> <message>` lines.
    case eksExport = "eks-export"
    /// GKE through Cloud Logging: `LogEntry` objects whose `protoPayload` is an `AuditLog`.
    case gke
    /// AKS diagnostic settings: `kube-audit` and `kube-audit-admin` records (`properties.log`).
    case aks
    /// Fluent Bit or Fluentd: the event under `log`, or its fields merged with the shipper's.
    case fluent
    /// Vector's file sink: the event under `message`.
    case vector
    /// Filebeat or Elastic Agent documents: the event under `message`, or decoded under `kubernetes.audit`.
    case filebeat
    /// Container runtime log lines (containerd, CRI-O): `<time> stdout F <event>`.
    case cri
    /// Docker's json-file log driver: `{"log":"<event>\n","stream":…,"time":…}`.
    case docker
    /// A syslog line: a header, then the event.
    case syslog

    /// Position in ``allCases``, for counting in flat arrays on the hot path.
    var index: Int {
        switch self {
        case .native: 0
        case .eventList: 1
        case .eksCloudWatch: 2
        case .eksFirehose: 3
        case .eksExport: 4
        case .gke: 5
        case .aks: 6
        case .fluent: 7
        case .vector: 8
        case .filebeat: 9
        case .cri: 10
        case .docker: 11
        case .syslog: 12
        }
    }

    package static func < (lhs: SourceFormat, rhs: SourceFormat) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What writes this shape, for help texts and the report.
    package var explanation: String {
        switch self {
        case .native: "kube-apiserver's log backend (JSON lines), or a JSON array of events"
        case .eventList: "kube-apiserver's webhook backend (EventList batches)"
        case .eksCloudWatch: "EKS via CloudWatch Logs (aws logs filter-log-events / get-log-events, Logs Insights)"
        case .eksFirehose: "EKS via a CloudWatch Logs subscription to Firehose (DATA_MESSAGE records)"
        case .eksExport: "EKS via CloudWatch Logs CreateExportTask to S3 (timestamped lines)"
        case .gke: "GKE via Cloud Logging (LogEntry with an AuditLog protoPayload)"
        case .aks: "AKS diagnostic settings (kube-audit, kube-audit-admin records)"
        case .fluent: "Fluent Bit or Fluentd (log field, or fields merged with time/tag)"
        case .vector: "Vector (message field)"
        case .filebeat: "Filebeat or Elastic Agent (message field, or kubernetes.audit)"
        case .cri: "container runtime log lines (containerd, CRI-O)"
        case .docker: "Docker json-file log lines"
        case .syslog: "syslog lines (a header before the JSON)"
        }
    }
}

/// Why a record that holds no audit event was passed over without counting as lost data: it is,
/// by design, something else that the same export carries.
package enum PassOverReason: String, Sendable, Codable, CaseIterable, Comparable {
    /// A CloudWatch Logs subscription's `CONTROL_MESSAGE` (a delivery health check).
    case controlMessage = "control-message"
    /// A record of another log stream or diagnostic category in the same export (EKS authenticator
    /// or scheduler streams, AKS `kube-apiserver` or `guard` categories): logs, not audit events.
    case otherLogCategory = "other-log-category"
    /// A cloud control-plane operation (GKE cluster or node-pool operations from
    /// `container.googleapis.com`): listed under `cloudOperations`, not a Kubernetes API request.
    case cloudOperation = "cloud-operation"

    package static func < (lhs: PassOverReason, rhs: PassOverReason) -> Bool { lhs.rawValue < rhs.rawValue }

    package var explanation: String {
        switch self {
        case .controlMessage: "a log subscription's control message, no events"
        case .otherLogCategory: "another log stream or category of the export, not audit events"
        case .cloudOperation: "a cloud control-plane operation, listed under cloudOperations"
        }
    }
}

/// A cloud control-plane operation found among audit records (a GKE cluster or node-pool change):
/// kept for the report, never treated as a Kubernetes API request nor given to the rules.
///
/// Only who, what, when and the outcome are kept: the request body (a cluster's configuration can
/// hold credentials) never is.
package struct CloudOperation: Sendable, Equatable, Codable {
    package var time: Timestamp?
    /// The service that logged it (`container.googleapis.com`).
    package var service: String?
    /// `google.container.v1.ClusterManager.CreateCluster`, …
    package var method: String?
    /// `projects/p/locations/l/clusters/c`, …
    package var resource: String?
    package var principal: String?
    package var sourceIP: String?
    /// The long-running operation it belongs to, and whether this entry starts or ends it.
    package var operationID: String?
    package var first: Bool?
    package var last: Bool?
    /// The outcome, as a gRPC code (absent or 0 is success) and message.
    package var statusCode: Int?
    package var statusMessage: String?
    /// Where it was read (`location` in the report).
    package var provenance: EventProvenance?

    enum CodingKeys: String, CodingKey {
        case time, service, method, resource, principal, sourceIP, operationID, first, last, statusCode, statusMessage
        case provenance = "location"
    }

    package init(time: Timestamp? = nil, service: String? = nil, method: String? = nil, resource: String? = nil,
                 principal: String? = nil, sourceIP: String? = nil, operationID: String? = nil, first: Bool? = nil,
                 last: Bool? = nil, statusCode: Int? = nil, statusMessage: String? = nil,
                 provenance: EventProvenance? = nil)
    {
        self.time = time
        self.service = service
        self.method = method
        self.resource = resource
        self.principal = principal
        self.sourceIP = sourceIP
        self.operationID = operationID
        self.first = first
        self.last = last
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.provenance = provenance
    }
}
