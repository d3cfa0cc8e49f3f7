/// An event field the decoder has already located: reading it costs no parsing.
package enum ScannedField: Int, Sendable, CaseIterable {
    case kind, apiVersion, level, auditID, stage, requestURI, verb, userAgent
    case username, userUID, impersonatedUsername
    case resource, namespace, name, apiGroup, objectAPIVersion, subresource
    case responseCode, responseReason, requestReceivedTimestamp, stageTimestamp

    /// The event path each one answers to.
    static let byPath: [String: ScannedField] = [
        "kind": .kind, "apiVersion": .apiVersion, "level": .level, "auditID": .auditID, "stage": .stage,
        "requestURI": .requestURI, "verb": .verb, "userAgent": .userAgent,
        "user.username": .username, "user.uid": .userUID, "impersonatedUser.username": .impersonatedUsername,
        "objectRef.resource": .resource, "objectRef.namespace": .namespace, "objectRef.name": .name,
        "objectRef.apiGroup": .apiGroup, "objectRef.apiVersion": .objectAPIVersion,
        "objectRef.subresource": .subresource, "responseStatus.code": .responseCode,
        "responseStatus.reason": .responseReason, "requestReceivedTimestamp": .requestReceivedTimestamp,
        "stageTimestamp": .stageTimestamp,
    ]
}

/// A part of the event the decoder located as a whole JSON value, parsed only when a rule asks.
package enum EventBody: Int, Sendable, CaseIterable {
    case userGroups, userExtra, impersonatedUser, sourceIPs, responseStatus, annotations
    case requestObject, responseObject
    /// The whole event, for the fields nothing else covers.
    case event

    /// The path prefix of each part; the longest prefix wins.
    static let prefixes: [(path: [String], body: EventBody)] = [
        (["user", "groups"], .userGroups), (["user", "extra"], .userExtra),
        (["impersonatedUser"], .impersonatedUser), (["sourceIPs"], .sourceIPs),
        (["responseStatus"], .responseStatus), (["annotations"], .annotations),
        (["requestObject"], .requestObject), (["responseObject"], .responseObject),
    ]
}

/// Values computed from the event rather than read from one place in it.
package enum DerivedField: Sendable, Equatable {
    /// The command of an exec or attach: the `command=` query parameters, decoded, or the body's
    /// `command` list (`PodExecOptions`), joined by spaces.
    case execCommand
    /// The name of the object: `objectRef.name`, else the body's `metadata.name` (creates).
    case objectName
    /// The impersonated user when there is one, else the user.
    case effectiveUser
    /// The first source address (entries that are not addresses skipped): the client, as
    /// `X-Forwarded-For` names it (the client can forge it).
    case clientIP
    /// The last source address: the peer the API server saw connect (a proxy, when there is one).
    case peerIP
}

extension DerivedField {
    /// `clientIP` or `peerIP` among an event's source addresses: the first or the last entry that is
    /// an address (a header can carry anything).
    func address(among sourceIPs: [String]) -> String? {
        let addresses = sourceIPs.filter { IPNetwork.address($0) != nil }
        return self == .clientIP ? addresses.first : addresses.last
    }
}

/// One place a field's values come from; a field may draw on several (an alias over templates).
package enum FieldSource: Sendable, Equatable {
    case scanned(ScannedField)
    case body(EventBody, path: [String])
    case derived(DerivedField)
    /// A path inside every pod spec of the request body (``FieldResolver/podSpecPaths``), found once
    /// per event however many rules read one.
    case podSpec(path: [String])
    /// A path inside every container, init container and ephemeral container of those pod specs.
    case podContainer(path: [String])
}

/// A ``FieldSource`` as the hot path reads it: its path a view of storage its condition owns
/// (``CompiledCondition``), so that reading one retains nothing.
enum CompiledSource {
    case scanned(ScannedField)
    case body(EventBody, path: UnsafeBufferPointer<PathKey>)
    case derived(DerivedField)
    case podSpec(path: UnsafeBufferPointer<PathKey>)
    case podContainer(path: UnsafeBufferPointer<PathKey>)
}

/// One key of a compiled path, as its UTF-8 bytes: a walk compares them with a body's keys where
/// they lie. A `String` per key was copied out of its list, and retained, at every step of every walk.
struct PathKey {
    let bytes: UnsafeBufferPointer<UInt8>

    /// `*`: any member of an object (a map whose keys are not known in advance, like ConfigMap data).
    var isAnyMember: Bool { bytes.count == 1 && bytes[0] == UInt8(ascii: "*") }

