extension ReportModel.FindingsSection {
    /// Evidence references a detailed finding shows; `findings.jsonl` has them all.
    static let evidenceShown = 5

    init(_ document: ReportDocument) {
        let findings = document.detections.findings
        total = findings.isEmpty ? "No finding." : "\(ReportFormatting.plural(findings.count, "finding")): "
            + ReportModel.severityBreakdown(findings) + "."
        rows = ReportModel.LazyList(findings) { Self.row($0, reading: $1) }
        detailed = ReportModel.LazyList(Array(findings.indices.prefix(ReportModel.detailedFindingsLimit))) {
            Self.row(findings[$0], reading: $1)
        }
        omittedDetails = max(0, rows.count - ReportModel.detailedFindingsLimit)
        var byRule: [String: [Finding]] = [:]
        for finding in findings { byRule[finding.rule.id, default: []].append(finding) }
        self.byRule = byRule.values
            .sorted { ($0[0].rule.severity.rank, $0.count, $1[0].rule.name) > ($1[0].rule.severity.rank, $1.count, $0[0].rule.name) }
            .map { group in
                RuleFindings(severity: group[0].rule.severity.rawValue, title: group[0].rule.title, rule: group[0].rule.name,
                             category: group[0].rule.category.rawValue, findings: group.count,
                             firstSeen: ReportFormatting.time(group.compactMap(\.firstSeen).min()),
                             lastSeen: ReportFormatting.time(group.compactMap(\.lastSeen).max()),
                             first: ReportModel.link(to: group[0]))
            }
    }

    /// The row of `finding`; with `keys`, the lists and joined texts of other names are left empty
    /// (the table of every finding reads none of them).
    static func row(_ finding: Finding, reading keys: Set<String>? = nil) -> Row {
        func reads(_ name: String) -> Bool { keys?.contains(name) ?? true }
        let request = finding.request
        var grouping: [String] = []
        if reads("grouping") {
            grouping = (finding.group ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
            if let distinct = finding.distinctValues { grouping.append("\(ReportFormatting.count(distinct)) distinct values") }
        }
        let shown = !reads("evidence") ? [] : finding.evidence.prefix(evidenceShown).map { evidence in
            Evidence(file: evidence.file, member: evidence.member ?? "", line: evidence.line, stage: evidence.stage,
                     auditID: evidence.auditID)
        }
        var row = Row(
            id: finding.id, anchor: ReportModel.anchor("finding", finding.id), severity: finding.rule.severity.rawValue,
            category: finding.rule.category.rawValue, title: finding.rule.title, rule: finding.rule.name, ruleID: finding.rule.id,
            ruleVersion: finding.rule.version, kind: finding.kind.rawValue, attack: finding.rule.attack.joined(separator: ", "),
            firstSeen: ReportFormatting.time(finding.firstSeen), lastSeen: ReportFormatting.time(finding.lastSeen),
            count: finding.count, requests: ReportFormatting.plural(finding.count, "request"), identity: ReportModel.identity(of: finding), groups: (request.groups ?? []).joined(separator: ", "),
            impersonated: request.impersonatedUser ?? "",
            sourceIPs: (finding.sourceIPs ?? request.sourceIPs).joined(separator: ", "), userAgent: request.userAgent ?? "",
            action: ReportModel.action(of: request), object: ReportModel.object(of: request),
            requestURI: request.requestURI ?? "", command: request.command ?? "", outcome: ReportModel.outcome(of: request),
            grouping: grouping.joined(separator: "; "),
            controls: reads("controls") ? (finding.controls ?? []).map(ReportModel.controlLink) : [],
            relatedControls: reads("relatedControls") ? (finding.relatedControls ?? []).map(ReportModel.controlLink) : [],
            controlsText: reads("controlsText") ? (finding.controls ?? []).joined(separator: ", ") : "",
            relatedControlsText: reads("relatedControlsText") ? (finding.relatedControls ?? []).joined(separator: ", ") : "",
            evidence: Array(shown), moreEvidence: finding.evidence.count - min(finding.evidence.count, evidenceShown)
                + (finding.evidenceOmitted ?? 0))
        row.disposition = finding.disposition.map {
            "\($0.kind.rawValue) by \($0.by), \(ReportFormatting.time($0.at)): \($0.reason)"
        } ?? ""
        row.continues = finding.continues ?? ""
        return row
    }
}

extension ReportModel.ControlsSection {
    /// Finding links a control shows; its `findings` in `report.json` list them all.
    static let findingsShown = 12

