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

    static let evidenceLimit = 200

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
