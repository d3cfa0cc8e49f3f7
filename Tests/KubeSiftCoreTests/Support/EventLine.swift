#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds one audit event as kube-apiserver's log backend writes it: one line of JSON, the fields in
/// Go's order, `&`, `<` and `>` escaped as `\u0026`, `\u003c`, `\u003e` like Go's `encoding/json`.
///
/// Tests compute what they expect from the builders they wrote, never from the code under test.
struct EventLine {
    var kind: String? = "Event"
    var apiVersion: String? = "audit.k8s.io/v1"
    var level = "Metadata"
    var auditID: String
    var stage = "ResponseComplete"
    var verb = "get"
    var user = "alice@example.com"
    var groups = ["system:authenticated"]
    var impersonatedUser: String?
    var sourceIPs = ["10.0.0.1"]
    var userAgent: String? = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"
    var resource: String? = "pods"
    var namespace: String? = "shop"
    var name: String?
    var apiGroup = ""
    var subresource: String?
    /// When `nil`, made from the object reference (or `/healthz` without one).
    var requestURI: String?
    var code: Int? = 200
    /// `requestReceivedTimestamp`, in microseconds since the epoch.
    var received: Int64
    /// `stageTimestamp` is this much later.
    var stageDelay: Int64 = 1_500
    /// Raw JSON of the request body, written as is.
    var requestObject: String?

    /// 2026-11-21T03:00:00Z, where generated events start unless told otherwise.
    static let baseTime: Int64 = 1_795_230_000 * 1_000_000

    init(auditID: String, received: Int64 = EventLine.baseTime) {
        self.auditID = auditID
        self.received = received
    }

    /// An event with a UUID-shaped auditID made from `number`, received `number` seconds after `baseTime`.
    init(number: Int) {
        self.init(auditID: EventLine.auditID(number), received: EventLine.baseTime + Int64(number) * 1_000_000)
    }

    static func auditID(_ number: Int) -> String {
        let digits = String(number)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// The request URI the apiserver would log for the object reference.
    var effectiveRequestURI: String {
        if let requestURI { return requestURI }
        guard let resource else { return "/healthz" }
        var uri = apiGroup.isEmpty ? "/api/v1" : "/apis/\(apiGroup)/v1"
        if let namespace { uri += "/namespaces/\(namespace)" }
        uri += "/\(resource)"
        if let name { uri += "/\(name)" }
        if let subresource { uri += "/\(subresource)" }
        return uri
    }

    /// The line, without its newline.
    var json: String {
        var fields: [String] = []
        if let kind { fields.append(#""kind":\#(Self.quote(kind))"#) }
        if let apiVersion { fields.append(#""apiVersion":\#(Self.quote(apiVersion))"#) }
        fields.append(#""level":\#(Self.quote(level))"#)
        fields.append(#""auditID":\#(Self.quote(auditID))"#)
        fields.append(#""stage":\#(Self.quote(stage))"#)
        fields.append(#""requestURI":\#(Self.quote(effectiveRequestURI))"#)
        fields.append(#""verb":\#(Self.quote(verb))"#)
        fields.append(#""user":{"username":\#(Self.quote(user)),"groups":[\#(groups.map(Self.quote).joined(separator: ","))]}"#)
        if let impersonatedUser {
            fields.append(#""impersonatedUser":{"username":\#(Self.quote(impersonatedUser))}"#)
        }
        fields.append(#""sourceIPs":[\#(sourceIPs.map(Self.quote).joined(separator: ","))]"#)
        if let userAgent { fields.append(#""userAgent":\#(Self.quote(userAgent))"#) }
        if let resource {
            var reference = [#""resource":\#(Self.quote(resource))"#]
            if let namespace { reference.append(#""namespace":\#(Self.quote(namespace))"#) }
            if let name { reference.append(#""name":\#(Self.quote(name))"#) }
            if !apiGroup.isEmpty { reference.append(#""apiGroup":\#(Self.quote(apiGroup))"#) }
            reference.append(#""apiVersion":"v1""#)
            if let subresource { reference.append(#""subresource":\#(Self.quote(subresource))"#) }
            fields.append(#""objectRef":{\#(reference.joined(separator: ","))}"#)
        }
        if let code { fields.append(#""responseStatus":{"metadata":{},"code":\#(code)}"#) }
        if let requestObject { fields.append(#""requestObject":\#(requestObject)"#) }
        fields.append(#""requestReceivedTimestamp":\#(Self.quote(Self.rfc3339(received)))"#)
        fields.append(#""stageTimestamp":\#(Self.quote(Self.rfc3339(received + stageDelay)))"#)
        fields.append(#""annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal, escaped the way Go's `encoding/json` escapes it.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "&": out += "\\u0026"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// RFC 3339 with six fractional digits in UTC, formatted with the C library's `gmtime_r`, so that
    /// fixtures do not depend on the `Timestamp` code they test.
    static func rfc3339(_ microseconds: Int64) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        let micros = Int(microseconds % 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(micros, 6))Z"
    }

    /// `count` distinct events, numbered from `first`, one second apart.
    static func numbered(_ count: Int, from first: Int = 1) -> [EventLine] {
        (first..<(first + count)).map { EventLine(number: $0) }
    }
}

/// SplitMix64: a small, seeded generator, so that "random" fixtures are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
