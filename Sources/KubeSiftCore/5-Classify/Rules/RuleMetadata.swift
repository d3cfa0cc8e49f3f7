/// How bad a finding is. Sigma's `level`, with `informational` shortened to `info`.
package enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    case info, low, medium, high, critical

    /// Reads a Sigma `level`.
    init?(sigmaLevel: String) {
        switch sigmaLevel.lowercased() {
        case "informational", "info": self = .info
        case let other: self.init(rawValue: other)
        }
    }

    /// 0 for `info` … 4 for `critical`.
    var rank: Int { Self.allCases.firstIndex(of: self)! }
    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// What a finding is about. A stable vocabulary: the compliance mapping keys on it.
package enum RuleCategory: String, Sendable, CaseIterable, Codable {
    case privilegedWorkload = "privileged-workload"
    case hostAccess = "host-access"
    case execAttach = "exec-attach"
    case secretAccess = "secret-access"
    case rbacChange = "rbac-change"
    case identityMisuse = "identity-misuse"
    case authnFailure = "authn-failure"
    case anonymousAccess = "anonymous-access"
    case auditTampering = "audit-tampering"
    case admissionTampering = "admission-tampering"
    case dataDeletion = "data-deletion"
    case tokenCreation = "token-creation"
    case externalExposure = "external-exposure"
    case crossNamespace = "cross-namespace"
    case enumerationDiscovery = "enumeration-discovery"
    case adminActivity = "admin-activity"
}

/// The least audit policy level at which a rule can see what it looks for.
package enum AuditLevel: String, Sendable, CaseIterable, Codable {
    case metadata = "Metadata"
    case request = "Request"
    case requestResponse = "RequestResponse"
}

/// Where a rule came from: built into the binary, or a file the user named.
package enum RuleOrigin: Sendable, Equatable {
    case builtIn(path: String)
    case file(path: String)

    package var path: String {
        switch self {
        case let .builtIn(path), let .file(path): path
        }
    }
}

/// What every rule says about itself, detection or correlation.
package struct RuleMetadata: Sendable {
    package var title: String
    package var id: String
    /// The short name correlations and the command line use; falls back to the id.
    package var name: String
    package var status: String?
    package var description: String?
    package var references: [String]
    package var author: String?
    package var date: String?
    package var tags: [String]
    package var falsePositives: [String]
    package var severity: Severity
    package var category: RuleCategory
    package var version: Int
    package var auditLevel: AuditLevel
    package var examples: RuleExamples
    package var origin: RuleOrigin
    /// Line of the rule's document in its file, for messages.
    package var line: Int

    /// ATT&CK technique ids from the tags (`attack.t1609` → `T1609`).
    package var attackTechniques: [String] {
        tags.compactMap { tag in
            let lower = tag.lowercased()
            guard lower.hasPrefix("attack.t"), lower.dropFirst(8).first?.isNumber == true else { return nil }
            return String(tag.dropFirst(7)).uppercased()
        }
    }
}

/// Events that must and must not trigger a rule: each case is the events of one scenario (one event
/// for a detection, a sequence for a correlation), already expanded from the rule file.
package struct RuleExamples: Sendable {
    package struct Case: Sendable {
        package var line: Int
        package var events: [JSONValue]
    }

    package var match: [Case] = []
    package var noMatch: [Case] = []

    package var isEmpty: Bool { match.isEmpty && noMatch.isEmpty }
}
