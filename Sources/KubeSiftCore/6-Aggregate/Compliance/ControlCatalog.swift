/// The part of a cluster a framework's controls are about, as the user declares it with `--scope`.
package enum ScopeKind: String, Sendable, Codable, CaseIterable {
    /// PCI DSS: the cardholder-data environment.
    case cde
    /// HIPAA: the systems holding electronic protected health information.
    case ephi
    /// GDPR: where personal data is processed.
    case personalData = "personal-data"
    /// Frameworks about the whole system (SOC 2, NIST, ISO 27001, CIS).
    case all
}

/// How much of a control an API-server audit log can show.
package enum Assessability: String, Sendable, Codable {
    case full, partial, none
}

/// What an audit log can say about a control (compliance research §1).
package enum EvidenceKind: String, Sendable, Codable, CaseIterable {
    /// The log shows that this class of event is recorded.
    case capture
    /// A run over the period is evidence that the logs were examined.
    case review
    /// A finding is a potential violation for the control owner to explain or fix.
    case exception
    /// Hashes, gaps, duplicates and damage say whether the evidence is whole.
    case integrity
}

/// A class of events a control's evidence needs: requests to a resource, logged at a level or above.
package struct EventNeed: Sendable, Equatable, Encodable {
    /// A glob over resource names as the activity statistics write them: `secrets`, `pods/exec`,
    /// `*.rbac.authorization.k8s.io`, `*` for any request.
    package var resource: String
    package var level: AuditLevel

    package init(resource: String, level: AuditLevel = .metadata) {
        self.resource = resource
        self.level = level
    }

    /// Whether `resourceName` (a key of ``ActivityStats/levels``) is one of the resources this need names.
    package func names(_ resourceName: String) -> Bool {
        GlobPattern(sigma: resource, cased: true).matches(resourceName)
    }
}

/// One requirement of a framework, with KubeSift's own short title and what the log can show of it.
package struct Control: Sendable {
    /// The source's own identifier, exactly (`10.2.1.2`, `164.312(b)`, `AU-6(3)`, `A.8.15`).
    package var id: String
    /// The family (section) it is listed under.
    package var family: String
    /// The requirement it belongs to, when that is listed too.
    package var parent: String?
    /// KubeSift's paraphrase: never the source's text.
    package var title: String
    package var assessable: Assessability
    package var evidence: [EvidenceKind]
    package var needs: [EventNeed]
    package var notes: String?
    /// Line of the control in its catalog file, for messages.
    package var line: Int
}

/// A section of a framework: a PCI requirement, a HIPAA section, a NIST family.
package struct ControlFamily: Sendable, Encodable {
    package var id: String
    package var title: String
}

/// Whether the source's own text may be reproduced.
package enum TextLicense: String, Sendable, Codable {
    /// The text is copyrighted (PCI SSC, AICPA, ISO, CIS): titles are KubeSift's paraphrases only.
    case paraphrased
    /// The text is public (US government works, EU law).
    case reusable
}

/// One version of one framework: every requirement of the parts of the source it covers, mapped or
/// not, so that a control matrix shows what the log cannot show as plainly as what it can.
package struct ControlCatalog: Sendable {
    /// The key control references use: `pci-dss-4.0.1`, `nist-800-53-r5`.
    package var id: String
    /// The framework, without its version, as `--frameworks` takes it: `pci-dss`, `hipaa`.
    package var framework: String
    package var title: String
    package var version: String
    /// Other keys that name this catalog (`pci-dss-4.0` for `pci-dss-4.0.1`).
    package var aliases: [String]
    /// Where the official text is.
    package var source: String
    package var textLicense: TextLicense
    package var textNotice: String
    package var scope: ScopeKind
    /// Which parts of the source the catalog lists in full.
    package var coverage: String
    package var families: [ControlFamily]
    /// In the source's order.
    package var controls: [Control]
    /// `controls/…` for a built-in catalog, else the file's path.
    package var path: String
    package var isBuiltIn: Bool
    /// SHA-256 of the catalog file as read.
    package var sha256: String

    /// Whether `name` is this catalog's id, one of its aliases, or its framework.
    package func isNamed(_ name: String) -> Bool {
        id == name || framework == name || aliases.contains(name)
    }

    package func control(_ id: String) -> Control? { controls.first { $0.id == id } }
}

/// A control of one catalog: `catalog:control`, the catalog by its id (never an alias).
package struct ControlReference: Sendable, Hashable, CustomStringConvertible {
    package var catalog: String
    package var control: String

    package init(catalog: String, control: String) {
        self.catalog = catalog
        self.control = control
    }

    /// Splits `catalog:control` at its first colon (control ids have none).
    package init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        catalog = String(parts[0])
        control = String(parts[1])
    }

    package var description: String { "\(catalog):\(control)" }
}
