/// Writes a finding as compact JSON with sorted keys: byte for byte what ``SortedJSONEncoder``
/// writes for it (a test holds the two equal over every kind of finding), without an encoder, a
/// container and a buffer for each nested value. Findings are most of a report's bytes, and
/// encoding them through `Encodable` took longer than writing and hashing both files that hold them.
///
/// The members of each object are written in the order of their keys' UTF-8: a field added to
/// ``Finding`` (or to what it holds) is added here in its place.
enum FindingJSON {
    static func append(_ finding: Finding, to output: inout [UInt8]) {
        var object = ObjectBytes()
        object.member("auditIDs", &output) { strings(finding.auditIDs, &$0) }
        object.member("continues", finding.continues, &output)
        object.member("controls", finding.controls, &output)
        object.member("count", finding.count, &output)
        if let disposition = finding.disposition {
            object.member("disposition", &output) { output in
                var inner = ObjectBytes()
                inner.member("at", disposition.at.description, &output)
                inner.member("by", disposition.by, &output)
                inner.member("kind", disposition.kind.rawValue, &output)
                inner.member("reason", disposition.reason, &output)
                inner.close(&output)
            }
        }
        object.member("distinctValues", finding.distinctValues, &output)
        object.member("evidence", &output) { output in
            output.append(UInt8(ascii: "["))
            for (index, evidence) in finding.evidence.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                append(evidence, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        object.member("evidenceOmitted", finding.evidenceOmitted, &output)
        object.member("firstSeen", finding.firstSeen?.description, &output)
        if let group = finding.group {
            object.member("group", &output) { output in
                var inner = ObjectBytes()
                for key in group.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                    inner.member(key, group[key]!, &output)
                }
                inner.close(&output)
            }
        }
        object.member("id", finding.id, &output)
        object.member("kind", finding.kind.rawValue, &output)
        object.member("lastSeen", finding.lastSeen?.description, &output)
        object.member("relatedControls", finding.relatedControls, &output)
        object.member("request", &output) { append(finding.request, to: &$0) }
        object.member("rule", &output) { output in
            let rule = finding.rule
            var inner = ObjectBytes()
            inner.member("attack", rule.attack, &output)
            inner.member("category", rule.category.rawValue, &output)
            inner.member("id", rule.id, &output)
            inner.member("name", rule.name, &output)
            inner.member("severity", rule.severity.rawValue, &output)
            inner.member("title", rule.title, &output)
            inner.member("version", rule.version, &output)
            inner.close(&output)
        }
        object.member("sourceIPs", finding.sourceIPs, &output)
        object.member("users", finding.users, &output)
        object.close(&output)
    }

    private static func append(_ evidence: Finding.Evidence, to output: inout [UInt8]) {
        var object = ObjectBytes()
        object.member("auditID", evidence.auditID, &output)
        object.member("file", evidence.file, &output)
        object.member("line", evidence.line, &output)
        object.member("member", evidence.member, &output)
        object.member("sha256", evidence.sha256, &output)
        object.member("stage", evidence.stage, &output)
        object.close(&output)
    }

    private static func append(_ request: RequestSummary, to output: inout [UInt8]) {
        var object = ObjectBytes()
        object.member("apiGroup", request.apiGroup, &output)
        object.member("auditID", request.auditID, &output)
        object.member("command", request.command, &output)
        object.member("decision", request.decision, &output)
        object.member("groups", request.groups, &output)
        object.member("impersonatedUser", request.impersonatedUser, &output)
        object.member("level", request.level, &output)
        object.member("name", request.name, &output)
        object.member("namespace", request.namespace, &output)
        object.member("requestURI", request.requestURI, &output)
        object.member("resource", request.resource, &output)
        object.member("responseCode", request.responseCode, &output)
        object.member("sourceIPs", request.sourceIPs, &output)
        object.member("subresource", request.subresource, &output)
        object.member("time", request.time?.description, &output)
        object.member("userAgent", request.userAgent, &output)
        object.member("username", request.username, &output)
        object.member("verb", request.verb, &output)
        object.close(&output)
    }

    private static func strings(_ strings: [String], _ output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            SortedJSONEncoder.appendString(string, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// An object being written: its opening brace before the first member, commas between them.
    /// A member whose value is nil is left out, as `encodeIfPresent` leaves it out.
    private struct ObjectBytes {
        private var empty = true

        mutating func member(_ key: String, _ output: inout [UInt8], value: (inout [UInt8]) -> Void) {
            output.append(empty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            empty = false
            SortedJSONEncoder.appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            value(&output)
        }

        mutating func member(_ key: String, _ value: String?, _ output: inout [UInt8]) {
            guard let value else { return }
            member(key, &output) { SortedJSONEncoder.appendString(value, to: &$0) }
        }

        mutating func member(_ key: String, _ value: Int?, _ output: inout [UInt8]) {
            guard let value else { return }
            member(key, &output) { SortedJSONEncoder.appendInteger(value, to: &$0) }
        }

        mutating func member(_ key: String, _ value: [String]?, _ output: inout [UInt8]) {
            guard let value else { return }
            member(key, &output) { FindingJSON.strings(value, &$0) }
        }

        func close(_ output: inout [UInt8]) {
            if empty { output.append(UInt8(ascii: "{")) }
            output.append(UInt8(ascii: "}"))
        }
    }
}
