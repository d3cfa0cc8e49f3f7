/// Where the fields of one audit event lie in the buffer it was decoded from.
///
/// This is what the hot path works with: offsets, no copies. Values are turned into Swift strings
/// only where a stage needs them as text (see ``AuditEvent/init(scanned:base:provenance:)``).
struct ScannedEvent {
    var kind = StringSpan.absent
    var apiVersion = StringSpan.absent
    var level = StringSpan.absent
    var auditID = StringSpan.absent
    var stage = StringSpan.absent
    var requestURI = StringSpan.absent
    var verb = StringSpan.absent
    var userAgent = StringSpan.absent

    var username = StringSpan.absent
    var userUID = StringSpan.absent
    var userGroups = ValueSpan()
    var userExtra = ValueSpan()
    var impersonatedUser = ValueSpan()
    var impersonatedUsername = StringSpan.absent

    var sourceIPs = ValueSpan()
    var firstSourceIP = StringSpan.absent

    var resource = StringSpan.absent
    var namespace = StringSpan.absent
    var name = StringSpan.absent
    var apiGroup = StringSpan.absent
    var objectAPIVersion = StringSpan.absent
    var subresource = StringSpan.absent
    var hasObjectRef = false

    var responseStatus = ValueSpan()
    var responseCode: Int?
    var responseReason = StringSpan.absent

    var requestReceivedTimestamp = StringSpan.absent
    var stageTimestamp = StringSpan.absent
    /// `audit.k8s.io/v1beta1` only: older files may carry this instead of `requestReceivedTimestamp`.
    var legacyTimestamp = StringSpan.absent

    var annotations = ValueSpan()
    var authorizationDecision = StringSpan.absent
    var authorizationReason = StringSpan.absent

    var requestObject = ValueSpan()
    var responseObject = ValueSpan()

    /// The `items` of an `EventList` batch, when the record is one.
    var items = ValueSpan()
    /// The whole event object, for rules that read a field nothing above covers.
    var record = ValueSpan()

    /// The shape the event arrived in (set by the decoder of its envelope).
    var format = SourceFormat.native
    /// Keys a shipper adds beside the event's own when it merges the event's fields into its record.
    var shipperKeys = ShipperKeys()

    /// Whether the record has the fields every audit event has.
    var looksLikeEvent: Bool {
        auditID.isPresent && (stage.isPresent || verb.isPresent) && (!kind.isPresent || kindIsEvent)
    }

    var kindIsEvent = false
}

/// The stage of a request's life an event records.
package enum AuditStage: UInt8, Sendable, Codable, CaseIterable {
    case requestReceived = 1
    case responseStarted = 2
    case responseComplete = 4
    case panic = 8
    /// A stage name this tool does not know; kept so that nothing is silently merged.
    case other = 16

    package var name: String {
        switch self {
        case .requestReceived: "RequestReceived"
        case .responseStarted: "ResponseStarted"
        case .responseComplete: "ResponseComplete"
        case .panic: "Panic"
        case .other: "Other"
        }
    }
}

/// Keys that shippers add to an event whose fields they merged into their own record (Fluent Bit's
/// `time`/`tag`, Vector's `source_type`, Filebeat's `agent`/`ecs`): they name the shipper.
struct ShipperKeys: OptionSet {
    var rawValue: UInt8

    static let fluent = ShipperKeys(rawValue: 1)
    static let vector = ShipperKeys(rawValue: 2)
    static let filebeat = ShipperKeys(rawValue: 4)

    /// The most specific shipper the keys name: Vector and Filebeat also add a timestamp.
    var format: SourceFormat {
        if contains(.vector) { return .vector }
        if contains(.filebeat) { return .filebeat }
        return .fluent
    }
}
