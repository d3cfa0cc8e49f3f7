/// Decodes native `audit.k8s.io/v1` (and `v1beta1`) objects: one `Event`, or an `EventList` batch
/// from the webhook backend. (``RecordDecoder`` finds the objects in a record, in whatever envelope.)
///
/// It reads the fields analysis needs straight from the bytes and records where the bodies are,
/// so rules can read `requestObject`/`responseObject` lazily. Unknown fields are skipped.
struct NativeEventDecoder {
    /// What one object turned out to be.
    enum ObjectOutcome {
        /// An event, or an `EventList` with this many events in its `items`.
        case events(Int)
        /// JSON, but neither: no `auditID`, another `kind`, or an `EventList` without events.
        case notAuditEvent
    }

    /// Decodes the object at the scanner (an `Event` or an `EventList`), calling `emit` for every
    /// event in it, and leaves the scanner after the object.
    ///
    /// - Throws: ``ScanFailure`` when the object is not complete JSON; nothing was emitted then.
    func decodeObject(_ scanner: inout JSONScanner, emit: (inout ScannedEvent) -> Void)
        throws(ScanFailure) -> ObjectOutcome
    {
        var event = ScannedEvent()
        try scanEvent(&scanner, into: &event)
        if event.items.isPresent {
            var itemScanner = JSONScanner(base: scanner.base, start: event.items.start, end: event.items.end)
            var emitted = 0
            try itemScanner.forEachElement { element throws(ScanFailure) in
                guard element.current == UInt8(ascii: "{") else {
                    _ = try element.skipValue()
                    return
                }
                var item = ScannedEvent()
                try scanEvent(&element, into: &item)
                if item.looksLikeEvent {
                    item.format = .eventList
                    emit(&item)
                    emitted += 1
                }
            }
            return emitted > 0 ? .events(emitted) : .notAuditEvent
        }
        guard event.looksLikeEvent else { return .notAuditEvent }
        emit(&event)
        return .events(1)
    }

    /// Scans one event object into `event` (whatever it held before), leaving the scanner after its
    /// closing brace. Written in place: an event is a large value, and returning one copied it.
    func scanEvent(_ scanner: inout JSONScanner, into event: inout ScannedEvent) throws(ScanFailure) {
        event = ScannedEvent()
        let start = scanner.position
        try scanner.forEachMember { key, value throws(ScanFailure) in
            let base = value.base
            switch key.count {
            case 3:
                if value.equals(key, "tag") {
                    event.shipperKeys.insert(.fluent)
                } else if value.equals(key, "ecs") {
                    event.shipperKeys.insert(.filebeat)
                }
                _ = try value.skipValue()
            case 4:
                if value.equals(key, "kind") {
                    event.kind = try value.stringOrAbsent()
                    event.kindIsEvent = event.kind.isPresent && value.equals(event.kind, "Event")
                } else if value.equals(key, "verb") {
                    event.verb = try value.stringOrAbsent()
                } else if value.equals(key, "user") {
                    try scanUser(&value, into: &event)
                } else {
                    if value.equals(key, "time") || value.equals(key, "date") { event.shipperKeys.insert(.fluent) }
                    _ = try value.skipValue()
                }
            case 5:
                if value.equals(key, "level") {
                    event.level = try value.stringOrAbsent()
                } else if value.equals(key, "stage") {
                    event.stage = try value.stringOrAbsent()
                } else if value.equals(key, "items") {
                    let span = try value.skipValue()
                    if base[span.start] == UInt8(ascii: "[") { event.items = span }
                } else {
                    if value.equals(key, "agent") { event.shipperKeys.insert(.filebeat) }
                    _ = try value.skipValue()
                }
            case 7:
                if value.equals(key, "auditID") {
                    event.auditID = try value.stringOrAbsent()
                } else {
                    _ = try value.skipValue()
                }
            case 9:
                if value.equals(key, "sourceIPs") {
                    let start = value.position
                    if value.current == UInt8(ascii: "[") {
                        try value.forEachElement { element throws(ScanFailure) in
                            let ip = try element.stringOrAbsent()
                            if !event.firstSourceIP.isPresent { event.firstSourceIP = ip }
                        }
                        event.sourceIPs = ValueSpan(start: start, end: value.position)
                    } else {
                        _ = try value.skipValue()
                    }
                } else if value.equals(key, "userAgent") {
                    event.userAgent = try value.stringOrAbsent()
                } else if value.equals(key, "objectRef") {
                    try scanObjectRef(&value, into: &event)
                } else if value.equals(key, "timestamp") {
                    event.legacyTimestamp = try value.stringOrAbsent()
                } else {
                    _ = try value.skipValue()
                }
            case 10:
                if value.equals(key, "requestURI") {
                    event.requestURI = try value.stringOrAbsent()
                } else if value.equals(key, "apiVersion") {
                    event.apiVersion = try value.stringOrAbsent()
                } else {
                    if value.equals(key, "@timestamp") || value.equals(key, "kubernetes") { event.shipperKeys.insert(.fluent) }
                    _ = try value.skipValue()
                }
            case 11:
                if value.equals(key, "annotations") {
                    try scanAnnotations(&value, into: &event)
                } else {
                    if value.equals(key, "source_type") { event.shipperKeys.insert(.vector) }
                    _ = try value.skipValue()
                }
            case 13:
                if value.equals(key, "requestObject") {
                    event.requestObject = try value.skipValue()
                } else {
                    _ = try value.skipValue()
                }
            case 14:
                if value.equals(key, "responseStatus") {
                    try scanResponseStatus(&value, into: &event)
                } else if value.equals(key, "stageTimestamp") {
                    event.stageTimestamp = try value.stringOrAbsent()
                } else if value.equals(key, "responseObject") {
                    event.responseObject = try value.skipValue()
                } else {
                    _ = try value.skipValue()
                }
            case 16:
                if value.equals(key, "impersonatedUser") {
                    let start = value.position
                    if value.current == UInt8(ascii: "{") {
                        try value.forEachMember { innerKey, inner throws(ScanFailure) in
                            if inner.equals(innerKey, "username") {
                                event.impersonatedUsername = try inner.stringOrAbsent()
                            } else {
                                _ = try inner.skipValue()
                            }
                        }
                        event.impersonatedUser = ValueSpan(start: start, end: value.position)
                    } else {
                        _ = try value.skipValue()
                    }
                } else {
                    _ = try value.skipValue()
                }
            case 24:
                if value.equals(key, "requestReceivedTimestamp") {
                    event.requestReceivedTimestamp = try value.stringOrAbsent()
                } else {
                    _ = try value.skipValue()
                }
            default:
                _ = try value.skipValue()
            }
        }
        event.record = ValueSpan(start: start, end: scanner.position)
        if !event.shipperKeys.isEmpty { event.format = event.shipperKeys.format }
    }

