/// What `report.html` and `report.md` show, section by section, in the order an auditor reads a
/// log review (compliance research §13): what was looked at and how, then what was found.
///
/// A view of one ``ReportDocument``, nothing more: every figure comes from it, so the HTML, the
/// Markdown, the CSV files and `report.json` always agree. Values are plain text, numbers and flags,
/// already formatted for people (`3,005`, `2026-11-20 14:57:07 UTC`) but not escaped: the
/// renderers escape every string for their format (``ReportText``), so templates cannot forget to.
/// Property names are what templates use; `templates/README.md` lists them.
package struct ReportModel: Sendable, Encodable {
    package var cover: Cover
    package var summary: ExecutiveSummary
    package var charts: Charts
    package var inventory: Inventory
    package var method: Method
    package var completeness: Completeness
    package var findings: FindingsSection
    package var controls: ControlsSection
    package var privileged: PrivilegedRegister
    package var sensitiveAccess: Register
    package var identityChanges: Register
    package var authFailures: AuthFailures
    package var systemChanges: Register
    package var activity: Activity
    package var limitations: [String]
    package var appendix: Appendix
    /// With a state: the review ledger (see ``LedgerSection``).
    package var ledger: LedgerSection?

    /// How many findings get a detailed entry in the HTML and Markdown reports; the rest are in the
    /// findings table, `findings.csv` and `findings.jsonl`.
    package static let detailedFindingsLimit = 1000
    /// Rows of a statistics table shown in the HTML and Markdown reports; the CSV files hold all.
    package static let statisticsRowLimit = 50

    package init(_ document: ReportDocument) {
        cover = Cover(document)
        summary = ExecutiveSummary(document)
        charts = Charts(document, summary: summary)
        inventory = Inventory(document)
        method = Method(document)
        completeness = Completeness(document)
        findings = FindingsSection(document)
        controls = ControlsSection(document)
        let registers = Registers(document)
        privileged = registers.privileged
        sensitiveAccess = registers.sensitiveAccess
        identityChanges = registers.identityChanges
        authFailures = registers.authFailures
        systemChanges = registers.systemChanges
        activity = Activity(document)
        limitations = Self.limitations(document)
        appendix = Appendix(document)
        ledger = document.ledger.map(LedgerSection.init)
    }
}

// MARK: - Shared rows

extension ReportModel {
    /// One labelled value of a definition list; `code` marks values set in a fixed-width font
    /// (hashes, ids, command lines).
    package struct Fact: Sendable, Encodable {
        package var label: String
        package var value: String
        package var code = false
    }

    /// A count with a label and the key its style and anchor use (`high`, `secret-access`).
    package struct Count: Sendable, Encodable {
        package var key: String
        package var label: String
        package var count: Int
        package var display: String
    }

    /// A link to an entry elsewhere in the report: a finding, a control.
    package struct Link: Sendable, Encodable {
        package var text: String
        package var anchor: String
    }

    /// One value of a statistics dimension: a user, an address, a verb.
    package struct ActivityRow: Sendable, Encodable {
        package var name: String
        package var requests: Int
        package var requestsText: String
        package var denied: Int
        package var deniedText: String
        package var firstSeen: String
        package var lastSeen: String
    }

    /// A request a rule flagged, as a register lists it.
    package struct FlaggedRequest: Sendable, Encodable {
        package var time: String
        package var identity: String
        package var action: String
        package var object: String
        package var outcome: String
        package var count: Int
        package var rule: String
        package var severity: String
        package var finding: Link
    }

    /// Requests to one resource, of any verb, from the statistics.
    package struct ResourceTotal: Sendable, Encodable {
        package var resource: String
        package var requests: String
        package var denied: String
        package var firstSeen: String
        package var lastSeen: String
    }

    /// A register or ledger: the requests the rules flagged, the totals the statistics hold, and
    /// what it cannot show.
    package struct Register: Sendable, Encodable {
        /// Names its tables in the page (`sensitive-access`).
        package var key: String
        package var note: String
        package var rows: LazyList<FlaggedRequest>
        package var totals: [ResourceTotal]
        package var totalsNote: String
    }
}

// MARK: - Sections

