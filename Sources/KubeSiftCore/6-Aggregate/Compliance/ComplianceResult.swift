/// What the reviewed evidence says about a control. Computed from the analysis, never asserted;
/// none of them is a verdict on whether the control is met.
package enum ControlStatus: String, Sendable, Codable, CaseIterable {
    case exceptionsFound = "exceptions-found"
    case partiallyAssessable = "partially-assessable"
    case blind
    case noExceptionsObserved = "no-exceptions-observed"
    case notAssessable = "not-assessable"

    /// A short label for tables.
    package var label: String {
        switch self {
        case .exceptionsFound: "Exceptions found"
        case .partiallyAssessable: "Partially assessable"
        case .blind: "Blind"
        case .noExceptionsObserved: "No exceptions observed"
        case .notAssessable: "Not assessable from audit logs"
        }
    }

    package var meaning: String {
        switch self {
        case .exceptionsFound:
            "At least one finding in scope is an exception to this control: the control owner explains it (approved change, false positive) or fixes it."
        case .partiallyAssessable:
            "No exception was observed, but part of the evidence this control needs is missing: a rule or event class it relies on is blind, no rule of this run bears on it, some input was damaged, or the log has gaps."
        case .blind:
            "The audit level or resource every piece of this control's evidence needs never appears in the input: the audit policy leaves it out, or nothing of the kind happened. Nothing can be said."
        case .noExceptionsObserved:
            "No exceptions observed in the reviewed evidence: the rules and checks that bear on this control saw the events they need and found nothing."
        case .notAssessable:
            "An API-server audit log cannot show this control; it needs other evidence (documents, configuration, interviews)."
        }
    }
}

/// The compliance section of a report: for each framework shown, every control of its catalog with
/// its computed status, the evidence behind it, and why.
package struct ComplianceResult: Sendable, Encodable {
    /// What the section is and is not.
    package var statement: String
    /// Every status with its meaning, in the order a reader should look at them.
    package var statuses: [StatusMeaning]
    /// Each scope the shown frameworks use, and how it was declared.
    package var scopes: [ScopeStatement]
    /// Whether some input lost data or records were skipped: no control can then be called free of
    /// exceptions with certainty.
    package var evidenceIncomplete: Bool
    /// Rules of this run that could not see what they look for, and why.
    package var blindRules: [BlindRule]
    package var frameworks: [FrameworkResult]

    package static let statementText = """
        Evidence for review, not an attestation. Each status says what the reviewed audit events show \
        about a control; whether the control is met is for the assessor to judge, with the evidence \
        audit logs cannot give.
        """

    package struct StatusMeaning: Sendable, Encodable {
        package var status: ControlStatus
        package var label: String
        package var meaning: String
    }

    package struct ScopeStatement: Sendable, Encodable {
        package var name: ScopeKind
        /// False when no `--scope` named it: then every namespace is in it.
        package var declared: Bool
        package var namespaces: [String]
        /// The catalogs whose controls this scope limits.
        package var frameworks: [String]
        package var statement: String
    }

    package struct BlindRule: Sendable, Encodable {
        package var name: String
        package var auditLevel: AuditLevel
        package var reason: String
    }

    package struct StatusCounts: Sendable, Encodable, Equatable {
        package var controls = 0
        package var exceptionsFound = 0
        package var partiallyAssessable = 0
        package var blind = 0
        package var noExceptionsObserved = 0
        package var notAssessable = 0

        mutating func count(_ status: ControlStatus) {
            controls += 1
            switch status {
            case .exceptionsFound: exceptionsFound += 1
            case .partiallyAssessable: partiallyAssessable += 1
            case .blind: blind += 1
            case .noExceptionsObserved: noExceptionsObserved += 1
            case .notAssessable: notAssessable += 1
            }
        }
    }

    package struct FrameworkResult: Sendable, Encodable {
        /// The catalog key control references use (`pci-dss-4.0.1`).
        package var id: String
        package var framework: String
        package var title: String
        package var version: String
        package var aliases: [String]
        package var source: String
        package var textLicense: TextLicense
        package var textNotice: String
        /// Which parts of the source the catalog lists in full.
        package var coverage: String
        /// `built-in`, or the path of the file that replaced or added the catalog.
        package var origin: String
        package var sha256: String
        package var scope: ScopeKind
        package var summary: StatusCounts
        /// The source's sections, in its order, each with every control it lists.
        package var families: [FamilyResult]
    }

    package struct FamilyResult: Sendable, Encodable {
        package var id: String
        package var title: String
        package var summary: StatusCounts
        /// In the source's order.
        package var controls: [ControlResult]
    }

    /// One control of a control matrix. Lists are left out of the JSON when empty, and `coverage`
    /// when false: most controls of a catalog are not assessable and have none of them.
    package struct ControlResult: Sendable, Encodable {
        package var id: String
        package var parent: String?
        /// KubeSift's own short title.
        package var title: String
        package var assessable: Assessability
        package var evidenceKinds: [EvidenceKind]
        package var status: ControlStatus
        /// Why the status, in a sentence or two.
        package var reason: String
        /// Findings in scope that are exceptions to the control, in report order.
        package var findings: [String]
        /// Findings in scope that bear on the control without being exceptions (secondary mappings).
        package var relatedFindings: [String]
        /// Findings mapped to the control outside its framework's scope: listed, not counted.
        package var outOfScopeFindings: [String]
        /// Names of the rules of this run that map to the control.
        package var rules: [String]
        /// Those of them that could not see what they look for (see ``ComplianceResult/blindRules``).
        package var blindRules: [String]
        /// Whether the run's own coverage checks bear on the control (category `audit-coverage`).
        package var coverage: Bool
        package var needs: [NeedResult]
        package var notes: String?

        private enum CodingKeys: String, CodingKey {
            case id, parent, title, assessable, evidenceKinds, status, reason, findings, relatedFindings
            case outOfScopeFindings, rules, blindRules, coverage, needs, notes
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(parent, forKey: .parent)
            try container.encode(title, forKey: .title)
            try container.encode(assessable, forKey: .assessable)
            try container.encode(status, forKey: .status)
            try container.encode(reason, forKey: .reason)
            func list<T: Encodable>(_ values: [T], _ key: CodingKeys) throws {
                if !values.isEmpty { try container.encode(values, forKey: key) }
            }
            try list(evidenceKinds, .evidenceKinds)
            try list(findings, .findings)
            try list(relatedFindings, .relatedFindings)
            try list(outOfScopeFindings, .outOfScopeFindings)
            try list(rules, .rules)
            try list(blindRules, .blindRules)
            if coverage { try container.encode(coverage, forKey: .coverage) }
            try list(needs, .needs)
            try container.encodeIfPresent(notes, forKey: .notes)
        }
    }

    package struct NeedResult: Sendable, Encodable {
        package var resource: String
        package var level: AuditLevel
        package var seen: Bool
    }
}

/// What a run needs to compute control statuses: the library, which catalogs to show, and the scopes.
package struct ComplianceConfiguration: Sendable {
    package var library: ControlLibrary
    /// The catalogs shown, in report order.
    package var frameworks: [ControlCatalog]
    package var scopes: ComplianceScopes

    package init(library: ControlLibrary, frameworks: [ControlCatalog]? = nil, scopes: ComplianceScopes = ComplianceScopes()) {
        self.library = library
        self.frameworks = frameworks ?? library.catalogs
        self.scopes = scopes
    }
}
