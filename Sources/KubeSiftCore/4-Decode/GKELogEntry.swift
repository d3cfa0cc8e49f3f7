/// Turns a GKE Cloud Logging `LogEntry` (an `AuditLog` in `protoPayload`) into the audit event
/// kube-apiserver would have logged for the same request, written as native JSON, so that the
/// event decoder, the rules and the statistics read it like any other event.
///
/// The map (research: samples.md §3.4 and §3.7): `insertId` → `auditID`; the last segment of
/// `methodName` → `verb`; `resourceName` (`<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<sub>]]`)
/// → `objectRef` and a `requestURI` built the way the API server's paths are (a create's without the
/// name: it is posted to the collection; no query: GKE does not log it); `principalEmail` →
/// `user.username`; `callerIp` → `sourceIPs`; `callerSuppliedUserAgent` → `userAgent`; `request`
/// and `response` → the bodies; the top-level `labels` (the audit annotations) → `annotations`;
/// `timestamp` → both timestamps. GKE logs each request once, when it completes: the stage is
/// `ResponseComplete` (`ResponseStarted` for an entry that opens an operation without closing it),
/// and the level is what the bodies show. The HTTP code comes from a `Status` response, else from
/// the gRPC `status.code` (0 is 200, 201 for a create, 101 for exec, attach and port-forward).
/// GKE writes no groups, no `extra`, no impersonation and one address; neither does this.
struct GKELogEntry {
    /// The spans of the entry's top-level fields, found by ``RecordDecoder``'s envelope scan.
    struct Fields {
        var insertId = StringSpan.absent
        var timestamp = StringSpan.absent
        var labels = ValueSpan()
        var operation = ValueSpan()
        var protoPayload = ValueSpan()
    }

    enum Outcome {
        /// The event is in the output buffer.
        case event
        /// Not a Kubernetes API request: a cloud control-plane operation.
        case cloudOperation(CloudOperation)
        /// No `protoPayload`, or one that is not an audit log.
        case notAuditEvent
    }

    private struct Payload {
        var serviceName = StringSpan.absent
        var methodName = StringSpan.absent
        var resourceName = StringSpan.absent
        var principalEmail = StringSpan.absent
        var callerIp = StringSpan.absent
        var userAgent = StringSpan.absent
        var granted: Bool?
        var request = ValueSpan()
        var response = ValueSpan()
        var statusCode: Int?
        var statusMessage = StringSpan.absent
    }

    private struct Response {
        var isStatus = false
        var code: Int?
        var reason = StringSpan.absent
        var message = StringSpan.absent
        var status = StringSpan.absent
    }

