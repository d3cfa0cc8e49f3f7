@testable import KubeSiftCore

/// A small catalog, mapping and rule set to compute statuses with, written the way users write them.
enum ComplianceFixture {
    /// Catalog `t` (scope cde): one control per situation a status rule covers.
    static let catalog = """
        id: t
        framework: test
        title: Test framework
        version: "1"
        aliases: [t-old]
        source: https://example.com/test
        text-license: reusable
        text-notice: Made up for tests.
        scope: cde
        coverage: Everything.
        families:
          - id: T
            title: Test family
            controls:
              - {id: NONE, title: Not in any log}
              - {id: EXC, title: Primary for secret access, assessable: partial, evidence: [exception]}
              - {id: REL, title: Secondary for secret access, assessable: partial, evidence: [exception]}
              - {id: BLIND, title: Only exec rules, assessable: partial, evidence: [exception]}
              - {id: PART, title: RBAC and exec rules, assessable: partial, evidence: [exception]}
              - {id: NOSRC, title: Mapped from nothing, assessable: partial, notes: Needs something this run lacks.}
              - {id: SEEN, title: Needs secrets metadata, assessable: full, evidence: [capture], needs: [{resource: secrets}]}
              - {id: UNSEEN, title: Needs secret bodies, assessable: full, evidence: [capture], needs: [{resource: secrets, level: Request}]}
              - {id: COV, title: The run itself, assessable: full, evidence: [review]}
              - {id: ADD, title: Added by a rule, assessable: partial, evidence: [exception]}
              - {id: RM, title: Removed by a rule, assessable: partial, evidence: [exception]}
        """

    static let mapping = """
        categories:
          secret-access:
            t: [EXC, {id: REL, weight: secondary}, RM]
          exec-attach:
            t: [BLIND, PART]
          rbac-change:
            t: [PART]
          audit-coverage:
            t: [COV]
        """

    static func rule(_ name: String, category: String, level: String = "Metadata", selection: String,
                     controls: String = "") -> String
    {
        """
        title: \(name)
        id: \(name)-id
        name: \(name)
        logsource: {product: kubernetes, service: audit}
        detection:
          selection: \(selection)
          condition: selection
        level: high
        kubesift:
          category: \(category)
          audit-level: \(level)
        \(controls)
        """
    }

    static let rules = [
        rule("secret-reader", category: "secret-access", selection: "{verb: get, objectRef.resource: secrets}",
             controls: "  controls: {add: [t-old:ADD], remove: [t:RM]}"),
        rule("exec-watcher", category: "exec-attach", selection: "{objectRef.resource: pods, objectRef.subresource: exec}"),
        rule("role-writer", category: "rbac-change", level: "Request",
             selection: "{verb: create, objectRef.resource: roles, objectRef.apiGroup: rbac.authorization.k8s.io}"),
    ]

    static func library(catalog: String = catalog, mapping: String = mapping) throws -> ControlLibrary {
        let catalogs = ControlLoader.load(yaml: catalog, path: "t.yaml", isBuiltIn: false)
        let mappings = ControlLoader.load(yaml: mapping, path: "map.yaml", isBuiltIn: false)
        if let problem = (catalogs.problems + mappings.problems).first { throw problem }
        return try ControlLibrary(catalogs: catalogs.catalogs, mappings: mappings.mappings)
    }

    static func ruleSet(_ documents: [String] = rules) throws -> RuleSet { try RuleFixture.ruleSet(documents) }

    /// A finding of `rule` on a request in `namespace` (nil: a cluster-scoped object).
    static func finding(_ id: String, rule: RuleMetadata, namespace: String?) -> Finding {
        let request = RequestSummary(
            auditID: id, time: nil, verb: "get", username: "alice", groups: nil, impersonatedUser: nil, sourceIPs: [],
            userAgent: nil, apiGroup: nil, namespace: namespace, resource: "secrets", name: "db", subresource: nil,
            requestURI: nil, command: nil, decision: nil, responseCode: 200, level: "Metadata")
        return Finding(id: id, rule: .init(rule), kind: .request, firstSeen: nil, lastSeen: nil, count: 1, auditIDs: [id],
                       request: request, group: nil, distinctValues: nil, users: nil, sourceIPs: nil, evidence: [])
    }

    /// A result whose input held `levels` (resource → counts) and whose rules found `findings`.
    static func result(levels: [String: LevelCounts], findings: [Finding], distinctEvents: Int = 100,
                       inputsWithDataLoss: Int = 0) -> AnalysisResult
    {
        var activity = ActivityStats()
        activity.levels = levels
        var totals = AnalysisResult.Totals()
        totals.distinctEvents = distinctEvents
        totals.inputsWithDataLoss = inputsWithDataLoss
        return AnalysisResult(window: .unbounded, inputs: [], totals: totals, skipped: [:], activity: activity,
                              findings: findings)
    }
}
