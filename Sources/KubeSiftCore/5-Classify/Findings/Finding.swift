import Crypto
import Foundation

/// One thing a rule found: a request (detection rules), or a group of requests in one episode
/// (correlation rules), with everything an auditor needs to find the raw events again.
package struct Finding: Sendable, Equatable, Codable {
    package struct RuleReference: Sendable, Equatable, Codable {
        package var id: String
        package var name: String
        package var version: Int
        package var title: String
        package var category: RuleCategory
        package var severity: Severity
        package var attack: [String]

        init(_ metadata: RuleMetadata) {
            id = metadata.id
            name = metadata.name
            version = metadata.version
            title = metadata.title
            category = metadata.category
            severity = metadata.severity
            attack = metadata.attackTechniques
        }
    }

    /// Where one stage of a matched request was read.
    package struct Evidence: Sendable, Equatable, Codable, Comparable {
        package var file: String
        package var member: String?
        package var line: Int
        package var sha256: String?
        package var auditID: String
        package var stage: String

        package static func < (lhs: Evidence, rhs: Evidence) -> Bool {
            (lhs.file, lhs.member ?? "", lhs.line, lhs.stage) < (rhs.file, rhs.member ?? "", rhs.line, rhs.stage)
        }
    }

    package enum Kind: String, Sendable, Codable {
        case request, correlation
    }

    /// Stable across runs over the same events: a digest of what the finding is about (rule, audit
    /// IDs, times, request), not of where it was read. See ``identified(_:)``.
    package var id = ""
    package var rule: RuleReference
    package var kind: Kind
    package var firstSeen: Timestamp?
    package var lastSeen: Timestamp?
    /// Requests the finding covers.
    package var count: Int
    package var auditIDs: [String]
    /// The request (for a correlation: the first one of the episode).
    package var request: RequestSummary
    /// Correlations: the group-by values the requests share.
    package var group: [String: String]?
    /// `value_count` correlations: how many distinct values the episode had.
    package var distinctValues: Int?
    /// Correlations: who and where from, over the whole episode.
    package var users: [String]?
    package var sourceIPs: [String]?
    package var evidence: [Evidence]
    /// Evidence references left out past ``evidenceLimit`` (a long brute force).
    package var evidenceOmitted: Int?
    /// The controls the finding is an exception to (`catalog:control`), in the frameworks shown;
    /// absent when no compliance mapping ran.
    package var controls: [String]?
    /// The controls it bears on without being an exception to them (secondary mappings).
    package var relatedControls: [String]?
    /// Incremental runs: the id of the finding an earlier run reported for the start of this
    /// episode, which went on past that run's end; absent for a finding first reported now.
    package var continues: String?
    /// The latest review of this finding (or of the one it continues), from the state.
    package var disposition: Disposition?

    static let evidenceLimit = 200

    /// What stays the same while an episode grows: the rule, the group and the first request.
    package var episode: String {
        let group = (self.group ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return [rule.id, group, auditIDs.first ?? ""].joined(separator: "\n")
    }

    /// The findings with their ``id``s set: 16 hex digits of a SHA-256 over the rule, kind, times,
    /// audit IDs, group and request. Findings that would share one (the same request in two
    /// copies with different bodies) get `-2`, `-3`… in report order, so ids are unique.
    package static func identified(_ findings: consuming [Finding]) -> [Finding] {
        // The digests are independent: computed on every core, in slices.
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let bySlice = concurrentMap(slices) { [findings] slice in
            var text: [UInt8] = []
            return stride(from: slice, to: findings.count, by: slices).map { digest(of: findings[$0], text: &text) }
        }
        var seen: [String: Int] = [:]
        // Set in place: a copy of each finding would retain and release every field it holds.
        for index in findings.indices {
            let digest = bySlice[index % slices][index / slices]
            let occurrence = seen[digest, default: 0] + 1
            seen[digest] = occurrence
            findings[index].id = occurrence == 1 ? digest : "\(digest)-\(occurrence)"
        }
        return findings
    }

    /// The first 16 hex digits of a SHA-256 over what identifies a finding, field by field. The
    /// fields are written into `text` and hashed at once: an update per field (thousands of audit
    /// IDs in a correlation's finding) cost more than the hashing.
    private static func digest(of finding: Finding, text: inout [UInt8]) -> String {
        let request = finding.request
        text.removeAll(keepingCapacity: true)
        func add(_ field: String) { text.append(contentsOf: field.utf8) }
        func separate() { text.append(0x0A) }
        add(finding.rule.id); separate()
        add(finding.kind.rawValue); separate()
        add(String(finding.firstSeen?.microseconds ?? 0)); separate()
        add(String(finding.lastSeen?.microseconds ?? 0)); separate()
        for (position, auditID) in finding.auditIDs.enumerated() {
            if position > 0 { text.append(UInt8(ascii: ",")) }
            add(auditID)
        }
        separate()
        for (position, member) in (finding.group ?? [:]).sorted(by: { $0.key < $1.key }).enumerated() {
            if position > 0 { text.append(UInt8(ascii: ",")) }
            add(member.key)
            text.append(UInt8(ascii: "="))
            add(member.value)
        }
        for field in [request.verb, request.username, request.namespace, request.resource, request.subresource, request.name,
                      request.requestURI] {
            separate()
            add(field ?? "")
        }
        return String(SHA256.hash(data: text).lowercaseHex.prefix(16))
    }

    /// Findings in the order they are reported: by time, most severe first within a moment, then by
    /// rule, request and where it was read (two requests can share an audit ID).
    package static func inReportOrder(_ findings: [Finding]) -> [Finding] {
        let keys = findings.map {
            ($0.firstSeen?.microseconds ?? .max, -$0.rule.severity.rank, $0.rule.name, $0.auditIDs.first ?? "")
        }
        return findings.indices.sorted { lhs, rhs in
            if keys[lhs] != keys[rhs] { return keys[lhs] < keys[rhs] }
            let left = findings[lhs].evidence.first, right = findings[rhs].evidence.first
            guard let left, let right else { return right != nil }
            return left < right
        }.map { findings[$0] }
    }
}