    /// Writes the event for `fields` of the entry in `base` into `output`.
    static func transcode(_ fields: Fields, base: UnsafePointer<UInt8>, into output: ByteScratch)
        throws(ScanFailure) -> Outcome
    {
        guard fields.protoPayload.isPresent, base[fields.protoPayload.start] == UInt8(ascii: "{") else { return .notAuditEvent }
        let payload = try scanPayload(fields.protoPayload, base: base)
        let method = text(payload.methodName, base)
        let isKubernetes = payload.serviceName.isPresent
            ? JSONScanner(base: base, start: 0, end: 0).equals(payload.serviceName, "k8s.io")
            : method.starts(with: Array("io.k8s.".utf8))
        guard isKubernetes else {
            guard payload.serviceName.isPresent || payload.methodName.isPresent else { return .notAuditEvent }
            return .cloudOperation(try cloudOperation(fields, payload, base: base))
        }
        var operation = Operation()
        if fields.operation.isPresent { operation = try scanOperation(fields.operation, base: base) }
        // Every entry has an `insertId` (for Kubernetes entries, the request's audit ID).
        let auditID = fields.insertId.isPresent ? fields.insertId : operation.id
        guard auditID.isPresent else { return .notAuditEvent }

        let verb = method.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).last.map(Array.init) ?? []
        let segmentCount = method.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).count
        let resourceName = text(payload.resourceName, base)
        // `io.k8s.get` on `readyz`: a request for a path that is not a resource.
        let reference = segmentCount > 3 ? ObjectReference(resourceName) : nil
        let response = payload.response.isPresent ? try scanResponse(payload.response, base: base) : Response()

        output.count = 0
        output.append(#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#)
        if payload.response.isPresent && !response.isStatus {
            output.append("RequestResponse")
        } else if payload.request.isPresent {
            output.append("Request")
        } else {
            output.append("Metadata")
        }
        output.append(#"","auditID":""#)
        appendRaw(auditID, base, to: output)
        output.append(operation.first == true && operation.last == false
            ? #"","stage":"ResponseStarted","requestURI":""# : #"","stage":"ResponseComplete","requestURI":""#)
        if let reference {
            // A create is posted to the collection: its path has no name (the object does).
            reference.appendPath(to: output, withName: reference.subresource != nil || verb != Array("create".utf8))
        } else {
            output.append("/")
            output.appendEscaped(resourceName, count: resourceName.count)
        }
        output.append(#"","verb":""#)
        output.appendEscaped(verb, count: verb.count)
        output.append(#"","user":{"#)
        if payload.principalEmail.isPresent {
            output.append(#""username":""#)
            appendRaw(payload.principalEmail, base, to: output)
            output.append("\"")
        }
        output.append("}")
        if payload.callerIp.isPresent {
            output.append(#","sourceIPs":[""#)
            appendRaw(payload.callerIp, base, to: output)
            output.append("\"]")
        }
        if payload.userAgent.isPresent {
            output.append(#","userAgent":""#)
            appendRaw(payload.userAgent, base, to: output)
            output.append("\"")
        }
        if let reference { reference.appendObjectRef(to: output) }

        let code = response.code ?? httpCode(grpc: payload.statusCode ?? 0, verb: verb, subresource: reference?.subresource)
        output.append(#","responseStatus":{"metadata":{}"#)
        if response.status.isPresent {
            output.append(#","status":""#)
            appendRaw(response.status, base, to: output)
            output.append("\"")
        }
        if response.message.isPresent || payload.statusMessage.isPresent {
            output.append(#","message":""#)
            appendRaw(response.message.isPresent ? response.message : payload.statusMessage, base, to: output)
            output.append("\"")
        }
        if response.reason.isPresent {
            output.append(#","reason":""#)
            appendRaw(response.reason, base, to: output)
            output.append("\"")
        }
        output.append(#","code":"#)
        output.append(Array(String(code).utf8))
        output.append("}")
        if payload.request.isPresent {
            output.append(#","requestObject":"#)
            output.append(base + payload.request.start, count: payload.request.end - payload.request.start)
        }
        if payload.response.isPresent && !response.isStatus {
            output.append(#","responseObject":"#)
            output.append(base + payload.response.start, count: payload.response.end - payload.response.start)
        }
        if fields.timestamp.isPresent {
            output.append(#","requestReceivedTimestamp":""#)
            appendRaw(fields.timestamp, base, to: output)
            output.append(#"","stageTimestamp":""#)
            appendRaw(fields.timestamp, base, to: output)
            output.append("\"")
        }
        if fields.labels.isPresent, base[fields.labels.start] == UInt8(ascii: "{") {
            output.append(#","annotations":"#)
            output.append(base + fields.labels.start, count: fields.labels.end - fields.labels.start)
        } else if let granted = payload.granted {
            output.append(granted ? #","annotations":{"authorization.k8s.io/decision":"allow"}"#
                                  : #","annotations":{"authorization.k8s.io/decision":"forbid"}"#)
        }
        output.append("}")
        return .event
    }

    /// The HTTP code a successful or failed request had, from its gRPC code (google.rpc.Code's map).
    static func httpCode(grpc: Int, verb: [UInt8], subresource: [UInt8]?) -> Int {
        switch grpc {
        case 0:
            if let subresource, ["exec", "attach", "portforward"].contains(where: { Array($0.utf8) == subresource }) {
                return 101
            }
            return verb == Array("create".utf8) ? 201 : 200
        case 1: return 499
        case 3, 9, 11: return 400
        case 4: return 504
        case 5: return 404
        case 6, 10: return 409
        case 7: return 403
        case 8: return 429
        case 12: return 501
        case 14: return 503
        case 16: return 401
        default: return 500
        }
    }

    // MARK: - resourceName

    /// What `resourceName` names, split the way the API server splits a request path.
    struct ObjectReference {
        var group: [UInt8]
        var version: [UInt8]
        var namespace: [UInt8]?
        var resource: [UInt8]?
        var name: [UInt8]?
        var subresource: [UInt8]?
        var path: [[UInt8]]

        init(_ resourceName: [UInt8]) {
            path = resourceName.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
            group = path.first ?? []
            version = path.count > 1 ? path[1] : []
            var rest = Array(path.dropFirst(2))
            // As the API server's RequestInfo: `namespaces/<ns>/<resource>…`, except the
            // namespace's own subresources (`status`, `finalize`).
            if rest.first == Array("namespaces".utf8), rest.count > 1 {
                namespace = rest[1]
                if rest.count > 2, rest[2] != Array("status".utf8), rest[2] != Array("finalize".utf8) {
                    rest.removeFirst(2)
                }
            }
            resource = rest.first
            name = rest.count > 1 ? rest[1] : nil
            subresource = rest.count > 2 ? rest[2] : nil
        }

        var isCore: Bool { group == Array("core".utf8) || group.isEmpty }

        func appendPath(to output: ByteScratch, withName: Bool) {
            output.append(isCore ? "/api/" : "/apis/")
            var rest = isCore ? Array(path.dropFirst()) : path
            if !withName, name != nil, subresource == nil, !rest.isEmpty { rest.removeLast() }
            for (index, segment) in rest.enumerated() {
                if index > 0 { output.append(UInt8(ascii: "/")) }
                output.appendEscaped(segment, count: segment.count)
            }
        }

        func appendObjectRef(to output: ByteScratch) {
            output.append(#","objectRef":{"#)
            var first = true
            func member(_ key: StaticString, _ value: [UInt8]?) {
                guard let value, !value.isEmpty else { return }
                if !first { output.append(",") }
                first = false
                output.append("\"")
                output.append(key)
                output.append("\":\"")
                output.appendEscaped(value, count: value.count)
                output.append("\"")
            }
            member("resource", resource)
            member("namespace", namespace)
            member("name", name)
            member("apiGroup", isCore ? nil : group)
            member("apiVersion", version)
            member("subresource", subresource)
            output.append("}")
        }
    }

    // MARK: - Scanning

    private static func scanPayload(_ span: ValueSpan, base: UnsafePointer<UInt8>) throws(ScanFailure) -> Payload {
        var payload = Payload()
        var scanner = JSONScanner(base: base, start: span.start, end: span.end)
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "serviceName") {
                payload.serviceName = try value.stringOrAbsent()
            } else if value.equals(key, "methodName") {
                payload.methodName = try value.stringOrAbsent()
            } else if value.equals(key, "resourceName") {
                payload.resourceName = try value.stringOrAbsent()
            } else if value.equals(key, "authenticationInfo") {
                try value.forEachMemberOfObject { key, inner throws(ScanFailure) in
                    if inner.equals(key, "principalEmail") { payload.principalEmail = try inner.stringOrAbsent() } else { _ = try inner.skipValue() }
                }
            } else if value.equals(key, "requestMetadata") {
                try value.forEachMemberOfObject { key, inner throws(ScanFailure) in
                    if inner.equals(key, "callerIp") {
                        payload.callerIp = try inner.stringOrAbsent()
                    } else if inner.equals(key, "callerSuppliedUserAgent") {
                        payload.userAgent = try inner.stringOrAbsent()
                    } else {
                        _ = try inner.skipValue()
                    }
                }
            } else if value.equals(key, "authorizationInfo") {
                guard value.current == UInt8(ascii: "[") else {
                    _ = try value.skipValue()
                    return
                }
                try value.forEachElement { element throws(ScanFailure) in
                    try element.forEachMemberOfObject { key, inner throws(ScanFailure) in
                        guard inner.equals(key, "granted") else {
                            _ = try inner.skipValue()
                            return
                        }
                        let literal = try inner.skipValue()
                        let granted = inner.base[literal.start] == UInt8(ascii: "t")
                        // Every check must be granted for the request to be.
                        payload.granted = (payload.granted ?? true) && granted
                    }
                }
            } else if value.equals(key, "request") {
                payload.request = try value.skipValue()
            } else if value.equals(key, "response") {
                payload.response = try value.skipValue()
            } else if value.equals(key, "status") {
                try value.forEachMemberOfObject { key, inner throws(ScanFailure) in
                    if inner.equals(key, "code") {
                        payload.statusCode = try inner.scanInteger()
                    } else if inner.equals(key, "message") {
                        payload.statusMessage = try inner.stringOrAbsent()
                    } else {
                        _ = try inner.skipValue()
                    }
                }
            } else {
                _ = try value.skipValue()
            }
        }
        if payload.request.isPresent, base[payload.request.start] != UInt8(ascii: "{") { payload.request = ValueSpan() }
        if payload.response.isPresent, base[payload.response.start] != UInt8(ascii: "{") { payload.response = ValueSpan() }
        return payload
    }

    /// Whether the response is a `metav1.Status` (the outcome of a failed request, or of a delete),
    /// and its code.
    private static func scanResponse(_ span: ValueSpan, base: UnsafePointer<UInt8>) throws(ScanFailure) -> Response {
        var response = Response()
        var scanner = JSONScanner(base: base, start: span.start, end: span.end)
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "@type") || value.equals(key, "kind") {
                let type = try value.stringOrAbsent()
                let text = JSONText.string(base, type) ?? ""
                if text == "Status" || text.hasSuffix("/v1.Status") || text.hasSuffix(".Status") { response.isStatus = true }
            } else if value.equals(key, "code") {
                response.code = try value.scanInteger()
            } else if value.equals(key, "reason") {
                response.reason = try value.stringOrAbsent()
            } else if value.equals(key, "message") {
                response.message = try value.stringOrAbsent()
            } else if value.equals(key, "status") {
                response.status = try value.stringOrAbsent()
            } else {
                _ = try value.skipValue()
            }
        }
        if !response.isStatus { return Response() }
        return response
    }

    private struct Operation {
        var id = StringSpan.absent
        var first: Bool?
        var last: Bool?
    }

    private static func scanOperation(_ span: ValueSpan, base: UnsafePointer<UInt8>) throws(ScanFailure) -> Operation {
        var operation = Operation()
        guard base[span.start] == UInt8(ascii: "{") else { return operation }
        var scanner = JSONScanner(base: base, start: span.start, end: span.end)
        try scanner.forEachMember { key, value throws(ScanFailure) in
            if value.equals(key, "id") {
                operation.id = try value.stringOrAbsent()
            } else if value.equals(key, "first") || value.equals(key, "last") {
                let literal = try value.skipValue()
                let flag = base[literal.start] == UInt8(ascii: "t")
                if value.equals(key, "first") { operation.first = flag } else { operation.last = flag }
            } else {
                _ = try value.skipValue()
            }
        }
        return operation
    }

    private static func cloudOperation(_ fields: Fields, _ payload: Payload, base: UnsafePointer<UInt8>)
        throws(ScanFailure) -> CloudOperation
    {
        func value(_ span: StringSpan) -> String? {
            // Attacker-controlled text, shown in the report: bounded in length.
            JSONText.string(base, span).map { $0.count > 512 ? String($0.prefix(512)) + "…" : $0 }
        }
        var operation = Operation()
        if fields.operation.isPresent { operation = try scanOperation(fields.operation, base: base) }
        let time = fields.timestamp.isPresent && !fields.timestamp.escaped
            ? Timestamp(rfc3339: UnsafeRawBufferPointer(start: base + fields.timestamp.start, count: fields.timestamp.count))
            : nil
        return CloudOperation(
            time: time, service: value(payload.serviceName), method: value(payload.methodName),
            resource: value(payload.resourceName), principal: value(payload.principalEmail),
            sourceIP: value(payload.callerIp), operationID: value(operation.id), first: operation.first,
            last: operation.last, statusCode: payload.statusCode,
            statusMessage: value(payload.statusMessage).map(SecretScrubber.scrub))
    }

    // MARK: - Helpers

    /// The unescaped bytes of a string span (empty when absent).
    private static func text(_ span: StringSpan, _ base: UnsafePointer<UInt8>) -> [UInt8] {
        guard span.isPresent else { return [] }
        if !span.escaped { return Array(UnsafeBufferPointer(start: base + span.start, count: span.count)) }
        var bytes: [UInt8] = []
        JSONText.unescape(base + span.start, span.count, into: &bytes)
        return bytes
    }

    /// Copies a string's content as it is written: it is already valid inside JSON quotes.
    private static func appendRaw(_ span: StringSpan, _ base: UnsafePointer<UInt8>, to output: ByteScratch) {
        guard span.isPresent else { return }
        output.append(base + span.start, count: span.count)
    }
}

extension ByteScratch {
    func appendEscaped(_ bytes: [UInt8], count: Int) {
        bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { appendEscaped(base, count: count) } }
    }
}
