import KubeSiftCore

/// A seeded, deterministic stream of realistic audit events (kube-apiserver JSON lines) for benchmarks.
///
/// The stream imitates the audit log of an EKS-like cluster (43 nodes, Kubernetes v1.31.2) and is shaped
/// after measured production traffic, because parser and aggregation speed depend on what the lines
/// hold, not only on how many bytes there are:
///
/// - size: mean ≈ 1.28 KB per event (p90 ≈ 1.6 KB, p99 ≈ 7 KB), about 14 % of all bytes inside
///   `requestObject`/`responseObject` (measured: 13 %). The median is ≈ 1.18 KB rather than the measured
///   1.0 KB: service accounts here use pod-bound tokens, whose `user.extra` makes their lines ≈ 1.4 KB;
/// - level Metadata 86 %, Request 10.5 %, RequestResponse 3.4 %; stage ResponseComplete 85 %,
///   ResponseStarted 11 %, RequestReceived 3.5 %, a few Panic;
/// - verbs update 30 %, get 21 %, watch 21 %, patch 12 %, create 8 %, list 7 %, delete 0.7 %,
///   deletecollection 0.14 %; users kubelets 44 %, kube-system service accounts 27 %, other service
///   accounts 12 %, humans 6 %, scheduler 4 %, anonymous health checks 4 %, controller-manager 2 %,
///   failed authentication 0.13 %;
/// - about 1 % denied (403), and about 0.2 % "interesting" events for the detection rules: privileged
///   and host-root pods, `pods/exec`, 401 bursts, cluster-admin bindings.
///
/// Lines are written the way Go's `encoding/json` writes `audit.k8s.io/v1` events: struct field order,
/// sorted map keys, `\u0026`/`\u003c`/`\u003e` escapes. Watches and execs log several stages under one
/// auditID, a few lines apart; about 5 % of watches are still open when the stream stops and never log
/// ResponseComplete, as in a real log that ends.
///
/// Everything comes from one xoshiro256** generator seeded with `seed`, so the same seed gives the same
/// byte stream, however it is split across calls. Lines are assembled straight into the caller's buffer from
/// static text and precomputed byte arrays (no `String`, no Foundation) so that generating the
/// gigabyte a benchmark needs costs seconds.
struct SyntheticAuditLog {
    private(set) var eventsWritten = 0
    private(set) var bytesWritten = 0

    private var random: Xoshiro256StarStar
    private let cluster: SyntheticCluster
    /// Gaps between events are uniform in 0...maxGapMicros, so they average 1 s / eventsPerSecond.
    private let maxGapMicros: Int
    private var clockMicros: Int64
    /// The cluster's etcd revision: grows with every request, so resourceVersions look alive.
    private var etcdRevision: Int64
    /// Later stages of multi-stage requests, waiting for their line.
    private var deferredStages: [DeferredStage] = []
    private var failedAuthenticationBurst = FailedAuthenticationBurst()

    init(seed: UInt64, startUnixSeconds: Int64 = 1_795_000_000, eventsPerSecond: Int = 280) {
        precondition(eventsPerSecond > 0, "eventsPerSecond must be positive")
        var random = Xoshiro256StarStar(seed: seed)
        cluster = SyntheticCluster(random: &random, startMicros: startUnixSeconds * 1_000_000)
        etcdRevision = 48_000_000 + Int64(random.below(1_000_000))
        self.random = random
        maxGapMicros = 2_000_000 / eventsPerSecond
        clockMicros = startUnixSeconds * 1_000_000
    }

    /// Appends complete event lines (each ending in "\n") to `buffer` until it has grown by at least `bytes`.
    mutating func append(atLeast bytes: Int, to buffer: inout [UInt8]) {
        let start = buffer.count
        let target = start + bytes
        if buffer.capacity < target {
            // Room for the overshoot of the last line; doubling keeps repeated small calls linear.
            buffer.reserveCapacity(max(target + 64 * 1024, buffer.capacity * 2))
        }
        // Borrow the caller's storage (a swap, not a copy) for the byte writers.
        var out = ByteSink()
        swap(&out.bytes, &buffer)
        while out.bytes.count < target {
            appendNextEvent(to: &out)
        }
        swap(&out.bytes, &buffer)
        bytesWritten += buffer.count - start
    }
}

// MARK: - Scheduling requests and stages

extension SyntheticAuditLog {
    /// The stages every request logs share its auditID, timestamps and object; only the stage differs.
    private struct Request {
        var operation: Int
        var identity: Int
        var auditIDHigh: UInt64
        var auditIDLow: UInt64
        var workload: Int
        /// Which replica of the workload, for pod names.
        var podOrdinal: Int
        var node: Int
        var namespace: Int?
        /// Random bits for small choices (configmap name, watch timeout, exec command…) that every stage must
        /// render the same way.
        var variant: UInt64
        var outcome: Outcome
        var receivedMicros: Int64
        /// The resourceVersion the client sent (updates) or resumed from (watches).
        var resourceVersion: Int64
    }

    private struct DeferredStage {
        var request: Request
        var stage: Stage
        /// The value of `eventsWritten` from which the line may be written.
        var dueEvent: Int
    }

    /// A client hammering the API server with a bad token: consecutive 401s from one address.
    private struct FailedAuthenticationBurst {
        var identity = 0
        var remaining = 0
    }

    private enum Outcome {
        case success, forbidden, notFound, conflict, admissionDenied, unauthenticated, panic
    }

    /// How often requests log their RequestReceived stage (policy rules that don't omit it): ≈ 3.5 % of lines.
    private static let requestReceivedProbability = 0.04
    /// Watches still open when the stream stops. Together with the RequestReceived rate this makes the
    /// ResponseStarted share (≈ 11 %) and the watch share (≈ 21 %) agree.
    private static let watchStillOpenProbability = 0.05
    private static let panicProbability = 0.000_15
    private static let failedAuthenticationBurstLength = 4...20
}

extension SyntheticAuditLog {
    private mutating func appendNextEvent(to out: inout ByteSink) {
        clockMicros += Int64(random.below(maxGapMicros + 1))
        let now = eventsWritten
        if let index = deferredStages.firstIndex(where: { $0.dueEvent <= now }) {
            let deferred = deferredStages.remove(at: index)
            appendEvent(deferred.request, stage: deferred.stage, to: &out)
        } else if failedAuthenticationBurst.remaining > 0 {
            failedAuthenticationBurst.remaining -= 1
            let operation = cluster.unauthenticatedOperations[random.below(cluster.unauthenticatedOperations.count)]
            let request = makeRequest(operation: operation, identity: failedAuthenticationBurst.identity)
            appendEvent(request, stage: .responseStarted, to: &out)
        } else {
            startRequest(to: &out)
        }
        eventsWritten += 1
    }

    /// Draws a new request, writes its first stage and schedules the others.
    private mutating func startRequest(to out: inout ByteSink) {
        let operationIndex = cluster.operationMix.pick(random.next())
        let operation = Self.operations[operationIndex]
        let pool = cluster.identitiesByRole[operation.role.rawValue]
        let identity = pool[random.below(pool.count)]
        var request = makeRequest(operation: operationIndex, identity: identity)

        if operation.role == .unauthenticated {
            // Failed authentication is logged once, at ResponseStarted, like the apiserver's filter does.
            failedAuthenticationBurst = FailedAuthenticationBurst(
                identity: identity, remaining: random.inRange(Self.failedAuthenticationBurstLength) - 1)
            appendEvent(request, stage: .responseStarted, to: &out)
            return
        }

        let finalStage: Stage = request.outcome == .panic ? .panic : .responseComplete
        let longRunning = operation.isLongRunning
        var due = eventsWritten
        if random.chance(Self.requestReceivedProbability) {
            request.receivedMicros = clockMicros
            appendEvent(request, stage: .requestReceived, to: &out)
            if longRunning {
                due += random.inRange(1...2)
                deferredStages.append(DeferredStage(request: request, stage: .responseStarted, dueEvent: due))
            }
        } else if longRunning {
            appendEvent(request, stage: .responseStarted, to: &out)
        } else {
            appendEvent(request, stage: finalStage, to: &out)
            return
        }
        if operation.verb == .watch && random.chance(Self.watchStillOpenProbability) { return }
        due += longRunning ? random.inRange(1...8) : random.inRange(1...4)
        deferredStages.append(DeferredStage(request: request, stage: finalStage, dueEvent: due))
    }

    private mutating func makeRequest(operation operationIndex: Int, identity identityIndex: Int) -> Request {
        let operation = Self.operations[operationIndex]
        let identity = cluster.identities[identityIndex]
        etcdRevision += Int64(1 + random.below(6))

        var node = identity.node ?? random.below(cluster.nodes.count)
        var workload: Int
        var podOrdinal = 0
        if identity.node != nil, let pod = cluster.podsByNode[node].randomElement(using: &random) {
            // A kubelet only deals with the pods on its own node (and their configmaps, secrets, tokens).
            workload = pod.workload
            podOrdinal = pod.ordinal
        } else {
            let candidates: [Int] = switch operation.scope {
            case .kubeSystem: cluster.workloadsByNamespace[Self.kubeSystemNamespace]
            case .own: cluster.workloadsByNamespace[identity.namespace ?? Self.kubeSystemNamespace]
            case .applications: cluster.applicationWorkloads
            case .clusterWide, .nodeLease, .anywhere: cluster.allWorkloads
            }
            workload = candidates[random.below(candidates.count)]
            podOrdinal = random.below(cluster.workloads[workload].replicas)
            if operation.name == .pod || operation.name == .event {
                node = cluster.node(ofWorkload: workload, ordinal: podOrdinal)
            }
        }

        let namespace: Int? = switch operation.scope {
        case _ where !operation.resource.isNamespaced: nil
        case .clusterWide: nil
        case .nodeLease: Self.kubeNodeLeaseNamespace
        case .own: identity.namespace ?? cluster.workloads[workload].namespace
        case .kubeSystem, .applications, .anywhere: cluster.workloads[workload].namespace
        }

        let outcome = drawOutcome(operation, identity)
        let latency = drawLatencyMicros(operation)
        return Request(
            operation: operationIndex, identity: identityIndex,
            auditIDHigh: random.next(), auditIDLow: random.next(),
            workload: workload, podOrdinal: podOrdinal, node: node, namespace: namespace,
            variant: random.next(), outcome: outcome,
            receivedMicros: clockMicros - latency,
            resourceVersion: etcdRevision - Int64(random.below(2_000)))
    }

    private mutating func drawOutcome(_ operation: Operation, _ identity: Identity) -> Outcome {
        if operation.role == .unauthenticated { return .unauthenticated }
        if !operation.isLongRunning && random.chance(Self.panicProbability) { return .panic }
        if random.chance(identity.forbiddenProbability) { return .forbidden }
        let userClass = identity.userClass
        switch operation.verb {
        case .get where operation.name != .none:
            return random.chance(0.03) ? .notFound : .success
        case .update:
            return random.chance(0.015) ? .conflict : .success
        case .create, .patch:
            let checkedByGatekeeper = operation.body.isAdmissionChecked && (userClass == .human || userClass == .serviceAccount)
            return checkedByGatekeeper && random.chance(0.05) ? .admissionDenied : .success
        default:
            return .success
        }
    }

    /// Time from receiving the request to writing the line (or, for watches, to starting the response).
    /// The product of two uniforms gives the long right tail real latencies have; a few requests cross
    /// the 500 ms threshold above which the apiserver adds latency annotations.
    private mutating func drawLatencyMicros(_ operation: Operation) -> Int64 {
        let (minimum, spread): (Int, Int) = switch operation.verb {
        case _ where operation.resource.isNonResourceURL: (80, 1_500)
        case .watch: (300, 3_000)
        case .get: (250, 5_000)
        case .list: (1_500, 150_000)
        case .create where operation.body.isPodCreate: (8_000, 140_000)
        case .create, .update, .patch: (1_200, 25_000)
        case .delete: (3_000, 40_000)
        case .deletecollection: (20_000, 1_500_000)
        }
        var latency = minimum + random.below(spread) * random.below(1_000) / 1_000
        let slowProbability = operation.verb == .list ? 0.03 : 0.002
        if !operation.isLongRunning && random.chance(slowProbability) {
            latency += 500_000 + random.below(3_000_000)
        }
        return Int64(latency)
    }
}

// MARK: - Writing an event