extension ReportModel {
    /// 1 · Cover and scope.
    package struct Cover: Sendable, Encodable {
        package var title: String
        package var subtitle: String
        package var statement: String
        package var reportID: String
        package var generatedAt: String
        package var facts: [Fact]
        package var clusters: [ClusterPeriod]
        /// The frameworks shown, each with its catalog version and the namespaces of its scope.
        package var frameworks: [Framework]
        /// How each scope was declared.
        package var scopeNotes: [String]
        package var partial: Bool
        package var partialNote: String

        package struct ClusterPeriod: Sendable, Encodable {
            package var name: String
            package var inputs: Int
            package var events: String
            package var firstEvent: String
            package var lastEvent: String
        }

        package struct Framework: Sendable, Encodable {
            package var title: String
            package var version: String
            package var id: String
            package var scope: String
            package var namespaces: String
            package var anchor: String
        }
    }

    /// 2 · Executive summary.
    package struct ExecutiveSummary: Sendable, Encodable {
        /// The figures a reader looks at first, large.
        package var tiles: [Fact]
        package var headlines: [String]
        package var severities: [Count]
        package var categories: [Count]
        package var frameworks: [FrameworkCounts]
        package var topRules: [RuleCount]
        package var topActors: [Actor]

        package struct FrameworkCounts: Sendable, Encodable {
            package var title: String
            package var anchor: String
            package var controls: Int
            package var exceptionsFound: Int
            package var partiallyAssessable: Int
            package var blind: Int
            package var noExceptionsObserved: Int
            package var notAssessable: Int
        }

        package struct RuleCount: Sendable, Encodable {
            package var severity: String
            package var title: String
            package var name: String
            package var findings: Int
            package var actor: String
            package var first: Link
        }

        package struct Actor: Sendable, Encodable {
            package var name: String
            package var findings: Int
            package var highest: String
            package var requests: String
            package var denied: String
        }
    }

    /// 3 · Evidence inventory and integrity.
    package struct Inventory: Sendable, Encodable {
        package var inputs: [Input]
        package var total: String
        package var inputsSHA256: String
        package var recomputeCommand: String
        package var recomputeNote: String

        package struct Input: Sendable, Encodable {
            package var path: String
            package var cluster: String
            package var size: String
            package var bytes: Int
            package var sha256: String
            package var container: String
            package var events: Int
            package var eventsText: String
            package var firstEvent: String
            package var lastEvent: String
            package var skipped: String
            package var problems: [String]
            package var damaged: Bool
            package var members: [Member]
        }

        package struct Member: Sendable, Encodable {
            package var name: String
            package var compression: String
            package var lines: String
            package var events: String
            package var firstEvent: String
            package var lastEvent: String
        }
    }

    /// 4 · Method and parameters: enough to run the analysis again.
    package struct Method: Sendable, Encodable {
        package var commandLine: String
        package var facts: [Fact]
        /// The control catalogs used, exactly: where each came from and its SHA-256.
        package var catalogs: [Catalog]
        package var deduplication: [String]
        package var rules: [Rule]
        package var ruleSetSHA256: String

        package struct Catalog: Sendable, Encodable {
            package var id: String
            package var title: String
            package var version: String
            package var origin: String
            package var sha256: String
        }

        package struct Rule: Sendable, Encodable {
            package var name: String
            package var title: String
            package var version: Int
            package var kind: String
            package var category: String
            package var severity: String
            package var auditLevel: String
            package var condition: String
            package var findings: Int
            package var origin: String
        }
    }

    /// 5 · Completeness: where every event went, what was damaged or skipped, what the audit
    /// policy let the rules see.
    package struct Completeness: Sendable, Encodable {
        package var facts: [Fact]
        package var reconciliation: String
        package var skipped: [Skip]
        /// Records an export carries beside the audit events by design (not data loss).
        package var passedOver: [Skip]
        /// Events by the shape they arrived in, over all inputs.
        package var formats: [Fact]
        /// Cloud control-plane operations found among the records; no rule or statistic sees them.
        package var cloudOperations: [CloudOperation]
        package var problems: [Problem]
        package var quietHours: [String]
        package var quietHoursNote: String
        package var levels: [Level]
        package var blindRules: [BlindRule]
        /// Per cluster: gaps, clock anomalies, PCI DSS 10.2.2 fields and days covered.
        package var clusters: [Cluster]
        /// What an audit log cannot show of its own completeness.
        package var limits: [String]
        package var note: String

        package struct Skip: Sendable, Encodable {
            package var reason: String
            package var meaning: String
            package var count: String
            package var locations: String
        }

        package struct CloudOperation: Sendable, Encodable {
            package var time: String
            package var method: String
            package var resource: String
            package var principal: String
            package var sourceIP: String
            package var outcome: String
            package var location: String
        }

        package struct Problem: Sendable, Encodable {
            package var file: String
            package var member: String
            package var kind: String
            package var message: String
            package var dataLoss: String
        }

        package struct Level: Sendable, Encodable {
            package var resource: String
            package var metadata: String
            package var request: String
            package var requestResponse: String
            package var unknown: String
            package var highest: String
            /// Verbs by the most detailed level they were logged at.
            package var byVerb: String
        }

        package struct BlindRule: Sendable, Encodable {
            package var name: String
            package var auditLevel: String
            package var reason: String
            /// The controls only partially assessable, or blind, because of it.
            package var controls: String
        }
    }

