import Yams

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
    /// Controls this rule maps to beyond, or instead of, its category's defaults.
    package var controls = ControlAdjustments()
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

/// How a finding bears on a control it maps to.
package enum MappingWeight: String, Sendable, Codable, CaseIterable {
    /// The finding is an exception to the control: the control owner must explain or fix it.
    case primary
    /// The finding is related evidence (it shows the control at work, or touches it in passing),
    /// listed with the control but not counted as an exception.
    case secondary
}

/// One control named in a mapping: by `id` alone (primary), or as `{id: …, weight: secondary}`.
package struct ControlEntry: Sendable, Equatable {
    /// As written: `catalog:control` in a rule, the control id alone under a catalog in a mapping file.
    package var reference: String
    package var weight: MappingWeight
    package var line: Int
    package var column: Int

    package init(reference: String, weight: MappingWeight = .primary, line: Int = 0, column: Int = 0) {
        self.reference = reference
        self.weight = weight
        self.line = line
        self.column = column
    }

    /// Reads `id` or `{id: id, weight: primary|secondary}`.
    static func read(_ node: Node, _ reader: YAMLSource.Reader) throws(FileProblem) -> ControlEntry {
        let line = node.mark?.line ?? 0, column = node.mark?.column ?? 0
        if node.scalar != nil { return ControlEntry(reference: try reader.string(node, "a control"), line: line, column: column) }
        let mapping = try reader.mapping(node, "a control (an id, or {id: …, weight: …})")
        try reader.onlyKeys(mapping, ["id", "weight"], in: "a control")
        var entry = ControlEntry(reference: try reader.string(mapping["id"] ?? node, "`id`"), line: line, column: column)
        if let weight = mapping["weight"] {
            guard let value = MappingWeight(rawValue: try reader.string(weight, "`weight`")) else {
                throw reader.fail(weight, "`weight` must be primary or secondary")
            }
            entry.weight = value
        }
        return entry
    }
}

/// The controls a rule adds to its category's default mapping, and the defaults it takes away
/// (`kubesift.controls` in a rule file).
package struct ControlAdjustments: Sendable, Equatable {
    /// `catalog:control` references, with the weight they map with.
    package var add: [ControlEntry] = []
    package var remove: [ControlEntry] = []

    package init(add: [ControlEntry] = [], remove: [ControlEntry] = []) {
        self.add = add
        self.remove = remove
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
