/// One Kubernetes audit event, decoded into values.
///
/// The pipeline's hot path never builds this: it works on byte offsets. `AuditEvent` is the
/// readable form for tests, rules that need whole values, and reports.
package struct AuditEvent: Sendable, Equatable {
    package struct UserInfo: Sendable, Equatable {
        package var username: String?
        package var uid: String?
        package var groups: [String]
        package var extra: [String: [String]]
    }

    package struct ObjectReference: Sendable, Equatable {
        package var resource: String?
        package var namespace: String?
        package var name: String?
        package var apiGroup: String?
        package var apiVersion: String?
        package var subresource: String?
    }

    package var apiVersion: String?
    package var level: String?
    package var auditID: String
    package var stage: String?
    package var requestURI: String?
    package var verb: String?
    package var user: UserInfo
    package var impersonatedUser: UserInfo?
    package var sourceIPs: [String]
    package var userAgent: String?
    package var objectRef: ObjectReference?
    package var responseCode: Int?
    package var responseReason: String?
    package var requestReceivedTimestamp: Timestamp?
    package var stageTimestamp: Timestamp?
    package var annotations: [String: String]
    /// The request body, parsed on demand from the bytes kept here.
    package var requestObject: JSONValue?
    package var responseObject: JSONValue?
    package var provenance: EventProvenance?
    /// The shape the event arrived in (its envelope).
    package var format: SourceFormat

    /// The time the request was received: the time windows and statistics use.
    package var time: Timestamp? { requestReceivedTimestamp ?? stageTimestamp }
}

extension AuditEvent {
    /// Builds the value form of a scanned event.
    init(scanned event: ScannedEvent, base: UnsafePointer<UInt8>, provenance: EventProvenance?) {
        func text(_ span: StringSpan) -> String? { JSONText.string(base, span) }
        func value(_ span: ValueSpan) -> JSONValue? {
            guard span.isPresent else { return nil }
            return try? JSONValue.parse(UnsafeRawBufferPointer(start: base + span.start, count: span.end - span.start))
        }
        func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
        func userInfo(username: StringSpan, uid: StringSpan, groups: ValueSpan, extra: ValueSpan) -> UserInfo {
            var extras: [String: [String]] = [:]
            if case let .object(members)? = value(extra) {
                for member in members { extras[member.key] = strings(member.value) }
            }
            return UserInfo(username: text(username), uid: text(uid), groups: strings(value(groups)), extra: extras)
        }
        func timestamp(_ span: StringSpan) -> Timestamp? {
            guard span.isPresent, !span.escaped else { return nil }
            return Timestamp(rfc3339: UnsafeRawBufferPointer(start: base + span.start, count: span.count))
        }

        apiVersion = text(event.apiVersion)
        level = text(event.level)
        auditID = text(event.auditID) ?? ""
        stage = text(event.stage)
        requestURI = text(event.requestURI)
        verb = text(event.verb)
        user = userInfo(username: event.username, uid: event.userUID, groups: event.userGroups, extra: event.userExtra)
        if let impersonated = value(event.impersonatedUser) {
            impersonatedUser = UserInfo(
                username: impersonated["username"]?.stringValue, uid: impersonated["uid"]?.stringValue,
                groups: strings(impersonated["groups"]), extra: [:])
        }
        sourceIPs = strings(value(event.sourceIPs))
        userAgent = text(event.userAgent)
        if event.hasObjectRef {
            objectRef = ObjectReference(
                resource: text(event.resource), namespace: text(event.namespace), name: text(event.name),
                apiGroup: text(event.apiGroup), apiVersion: text(event.objectAPIVersion),
                subresource: text(event.subresource))
        }
        responseCode = event.responseCode
        responseReason = text(event.responseReason)
        requestReceivedTimestamp = timestamp(event.requestReceivedTimestamp) ?? timestamp(event.legacyTimestamp)
        stageTimestamp = timestamp(event.stageTimestamp)
        annotations = [:]
        if case let .object(members)? = value(event.annotations) {
            for member in members { annotations[member.key] = member.value.stringValue }
        }
        requestObject = value(event.requestObject)
        responseObject = value(event.responseObject)
        self.provenance = provenance
        format = event.format
    }

    /// Decodes every audit event in one record (a line, or a pretty-printed document), in any format.
    ///
    /// - Returns: the events, or the reason the record holds none.
    package static func decode(record: UnsafeRawBufferPointer) -> Result<[AuditEvent], SkipReason> {
        let decoded = DecodedRecord(record)
        if decoded.events.isEmpty, let first = decoded.skipped.first { return .failure(first.reason) }
        return .success(decoded.events)
    }

    package static func decode(record: String) -> Result<[AuditEvent], SkipReason> {
        var copy = record
        return copy.withUTF8 { decode(record: UnsafeRawBufferPointer($0)) }
    }
}

/// Everything one record held, as values: what ``RecordDecoder`` hands the pipeline, for tests and tools.
package struct DecodedRecord: Sendable {
    package var events: [AuditEvent] = []
    package var skipped: [(reason: SkipReason, format: SourceFormat)] = []
    package var passedOver: [(reason: PassOverReason, format: SourceFormat)] = []
    package var cloudOperations: [CloudOperation] = []

    /// Decodes one record; `format` as `--format` gives it.
    package init(_ record: UnsafeRawBufferPointer, format: SourceFormat? = nil) {
        guard let base = record.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            skipped = [(.notJSON, format ?? .native)]
            return
        }
        var result = DecodedRecord(events: [])
        RecordDecoder(forced: format).decode(base, start: 0, end: record.count, emit: { scanned, eventBase in
            result.events.append(AuditEvent(scanned: scanned, base: eventBase, provenance: nil))
        }, note: { note, format in
            switch note {
            case let .skipped(reason): result.skipped.append((reason, format))
            case let .passedOver(reason): result.passedOver.append((reason, format))
            case let .cloudOperation(operation):
                result.passedOver.append((.cloudOperation, format))
                result.cloudOperations.append(operation)
            }
        })
        self = result
    }

    package init(_ record: String, format: SourceFormat? = nil) {
        var copy = record
        self = copy.withUTF8 { DecodedRecord(UnsafeRawBufferPointer($0), format: format) }
    }

    private init(events: [AuditEvent]) { self.events = events }
}
