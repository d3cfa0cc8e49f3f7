import Yams

/// Turns a rule's `examples` into whole audit events: each example names what matters, the rest
/// comes from ``defaults`` (see `docs/writing-rules.md`).
enum ExampleEvents {
    typealias Fail = (Node?, String) -> FileProblem

    /// When the first example event was received; each further event comes a second (or `x-every`) later.
    static let start = Timestamp(microseconds: 1_795_168_800_000_000) // 2026-11-20T10:00:00Z

    static func read(_ node: Node, sequences: Bool, context fail: Fail) throws -> RuleExamples {
        guard let mapping = node.mapping else { throw fail(node, "`examples` must be a mapping of match / no-match") }
        var examples = RuleExamples()
        var serial = 0
        for (key, value) in mapping {
            let which = key.string ?? ""
            guard which == "match" || which == "no-match" else {
                throw fail(key, "unknown key `\(which)` in `examples` (match, no-match)")
            }
            guard let list = value.sequence else { throw fail(value, "`\(which)` must be a list") }
            for item in list {
                let entries: [Node]
                if sequences {
                    guard let events = item.sequence, !events.isEmpty else {
                        throw fail(item, "a correlation example is a list of events")
                    }
                    entries = Array(events)
                } else {
                    guard item.mapping != nil else { throw fail(item, "an example is an event: a mapping") }
                    entries = [item]
                }
                let events = try expand(entries, serial: &serial, fail: fail)
                let example = RuleExamples.Case(line: item.mark?.line ?? 0, events: events)
                if which == "match" { examples.match.append(example) } else { examples.noMatch.append(example) }
            }
        }
        return examples
    }

    private static func expand(_ entries: [Node], serial: inout Int, fail: Fail) throws -> [JSONValue] {
        var events: [JSONValue] = []
        var time = start
        for entry in entries {
            guard case let .object(members) = try json(entry, fail: fail) else {
                throw fail(entry, "an example event must be a mapping")
            }
            var repeats = 1
            var every: Int64 = 1_000_000
            var fields: [(key: String, value: JSONValue)] = []
            for member in members {
                switch member.key {
                case "x-repeat":
                    guard case let .number(text) = member.value, let count = Int(text), count > 0, count <= 10_000 else {
                        throw fail(entry, "`x-repeat` takes a count from 1 to 10000")
                    }
                    repeats = count
                case "x-every":
                    guard case let .string(text) = member.value, let step = TimeWindow.parseDuration(text) else {
                        throw fail(entry, "`x-every` takes a duration such as 30s")
                    }
                    every = step
                default:
                    fields.append(member)
                }
            }
            for _ in 0..<repeats {
                serial += 1
                events.append(event(overrides: .object(fields), serial: serial, time: time))
                time = Timestamp(microseconds: time.microseconds + every)
            }
        }
        return events
    }

    /// The default event with `overrides` merged in.
    static func event(overrides: JSONValue, serial: Int, time: Timestamp) -> JSONValue {
        let stamp = JSONValue.string(time.description)
        let defaults: JSONValue = .object([
            ("apiVersion", .string("audit.k8s.io/v1")), ("kind", .string("Event")), ("level", .string("RequestResponse")),
            ("auditID", .string("00000000-0000-4000-8000-\(String(serial).leftPadded(to: 12))")),
            ("stage", .string("ResponseComplete")), ("verb", .string("get")),
            ("user", .object([("username", .string("alice@example.com")),
                              ("groups", .array([.string("system:authenticated")]))])),
            ("sourceIPs", .array([.string("10.0.0.5")])),
            ("userAgent", .string("kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46")),
            ("responseStatus", .object([("metadata", .object([])), ("code", .number("200"))])),
            ("requestReceivedTimestamp", stamp), ("stageTimestamp", stamp),
        ])
        var merged = merge(defaults, overrides)
        if merged["requestURI"] == nil, case var .object(members) = merged {
            members.append(("requestURI", .string(requestURI(for: merged["objectRef"]))))
            merged = .object(members)
        }
        return merged
    }

    private static func requestURI(for objectRef: JSONValue?) -> String {
        guard let objectRef else { return "/version" }
        let group = objectRef["apiGroup"]?.stringValue ?? ""
        var uri = group.isEmpty ? "/api/v1" : "/apis/\(group)/\(objectRef["apiVersion"]?.stringValue ?? "v1")"
        if let namespace = objectRef["namespace"]?.stringValue { uri += "/namespaces/\(namespace)" }
        uri += "/\(objectRef["resource"]?.stringValue ?? "")"
        if let name = objectRef["name"]?.stringValue { uri += "/\(name)" }
        if let subresource = objectRef["subresource"]?.stringValue { uri += "/\(subresource)" }
        return uri
    }

    /// Maps merge member by member; anything else replaces; `null` removes.
    static func merge(_ base: JSONValue, _ overrides: JSONValue) -> JSONValue {
        guard case var .object(members) = base, case let .object(changes) = overrides else { return overrides }
        for change in changes {
            let index = members.firstIndex { $0.key == change.key }
            if change.value == .null {
                if let index { members.remove(at: index) }
            } else if let index {
                members[index].value = merge(members[index].value, change.value)
            } else {
                members.append(change)
            }
        }
        return .object(members)
    }

    /// A YAML node as JSON, scalars typed by YAML's core schema (quoted text stays text).
    static func json(_ node: Node, fail: Fail) throws -> JSONValue {
        switch node {
        case let .scalar(scalar):
            switch PlainScalar(scalar) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .number(String($0)) } ?? .string(scalar.string)
            case .float: return .number(scalar.string)
            case .string: return .string(scalar.string)
            }
        case let .mapping(mapping):
            return .object(try mapping.map { key, value in (key.string ?? "", try json(value, fail: fail)) })
        case let .sequence(sequence):
            return .array(try sequence.map { try json($0, fail: fail) })
        case .alias:
            throw fail(node, "YAML aliases are not supported in examples")
        }
    }
}

extension String {
    /// The text with zeros in front, to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
