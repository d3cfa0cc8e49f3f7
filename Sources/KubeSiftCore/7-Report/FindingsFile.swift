/// `findings.jsonl`: one finding per line, in report order, keys sorted, for `jq` and SIEM import.
package enum FindingsFile {
    package static let name = "findings.jsonl"

    /// The file's bytes, its lines encoded on every core.
    package static func encoded(_ findings: [Finding]) -> [UInt8] {
        Array(encodedParts(findings[...]).joined())
    }

    /// The lines of `findings` in parts of whole lines, to be written one after another (joining
    /// them would hold them twice).
    static func encodedParts(_ findings: ArraySlice<Finding>) -> [[UInt8]] {
        concurrentMap(ranges: findings.count) { range in
            var bytes: [UInt8] = []
            for finding in findings[(findings.startIndex + range.lowerBound)..<(findings.startIndex + range.upperBound)] {
                FindingJSON.append(finding, to: &bytes)
                bytes.append(0x0A)
            }
            return bytes
        }
    }
}