extension SyntheticAuditLog {
    private func appendEvent(_ request: Request, stage: Stage, to out: inout ByteSink) {
        let operation = Self.operations[request.operation]
        let identity = cluster.identities[request.identity]
        let stageMicros = stage == .requestReceived ? request.receivedMicros : clockMicros

        out.appendLiteral(#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#)
        out.appendLiteral(operation.level.jsonName)
        out.appendLiteral(#"","auditID":""#)
        out.appendUUID(high: request.auditIDHigh, low: request.auditIDLow)
        out.appendLiteral(#"","stage":""#)
        out.appendLiteral(stage.jsonName)
        out.appendLiteral(#"","requestURI":""#)
        appendRequestURI(request, operation, identity, to: &out)
        out.appendLiteral(#"","verb":""#)
        out.appendLiteral(operation.verb.jsonName)
        out.appendLiteral(#"","#)
        out.appendBytes(identity.userSourceAndAgent)
        if !operation.resource.isNonResourceURL {
            appendObjectReference(request, operation, identity, stage: stage, to: &out)
        }
        if stage != .requestReceived {
            out.appendLiteral(#","responseStatus":"#)
            appendStatus(request, operation, identity, stage: stage, asObject: false, to: &out)
        }
        if stage == .responseComplete && operation.level != .metadata {
            appendBodies(request, operation, identity, to: &out)
        }
        out.appendLiteral(#","requestReceivedTimestamp":""#)
        out.appendTimestamp(micros: request.receivedMicros, fractionalDigits: true)
        out.appendLiteral(#"","stageTimestamp":""#)
        out.appendTimestamp(micros: stageMicros, fractionalDigits: true)
        out.appendLiteral(#"""#)
        if stage != .requestReceived && request.outcome != .unauthenticated {
            appendAnnotations(request, operation, identity, stage: stage, stageMicros: stageMicros, to: &out)
        }
        out.appendLiteral("}\n")
    }

    private func appendRequestURI(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        let resource = operation.resource
        if resource.isNonResourceURL {
            out.appendLiteral(Self.healthCheckPaths[Int(request.variant % UInt64(Self.healthCheckPaths.count))])
            return
        }
        appendPath(request, operation, identity, to: &out)
        switch operation.query {
        case .none:
            break
        case .literal(let query):
            out.appendLiteral(query)
        case .list:
            out.appendLiteral(#"?limit=500\u0026resourceVersion=0"#)
        case .listOnOwnNode:
            out.appendLiteral("?fieldSelector=spec.nodeName%3D")
            out.appendBytes(cluster.nodes[request.node].name)
            out.appendLiteral(#"\u0026limit=500\u0026resourceVersion=0"#)
        case .watch:
            out.appendLiteral("?allowWatchBookmarks=true")
            appendWatchTail(request, to: &out)
        case .watchByName:
            out.appendLiteral(#"?allowWatchBookmarks=true\u0026fieldSelector=metadata.name%3D"#)
            appendObjectName(request, operation, identity, to: &out)
            appendWatchTail(request, to: &out)
        case .watchOnOwnNode:
            out.appendLiteral(#"?allowWatchBookmarks=true\u0026fieldSelector=spec.nodeName%3D"#)
            out.appendBytes(cluster.nodes[request.node].name)
            appendWatchTail(request, to: &out)
        case .exec:
            out.appendLiteral(Self.execCommands[Int(request.variant % UInt64(Self.execCommands.count))])
            out.appendLiteral(#"\u0026container="#)
            out.appendBytes(cluster.workloads[request.workload].name)
            out.appendLiteral(#"\u0026stdin=true\u0026stdout=true\u0026tty=true"#)
        }
    }

    /// `/api/v1/namespaces/payments/pods/payments-api-5c8d7f9b6d-x2k9p/status`: the collection for
    /// list, watch, create and deletecollection, the object otherwise and whenever there is a subresource.
    private func appendPath(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        let resource = operation.resource
        if resource.group.utf8CodeUnitCount == 0 {
            out.appendLiteral("/api/v1")
        } else {
            out.appendLiteral("/apis/")
            out.appendLiteral(resource.group)
            out.appendLiteral("/")
            out.appendLiteral(resource.version)
        }
        if let namespace = request.namespace {
            out.appendLiteral("/namespaces/")
            out.appendBytes(cluster.namespaces[namespace])
        }
        out.appendLiteral("/")
        out.appendLiteral(resource.plural)
        if operation.addressesOneObject {
            out.appendLiteral("/")
            appendObjectName(request, operation, identity, to: &out)
        }
        if let subresource = resource.subresource {
            out.appendLiteral("/")
            out.appendLiteral(subresource)
        }
    }

    /// client-go's reflector: resume from a recent resourceVersion, with a random 5–10 minute timeout.
    private func appendWatchTail(_ request: Request, to out: inout ByteSink) {
        let timeoutSeconds = 300 + Int((request.variant >> 20) % 300)
        out.appendLiteral(#"\u0026resourceVersion="#)
        out.appendDecimal(request.resourceVersion)
        out.appendLiteral(#"\u0026timeout="#)
        out.appendDecimal(timeoutSeconds / 60)
        out.appendLiteral("m")
        out.appendDecimal(timeoutSeconds % 60)
        out.appendLiteral(#"s\u0026timeoutSeconds="#)
        out.appendDecimal(timeoutSeconds)
        out.appendLiteral(#"\u0026watch=true"#)
    }

    private func appendObjectName(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        switch operation.name {
        case .none:
            break
        case .node:
            out.appendBytes(cluster.nodes[request.node].name)
        case .lease:
            out.appendBytes(identity.leaseName ?? cluster.nodes[request.node].name)
        case .pod:
            appendPodName(workload: request.workload, ordinal: request.podOrdinal, to: &out)
        case .workload:
            out.appendBytes(workload.name)
        case .replicaSet:
            out.appendBytes(workload.replicaSetName)
        case .configMap:
            if request.variant & 1 == 0 {
                out.appendLiteral("kube-root-ca.crt")
            } else {
                out.appendBytes(workload.name)
                out.appendLiteral("-config")
            }
        case .secret:
            out.appendBytes(workload.name)
            out.appendLiteral(request.variant & 1 == 0 ? "-tls" : "-credentials")
        case .serviceAccount:
            out.appendBytes(workload.serviceAccount)
        case .endpointSlice:
            out.appendBytes(workload.name)
            out.appendLiteral("-")
            out.appendRandomSuffix(Self.mix(workload.key ^ 0xE5))
        case .event:
            appendPodName(workload: request.workload, ordinal: request.podOrdinal, to: &out)
            out.appendLiteral(".")
            out.appendHex(request.variant | 1 << 60, digits: 16)
        case .namespace:
            out.appendBytes(cluster.namespaces[request.namespace ?? workload.namespace])
        case .debugPod:
            out.appendLiteral("node-debugger-")
            out.appendBytes(cluster.nodes[request.node].name.prefix { $0 != UInt8(ascii: ".") })
            out.appendLiteral("-")
            out.appendRandomSuffix(request.variant)
        case .clusterRoleBinding:
            out.appendLiteral("break-glass-admin-")
            out.appendRandomSuffix(request.variant)
        }
    }

    private func appendPodName(workload index: Int, ordinal: Int, to out: inout ByteSink) {
        out.appendBytes(cluster.workloads[index].podNamePrefix)
        out.appendRandomSuffix(podKey(workload: index, ordinal: ordinal))
    }

    private func podKey(workload: Int, ordinal: Int) -> UInt64 {
        SyntheticCluster.podKey(of: cluster.workloads[workload], ordinal: ordinal)
    }

    /// A stable key per object, so that one object keeps one uid across events and bodies.
    private func objectKey(_ request: Request, _ operation: Operation, _ identity: Identity) -> UInt64 {
        let workloadKey = cluster.workloads[request.workload].key
        return switch operation.name {
        case .node, .none: SyntheticCluster.nodeKey(request.node)
        case .lease: Self.mix(identity.leaseName == nil ? SyntheticCluster.nodeKey(request.node) : UInt64(request.identity) &+ 0x4C45_4C45)
        case .pod, .event: podKey(workload: request.workload, ordinal: request.podOrdinal)
        case .workload, .namespace, .debugPod, .clusterRoleBinding: workloadKey
        case .replicaSet: SyntheticCluster.replicaSetKey(ofWorkloadKey: workloadKey)
        case .configMap where request.variant & 1 == 0: // kube-root-ca.crt: one per namespace
            Self.mix(UInt64(cluster.workloads[request.workload].namespace) &+ 0xCA_C0)
        case .configMap: Self.mix(workloadKey ^ 0xC1)
        case .secret: Self.mix(workloadKey ^ (0x5EC0 | request.variant & 1))
        case .serviceAccount: Self.mix(workloadKey ^ 0x5A)
        case .endpointSlice: Self.mix(workloadKey ^ 0xE5)
        }
    }

    private func appendObjectReference(
        _ request: Request, _ operation: Operation, _ identity: Identity, stage: Stage, to out: inout ByteSink
    ) {
        let resource = operation.resource
        out.appendLiteral(#","objectRef":{"resource":""#)
        out.appendLiteral(resource.plural)
        out.appendLiteral(#"""#)
        if let namespace = request.namespace {
            out.appendLiteral(#","namespace":""#)
            out.appendBytes(cluster.namespaces[namespace])
            out.appendLiteral(#"""#)
        }
        // The apiserver learns a created object's name, and an updated object's uid and
        // resourceVersion, only when it decodes the body — after RequestReceived was logged.
        let bodyDecoded = stage != .requestReceived && request.outcome != .forbidden && request.outcome != .unauthenticated
        let hasName = operation.name != .none && (operation.verb != .create || bodyDecoded || resource.subresource != nil)
        if hasName {
            out.appendLiteral(#","name":""#)
            appendObjectName(request, operation, identity, to: &out)
            out.appendLiteral(#"""#)
        }
        let carriesObjectMeta = operation.verb == .update && bodyDecoded
        if carriesObjectMeta {
            out.appendLiteral(#","uid":""#)
            out.appendUUID(key: objectKey(request, operation, identity))
            out.appendLiteral(#"""#)
        }
        if resource.group.utf8CodeUnitCount > 0 {
            out.appendLiteral(#","apiGroup":""#)
            out.appendLiteral(resource.group)
            out.appendLiteral(#"""#)
        }
        out.appendLiteral(#","apiVersion":""#)
        out.appendLiteral(resource.version)
        out.appendLiteral(#"""#)
        if carriesObjectMeta {
            out.appendLiteral(#","resourceVersion":""#)
            out.appendDecimal(request.resourceVersion)
            out.appendLiteral(#"""#)
        }
        if let subresource = resource.subresource {
            out.appendLiteral(#","subresource":""#)
            out.appendLiteral(subresource)
            out.appendLiteral(#"""#)
        }
        out.appendLiteral("}")
    }

    /// A `metav1.Status`: the `responseStatus`, or with `asObject` the `responseObject` of a failed
    /// RequestResponse-level request.
    private func appendStatus(
        _ request: Request, _ operation: Operation, _ identity: Identity, stage: Stage, asObject: Bool,
        to out: inout ByteSink
    ) {
        out.appendLiteral(asObject ? #"{"kind":"Status","apiVersion":"v1","metadata":{}"# : #"{"metadata":{}"#)
        if stage == .panic {
            out.appendLiteral(#","status":"Failure","message":"APIServer panic'd: net/http: abort Handler","reason":"InternalError","code":500}"#)
            return
        }
        switch request.outcome {
        case .success, .panic:
            out.appendLiteral(#","code":"#)
            out.appendDecimal(operation.successCode)
            out.appendLiteral("}")
        case .unauthenticated:
            out.appendLiteral(#","message":"Authentication failed, attempted: bearer","code":401}"#)
        case .forbidden:
            out.appendLiteral(#","status":"Failure","message":""#)
            appendGroupResource(operation.resource, to: &out)
            if operation.addressesOneObject {
                out.appendLiteral(#" \""#)
                appendObjectName(request, operation, identity, to: &out)
                out.appendLiteral(#"\""#)
            }
            out.appendLiteral(#" is forbidden: User \""#)
            out.appendBytes(identity.username)
            out.appendLiteral(#"\" cannot "#)
            out.appendLiteral(operation.verb.jsonName)
            out.appendLiteral(#" resource \""#)
            out.appendLiteral(operation.resource.plural)
            if let subresource = operation.resource.subresource {
                out.appendLiteral("/")
                out.appendLiteral(subresource)
            }
            out.appendLiteral(#"\" in API group \""#)
            out.appendLiteral(operation.resource.group)
            if let namespace = request.namespace {
                out.appendLiteral(#"\" in the namespace \""#)
                out.appendBytes(cluster.namespaces[namespace])
                out.appendLiteral(#"\"""#)
            } else {
                out.appendLiteral(#"\" at the cluster scope""#)
            }
            out.appendLiteral(#","reason":"Forbidden","#)
            appendStatusDetails(request, operation, identity, to: &out)
            out.appendLiteral(#","code":403}"#)
        case .notFound:
            out.appendLiteral(#","status":"Failure","message":""#)
            appendGroupResource(operation.resource, to: &out)
            out.appendLiteral(#" \""#)
            appendObjectName(request, operation, identity, to: &out)
            out.appendLiteral(#"\" not found","reason":"NotFound","#)
            appendStatusDetails(request, operation, identity, to: &out)
            out.appendLiteral(#","code":404}"#)
        case .conflict:
            out.appendLiteral(#","status":"Failure","message":"Operation cannot be fulfilled on "#)
            appendGroupResource(operation.resource, to: &out)
            out.appendLiteral(#" \""#)
            appendObjectName(request, operation, identity, to: &out)
            out.appendLiteral(#"\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","#)
            appendStatusDetails(request, operation, identity, to: &out)
            out.appendLiteral(#","code":409}"#)
        case .admissionDenied:
            // Gatekeeper's K8sContainerLimits message: Go's encoder turns its angle brackets into \u003c \u003e.
            out.appendLiteral(#","status":"Failure","message":"admission webhook \"validation.gatekeeper.sh\" denied the request: [container-must-have-limits] container \u003c"#)
            out.appendBytes(cluster.workloads[request.workload].name)
            out.appendLiteral(#"\u003e cpu limit \u003c4\u003e is higher than the maximum allowed of \u003c2\u003e","reason":"Forbidden","code":403}"#)
        }
    }

    private func appendGroupResource(_ resource: Resource, to out: inout ByteSink) {
        out.appendLiteral(resource.plural)
        if resource.group.utf8CodeUnitCount > 0 {
            out.appendLiteral(".")
            out.appendLiteral(resource.group)
        }
    }

    private func appendStatusDetails(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        out.appendLiteral(#""details":{"#)
        if operation.addressesOneObject {
            out.appendLiteral(#""name":""#)
            appendObjectName(request, operation, identity, to: &out)
            out.appendLiteral(#"","#)
        }
        if operation.resource.group.utf8CodeUnitCount > 0 {
            out.appendLiteral(#""group":""#)
            out.appendLiteral(operation.resource.group)
            out.appendLiteral(#"","#)
        }
        out.appendLiteral(#""kind":""#)
        out.appendLiteral(operation.resource.plural)
        out.appendLiteral(#""}"#)
    }

    /// Annotation keys in Go's sorted map order: latency (only above 500 ms), authorization, admission.
    private func appendAnnotations(
        _ request: Request, _ operation: Operation, _ identity: Identity, stage: Stage, stageMicros: Int64,
        to out: inout ByteSink
    ) {
        out.appendLiteral(#","annotations":{"#)
        let totalMicros = stageMicros - request.receivedMicros
        if stage == .responseComplete && !operation.isLongRunning && totalMicros > 500_000 {
            let totalNanoseconds = totalMicros * 1_000 + Int64(request.variant % 1_000)
            let etcdShare = 40 + Int64((request.variant >> 10) % 55)
            out.appendLiteral(#""apiserver.latency.k8s.io/etcd":""#)
            out.appendGoDuration(nanoseconds: totalNanoseconds * etcdShare / 100)
            out.appendLiteral(#"","apiserver.latency.k8s.io/response-write":""#)
            out.appendGoDuration(nanoseconds: 600 + Int64((request.variant >> 17) % 40_000))
            out.appendLiteral(#"","apiserver.latency.k8s.io/serialize-response-object":""#)
            out.appendGoDuration(nanoseconds: totalNanoseconds * Int64((request.variant >> 24) % 9 + 1) / 100)
            out.appendLiteral(#"","apiserver.latency.k8s.io/total":""#)
            out.appendGoDuration(nanoseconds: totalNanoseconds)
            out.appendLiteral(#"","#)
        }
        if request.outcome == .forbidden {
            out.appendLiteral(#""authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":"""#)
        } else {
            out.appendLiteral(#""authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""#)
            out.appendBytes(identity.authorizationReason)
            out.appendLiteral(#"""#)
        }
        let admitted = request.outcome != .forbidden && stage != .panic
        if admitted && operation.body.isPodCreate {
            out.appendLiteral(#","mutation.webhook.admission.k8s.io/round_0_index_0":"{\"configuration\":\"pod-identity-webhook\",\"webhook\":\"iam-for-pods.amazonaws.com\",\"mutated\":false}""#)
            switch operation.body {
            case .privilegedDebugPodCreate:
                out.appendLiteral(#","pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), privileged (container \"debugger\" must not set securityContext.privileged=true)","pod-security.kubernetes.io/enforce-policy":"privileged:latest""#)
            case .hostRootPodCreate:
                out.appendLiteral(#","pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"baseline:latest\": hostPath volumes (volume \"host-root\")","pod-security.kubernetes.io/enforce-policy":"privileged:latest""#)
            default:
                out.appendLiteral(#","pod-security.kubernetes.io/enforce-policy":"baseline:latest""#)
            }
        }
        out.appendLiteral("}")
    }
}

// MARK: - Request and response bodies

extension SyntheticAuditLog {
    /// Bodies as the apiserver logs them: the decoded request (or the raw patch), and at
    /// RequestResponse level the stored object or the failure Status. Secrets, tokens and token
    /// reviews are only ever logged at Metadata level, so no credential ever appears here.
    private func appendBodies(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        let failed = request.outcome != .success
        if request.outcome != .forbidden && operation.body != .none {
            out.appendLiteral(#","requestObject":"#)
            appendRequestObject(request, operation, identity, to: &out)
        }
        guard operation.level == .requestResponse else { return }
        if failed {
            out.appendLiteral(#","responseObject":"#)
            appendStatus(request, operation, identity, stage: .responseComplete, asObject: true, to: &out)
        } else if operation.body.hasResponseObject {
            out.appendLiteral(#","responseObject":"#)
            appendResponseObject(request, operation, identity, to: &out)
        }
    }

    private func appendRequestObject(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        switch operation.body {
        case .none:
            break
        case .nodeStatusPatch:
            appendNodeStatusPatch(request, withImages: false, to: &out)
        case .nodeStatusPatchWithImages:
            appendNodeStatusPatch(request, withImages: true, to: &out)
        case .podStatusPatch:
            appendPodStatusPatch(request, to: &out)
        case .binding:
            appendBinding(request, to: &out)
        case .subjectAccessReview:
            appendSubjectAccessReview(request, answered: false, to: &out)
        case .configMap:
            appendConfigMap(request, operation, identity, stored: false, to: &out)
        case .replicaSetStatus:
            appendReplicaSet(request, resourceVersion: request.resourceVersion, to: &out)
        case .deploymentStatus:
            appendDeployment(request, resourceVersion: request.resourceVersion, applied: false, to: &out)
        case .deploymentApply:
            appendDeploymentApplyPatch(request, to: &out)
        case .scale:
            appendScale(request, resourceVersion: request.resourceVersion, replicas: 2 + Int(request.variant % 7), to: &out)
        case .podCreate, .privilegedDebugPodCreate, .hostRootPodCreate:
            appendPod(request, operation, identity, state: .requested, to: &out)
        case .podDelete:
            out.appendLiteral(#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}"#)
        case .clusterAdminBinding:
            appendClusterRoleBinding(request, operation, identity, stored: false, to: &out)
        }
    }

    private func appendResponseObject(_ request: Request, _ operation: Operation, _ identity: Identity, to out: inout ByteSink) {
        let newResourceVersion = etcdRevision
        switch operation.body {
        case .none, .nodeStatusPatch, .nodeStatusPatchWithImages, .podStatusPatch:
            break
        case .binding:
            out.appendLiteral(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}"#)
        case .subjectAccessReview:
            appendSubjectAccessReview(request, answered: true, to: &out)
        case .configMap:
            appendConfigMap(request, operation, identity, stored: true, to: &out)
        case .replicaSetStatus:
            appendReplicaSet(request, resourceVersion: newResourceVersion, to: &out)
        case .deploymentStatus:
            appendDeployment(request, resourceVersion: newResourceVersion, applied: false, to: &out)
        case .deploymentApply:
            appendDeployment(request, resourceVersion: newResourceVersion, applied: true, to: &out)
        case .scale:
            appendScale(request, resourceVersion: newResourceVersion, replicas: 2 + Int(request.variant % 7), to: &out)
        case .podCreate, .privilegedDebugPodCreate, .hostRootPodCreate:
            appendPod(request, operation, identity, state: .created, to: &out)
        case .podDelete:
            appendPod(request, operation, identity, state: .terminating, to: &out)
        case .clusterAdminBinding:
            appendClusterRoleBinding(request, operation, identity, stored: true, to: &out)
        }
    }

    /// metav1.Time (whole seconds) of when a long-lived object was created: stable per object, weeks ago.
    private func appendCreationTimestamp(key: UInt64, to out: inout ByteSink) {
        out.appendTimestamp(micros: cluster.startMicros - 86_400_000_000 * 3 - Int64(key % 7_776_000) * 1_000_000, fractionalDigits: false)
    }

    /// The kubelet's heartbeat: a strategic merge patch of the node conditions, sometimes with the
    /// node's whole image list (which is what makes node patches the biggest Request-level bodies).
    private func appendNodeStatusPatch(_ request: Request, withImages: Bool, to out: inout ByteSink) {
        out.appendLiteral(#"{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":["#)
        for (index, type) in Self.nodeConditionTypes.enumerated() {
            out.appendLiteral(index == 0 ? #"{"lastHeartbeatTime":""# : #",{"lastHeartbeatTime":""#)
            out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
            out.appendLiteral(#"","type":""#)
            out.appendLiteral(type)
            out.appendLiteral(#""}"#)
        }
        out.appendLiteral("]")
        if withImages {
            out.appendLiteral(#","images":"#)
            out.appendBytes(cluster.nodeImageList)
        }
        out.appendLiteral("}}")
    }

    /// The kubelet's pod status sync: half the time a readiness probe failing (conditions only), half
    /// the time the pod becoming ready (conditions, container status and IPs).
    private func appendPodStatusPatch(_ request: Request, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        let key = podKey(workload: request.workload, ordinal: request.podOrdinal)
        out.appendLiteral(#"{"metadata":{"uid":""#)
        out.appendUUID(key: key)
        out.appendLiteral(#""},"status":{"$setElementOrder/conditions":[{"type":"PodReadyToStartContainers"},{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastProbeTime":null,"lastTransitionTime":""#)
        out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
        if request.variant & 2 == 0 {
            out.appendLiteral(#"","message":"containers with unready status: ["#)
            out.appendBytes(workload.name)
            out.appendLiteral(#"]","reason":"ContainersNotReady","status":"False","type":"Ready"},{"lastProbeTime":null,"lastTransitionTime":""#)
            out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
            out.appendLiteral(#"","message":"containers with unready status: ["#)
            out.appendBytes(workload.name)
            out.appendLiteral(#"]","reason":"ContainersNotReady","status":"False","type":"ContainersReady"}]}}"#)
            return
        }
        out.appendLiteral(#"","status":"True","type":"Ready"},{"lastProbeTime":null,"lastTransitionTime":""#)
        out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
        out.appendLiteral(#"","status":"True","type":"ContainersReady"}],"containerStatuses":[{"containerID":"containerd://"#)
        appendContainerID(key: key, to: &out)
        out.appendLiteral(#"","image":""#)
        out.appendBytes(workload.image)
        out.appendLiteral(#"","imageID":""#)
        out.appendBytes(workload.imageID)
        out.appendLiteral(#"","lastState":{},"name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","ready":true,"restartCount":"#)
        out.appendDecimal(Int(key % 3))
        out.appendLiteral(#","started":true,"state":{"running":{"startedAt":""#)
        appendCreationTimestamp(key: key, to: &out)
        out.appendLiteral(#""}},"volumeMounts":[{"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","name":"kube-api-access-"#)
        out.appendRandomSuffix(key)
        out.appendLiteral(#"","readOnly":true,"recursiveReadOnly":"Disabled"}]}],"phase":"Running","podIP":""#)
        appendPodIP(request, key: key, to: &out)
        out.appendLiteral(#"","podIPs":[{"ip":""#)
        appendPodIP(request, key: key, to: &out)
        out.appendLiteral(#""}],"startTime":""#)
        appendCreationTimestamp(key: key, to: &out)
        out.appendLiteral(#""}}"#)
    }

    private func appendBinding(_ request: Request, to out: inout ByteSink) {
        out.appendLiteral(#"{"kind":"Binding","apiVersion":"v1","metadata":{"name":""#)
        appendPodName(workload: request.workload, ordinal: request.podOrdinal, to: &out)
        out.appendLiteral(#"","namespace":""#)
        out.appendBytes(cluster.namespaces[cluster.workloads[request.workload].namespace])
        out.appendLiteral(#"","uid":""#)
        out.appendUUID(key: podKey(workload: request.workload, ordinal: request.podOrdinal))
        out.appendLiteral(#"","creationTimestamp":null},"target":{"kind":"Node","name":""#)
        out.appendBytes(cluster.nodes[request.node].name)
        out.appendLiteral(#""}}"#)
    }

    /// What metrics-server and kube-rbac-proxy ask before serving a scrape; `answered` adds the verdict.
    private func appendSubjectAccessReview(_ request: Request, answered: Bool, to out: inout ByteSink) {
        let askers = cluster.identitiesByRole[Role.applicationAgent.rawValue]
        let asker = cluster.identities[askers[Int(request.variant % UInt64(askers.count))]]
        out.appendLiteral(#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"},"user":""#)
        out.appendBytes(asker.username)
        out.appendLiteral(#"","groups":["system:serviceaccounts","system:serviceaccounts:"#)
        out.appendBytes(cluster.namespaces[asker.namespace ?? Self.kubeSystemNamespace])
        out.appendLiteral(#"","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI="#)
        out.appendUUID(key: Self.mix(request.variant))
        out.appendLiteral(#""]},"uid":""#)
        out.appendUUID(key: Self.mix(UInt64(request.identity)))
        if answered {
            out.appendLiteral(#""},"status":{"allowed":true,"reason":"RBAC: allowed by ClusterRoleBinding \"prometheus-metrics-reader\" of ClusterRole \"system:monitoring\" to Group \"system:serviceaccounts\""}}"#)
        } else {
            out.appendLiteral(#""},"status":{"allowed":false}}"#)
        }
    }

    private func appendConfigMap(
        _ request: Request, _ operation: Operation, _ identity: Identity, stored: Bool, to out: inout ByteSink
    ) {
        let workload = cluster.workloads[request.workload]
        let key = objectKey(request, operation, identity)
        out.appendLiteral(#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":""#)
        appendObjectName(request, operation, identity, to: &out)
        out.appendLiteral(#"","namespace":""#)
        out.appendBytes(cluster.namespaces[workload.namespace])
        if stored {
            out.appendLiteral(#"","uid":""#)
            out.appendUUID(key: key)
            out.appendLiteral(#"","resourceVersion":""#)
            out.appendDecimal(etcdRevision)
            out.appendLiteral(#"","creationTimestamp":""#)
            appendCreationTimestamp(key: key, to: &out)
            out.appendLiteral(#"","#)
        } else {
            out.appendLiteral(#"","creationTimestamp":null,"#)
        }
        out.appendLiteral(#""labels":{"app.kubernetes.io/name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","app.kubernetes.io/part-of":""#)
        out.appendBytes(cluster.namespaces[workload.namespace])
        out.appendLiteral(#""}"#)
        if stored {
            out.appendLiteral(#","managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1","time":""#)
            out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
            out.appendLiteral(#"","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:application.yaml":{},"f:healthcheck.sh":{},"f:maintenance.html":{}},"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}}}}]"#)
        }
        out.appendLiteral(#"},"data":{"application.yaml":"server:\n  port: "#)
        out.appendDecimal(workload.port)
        out.appendLiteral(#"\nlogging:\n  level: INFO\nfeatures:\n  max-batch: "#)
        out.appendDecimal(50 + Int(request.variant % 450))
        out.appendLiteral(##"\n","healthcheck.sh":"#!/bin/sh\ncurl -fsS http://localhost:"##)
        out.appendDecimal(workload.port)
        out.appendLiteral(#"/healthz \u003e/dev/null \u0026\u0026 exit 0\nexit 1\n","maintenance.html":"\u003c!doctype html\u003e\u003chtml\u003e\u003cbody\u003e\u003ch1\u003eBack soon\u003c/h1\u003e\u003c/body\u003e\u003c/html\u003e\n"}}"#)
    }

    /// The metadata a Deployment and its ReplicaSet share in shape, up to the opening of `labels.app`.
    private func appendWorkloadMetadata(kind: StaticString, name: [UInt8], uid: [UInt8], workload: Workload,
                                        creationKey: UInt64, resourceVersion: Int64, to out: inout ByteSink) {
        out.appendLiteral(kind)
        out.appendBytes(name)
        out.appendLiteral(#"","namespace":""#)
        out.appendBytes(cluster.namespaces[workload.namespace])
        out.appendLiteral(#"","uid":""#)
        out.appendBytes(uid)
        out.appendLiteral(#"","resourceVersion":""#)
        out.appendDecimal(resourceVersion)
        out.appendLiteral(#"","generation":"#)
        out.appendDecimal(workload.revision)
        out.appendLiteral(#","creationTimestamp":""#)
        appendCreationTimestamp(key: creationKey, to: &out)
        out.appendLiteral(#"","labels":{"app":""#)
    }

    private func appendReplicaSet(_ request: Request, resourceVersion: Int64, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        appendWorkloadMetadata(kind: #"{"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":""#,
                               name: workload.replicaSetName, uid: workload.replicaSetUID, workload: workload,
                               creationKey: SyntheticCluster.replicaSetKey(ofWorkloadKey: workload.key),
                               resourceVersion: resourceVersion, to: &out)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","pod-template-hash":""#)
        out.appendBytes(workload.templateHash)
        out.appendLiteral(#""},"annotations":{"deployment.kubernetes.io/desired-replicas":""#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#"","deployment.kubernetes.io/max-replicas":""#)
        out.appendDecimal(workload.replicas + 1)
        out.appendLiteral(#"","deployment.kubernetes.io/revision":""#)
        out.appendDecimal(workload.revision)
        out.appendLiteral(#""},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","uid":""#)
        out.appendBytes(workload.uid)
        out.appendLiteral(#"","controller":true,"blockOwnerDeletion":true}]},"spec":{"replicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","selector":{"matchLabels":{"app":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","pod-template-hash":""#)
        out.appendBytes(workload.templateHash)
        out.appendLiteral(#""}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","pod-template-hash":""#)
        out.appendBytes(workload.templateHash)
        out.appendLiteral(#""}},"spec":{"#)
        appendPodSpec(workload, serverDefaults: false, to: &out)
        out.appendLiteral(#"}}},"status":{"replicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","fullyLabeledReplicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","readyReplicas":"#)
        out.appendDecimal(workload.replicas - Int(request.variant & 1))
        out.appendLiteral(#","availableReplicas":"#)
        out.appendDecimal(workload.replicas - Int(request.variant & 1))
        out.appendLiteral(#","observedGeneration":"#)
        out.appendDecimal(workload.revision)
        out.appendLiteral("}}")
    }

    /// A Deployment; `applied` is the object as stored after `kubectl apply`: with the
    /// last-applied annotation and the field managers.
    private func appendDeployment(_ request: Request, resourceVersion: Int64, applied: Bool, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        appendWorkloadMetadata(kind: #"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":""#,
                               name: workload.name, uid: workload.uid, workload: workload, creationKey: workload.key,
                               resourceVersion: resourceVersion, to: &out)
        out.appendBytes(workload.name)
        out.appendLiteral(#""},"annotations":{"deployment.kubernetes.io/revision":""#)
        out.appendDecimal(workload.revision)
        out.appendLiteral(#"""#)
        if applied {
            out.appendLiteral(#","kubectl.kubernetes.io/last-applied-configuration":""#)
            appendLastAppliedConfiguration(workload, to: &out)
            out.appendLiteral(#""}"#)
            appendDeploymentManagedFields(workload, to: &out)
        } else {
            out.appendLiteral("}")
        }
        out.appendLiteral(#"},"spec":{"replicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","selector":{"matchLabels":{"app":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}},"spec":{"#)
        appendPodSpec(workload, serverDefaults: false, to: &out)
        out.appendLiteral(#"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600},"status":{"observedGeneration":"#)
        out.appendDecimal(workload.revision)
        out.appendLiteral(#","replicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","updatedReplicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","readyReplicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","availableReplicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","conditions":[{"type":"Available","status":"True","lastUpdateTime":""#)
        appendCreationTimestamp(key: workload.key ^ 1, to: &out)
        out.appendLiteral(#"","lastTransitionTime":""#)
        appendCreationTimestamp(key: workload.key ^ 1, to: &out)
        out.appendLiteral(#"","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},{"type":"Progressing","status":"True","lastUpdateTime":""#)
        appendCreationTimestamp(key: workload.key ^ 2, to: &out)
        out.appendLiteral(#"","lastTransitionTime":""#)
        appendCreationTimestamp(key: workload.key ^ 3, to: &out)
        out.appendLiteral(#"","reason":"NewReplicaSetAvailable","message":"ReplicaSet \""#)
        out.appendBytes(workload.replicaSetName)
        out.appendLiteral(#"\" has successfully progressed."}]}}"#)
    }

    /// What `kubectl apply` sends: a strategic merge patch carrying the whole manifest again as an
    /// escaped JSON string, which is where most `\"` in real audit logs come from.
    private func appendDeploymentApplyPatch(_ request: Request, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        out.appendLiteral(#"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":""#)
        appendLastAppliedConfiguration(workload, to: &out)
        out.appendLiteral(#""}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}],"containers":[{"image":""#)
        out.appendBytes(workload.image)
        out.appendLiteral(#"","name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}]}}}}"#)
    }

    private func appendDeploymentManagedFields(_ workload: Workload, to out: inout ByteSink) {
        out.appendLiteral(#","managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","time":""#)
        out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
        out.appendLiteral(#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"OTEL_EXPORTER_OTLP_ENDPOINT\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":"#)
        out.appendDecimal(workload.port)
        out.appendLiteral(#",\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:resources":{".":{},"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}}}},{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":""#)
        appendCreationTimestamp(key: workload.key ^ 2, to: &out)
        out.appendLiteral(#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Progressing\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}},"subresource":"status"}]"#)
    }

    private func appendLastAppliedConfiguration(_ workload: Workload, to out: inout ByteSink) {
        out.appendLiteral(#"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\"},\"name\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\",\"namespace\":\""#)
        out.appendBytes(cluster.namespaces[workload.namespace])
        out.appendLiteral(#"\"},\"spec\":{\"replicas\":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#",\"selector\":{\"matchLabels\":{\"app\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"OTEL_EXPORTER_OTLP_ENDPOINT\",\"value\":\"http://otel-collector.monitoring:4317\"}],\"image\":\""#)
        out.appendBytes(workload.image)
        out.appendLiteral(#"\",\"name\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\",\"ports\":[{\"containerPort\":"#)
        out.appendDecimal(workload.port)
        out.appendLiteral(#",\"name\":\"http\"}],\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"250m\",\"memory\":\"512Mi\"}}}],\"serviceAccountName\":\""#)
        out.appendBytes(workload.serviceAccount)
        out.appendLiteral(#"\"}}}}\n"#)
    }

    private func appendScale(_ request: Request, resourceVersion: Int64, replicas: Int, to out: inout ByteSink) {
        let workload = cluster.workloads[request.workload]
        out.appendLiteral(#"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","namespace":""#)
        out.appendBytes(cluster.namespaces[workload.namespace])
        out.appendLiteral(#"","uid":""#)
        out.appendBytes(workload.uid)
        out.appendLiteral(#"","resourceVersion":""#)
        out.appendDecimal(resourceVersion)
        out.appendLiteral(#"","creationTimestamp":""#)
        appendCreationTimestamp(key: workload.key, to: &out)
        out.appendLiteral(#""},"spec":{"replicas":"#)
        out.appendDecimal(replicas)
        out.appendLiteral(#"},"status":{"replicas":"#)
        out.appendDecimal(workload.replicas)
        out.appendLiteral(#","selector":"app="#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}}"#)
    }

    private func appendClusterRoleBinding(
        _ request: Request, _ operation: Operation, _ identity: Identity, stored: Bool, to out: inout ByteSink
    ) {
        out.appendLiteral(#"{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":""#)
        appendObjectName(request, operation, identity, to: &out)
        if stored {
            out.appendLiteral(#"","uid":""#)
            out.appendUUID(key: Self.mix(request.variant))
            out.appendLiteral(#"","resourceVersion":""#)
            out.appendDecimal(etcdRevision)
            out.appendLiteral(#"","creationTimestamp":""#)
            out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
            out.appendLiteral(#"","managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":""#)
            out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
            out.appendLiteral(#"","fieldsType":"FieldsV1","fieldsV1":{"f:roleRef":{},"f:subjects":{}}}]},"#)
        } else {
            out.appendLiteral(#"","creationTimestamp":null},"#)
        }
        out.appendLiteral(#""subjects":[{"kind":"ServiceAccount","name":"default","namespace":""#)
        out.appendBytes(cluster.namespaces[cluster.workloads[request.workload].namespace])
        out.appendLiteral(#""}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}"#)
    }

    private enum PodState { case requested, created, terminating }

    /// A Pod as the replicaset-controller sends it (`requested`), as the apiserver stores it after
    /// defaulting and admission (`created`), or as a delete returns it (`terminating`, running status).
    /// The debug variants are the planted privileged and host-root pods.
    private func appendPod(
        _ request: Request, _ operation: Operation, _ identity: Identity, state: PodState, to out: inout ByteSink
    ) {
        let workload = cluster.workloads[request.workload]
        let key = operation.body == .podCreate || operation.body == .podDelete
            ? podKey(workload: request.workload, ordinal: request.podOrdinal) : Self.mix(request.variant)
        let debugPod = operation.body == .privilegedDebugPodCreate || operation.body == .hostRootPodCreate

        out.appendLiteral(#"{"kind":"Pod","apiVersion":"v1","metadata":{"#)
        if state != .requested || debugPod {
            out.appendLiteral(#""name":""#)
            if debugPod {
                appendObjectName(request, operation, identity, to: &out)
            } else {
                appendPodName(workload: request.workload, ordinal: request.podOrdinal, to: &out)
            }
            out.appendLiteral(#"","#)
        }
        if !debugPod {
            out.appendLiteral(#""generateName":""#)
            out.appendBytes(workload.podNamePrefix)
            out.appendLiteral(#"","#)
        }
        out.appendLiteral(#""namespace":""#)
        out.appendBytes(cluster.namespaces[request.namespace ?? workload.namespace])
        if state == .requested {
            out.appendLiteral(#"","creationTimestamp":null"#)
        } else {
            out.appendLiteral(#"","uid":""#)
            out.appendUUID(key: key)
            out.appendLiteral(#"","resourceVersion":""#)
            out.appendDecimal(etcdRevision)
            out.appendLiteral(#"","creationTimestamp":""#)
            if state == .created {
                out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
                out.appendLiteral(#"""#)
            } else {
                appendCreationTimestamp(key: key, to: &out)
                out.appendLiteral(#"","deletionTimestamp":""#)
                out.appendTimestamp(micros: clockMicros + 30_000_000, fractionalDigits: false)
                out.appendLiteral(#"","deletionGracePeriodSeconds":30"#)
            }
        }
        if debugPod {
            out.appendLiteral("}")
        } else {
            out.appendLiteral(#","labels":{"app":""#)
            out.appendBytes(workload.name)
            out.appendLiteral(#"","pod-template-hash":""#)
            out.appendBytes(workload.templateHash)
            out.appendLiteral(#""},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":""#)
            out.appendBytes(workload.replicaSetName)
            out.appendLiteral(#"","uid":""#)
            out.appendBytes(workload.replicaSetUID)
            out.appendLiteral(#"","controller":true,"blockOwnerDeletion":true}]"#)
            if state != .requested {
                appendPodManagedFields(workload, to: &out)
            }
            out.appendLiteral("}")
        }

        out.appendLiteral(#","spec":{"#)
        switch operation.body {
        case .privilegedDebugPodCreate:
            out.appendLiteral(#""containers":[{"name":"debugger","image":"docker.io/library/busybox:1.36","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"privileged":true},"stdin":true,"tty":true}],"restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","nodeName":""#)
            out.appendBytes(cluster.nodes[request.node].name)
            out.appendLiteral(#"","hostNetwork":true,"hostPID":true,"hostIPC":true,"securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"operator":"Exists"}],"enableServiceLinks":true"#)
        case .hostRootPodCreate:
            out.appendLiteral(#""volumes":[{"name":"host-root","hostPath":{"path":"/","type":""}}],"containers":[{"name":"debugger","image":"docker.io/library/alpine:3.20","command":["sleep","infinity"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler","enableServiceLinks":true"#)
        default:
            appendPodSpec(workload, serverDefaults: state != .requested, to: &out)
        }
        switch state {
        case .requested:
            out.appendLiteral(#"},"status":{}}"#)
        case .created:
            out.appendLiteral(#"},"status":{"phase":"Pending","qosClass":"Burstable"}}"#)
        case .terminating:
            appendRunningPodStatus(request, workload, key: key, to: &out)
        }
    }

    /// The pod template shared by Pods, ReplicaSets and Deployments. With `serverDefaults` it has the
    /// service-account token volume, its mount and the default tolerations added by admission.
    private func appendPodSpec(_ workload: Workload, serverDefaults: Bool, to out: inout ByteSink) {
        if serverDefaults {
            out.appendLiteral(#""volumes":[{"name":"kube-api-access-"#)
            out.appendRandomSuffix(workload.key)
            out.appendLiteral(#"","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"#)
        }
        out.appendLiteral(#""containers":[{"name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","image":""#)
        out.appendBytes(workload.image)
        out.appendLiteral(#"","ports":[{"name":"http","containerPort":"#)
        out.appendDecimal(workload.port)
        out.appendLiteral(#","protocol":"TCP"}],"env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}},{"name":"OTEL_EXPORTER_OTLP_ENDPOINT","value":"http://otel-collector.monitoring:4317"}],"resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"250m","memory":"512Mi"}},"#)
        if serverDefaults {
            out.appendLiteral(#""volumeMounts":[{"name":"kube-api-access-"#)
            out.appendRandomSuffix(workload.key)
            out.appendLiteral(#"","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"#)
        }
        out.appendLiteral(#""livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"readinessProbe":{"httpGet":{"path":"/readyz","port":"http","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":""#)
        out.appendBytes(workload.serviceAccount)
        out.appendLiteral(#"","serviceAccount":""#)
        out.appendBytes(workload.serviceAccount)
        out.appendLiteral(#"","securityContext":{"runAsUser":1000,"fsGroup":2000,"seccompProfile":{"type":"RuntimeDefault"}},"affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#""}},"topologyKey":"kubernetes.io/hostname"}}]}},"schedulerName":"default-scheduler","#)
        if serverDefaults {
            out.appendLiteral(#""tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"#)
        }
        out.appendLiteral(#""enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority""#)
    }

    /// Server-side field ownership, with the `k:{\"…\"}` keys that fill real pods with escaped quotes.
    private func appendPodManagedFields(_ workload: Workload, to out: inout ByteSink) {
        out.appendLiteral(#","managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":""#)
        out.appendTimestamp(micros: clockMicros, fractionalDigits: false)
        out.appendLiteral(#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\""#)
        out.appendBytes(workload.replicaSetUID)
        out.appendLiteral(#"\"}":{}}},"f:spec":{"f:affinity":{".":{},"f:podAntiAffinity":{".":{},"f:preferredDuringSchedulingIgnoredDuringExecution":{}}},"f:containers":{"k:{\"name\":\""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"OTEL_EXPORTER_OTLP_ENDPOINT\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"POD_NAME\"}":{".":{},"f:name":{},"f:valueFrom":{".":{},"f:fieldRef":{}}},"k:{\"name\":\"POD_NAMESPACE\"}":{".":{},"f:name":{},"f:valueFrom":{".":{},"f:fieldRef":{}}}},"f:image":{},"f:imagePullPolicy":{},"f:livenessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:initialDelaySeconds":{},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":"#)
        out.appendDecimal(workload.port)
        out.appendLiteral(#",\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:readinessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:resources":{".":{},"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:securityContext":{".":{},"f:allowPrivilegeEscalation":{},"f:capabilities":{".":{},"f:drop":{}},"f:readOnlyRootFilesystem":{},"f:runAsNonRoot":{}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{".":{},"f:fsGroup":{},"f:runAsUser":{},"f:seccompProfile":{".":{},"f:type":{}}},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}}]"#)
    }

    private func appendRunningPodStatus(_ request: Request, _ workload: Workload, key: UInt64, to out: inout ByteSink) {
        out.appendLiteral(#"},"status":{"phase":"Running","conditions":["#)
        for (index, type) in Self.podConditionTypes.enumerated() {
            out.appendLiteral(index == 0 ? #"{"type":""# : #",{"type":""#)
            out.appendLiteral(type)
            out.appendLiteral(#"","status":"True","lastProbeTime":null,"lastTransitionTime":""#)
            appendCreationTimestamp(key: key, to: &out)
            out.appendLiteral(#""}"#)
        }
        out.appendLiteral(#"],"hostIP":""#)
        out.appendBytes(cluster.nodes[request.node].ip)
        out.appendLiteral(#"","hostIPs":[{"ip":""#)
        out.appendBytes(cluster.nodes[request.node].ip)
        out.appendLiteral(#""}],"podIP":""#)
        appendPodIP(request, key: key, to: &out)
        out.appendLiteral(#"","podIPs":[{"ip":""#)
        appendPodIP(request, key: key, to: &out)
        out.appendLiteral(#""}],"startTime":""#)
        appendCreationTimestamp(key: key, to: &out)
        out.appendLiteral(#"","containerStatuses":[{"name":""#)
        out.appendBytes(workload.name)
        out.appendLiteral(#"","state":{"running":{"startedAt":""#)
        appendCreationTimestamp(key: key, to: &out)
        out.appendLiteral(#""}},"lastState":{},"ready":true,"restartCount":0,"image":""#)
        out.appendBytes(workload.image)
        out.appendLiteral(#"","imageID":""#)
        out.appendBytes(workload.imageID)
        out.appendLiteral(#"","containerID":"containerd://"#)
        appendContainerID(key: key, to: &out)
        out.appendLiteral(#"","started":true}],"qosClass":"Burstable"}}"#)
    }

    private func appendPodIP(_ request: Request, key: UInt64, to out: inout ByteSink) {
        out.appendLiteral("10.0.")
        out.appendDecimal(cluster.nodes[request.node].subnet)
        out.appendLiteral(".")
        out.appendDecimal(Int(key % 250) + 2)
    }

    private func appendContainerID(key: UInt64, to out: inout ByteSink) {
        var state = key
        for _ in 0..<4 {
            state = Self.mix(state)
            out.appendHex(state, digits: 16)
        }
    }
}

// MARK: - The traffic mix

extension SyntheticAuditLog {
    /// Who sends a request. Identities carry one or more roles; an operation draws its sender from the
    /// identities with its role.
    private enum Role: Int, CaseIterable {
        case kubelet
        case kubeSystemLeaderElector, kubeSystemAgent, metricsServer
        case endpointSliceController, replicaSetController, deploymentController, garbageCollector, namespaceController
        case nodeController
        case applicationLeaderElector, applicationAgent, ciDeployer
        case human, clusterAdmin
        case scheduler, schedulerLeaderElection, controllerManager, controllerManagerLeaderElection, apiserver
        case healthChecker, unauthenticated
    }

    /// The user populations the traffic shares are measured over.
    private enum UserClass {
        case kubelet, kubeSystemServiceAccount, serviceAccount, human, scheduler, controllerManager, apiserver
        case healthCheck, unauthenticated

        /// Tuned so that ≈ 1 % of all requests are denied (cluster admins never are).
        var forbiddenProbability: Double {
            switch self {
            case .kubelet: 0.001
            case .kubeSystemServiceAccount: 0.006
            case .serviceAccount: 0.045
            case .human: 0.075
            case .scheduler, .controllerManager, .apiserver, .healthCheck, .unauthenticated: 0
            }
        }
    }

    private enum Verb {
        case get, list, watch, create, update, patch, delete, deletecollection

        var jsonName: StaticString {
            switch self {
            case .get: "get"
            case .list: "list"
            case .watch: "watch"
            case .create: "create"
            case .update: "update"
            case .patch: "patch"
            case .delete: "delete"
            case .deletecollection: "deletecollection"
            }
        }
    }

    private enum Level {
        case metadata, request, requestResponse

        var jsonName: StaticString {
            switch self {
            case .metadata: "Metadata"
            case .request: "Request"
            case .requestResponse: "RequestResponse"
            }
        }
    }

    private enum Stage {
        case requestReceived, responseStarted, responseComplete, panic

        var jsonName: StaticString {
            switch self {
            case .requestReceived: "RequestReceived"
            case .responseStarted: "ResponseStarted"
            case .responseComplete: "ResponseComplete"
            case .panic: "Panic"
            }
        }
    }

    /// Which namespace a request addresses.
    private enum Scope {
        /// All namespaces (or a cluster-scoped resource).
        case clusterWide
        case nodeLease
        case kubeSystem
        /// The sender's own namespace.
        case own
        /// One of the application namespaces.
        case applications
        /// Any namespace with workloads, system ones included.
        case anywhere
    }

    /// Which object a request names.
    private enum ObjectName {
        case none, node, lease, pod, workload, replicaSet, configMap, secret, serviceAccount, endpointSlice, event
        case namespace, debugPod, clusterRoleBinding
    }

    private enum Query {
        case none
        case literal(StaticString)
        /// An informer's initial list.
        case list
        case listOnOwnNode
        /// An informer's watch.
        case watch
        /// A watch of one object (`fieldSelector=metadata.name=…`), as kubelets do for configmaps and secrets.
        case watchByName
        case watchOnOwnNode
        case exec
    }

    private enum Body: Equatable {
        case none
        case nodeStatusPatch, nodeStatusPatchWithImages, podStatusPatch, binding, subjectAccessReview
        case configMap, replicaSetStatus, deploymentStatus, deploymentApply, scale
        case podCreate, podDelete, privilegedDebugPodCreate, hostRootPodCreate, clusterAdminBinding

        /// Status patches are only logged at Request level in this mix, so no stored Node or Pod is
        /// modelled for them.
        var hasResponseObject: Bool {
            switch self {
            case .none, .nodeStatusPatch, .nodeStatusPatchWithImages, .podStatusPatch: false
            default: true
            }
        }

        var isPodCreate: Bool { self == .podCreate || self == .privilegedDebugPodCreate || self == .hostRootPodCreate }
        /// Bodies the Gatekeeper webhook checks, so a human's request may be denied by admission.
        var isAdmissionChecked: Bool { self == .deploymentApply || isPodCreate }
    }

    private struct Resource {
        let plural: StaticString
        let group: StaticString
        let version: StaticString
        let subresource: StaticString?
        let isNamespaced: Bool
        /// exec: the response is a stream (code 101), logged like a watch with ResponseStarted.
        let isStream: Bool
        /// `/healthz` and friends: no objectRef.
        var isNonResourceURL: Bool { plural.utf8CodeUnitCount == 0 }

        init(_ plural: StaticString, group: StaticString = "", version: StaticString = "v1",
             subresource: StaticString? = nil, namespaced: Bool, stream: Bool = false) {
            self.plural = plural
            self.group = group
            self.version = version
            self.subresource = subresource
            isNamespaced = namespaced
            isStream = stream
        }

        static let healthCheck = Resource("", namespaced: false)
        static let pods = Resource("pods", namespaced: true)
        static let podStatus = Resource("pods", subresource: "status", namespaced: true)
        static let podBinding = Resource("pods", subresource: "binding", namespaced: true)
        static let podExec = Resource("pods", subresource: "exec", namespaced: true, stream: true)
        static let nodes = Resource("nodes", namespaced: false)
        static let nodeStatus = Resource("nodes", subresource: "status", namespaced: false)
        static let namespaces = Resource("namespaces", namespaced: false)
        static let configMaps = Resource("configmaps", namespaced: true)
        static let secrets = Resource("secrets", namespaced: true)
        static let services = Resource("services", namespaced: true)
        static let events = Resource("events", namespaced: true)
        static let persistentVolumeClaims = Resource("persistentvolumeclaims", namespaced: true)
        static let serviceAccountTokens = Resource("serviceaccounts", subresource: "token", namespaced: true)
        static let leases = Resource("leases", group: "coordination.k8s.io", namespaced: true)
        static let endpointSlices = Resource("endpointslices", group: "discovery.k8s.io", namespaced: true)
        static let deployments = Resource("deployments", group: "apps", namespaced: true)
        static let deploymentStatus = Resource("deployments", group: "apps", subresource: "status", namespaced: true)
        static let deploymentScale = Resource("deployments", group: "apps", subresource: "scale", namespaced: true)
        static let replicaSets = Resource("replicasets", group: "apps", namespaced: true)
        static let replicaSetStatus = Resource("replicasets", group: "apps", subresource: "status", namespaced: true)
        static let csiNodes = Resource("csinodes", group: "storage.k8s.io", namespaced: false)
        static let csiDrivers = Resource("csidrivers", group: "storage.k8s.io", namespaced: false)
        static let subjectAccessReviews = Resource("subjectaccessreviews", group: "authorization.k8s.io", namespaced: false)
        static let tokenReviews = Resource("tokenreviews", group: "authentication.k8s.io", namespaced: false)
        static let clusterRoleBindings = Resource("clusterrolebindings", group: "rbac.authorization.k8s.io", namespaced: false)
        static let apiServices = Resource("apiservices", group: "apiregistration.k8s.io", namespaced: false)
    }

    /// One kind of request and the share of all log lines it accounts for.
    private struct Operation {
        let lineShare: Double
        let role: Role
        let verb: Verb
        let resource: Resource
        let scope: Scope
        let name: ObjectName
        let query: Query
        let level: Level
        let body: Body

        init(_ lineShare: Double, _ role: Role, _ verb: Verb, _ resource: Resource, in scope: Scope = .clusterWide,
             name: ObjectName = .none, query: Query = .none, level: Level = .metadata, body: Body = .none) {
            self.lineShare = lineShare
            self.role = role
            self.verb = verb
            self.resource = resource
            self.scope = scope
            self.name = name
            self.query = query
            self.level = level
            self.body = body
        }

        /// Watches and exec log ResponseStarted before ResponseComplete.
        var isLongRunning: Bool { verb == .watch || resource.isStream }

        /// Whether the URI path ends in the object's name (get/update/patch/delete, and subresources).
        var addressesOneObject: Bool {
            if resource.subresource != nil { return name != .none }
            switch verb {
            case .get, .update, .patch, .delete: return name != .none
            case .list, .watch, .create, .deletecollection: return false
            }
        }

        var successCode: Int {
            if resource.isStream { return 101 }
            return verb == .create ? 201 : 200
        }

        /// The average number of lines one such request writes: turns line shares into request weights.
        var expectedLines: Double {
            if role == .unauthenticated {
                return Double(failedAuthenticationBurstLength.lowerBound + failedAuthenticationBurstLength.upperBound) / 2
            }
            let afterRequestReceived = 1 + requestReceivedProbability
            if verb == .watch { return afterRequestReceived + 1 - watchStillOpenProbability }
            return isLongRunning ? afterRequestReceived + 1 : afterRequestReceived
        }
    }

    /// The traffic table. Shares are percent of log lines; per user class and per verb they add up to
    /// the measured figures in the type's documentation (e.g. update: 11.8 + 12.2 + 3.3 + 0.6 + 1.0 + 0.7 + 0.5).
    /// Levels follow a typical audit policy: Request for status writes, bindings and kube-system's access
    /// reviews; RequestResponse for pod, workload, RBAC, configmap and human writes and the applications'
    /// access reviews; Metadata for everything else (secrets and tokens included).
    private static let operations: [Operation] = [
        // kubelets: 44 %
        Operation(11.8, .kubelet, .update, .leases, in: .nodeLease, name: .lease, query: .literal("?timeout=10s")),
        Operation(4.4, .kubelet, .patch, .nodeStatus, name: .node, query: .literal("?timeout=10s"), level: .request, body: .nodeStatusPatch),
        Operation(0.1, .kubelet, .patch, .nodeStatus, name: .node, query: .literal("?timeout=10s"), level: .request, body: .nodeStatusPatchWithImages),
        Operation(3.0, .kubelet, .patch, .podStatus, in: .anywhere, name: .pod, level: .request, body: .podStatusPatch),
        Operation(4.0, .kubelet, .get, .nodes, name: .node, query: .literal(#"?resourceVersion=0\u0026timeout=10s"#)),
        Operation(2.5, .kubelet, .get, .pods, in: .anywhere, name: .pod),
        Operation(1.5, .kubelet, .get, .configMaps, in: .anywhere, name: .configMap),
        Operation(1.0, .kubelet, .get, .csiNodes, name: .node),
        Operation(4.0, .kubelet, .watch, .configMaps, in: .anywhere, name: .configMap, query: .watchByName),
        Operation(2.0, .kubelet, .watch, .secrets, in: .anywhere, name: .secret, query: .watchByName),
        Operation(2.0, .kubelet, .watch, .pods, query: .watchOnOwnNode),
        Operation(1.0, .kubelet, .watch, .nodes, name: .node, query: .watchByName),
        Operation(1.0, .kubelet, .watch, .services, query: .watch),
        Operation(1.0, .kubelet, .watch, .csiDrivers, query: .watch),
        Operation(1.0, .kubelet, .list, .pods, query: .listOnOwnNode),
        Operation(2.0, .kubelet, .create, .serviceAccountTokens, in: .anywhere, name: .serviceAccount),
        Operation(1.7, .kubelet, .create, .events, in: .anywhere, name: .event),

        // kube-system service accounts: 27 %. Addons use pod-bound tokens (long `extra`), the
        // controller-manager's controllers their own service accounts (short `extra`).
        Operation(7.3, .kubeSystemLeaderElector, .update, .leases, in: .kubeSystem, name: .lease, query: .literal("?timeout=5s")),
        Operation(4.0, .endpointSliceController, .update, .endpointSlices, in: .anywhere, name: .endpointSlice),
        Operation(0.6, .replicaSetController, .update, .replicaSetStatus, in: .applications, name: .replicaSet, level: .request, body: .replicaSetStatus),
        Operation(0.3, .deploymentController, .update, .deploymentStatus, in: .applications, name: .workload, level: .request, body: .deploymentStatus),
        Operation(1.5, .kubeSystemAgent, .get, .nodes, name: .node),
        Operation(1.5, .garbageCollector, .get, .replicaSets, in: .applications, name: .replicaSet),
        Operation(1.5, .kubeSystemAgent, .watch, .endpointSlices, query: .watch),
        Operation(1.0, .kubeSystemAgent, .watch, .services, query: .watch),
        Operation(1.0, .kubeSystemAgent, .watch, .nodes, query: .watch),
        Operation(1.0, .kubeSystemAgent, .watch, .pods, query: .watch),
        Operation(0.5, .kubeSystemAgent, .watch, .namespaces, query: .watch),
        Operation(1.2, .kubeSystemAgent, .list, .pods, query: .list),
        Operation(1.0, .kubeSystemAgent, .list, .nodes, query: .list),
        Operation(0.6, .kubeSystemAgent, .patch, .pods, in: .anywhere, name: .pod),
        Operation(1.5, .nodeController, .patch, .nodes, name: .node),
        Operation(0.4, .replicaSetController, .patch, .events, in: .applications, name: .event),
        Operation(0.6, .metricsServer, .create, .subjectAccessReviews, level: .request, body: .subjectAccessReview),
        Operation(0.3, .metricsServer, .create, .tokenReviews),
        Operation(0.3, .replicaSetController, .create, .pods, in: .applications, level: .requestResponse, body: .podCreate),
        Operation(0.36, .replicaSetController, .create, .events, in: .applications, name: .event),
        Operation(0.15, .garbageCollector, .delete, .pods, in: .applications, name: .pod, level: .requestResponse, body: .podDelete),
        Operation(0.25, .deploymentController, .delete, .replicaSets, in: .applications, name: .replicaSet),
        Operation(0.14, .namespaceController, .deletecollection, .configMaps, in: .applications),

        // other service accounts: 12 %
        Operation(2.2, .applicationLeaderElector, .update, .leases, in: .own, name: .lease, query: .literal("?timeout=5s")),
        Operation(0.6, .applicationAgent, .update, .configMaps, in: .own, name: .configMap),
        Operation(0.5, .applicationLeaderElector, .update, .secrets, in: .own, name: .secret),
        Operation(1.0, .applicationAgent, .get, .configMaps, in: .own, name: .configMap),
        Operation(0.8, .applicationAgent, .get, .secrets, in: .own, name: .secret),
        Operation(0.7, .applicationAgent, .get, .deployments, in: .applications, name: .workload),
        Operation(1.0, .applicationAgent, .watch, .pods, query: .watch),
        Operation(0.5, .applicationAgent, .watch, .endpointSlices, query: .watch),
        Operation(0.4, .applicationAgent, .watch, .deployments, query: .watch),
        Operation(0.4, .applicationAgent, .watch, .configMaps, in: .own, query: .watch),
        Operation(0.8, .applicationAgent, .list, .pods, query: .list),
        Operation(0.5, .applicationAgent, .list, .nodes, query: .list),
        Operation(0.5, .applicationAgent, .list, .namespaces, query: .list),
        Operation(0.15, .applicationAgent, .patch, .deployments, in: .applications, name: .workload, level: .requestResponse, body: .deploymentApply),
        Operation(0.15, .applicationAgent, .patch, .configMaps, in: .applications, name: .configMap, level: .requestResponse, body: .configMap),
        Operation(0.7, .applicationAgent, .patch, .pods, in: .own, name: .pod),
        Operation(0.5, .applicationAgent, .create, .subjectAccessReviews, level: .requestResponse, body: .subjectAccessReview),
        Operation(0.3, .applicationAgent, .create, .events, in: .own, name: .event),
        Operation(0.2, .applicationAgent, .create, .tokenReviews),
        Operation(0.1, .applicationAgent, .delete, .pods, in: .own, name: .pod),
        Operation(0.01, .ciDeployer, .create, .pods, in: .own, name: .debugPod, level: .requestResponse, body: .hostRootPodCreate),

        // humans: 6 %
        Operation(0.87, .human, .get, .pods, in: .applications, name: .pod),
        Operation(0.4, .human, .get, .deployments, in: .applications, name: .workload),
        Operation(0.3, .human, .get, .configMaps, in: .applications, name: .configMap),
        Operation(0.2, .human, .get, .secrets, in: .applications, name: .secret),
        Operation(0.7, .human, .list, .pods, in: .applications, query: .literal("?limit=500")),
        Operation(0.3, .human, .list, .events, in: .applications, query: .literal("?limit=500")),
        Operation(0.4, .human, .list, .deployments, in: .applications, query: .literal("?limit=500")),
        Operation(0.3, .human, .patch, .deployments, in: .applications, name: .workload,
                  query: .literal(#"?fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict"#), level: .requestResponse, body: .deploymentApply),
        Operation(0.6, .human, .patch, .configMaps, in: .applications, name: .configMap,
                  query: .literal(#"?fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict"#), level: .requestResponse, body: .configMap),
        Operation(0.5, .human, .create, .configMaps, in: .applications, name: .configMap,
                  query: .literal(#"?fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict"#), level: .requestResponse, body: .configMap),
        Operation(0.05, .human, .create, .podExec, in: .applications, name: .pod, query: .exec),
        Operation(0.02, .clusterAdmin, .create, .pods, in: .applications, name: .debugPod, level: .requestResponse, body: .privilegedDebugPodCreate),
        Operation(0.01, .clusterAdmin, .create, .clusterRoleBindings, in: .applications, name: .clusterRoleBinding,
                  query: .literal(#"?fieldManager=kubectl-create\u0026fieldValidation=Strict"#), level: .requestResponse, body: .clusterAdminBinding),
        Operation(0.5, .human, .watch, .pods, in: .applications, query: .watch),
        Operation(0.25, .human, .delete, .pods, in: .applications, name: .pod, level: .requestResponse, body: .podDelete),
        Operation(0.6, .human, .update, .deploymentScale, in: .applications, name: .workload, level: .requestResponse, body: .scale),

        // kube-scheduler: 4 %
        Operation(1.0, .schedulerLeaderElection, .update, .leases, in: .kubeSystem, name: .lease, query: .literal("?timeout=5s")),
        Operation(1.3, .scheduler, .create, .podBinding, in: .applications, name: .pod, level: .request, body: .binding),
        Operation(0.5, .scheduler, .watch, .pods, query: .watch),
        Operation(0.3, .scheduler, .watch, .nodes, query: .watch),
        Operation(0.2, .scheduler, .watch, .persistentVolumeClaims, query: .watch),
        Operation(0.2, .scheduler, .watch, .csiNodes, query: .watch),
        Operation(0.3, .scheduler, .list, .pods, query: .list),
        Operation(0.2, .scheduler, .patch, .podStatus, in: .applications, name: .pod),

        // anonymous health checks: 4 %
        Operation(4.0, .healthChecker, .get, .healthCheck),

        // kube-controller-manager: 2 %
        Operation(0.7, .controllerManagerLeaderElection, .update, .leases, in: .kubeSystem, name: .lease, query: .literal("?timeout=5s")),
        Operation(0.3, .controllerManager, .watch, .replicaSets, query: .watch),
        Operation(0.3, .controllerManager, .watch, .deployments, query: .watch),
        Operation(0.3, .controllerManager, .list, .pods, query: .list),
        Operation(0.4, .controllerManager, .get, .configMaps, in: .kubeSystem, name: .configMap),

        // kube-apiserver's own loopback client: 0.87 %
        Operation(0.5, .apiserver, .update, .leases, in: .kubeSystem, name: .lease, query: .literal("?timeout=5s")),
        Operation(0.2, .apiserver, .get, .namespaces, in: .kubeSystem, name: .namespace),
        Operation(0.17, .apiserver, .watch, .apiServices, query: .watch),

        // failed authentication, in bursts: 0.13 %
        Operation(0.05, .unauthenticated, .list, .secrets),
        Operation(0.02, .unauthenticated, .list, .pods),
        Operation(0.03, .unauthenticated, .get, .namespaces, in: .kubeSystem, name: .namespace),
        Operation(0.03, .unauthenticated, .list, .clusterRoleBindings),
    ]

    private static let healthCheckPaths: [StaticString] = ["/healthz", "/readyz", "/livez", "/readyz?verbose"]
    private static let execCommands: [StaticString] = [
        "?command=%2Fbin%2Fsh", "?command=bash",
        #"?command=sh\u0026command=-c\u0026command=cat+%2Fetc%2Fresolv.conf"#,
        #"?command=sh\u0026command=-c\u0026command=env"#,
    ]
    private static let nodeConditionTypes: [StaticString] = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    private static let podConditionTypes: [StaticString] = [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled",
    ]
}

// MARK: - The simulated cluster

extension SyntheticAuditLog {
    private static let kubeSystemNamespace = 0
    private static let kubeNodeLeaseNamespace = 1
    private static let kubernetesVersion = "v1.31.2 (linux/amd64) kubernetes/5864a46"
    private static let nodeCount = 43

    private struct Node {
        let name: [UInt8]
        let ip: [UInt8]
        /// The third octet of the node's address; its pods get addresses in the same /24.
        let subnet: Int
    }

    private struct Workload {
        let name: [UInt8]
        let namespace: Int
        let image: [UInt8]
        /// `repository@sha256:…`, as container statuses report it.
        let imageID: [UInt8]
        let port: Int
        let replicas: Int
        let isDaemonSet: Bool
        let serviceAccount: [UInt8]
        let templateHash: [UInt8]
        let podNamePrefix: [UInt8]
        let replicaSetName: [UInt8]
        let uid: [UInt8]
        let replicaSetUID: [UInt8]
        let revision: Int
        /// Seeds the workload's stable names and uids.
        let key: UInt64
    }

    private struct PodReference {
        let workload: Int
        let ordinal: Int
    }

    /// Someone who sends requests, with everything about them that goes on every line precomputed.
    private struct Identity {
        let roles: [Role]
        let userClass: UserClass
        let forbiddenProbability: Double
        /// `"user":{…},"sourceIPs":[…],"userAgent":"…"`: the part of a line that depends only on the sender.
        let userSourceAndAgent: [UInt8]
        /// JSON-escaped, for Forbidden messages and access reviews.
        let username: [UInt8]
        /// JSON-escaped `authorization.k8s.io/reason` of the sender's allowed requests.
        let authorizationReason: [UInt8]
        let namespace: Int?
        let node: Int?
        /// The lease a leader-electing sender renews.
        let leaseName: [UInt8]?
    }

    /// The nodes, workloads and identities of one stream, drawn once from the seed. Building them uses
    /// `String` freely: it happens once, outside the hot path.
    private final class SyntheticCluster: Sendable {
        let startMicros: Int64
        let namespaces: [[UInt8]]
        let nodes: [Node]
        let workloads: [Workload]
        let allWorkloads: [Int]
        let applicationWorkloads: [Int]
        let workloadsByNamespace: [[Int]]
        let podsByNode: [[PodReference]]
        let identities: [Identity]
        let identitiesByRole: [[Int]]
        let operationMix: WeightedChoice
        let unauthenticatedOperations: [Int]
        /// A node's `status.images`: about 4.5 KB, sent with some node status patches.
        let nodeImageList: [UInt8]

        init(random: inout Xoshiro256StarStar, startMicros: Int64) {
            self.startMicros = startMicros

            var namespaceNames = ["kube-system", "kube-node-lease", "default"]
            func namespaceIndex(_ name: String) -> Int {
                if let index = namespaceNames.firstIndex(of: name) { return index }
                namespaceNames.append(name)
                return namespaceNames.count - 1
            }

            var usedSubnetHosts = Set<Int>()
            var nodes: [Node] = []
            while nodes.count < nodeCount {
                let subnet = random.below(96)
                let host = 4 + random.below(250)
                guard usedSubnetHosts.insert(subnet << 8 | host).inserted else { continue }
                nodes.append(Node(name: Array("ip-10-0-\(subnet)-\(host).ec2.internal".utf8),
                                  ip: Array("10.0.\(subnet).\(host)".utf8), subnet: subnet))
            }
            self.nodes = nodes
            let nodeNames = nodes.map { String(decoding: $0.name, as: UTF8.self) }

            var workloads: [Workload] = []
            for blueprint in workloadBlueprints {
                let key = random.next()
                let hash = randomSuffix(key, length: 10)
                let name = blueprint.name
                workloads.append(Workload(
                    name: Array(name.utf8), namespace: namespaceIndex(blueprint.namespace),
                    image: Array(blueprint.image.utf8),
                    imageID: Array("\(blueprint.image.prefix { $0 != ":" })@sha256:\(hexString(random.next()))\(hexString(random.next()))\(hexString(random.next()))\(hexString(random.next()))".utf8),
                    port: blueprint.port, replicas: blueprint.replicas ?? nodeCount, isDaemonSet: blueprint.replicas == nil,
                    serviceAccount: Array(blueprint.serviceAccount.utf8),
                    templateHash: Array(hash.utf8),
                    podNamePrefix: Array((blueprint.replicas == nil ? "\(name)-" : "\(name)-\(hash)-").utf8),
                    replicaSetName: Array("\(name)-\(hash)".utf8),
                    uid: Array(uuidString(key: key).utf8),
                    replicaSetUID: Array(uuidString(key: Self.replicaSetKey(ofWorkloadKey: key)).utf8),
                    revision: 1 + random.below(40), key: key))
            }
            self.workloads = workloads
            allWorkloads = Array(workloads.indices)
            applicationWorkloads = workloads.indices.filter { workloads[$0].namespace != kubeSystemNamespace }
            namespaces = namespaceNames.map { Array($0.utf8) }
            workloadsByNamespace = namespaceNames.indices.map { namespace in workloads.indices.filter { workloads[$0].namespace == namespace } }

            var podsByNode = Array(repeating: [PodReference](), count: nodeCount)
            for (index, workload) in workloads.enumerated() {
                for ordinal in 0..<workload.replicas {
                    podsByNode[Self.nodeIndex(of: workload, ordinal: ordinal)].append(PodReference(workload: index, ordinal: ordinal))
                }
            }
            self.podsByNode = podsByNode

            var identities: [Identity] = []
            func addIdentity(_ roles: [Role], _ userClass: UserClass, user: String, sourceIP: String, userAgent: String,
                             username: String, reason: String, namespace: Int? = nil, node: Int? = nil, lease: String? = nil) {
                identities.append(Identity(
                    roles: roles, userClass: userClass,
                    forbiddenProbability: roles.contains(.clusterAdmin) ? 0 : userClass.forbiddenProbability,
                    userSourceAndAgent: Array(#""user":\#(user),"sourceIPs":["\#(sourceIP)"],"userAgent":"\#(jsonEscaped(userAgent))""#.utf8),
                    username: Array(jsonEscaped(username).utf8), authorizationReason: Array(jsonEscaped(reason).utf8),
                    namespace: namespace, node: node, leaseName: lease.map { Array($0.utf8) }))
            }
            func rbacReason(binding: String, role: String, subject: String) -> String {
                #"RBAC: allowed by ClusterRoleBinding "\#(binding)" of ClusterRole "\#(role)" to \#(subject)"#
            }
            let controlPlaneIPs = ["10.0.0.11", "10.0.0.12"]

            for (index, nodeName) in nodeNames.enumerated() {
                let architecture = random.chance(0.2) ? "arm64" : "amd64"
                addIdentity([.kubelet], .kubelet,
                            user: #"{"username":"system:node:\#(nodeName)","groups":["system:nodes","system:authenticated"]}"#,
                            sourceIP: String(decoding: nodes[index].ip, as: UTF8.self),
                            userAgent: "kubelet/v1.31.2 (linux/\(architecture)) kubernetes/5864a46",
                            username: "system:node:\(nodeName)",
                            reason: "", // the Node authorizer allows without a reason
                            node: index)
            }

            // Workload service accounts authenticate with pod-bound tokens, whose extra fields make their lines long.
            for (index, blueprint) in workloadBlueprints.enumerated() {
                let workload = workloads[index]
                let namespace = blueprint.namespace
                let ordinal = random.below(workload.replicas)
                let node = Self.nodeIndex(of: workload, ordinal: ordinal)
                let podKey = Self.podKey(of: workload, ordinal: ordinal)
                let podName = String(decoding: workload.podNamePrefix, as: UTF8.self) + randomSuffix(podKey, length: 5)
                let username = "system:serviceaccount:\(namespace):\(blueprint.serviceAccount)"
                let user = #"{"username":"\#(username)","uid":"\#(uuidString(key: random.next()))","groups":["system:serviceaccounts","system:serviceaccounts:\#(namespace)","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=\#(uuidString(key: random.next()))"],"authentication.kubernetes.io/node-name":["\#(nodeNames[node])"],"authentication.kubernetes.io/node-uid":["\#(uuidString(key: Self.nodeKey(node)))"],"authentication.kubernetes.io/pod-name":["\#(podName)"],"authentication.kubernetes.io/pod-uid":["\#(uuidString(key: podKey))"]}}"#
                let isKubeSystem = namespace == "kube-system"
                var roles: [Role] = isKubeSystem ? [.kubeSystemAgent] : [.applicationAgent]
                if blueprint.leaderLease != nil { roles.append(isKubeSystem ? .kubeSystemLeaderElector : .applicationLeaderElector) }
                if blueprint.name == "metrics-server" { roles.append(.metricsServer) }
                if blueprint.serviceAccount == "ci-deployer" { roles = [.ciDeployer] }
                let sourceIP = "10.0.\(nodes[node].subnet).\(2 + random.below(250))"
                addIdentity(roles, isKubeSystem ? .kubeSystemServiceAccount : .serviceAccount,
                            user: user, sourceIP: sourceIP, userAgent: blueprint.userAgent, username: username,
                            reason: rbacReason(binding: blueprint.serviceAccount, role: blueprint.serviceAccount,
                                               subject: #"ServiceAccount "\#(blueprint.serviceAccount)/\#(namespace)""#),
                            namespace: workload.namespace, lease: blueprint.leaderLease)
            }

            // kube-controller-manager's controllers, each with its own service account (no pod binding).
            let controllers: [(String, Role)] = [
                ("endpointslice-controller", .endpointSliceController), ("replicaset-controller", .replicaSetController),
                ("deployment-controller", .deploymentController), ("generic-garbage-collector", .garbageCollector),
                ("namespace-controller", .namespaceController), ("node-controller", .nodeController),
                ("ttl-controller", .nodeController),
            ]
            for (controller, role) in controllers {
                let username = "system:serviceaccount:kube-system:\(controller)"
                addIdentity([role], .kubeSystemServiceAccount,
                            user: #"{"username":"\#(username)","uid":"\#(uuidString(key: random.next()))","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=\#(uuidString(key: random.next()))"]}}"#,
                            sourceIP: controlPlaneIPs[random.below(2)],
                            userAgent: "kube-controller-manager/\(kubernetesVersion)/system:serviceaccount:kube-system:\(controller)",
                            username: username,
                            reason: rbacReason(binding: "system:controller:\(controller)", role: "system:controller:\(controller)",
                                               subject: #"ServiceAccount "\#(controller)/kube-system""#),
                            namespace: kubeSystemNamespace)
            }

            for human in humans {
                let user = #"{"username":"\#(human.name)","uid":"aws-iam-authenticator:111122223333:\#(human.principal)","groups":["\#(human.group)","system:authenticated"],"extra":{"accessKeyId":["ASIA\#(randomSuffix(random.next(), length: 16).uppercased())"],"arn":["arn:aws:sts::111122223333:assumed-role/\#(human.role)/\#(human.name)"],"canonicalArn":["arn:aws:iam::111122223333:role/\#(human.role)"],"principalId":["\#(human.principal)"],"sessionName":["\#(human.name)"]}}"#
                let isAdmin = human.group == "platform-admins"
                addIdentity(isAdmin ? [.human, .clusterAdmin] : [.human], .human,
                            user: user, sourceIP: human.sourceIP, userAgent: human.userAgent, username: human.name,
                            reason: isAdmin
                                ? rbacReason(binding: "platform-admins", role: "cluster-admin", subject: #"Group "platform-admins""#)
                                : #"RBAC: allowed by RoleBinding "developers-edit/payments" of ClusterRole "edit" to Group "developers""#)
            }

            for (user, role, agent, lease) in [
                ("system:kube-scheduler", Role.scheduler, "scheduler", nil),
                ("system:kube-scheduler", Role.schedulerLeaderElection, "leader-election", "kube-scheduler"),
                ("system:kube-controller-manager", Role.controllerManager, "shared-informers", nil),
                ("system:kube-controller-manager", Role.controllerManagerLeaderElection, "leader-election", "kube-controller-manager"),
            ] {
                let component = String(user.dropFirst("system:".count))
                addIdentity([role], role == .scheduler || role == .schedulerLeaderElection ? .scheduler : .controllerManager,
                            user: #"{"username":"\#(user)","groups":["system:authenticated"]}"#,
                            sourceIP: controlPlaneIPs[random.below(2)], userAgent: "\(component)/\(kubernetesVersion)/\(agent)",
                            username: user, reason: rbacReason(binding: user, role: user, subject: #"User "\#(user)""#), lease: lease)
            }

            addIdentity([.apiserver], .apiserver,
                        user: #"{"username":"system:apiserver","uid":"\#(uuidString(key: random.next()))","groups":["system:authenticated","system:masters"]}"#,
                        sourceIP: "::1", userAgent: "kube-apiserver/\(kubernetesVersion)", username: "system:apiserver", reason: "",
                        lease: "apiserver-\(randomSuffix(random.next(), length: 26))")

            for sourceIP in ["10.0.0.5", "10.0.0.6", "10.0.64.5"] {
                addIdentity([.healthChecker], .healthCheck,
                            user: #"{"username":"system:anonymous","groups":["system:unauthenticated"]}"#,
                            sourceIP: sourceIP, userAgent: "ELB-HealthChecker/2.0", username: "system:anonymous",
                            reason: rbacReason(binding: "system:public-info-viewer", role: "system:public-info-viewer",
                                               subject: #"Group "system:unauthenticated""#))
            }

            // Clients with a bad token. Logged as system:anonymous, like samples/generate.py does (kube-apiserver's
            // failed-authentication filter itself leaves `user` empty: `"user":{}`).
            for (sourceIP, userAgent) in [("203.0.113.77", "python-requests/2.32.3"), ("198.51.100.23", "curl/8.5.0"),
                                          ("192.0.2.140", "Go-http-client/1.1")] {
                addIdentity([.unauthenticated], .unauthenticated,
                            user: #"{"username":"system:anonymous","groups":["system:unauthenticated"]}"#,
                            sourceIP: sourceIP, userAgent: userAgent, username: "system:anonymous", reason: "")
            }

            self.identities = identities
            identitiesByRole = Role.allCases.map { role in identities.indices.filter { identities[$0].roles.contains(role) } }
            operationMix = WeightedChoice(weights: operations.map { $0.lineShare / $0.expectedLines })
            unauthenticatedOperations = operations.indices.filter { operations[$0].role == .unauthenticated }

            var images: [String] = []
            for image in nodeImages {
                let repository = image.prefix { $0 != ":" }
                let digest = (0..<4).map { _ in hexString(random.next()) }.joined()
                let sizeBytes = 8_000_000 + random.below(900_000_000)
                images.append(#"{"names":["\#(repository)@sha256:\#(digest)","\#(image)"],"sizeBytes":\#(sizeBytes)}"#)
            }
            nodeImageList = Array("[\(images.joined(separator: ","))]".utf8)
        }

        /// The node a pod runs on: DaemonSet pods one per node, the others spread by their key.
        func node(ofWorkload workload: Int, ordinal: Int) -> Int {
            Self.nodeIndex(of: workloads[workload], ordinal: ordinal)
        }

        static func podKey(of workload: Workload, ordinal: Int) -> UInt64 {
            mix(workload.key &+ UInt64(ordinal) &* 0x9E37_79B9)
        }

        static func replicaSetKey(ofWorkloadKey key: UInt64) -> UInt64 {
            mix(key ^ 0x5253)
        }

        static func nodeKey(_ node: Int) -> UInt64 {
            mix(UInt64(node) &+ 0x4E4F4445)
        }

        private static func nodeIndex(of workload: Workload, ordinal: Int) -> Int {
            workload.isDaemonSet ? ordinal : Int(mix(workload.key &+ UInt64(ordinal)) % UInt64(nodeCount))
        }
    }

    private struct WorkloadBlueprint {
        let namespace: String
        let name: String
        let image: String
        let port: Int
        /// nil for DaemonSets: one pod per node.
        let replicas: Int?
        let serviceAccount: String
        let userAgent: String
        let leaderLease: String?
    }

    private static let workloadBlueprints: [WorkloadBlueprint] = [
        WorkloadBlueprint(namespace: "kube-system", name: "coredns", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.3-eksbuild.2", port: 53, replicas: 2, serviceAccount: "coredns", userAgent: "coredns/v1.11.3 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "kube-system", name: "aws-node", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.5-eksbuild.1", port: 61678, replicas: nil, serviceAccount: "aws-node", userAgent: "aws-node/v1.18.5 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "kube-system", name: "kube-proxy", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.31.2-minimal-eksbuild.3", port: 10249, replicas: nil, serviceAccount: "kube-proxy", userAgent: "kube-proxy/\(kubernetesVersion)", leaderLease: nil),
        WorkloadBlueprint(namespace: "kube-system", name: "ebs-csi-controller", image: "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0", port: 9808, replicas: 2, serviceAccount: "ebs-csi-controller-sa", userAgent: "csi-provisioner/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: "ebs-csi-aws-com"),
        WorkloadBlueprint(namespace: "kube-system", name: "cluster-autoscaler", image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0", port: 8085, replicas: 1, serviceAccount: "cluster-autoscaler", userAgent: "cluster-autoscaler/v1.31.0 (linux/amd64) kubernetes/$Format", leaderLease: "cluster-autoscaler"),
        WorkloadBlueprint(namespace: "kube-system", name: "aws-load-balancer-controller", image: "public.ecr.aws/eks/aws-load-balancer-controller:v2.9.2", port: 9443, replicas: 2, serviceAccount: "aws-load-balancer-controller", userAgent: "controller/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: "aws-load-balancer-controller-leader"),
        WorkloadBlueprint(namespace: "kube-system", name: "metrics-server", image: "registry.k8s.io/metrics-server/metrics-server:v0.7.2", port: 10250, replicas: 2, serviceAccount: "metrics-server", userAgent: "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "payments", name: "payments-api", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/payments-api:v2.14.3", port: 8080, replicas: 4, serviceAccount: "payments-api", userAgent: "payments-api/v2.14.3 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "payments", name: "ledger-worker", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/ledger-worker:v1.9.0", port: 8080, replicas: 3, serviceAccount: "ledger-worker", userAgent: "ledger-worker/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: "ledger-worker-leader"),
        WorkloadBlueprint(namespace: "checkout", name: "checkout-web", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/checkout-web:v5.2.1", port: 3000, replicas: 6, serviceAccount: "checkout-web", userAgent: "Go-http-client/2.0", leaderLease: nil),
        WorkloadBlueprint(namespace: "checkout", name: "cart-service", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/cart-service:v3.0.7", port: 8080, replicas: 3, serviceAccount: "cart-service", userAgent: "cart-service/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "catalog", name: "catalog-api", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/catalog-api:v1.31.0", port: 8080, replicas: 4, serviceAccount: "catalog-api", userAgent: "catalog-api/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "catalog", name: "search-indexer", image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/search-indexer:v0.18.2", port: 9200, replicas: 2, serviceAccount: "search-indexer", userAgent: "search-indexer/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: "search-indexer"),
        WorkloadBlueprint(namespace: "monitoring", name: "prometheus-server", image: "quay.io/prometheus/prometheus:v2.54.1", port: 9090, replicas: 2, serviceAccount: "prometheus-server", userAgent: "Prometheus/2.54.1", leaderLease: nil),
        WorkloadBlueprint(namespace: "monitoring", name: "kube-state-metrics", image: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0", port: 8080, replicas: 1, serviceAccount: "kube-state-metrics", userAgent: "v2.13.0 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "monitoring", name: "grafana", image: "docker.io/grafana/grafana:11.2.2", port: 3000, replicas: 1, serviceAccount: "grafana", userAgent: "grafana-k8s-sidecar/1.27.5", leaderLease: nil),
        WorkloadBlueprint(namespace: "argocd", name: "argocd-server", image: "quay.io/argoproj/argocd:v2.12.4", port: 8080, replicas: 2, serviceAccount: "argocd-server", userAgent: "argocd-server/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "argocd", name: "argocd-application-controller", image: "quay.io/argoproj/argocd:v2.12.4", port: 8082, replicas: 1, serviceAccount: "argocd-application-controller", userAgent: "argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: nil),
        WorkloadBlueprint(namespace: "cert-manager", name: "cert-manager", image: "quay.io/jetstack/cert-manager-controller:v1.15.3", port: 9402, replicas: 1, serviceAccount: "cert-manager", userAgent: "cert-manager-leader-election/v1.15.3 (linux/amd64) cert-manager/8f3d9c4b2e", leaderLease: "cert-manager-controller"),
        WorkloadBlueprint(namespace: "ingress-nginx", name: "ingress-nginx-controller", image: "registry.k8s.io/ingress-nginx/controller:v1.11.2", port: 80, replicas: 3, serviceAccount: "ingress-nginx", userAgent: "nginx-ingress-controller/v1.11.2 (linux/amd64) ingress-nginx/46e76e5916813cfca2a9b0bfdc34b69a0000f6b9", leaderLease: "ingress-nginx-leader"),
        WorkloadBlueprint(namespace: "logging", name: "fluent-bit", image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9", port: 2020, replicas: nil, serviceAccount: "fluent-bit", userAgent: "Fluent-Bit", leaderLease: nil),
        WorkloadBlueprint(namespace: "keda", name: "keda-operator", image: "ghcr.io/kedacore/keda:2.15.1", port: 8080, replicas: 1, serviceAccount: "keda-operator", userAgent: "keda/v0.0.0 (linux/amd64) kubernetes/$Format", leaderLease: "operator.keda.sh"),
        WorkloadBlueprint(namespace: "external-dns", name: "external-dns", image: "registry.k8s.io/external-dns/external-dns:v0.15.0", port: 7979, replicas: 1, serviceAccount: "external-dns", userAgent: "external-dns/v0.15.0", leaderLease: nil),
        WorkloadBlueprint(namespace: "ci", name: "ci-runner", image: "ghcr.io/actions/actions-runner:2.320.0", port: 8080, replicas: 2, serviceAccount: "ci-deployer", userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", leaderLease: nil),
        WorkloadBlueprint(namespace: "data-pipeline", name: "airflow-scheduler", image: "docker.io/apache/airflow:2.10.2", port: 8793, replicas: 1, serviceAccount: "airflow-scheduler", userAgent: "OpenAPI-Generator/30.1.0/python", leaderLease: nil),
    ]

    private static let humans: [(name: String, group: String, role: String, principal: String, sourceIP: String, userAgent: String)] = [
        ("alice@example.com", "platform-admins", "PlatformAdmin", "AROAXMPLPLATFORMADMIN01", "10.8.0.14", "kubectl/v1.31.1 (darwin/arm64) kubernetes/948afe5"),
        ("bob@example.com", "developers", "Developer", "AROAXMPLDEVELOPER000002", "10.8.0.27", "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"),
        ("carol@example.com", "developers", "Developer", "AROAXMPLDEVELOPER000003", "10.8.0.31", "kubectl/v1.30.4 (darwin/arm64) kubernetes/a51b3b7"),
        ("dave@example.com", "developers", "Developer", "AROAXMPLDEVELOPER000004", "10.8.1.9", "k9s/v0.32.5 (darwin/arm64) kubernetes/$Format"),
        ("erin@example.com", "platform-admins", "PlatformAdmin", "AROAXMPLPLATFORMADMIN05", "10.8.1.44", "kubectl/v1.31.1 (darwin/amd64) kubernetes/948afe5"),
        ("frank@example.com", "developers", "Developer", "AROAXMPLDEVELOPER000006", "10.8.2.3", "Lens/2024.10.171859"),
    ]

    private static let nodeImages = [
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.5-eksbuild.1",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni-init:v1.18.5-eksbuild.1",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.3-eksbuild.1",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.31.2-minimal-eksbuild.3",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.3-eksbuild.2",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5",
        "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
        "public.ecr.aws/eks-distro/kubernetes-csi/node-driver-registrar:v2.11.1-eks-1-31-4",
        "public.ecr.aws/eks-distro/kubernetes-csi/livenessprobe:v2.13.1-eks-1-31-4",
        "cr.fluentbit.io/fluent/fluent-bit:3.1.9",
        "quay.io/prometheus/node-exporter:v1.8.2",
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/payments-api:v2.14.3",
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/payments-api:v2.14.2",
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/checkout-web:v5.2.1",
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/catalog-api:v1.31.0",
        "quay.io/argoproj/argocd:v2.12.4",
        "registry.k8s.io/ingress-nginx/controller:v1.11.2",
        "docker.io/grafana/grafana:11.2.2",
        "ghcr.io/kedacore/keda:2.15.1",
        "docker.io/apache/airflow:2.10.2",
    ]
}

// MARK: - Small helpers

extension SyntheticAuditLog {
    /// Escapes a string the way Go's encoding/json does (HTML-safe), for text built at setup.
    private static func jsonEscaped(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "&": escaped += "\\u0026"
            case "<": escaped += "\\u003c"
            case ">": escaped += "\\u003e"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func hexString(_ value: UInt64) -> String {
        var sink = ByteSink()
        sink.appendHex(value, digits: 16)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    private static func uuidString(key: UInt64) -> String {
        var sink = ByteSink()
        sink.appendUUID(key: key)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    private static func randomSuffix(_ seed: UInt64, length: Int) -> String {
        var sink = ByteSink()
        sink.appendRandomSuffix(seed, length: length)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// SplitMix64's finalizer: turns a key into well-spread bits (stable uids, names, digests).
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: fast, and reproducible across runs and
    /// platforms, which SystemRandomNumberGenerator is not.
    private struct Xoshiro256StarStar: RandomNumberGenerator {
        private var s0, s1, s2, s3: UInt64

        init(seed: UInt64) {
            var state = seed
            func splitMix() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            s0 = splitMix()
            s1 = splitMix()
            s2 = splitMix()
            s3 = splitMix()
        }

        mutating func next() -> UInt64 {
            let result = Self.rotateLeft(s1 &* 5, by: 7) &* 9
            let t = s1 << 17
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = Self.rotateLeft(s3, by: 45)
            return result
        }

        private static func rotateLeft(_ value: UInt64, by count: UInt64) -> UInt64 {
            value << count | value >> (64 - count)
        }

        /// A uniform integer in 0..<bound (Lemire's multiply-shift; the tiny bias is irrelevant here).
        mutating func below(_ bound: Int) -> Int {
            Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
        }

        mutating func inRange(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + below(range.upperBound - range.lowerBound + 1)
        }

        mutating func chance(_ probability: Double) -> Bool {
            Double(next() >> 11) * 0x1p-53 < probability
        }
    }

    /// Picks an index with probability proportional to its weight, by binary search over cumulative
    /// thresholds spread across the 64-bit range.
    private struct WeightedChoice {
        private let thresholds: [UInt64]

        init(weights: [Double]) {
            let total = weights.reduce(0, +)
            var cumulative = 0.0
            thresholds = weights.map { weight in
                cumulative += weight
                return cumulative >= total ? .max : UInt64(cumulative / total * 0x1p64)
            }
        }

        func pick(_ randomBits: UInt64) -> Int {
            var low = 0
            var high = thresholds.count - 1
            while low < high {
                let middle = (low + high) / 2
                if randomBits < thresholds[middle] { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }
}

// MARK: - Writing bytes

extension SyntheticAuditLog {
    /// The output buffer with the writers that format JSON pieces straight into it.
    private struct ByteSink {
        var bytes: [UInt8] = []

        @inline(__always)
        mutating func appendLiteral(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        @inline(__always)
        mutating func appendBytes(_ other: [UInt8]) {
            bytes.append(contentsOf: other)
        }

        mutating func appendBytes(_ other: ArraySlice<UInt8>) {
            bytes.append(contentsOf: other)
        }

        mutating func appendDecimal(_ value: Int) {
            if value < 10 {
                bytes.append(UInt8(truncatingIfNeeded: value) &+ 48)
                return
            }
            var divisor = 10
            while divisor <= value / 10 { divisor *= 10 }
            var remainder = value
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: remainder / divisor) &+ 48)
                remainder %= divisor
                divisor /= 10
            }
        }

        mutating func appendDecimal(_ value: Int64) {
            appendDecimal(Int(value))
        }

        /// `value` zero-padded to exactly `width` digits.
        mutating func appendDigits(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var remainder = value
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: remainder / divisor) &+ 48)
                remainder %= divisor
                divisor /= 10
            }
        }

        mutating func appendHex(_ value: UInt64, digits: Int) {
            var shift = UInt64(digits - 1) * 4
            while true {
                let nibble = UInt8(truncatingIfNeeded: value >> shift) & 0xF
                bytes.append(nibble < 10 ? nibble &+ 48 : nibble &+ 87)
                if shift == 0 { return }
                shift -= 4
            }
        }

        /// A version-4 UUID in canonical form.
        mutating func appendUUID(high: UInt64, low: UInt64) {
            let high = high & 0xFFFF_FFFF_FFFF_0FFF | 0x4000
            let low = low & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
            appendHex(high >> 32, digits: 8)
            bytes.append(UInt8(ascii: "-"))
            appendHex(high >> 16, digits: 4)
            bytes.append(UInt8(ascii: "-"))
            appendHex(high, digits: 4)
            bytes.append(UInt8(ascii: "-"))
            appendHex(low >> 48, digits: 4)
            bytes.append(UInt8(ascii: "-"))
            appendHex(low, digits: 12)
        }

        /// The stable UUID of the object with this key.
        mutating func appendUUID(key: UInt64) {
            appendUUID(high: mix(key), low: mix(key ^ 0x5555_5555_5555_5555))
        }

        /// Kubernetes' generated-name alphabet (no vowels, no look-alike digits), as in `coredns-787cb67946-xk2lp`.
        mutating func appendRandomSuffix(_ seed: UInt64, length: Int = 5) {
            let alphabet: StaticString = "bcdfghjklmnpqrstvwxz2456789"
            var bits = seed
            alphabet.withUTF8Buffer { characters in
                for _ in 0..<length {
                    bytes.append(characters[Int(bits % 27)])
                    bits /= 27
                }
            }
        }

        /// RFC 3339 in UTC: metav1.MicroTime (`2026-11-20T00:00:01.123456Z`) or metav1.Time (whole seconds).
        mutating func appendTimestamp(micros: Int64, fractionalDigits: Bool) {
            // Floor division, so that times before 1970 format correctly too.
            var seconds = Int(micros / 1_000_000)
            var fraction = Int(micros % 1_000_000)
            if fraction < 0 {
                fraction += 1_000_000
                seconds -= 1
            }
            var days = seconds / 86_400
            var secondOfDay = seconds % 86_400
            if secondOfDay < 0 {
                secondOfDay += 86_400
                days -= 1
            }
            let (year, month, day) = Timestamp.civilFromDays(Int64(days))

            appendDigits(Int(year), width: 4)
            bytes.append(UInt8(ascii: "-"))
            appendDigits(Int(month), width: 2)
            bytes.append(UInt8(ascii: "-"))
            appendDigits(Int(day), width: 2)
            bytes.append(UInt8(ascii: "T"))
            appendDigits(secondOfDay / 3_600, width: 2)
            bytes.append(UInt8(ascii: ":"))
            appendDigits(secondOfDay / 60 % 60, width: 2)
            bytes.append(UInt8(ascii: ":"))
            appendDigits(secondOfDay % 60, width: 2)
            if fractionalDigits {
                bytes.append(UInt8(ascii: "."))
                appendDigits(fraction, width: 6)
            }
            bytes.append(UInt8(ascii: "Z"))
        }

        /// Go's `time.Duration.String()` for durations under a minute: `780ns`, `381.924µs`, `4.216474ms`, `1.5s`.
        mutating func appendGoDuration(nanoseconds: Int64) {
            let value = Int(nanoseconds)
            if value < 1_000 {
                appendDecimal(value)
                appendLiteral("ns")
            } else if value < 1_000_000 {
                appendFixedPoint(value, fractionDigits: 3)
                appendLiteral("µs")
            } else if value < 1_000_000_000 {
                appendFixedPoint(value, fractionDigits: 6)
                appendLiteral("ms")
            } else {
                appendFixedPoint(value, fractionDigits: 9)
                appendLiteral("s")
            }
        }

        /// `value / 10^fractionDigits` with the fraction's trailing zeros dropped, as Go prints durations.
        private mutating func appendFixedPoint(_ value: Int, fractionDigits: Int) {
            var scale = 1
            for _ in 0..<fractionDigits { scale *= 10 }
            appendDecimal(value / scale)
            var fraction = value % scale
            guard fraction != 0 else { return }
            var digits = fractionDigits
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            bytes.append(UInt8(ascii: "."))
            appendDigits(fraction, width: digits)
        }
    }
}