    /// 7 · Findings.
    package struct FindingsSection: Sendable, Encodable {
        package var total: String
        package var rows: LazyList<Row>
        package var detailed: LazyList<Row>
        package var omittedDetails: Int
        package var byRule: [RuleFindings]

        /// One finding: a row of the findings table, and a detailed entry.
        package struct Row: Sendable, Encodable {
            package var id: String
            package var anchor: String
            package var severity: String
            package var category: String
            package var title: String
            package var rule: String
            package var ruleID: String
            package var ruleVersion: Int
            package var kind: String
            package var attack: String
            package var firstSeen: String
            package var lastSeen: String
            package var count: Int
            package var requests: String
            package var identity: String
            package var groups: String
            package var impersonated: String
            package var sourceIPs: String
            package var userAgent: String
            package var action: String
            package var object: String
            package var requestURI: String
            package var command: String
            package var outcome: String
            package var grouping: String
            package var controls: [Link]
            package var relatedControls: [Link]
            /// The same, as one line of text.
            package var controlsText: String
            package var relatedControlsText: String
            package var evidence: [Evidence]
            package var moreEvidence: Int
            /// With a state: the reviewer's disposition (`false-positive by bob, 2026-11-22 09:00:00 UTC: load test`), and
            /// the finding an earlier run reported for the start of this episode.
            package var disposition = ""
            package var continues = ""
        }

        package struct Evidence: Sendable, Encodable {
            package var file: String
            package var member: String
            package var line: Int
            package var stage: String
            package var auditID: String
        }

        package struct RuleFindings: Sendable, Encodable {
            package var severity: String
            package var title: String
            package var rule: String
            package var category: String
            package var findings: Int
            package var firstSeen: String
            package var lastSeen: String
            package var first: Link
        }
    }

    /// 8 · Control matrix per framework.
    package struct ControlsSection: Sendable, Encodable {
        package var present: Bool
        package var statement: String
        package var statuses: [Status]
        package var frameworks: [Framework]

        package struct Status: Sendable, Encodable {
            package var key: String
            package var label: String
            package var meaning: String
        }

        package struct Framework: Sendable, Encodable {
            package var id: String
            package var anchor: String
            package var title: String
            package var version: String
            package var source: String
            package var notice: String
            package var coverage: String
            package var scope: String
            package var counts: [Count]
            package var families: [Family]
        }

        package struct Family: Sendable, Encodable {
            package var id: String
            package var title: String
            package var counts: String
            package var controls: [Control]
        }

        package struct Control: Sendable, Encodable {
            package var id: String
            package var anchor: String
            package var title: String
            package var status: String
            package var statusLabel: String
            package var reason: String
            package var findings: [Link]
            package var moreFindings: Int
            package var related: Int
            package var outOfScope: Int
            package var rules: String
            package var needs: String
            package var notes: String
        }
    }

    /// 9 · Privileged-activity register: by identity and day.
    package struct PrivilegedRegister: Sendable, Encodable {
        package var note: String
        package var rows: [Row]

        package struct Row: Sendable, Encodable {
            package var identity: String
            package var day: String
            package var findings: Int
            package var requests: Int
            package var highest: String
            package var rules: String
            package var first: Link
        }
    }

    /// 12 · Authentication and authorization failures: complete from the statistics, with the
    /// findings the rules made of them.
    package struct AuthFailures: Sendable, Encodable {
        package var key: String
        package var note: String
        /// By response code, by identity, by source address.
        package var tables: [Activity.Table]
        package var rows: LazyList<FlaggedRequest>
    }

    /// 14 · Activity statistics.
    package struct Activity: Sendable, Encodable {
        package var tables: [Table]
        package var newIdentities: [ActivityRow]
        package var newIdentitiesNote: String

        package struct Table: Sendable, Encodable {
            package var key: String
            package var title: String
            package var csv: String
            package var rows: [ActivityRow]
            package var more: Int
            package var note: String
        }
    }

    /// Glossary, licence notices and the files of the report.
    package struct Appendix: Sendable, Encodable {
        package var glossary: [Fact]
        package var notices: [Fact]
        package var files: [Fact]
    }
}
