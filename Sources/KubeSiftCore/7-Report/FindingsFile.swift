/// `findings.jsonl`: one finding per line, in report order, keys sorted, for `jq` and SIEM import.
package enum FindingsFile {
    package static let name = "findings.jsonl"

    package static func encoded(_ findings: [Finding]) throws -> [UInt8] {
        let encoder = SortedJSONEncoder()
        var bytes: [UInt8] = []
        for finding in findings {
            try encoder.encode(finding, into: &bytes)
            bytes.append(0x0A)
        }
        return bytes
    }
}