    /// `path` as keys over one allocation of their bytes; ``deallocate(_:)`` frees both.
    static func allocate(_ path: [String]) -> UnsafeMutableBufferPointer<PathKey> {
        let keys = UnsafeMutableBufferPointer<PathKey>.allocate(capacity: path.count)
        guard !path.isEmpty else { return keys }
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: byteCount(path))
        fill(keys, from: path, into: bytes)
        return keys
    }

    static func deallocate(_ keys: UnsafeMutableBufferPointer<PathKey>) {
        // The first key starts the allocation of all their bytes.
        if let first = keys.first { UnsafeMutablePointer(mutating: first.bytes.baseAddress!).deallocate() }
        keys.deallocate()
    }

    /// `body` with `path` as keys, valid during the call (on the stack, for a path read once).
    static func withKeys<Result>(_ path: [String], _ body: (UnsafeBufferPointer<PathKey>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount(path)) { bytes in
            withUnsafeTemporaryAllocation(of: PathKey.self, capacity: path.count) { keys in
                fill(keys, from: path, into: bytes)
                return body(UnsafeBufferPointer(keys))
            }
        }
    }

    /// The bytes of all of `path`'s keys (at least one, so that an allocation has an address).
    private static func byteCount(_ path: [String]) -> Int { max(1, path.reduce(0) { $0 + $1.utf8.count }) }

    private static func fill(_ keys: UnsafeMutableBufferPointer<PathKey>, from path: [String], into bytes: UnsafeMutableBufferPointer<UInt8>) {
        var offset = 0
        for (index, component) in path.enumerated() {
            let start = bytes.baseAddress! + offset
            for byte in component.utf8 {
                bytes[offset] = byte
                offset += 1
            }
            keys.initializeElement(at: index, to: PathKey(bytes: UnsafeBufferPointer(start: start, count: component.utf8.count)))
        }
    }
}

extension FieldSource {
    /// The source's path, or nil when it has none.
    var path: [String]? {
        switch self {
        case let .body(_, path), let .podSpec(path), let .podContainer(path): path
        case .scanned, .derived: nil
        }
    }

    /// The source compiled over `path` (its own path's keys, which outlive the call).
    func compiled(path: UnsafeBufferPointer<PathKey>) -> CompiledSource {
        switch self {
        case let .scanned(field): .scanned(field)
        case let .body(part, _): .body(part, path: path)
        case let .derived(field): .derived(field)
        case .podSpec: .podSpec(path: path)
        case .podContainer: .podContainer(path: path)
        }
    }

    /// `body` with the source compiled over its own path, valid during the call.
    func withCompiled<Result>(_ body: (CompiledSource) -> Result) -> Result {
        PathKey.withKeys(path ?? []) { body(compiled(path: $0)) }
    }
}

/// Turns a field name from a rule into the places its values come from.
///
/// Dotted paths are read from the raw event. The aliases are pySigma's Kubernetes field names (so
/// SigmaHQ's rules load unchanged), widened to every pod spec a request can carry, plus a few values
/// KubeSift derives. See `docs/writing-rules.md`.
package enum FieldResolver {
    static let podSpecPaths: [[String]] = [
        ["spec"], ["spec", "template", "spec"], ["spec", "jobTemplate", "spec", "template", "spec"],
    ]
    static let containerKinds = ["containers", "initContainers", "ephemeralContainers"]

    /// Aliases into the pod specs of the request body: the rest of the field name follows them.
    static let podAliases: [String: FieldSource] = [
        "podSpec": .podSpec(path: []),
        "podContainers": .podContainer(path: []),
        "capabilities": .podContainer(path: ["securityContext", "capabilities", "add"]),
        "privileged": .podContainer(path: ["securityContext", "privileged"]),
        "hostPath": .podSpec(path: ["volumes", "hostPath"]),
    ]

    /// Aliases that stand for a path prefix: the rest of the field name follows them.
    static let prefixAliases: [String: [[String]]] = {
        [
            "apiGroup": [["objectRef", "apiGroup"]],
            "resource": [["objectRef", "resource"]],
            "subresource": [["objectRef", "subresource"]],
            "namespace": [["objectRef", "namespace"]],
            "username": [["user", "username"]],
            "decision": [["annotations", "authorization.k8s.io/decision"]],
            "authzReason": [["annotations", "authorization.k8s.io/reason"]],
        ]
    }()

    static let derived: [String: DerivedField] = [
        "execCommand": .execCommand, "objectName": .objectName, "effectiveUser": .effectiveUser,
        "clientIP": .clientIP, "peerIP": .peerIP,
    ]

    /// The sources of `field`; never empty.
    package static func sources(of field: String) -> [FieldSource] {
        if let derived = derived[field] { return [.derived(derived)] }
        let components = field.split(onASCII: ".").map(String.init)
        switch podAliases[components[0]] {
        case let .podSpec(path)?: return [.podSpec(path: path + components.dropFirst())]
        case let .podContainer(path)?: return [.podContainer(path: path + components.dropFirst())]
        default: break
        }
        if let expansions = prefixAliases[components[0]] {
            return expansions.map { source(of: $0 + components.dropFirst()) }
        }
        return [source(of: components)]
    }

    private static func source(of components: [String]) -> FieldSource {
        if let scanned = ScannedField.byPath[components.joined(separator: ".")] { return .scanned(scanned) }
        for prefix in EventBody.prefixes where components.starts(with: prefix.path) {
            return .body(prefix.body, path: Array(components.dropFirst(prefix.path.count)))
        }
        return .body(.event, path: components)
    }
}