    private func scanUser(_ scanner: inout JSONScanner, into event: inout ScannedEvent)
        throws(ScanFailure)
    {
        guard scanner.current == UInt8(ascii: "{") else {
            _ = try scanner.skipValue()
            return
        }
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "username") {
                event.username = try value.stringOrAbsent()
            } else if value.equals(key, "uid") {
                event.userUID = try value.stringOrAbsent()
            } else if value.equals(key, "groups") {
                event.userGroups = try value.skipValue()
            } else if value.equals(key, "extra") {
                event.userExtra = try value.skipValue()
            } else {
                _ = try value.skipValue()
            }
        }
    }

    private func scanObjectRef(_ scanner: inout JSONScanner, into event: inout ScannedEvent)
        throws(ScanFailure)
    {
        guard scanner.current == UInt8(ascii: "{") else {
            _ = try scanner.skipValue()
            return
        }
        event.hasObjectRef = true
        try scanner.forEachMember { key, value throws(ScanFailure) in
            switch key.count {
            case 4 where value.equals(key, "name"): event.name = try value.stringOrAbsent()
            case 8 where value.equals(key, "resource"): event.resource = try value.stringOrAbsent()
            case 8 where value.equals(key, "apiGroup"): event.apiGroup = try value.stringOrAbsent()
            case 9 where value.equals(key, "namespace"): event.namespace = try value.stringOrAbsent()
            case 10 where value.equals(key, "apiVersion"): event.objectAPIVersion = try value.stringOrAbsent()
            case 11 where value.equals(key, "subresource"): event.subresource = try value.stringOrAbsent()
            default: _ = try value.skipValue()
            }
        }
    }

    private func scanResponseStatus(_ scanner: inout JSONScanner, into event: inout ScannedEvent)
        throws(ScanFailure)
    {
        guard scanner.current == UInt8(ascii: "{") else {
            _ = try scanner.skipValue()
            return
        }
        let start = scanner.position
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "code") {
                event.responseCode = try value.scanInteger()
            } else if value.equals(key, "reason") {
                event.responseReason = try value.stringOrAbsent()
            } else {
                _ = try value.skipValue()
            }
        }
        event.responseStatus = ValueSpan(start: start, end: scanner.position)
    }

    private func scanAnnotations(_ scanner: inout JSONScanner, into event: inout ScannedEvent)
        throws(ScanFailure)
    {
        guard scanner.current == UInt8(ascii: "{") else {
            _ = try scanner.skipValue()
            return
        }
        let start = scanner.position
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "authorization.k8s.io/decision") {
                event.authorizationDecision = try value.stringOrAbsent()
            } else if value.equals(key, "authorization.k8s.io/reason") {
                event.authorizationReason = try value.stringOrAbsent()
            } else {
                _ = try value.skipValue()
            }
        }
        event.annotations = ValueSpan(start: start, end: scanner.position)
    }
}