    init(_ document: ReportDocument) {
        guard let compliance = document.compliance else {
            self.init(present: false, statement: "No compliance mapping ran.", statuses: [], frameworks: [])
            return
        }
        let scopes = Dictionary(compliance.scopes.flatMap { scope in scope.frameworks.map { ($0, scope.statement) } },
                                uniquingKeysWith: { first, _ in first })
        self.init(
            present: true, statement: compliance.statement,
            statuses: compliance.statuses.map { Status(key: $0.status.rawValue, label: $0.label, meaning: $0.meaning) },
            frameworks: compliance.frameworks.map { framework in
                Framework(
                    id: framework.id, anchor: ReportModel.anchor("framework", framework.id), title: framework.title,
                    version: framework.version, source: framework.source, notice: framework.textNotice,
                    coverage: framework.coverage, scope: scopes[framework.id] ?? "",
                    counts: Self.counts(framework.summary),
                    families: framework.families.map { family in
                        Family(id: family.id, title: family.title,
                               counts: Self.counts(family.summary).filter { $0.count > 0 }.map { "\($0.display) \($0.label.lowercased())" }
                                .joined(separator: ", "),
                               controls: family.controls.map { Self.control($0, catalog: framework.id) })
                    })
            })
    }

    static func counts(_ summary: ComplianceResult.StatusCounts) -> [ReportModel.Count] {
        let values: [(ControlStatus, Int)] = [
            (.exceptionsFound, summary.exceptionsFound), (.partiallyAssessable, summary.partiallyAssessable),
            (.blind, summary.blind), (.noExceptionsObserved, summary.noExceptionsObserved), (.notAssessable, summary.notAssessable),
        ]
        return values.map { status, count in
            ReportModel.Count(key: status.rawValue, label: status.label, count: count, display: ReportFormatting.count(count))
        }
    }

    static func control(_ control: ComplianceResult.ControlResult, catalog: String) -> Control {
        let blind = Set(control.blindRules)
        return Control(
            id: control.id, anchor: ReportModel.anchor("control", catalog, control.id), title: control.title,
            status: control.status.rawValue, statusLabel: control.status.label, reason: control.reason,
            findings: control.findings.prefix(findingsShown).map { ReportModel.Link(text: $0, anchor: ReportModel.anchor("finding", $0)) },
            moreFindings: max(0, control.findings.count - findingsShown), related: control.relatedFindings.count,
            outOfScope: control.outOfScopeFindings.count,
            rules: control.rules.map { blind.contains($0) ? "\($0) (blind)" : $0 }.joined(separator: ", "),
            needs: control.needs.map { "\($0.resource) at \($0.level.rawValue): \($0.seen ? "seen" : "not seen")" }
                .joined(separator: "; "),
            notes: control.notes ?? "")
    }
}

extension ReportModel {
    /// `get secrets`, `create pods/exec`, `get /healthz`.
    static func action(of request: RequestSummary) -> String {
        let verb = request.verb ?? "?"
        guard let resource = request.resource else { return verb + (request.requestURI.map { " " + $0 } ?? "") }
        return "\(verb) \(resource)\(request.subresource.map { "/" + $0 } ?? "")"
    }

    /// `shop/frontend-tls`, `ops-everything` (cluster-scoped), `shop/*` (a list).
    static func object(of request: RequestSummary) -> String {
        guard request.resource != nil else { return "" }
        switch (request.namespace, request.name) {
        case let (namespace?, name?): return "\(namespace)/\(name)"
        case let (namespace?, nil): return "\(namespace)/*"
        case let (nil, name?): return name
        case (nil, nil): return "*"
        }
    }

    /// `200 allow`, `403 forbid`, `401`.
    static func outcome(of request: RequestSummary) -> String {
        [request.responseCode.map(String.init), request.decision].compactMap { $0 }.joined(separator: " ")
    }

    /// A `catalog:control` reference and the anchor of its row in the control matrix.
    static func controlLink(_ reference: String) -> Link {
        guard let colon = reference.firstIndex(of: ":") else { return Link(text: reference, anchor: anchor("control", reference)) }
        return Link(text: reference,
                    anchor: anchor("control", String(reference[..<colon]), String(reference[reference.index(after: colon)...])))
    }
}
