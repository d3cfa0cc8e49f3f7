/// `findings.jsonl`: one finding per line, in report order, keys sorted, for `jq` and SIEM import.
package enum FindingsFile {
    package static let name = "findings.jsonl"

    /// The file's bytes, its lines encoded on every core.
    package static func encoded(_ findings: [Finding]) throws -> [UInt8] {
        Array(try encodedParts(findings[...]).joined())
    }

    /// The lines of `findings` in parts of whole lines, to be written one after another (joining
    /// them would hold them twice).
    static func encodedParts(_ findings: ArraySlice<Finding>) throws -> [[UInt8]] {
        let encoder = SortedJSONEncoder()
        let encoded = concurrentMap(ranges: findings.count) { range in
            Result { () throws -> [UInt8] in
                var bytes: [UInt8] = []
                for finding in findings[(findings.startIndex + range.lowerBound)..<(findings.startIndex + range.upperBound)] {
                    try encoder.encode(finding, into: &bytes)
                    bytes.append(0x0A)
                }
                return bytes
            }
        }
        return try encoded.map { try $0.get() }
    }
}
