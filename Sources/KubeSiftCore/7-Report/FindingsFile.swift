import Foundation

/// `findings.jsonl`: one finding per line, in report order, keys sorted, for `jq` and SIEM import.
package enum FindingsFile {
    package static let name = "findings.jsonl"

    package static func encoded(_ findings: [Finding]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for finding in findings {
            bytes += try encoder.encode(finding)
            bytes.append(0x0A)
        }
        return bytes
    }
}
