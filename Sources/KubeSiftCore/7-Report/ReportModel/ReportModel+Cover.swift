extension ReportModel.Cover {
    init(_ document: ReportDocument) {
        let format = ReportFormatting.self
        let clusterNames = Set(document.inputs.compactMap(\.cluster)).sorted()
        title = "Kubernetes audit log review"
        switch clusterNames.count {
        case 0: subtitle = "Inputs not labelled with a cluster"
        case 1: subtitle = "Cluster \(clusterNames[0])"
        default: subtitle = "Clusters \(clusterNames.joined(separator: ", "))"
        }
        statement = document.compliance?.statement ?? ComplianceResult.statementText
        reportID = document.reportID
        generatedAt = format.time(document.generatedAt)
        let summary = document.summary
        let rules = document.detections.rules
        let correlations = rules.filter { $0.kind == "correlation" }.count
        facts = [
            .init(label: "Report ID", value: document.reportID, code: true),
            .init(label: "Generated", value: format.time(document.generatedAt)),
            .init(label: "Tool", value: "\(document.tool.name) \(document.tool.version)"),
            .init(label: "Window requested", value: ReportModel.windowText(document)),
            .init(label: "Period covered", value: ReportModel.periodText(document)),
            .init(label: "Inputs", value: "\(format.plural(summary.inputFiles, "file")), \(format.bytes(summary.inputBytes))"),
            .init(label: "SHA-256 of the inputs", value: document.inputsSHA256, code: true),
            .init(label: "Events", value: "\(format.count(summary.eventsRead)) read, \(format.count(summary.distinctEvents)) distinct, "
                + "\(format.count(summary.distinctRequests)) requests"),
            .init(label: "Rule set", value: "\(format.plural(rules.count, "rule")) (\(format.count(rules.count - correlations)) detections, "
                + "\(format.count(correlations)) correlations)"),
            .init(label: "SHA-256 of the rule set", value: document.detections.ruleSetSHA256, code: true),
            .init(label: "Findings", value: ReportModel.findingsText(document)),
        ]
        var byCluster: [String: [ReportDocument.Input]] = [:]
        for input in document.inputs { byCluster[input.cluster ?? "", default: []].append(input) }
        clusters = byCluster.keys.sorted().map { name in
            let inputs = byCluster[name]!
            return ClusterPeriod(
                name: name.isEmpty ? "(not labelled)" : name, inputs: inputs.count,
                events: format.count(inputs.reduce(0) { $0 + $1.events }),
                firstEvent: format.time(inputs.compactMap(\.firstEvent).min()),
                lastEvent: format.time(inputs.compactMap(\.lastEvent).max()))
        }
        let scopes = document.compliance?.scopes ?? []
        frameworks = (document.compliance?.frameworks ?? []).map { framework in
            let scope = scopes.first { $0.name == framework.scope }
            return Framework(title: framework.title, version: framework.version, id: framework.id, scope: framework.scope.rawValue,
                             namespaces: scope.map { $0.namespaces == ["*"] ? "every namespace" : $0.namespaces.joined(separator: ", ") } ?? "",
                             anchor: ReportModel.anchor("framework", framework.id))
        }
        scopeNotes = scopes.map { "\($0.name.rawValue): \($0.statement)" }
        partial = summary.partial
        partialNote = summary.partial
            ? "Some input was damaged or some records could not be read: this report is partial. Completeness says what is missing."
            : ""
    }
}

extension ReportModel.ExecutiveSummary {
    init(_ document: ReportDocument) {
        let format = ReportFormatting.self
        let findings = document.detections.findings
        let summary = document.summary
        var lines: [String] = []
        let rulesWithFindings = Set(findings.map(\.rule.id)).count
        lines.append(findings.isEmpty
            ? "No rule found anything in the reviewed events."
            : "\(format.plural(findings.count, "finding")) from \(format.plural(rulesWithFindings, "rule")): "
                + ReportModel.severityBreakdown(findings) + ".")
        lines.append("\(format.plural(summary.eventsRead, "event")) read from \(format.plural(summary.inputFiles, "input file")) "
            + "(\(ByteCount(summary.inputBytes))); \(format.plural(summary.distinctRequests, "distinct request")), "
            + "\(ReportModel.periodText(document)).")
        if summary.partial {
            lines.append("The evidence is incomplete: \(format.plural(summary.inputsWithDataLoss, "input")) lost data and "
                + "\(format.plural(summary.recordsSkipped, "record was", "records were")) skipped (see Completeness).")
        } else {
            lines.append("Every input was read to its end and every record decoded.")
        }
        if let compliance = document.compliance {
            var total = ComplianceResult.StatusCounts()
            for framework in compliance.frameworks {
                total.controls += framework.summary.controls
                total.exceptionsFound += framework.summary.exceptionsFound
                total.partiallyAssessable += framework.summary.partiallyAssessable
                total.blind += framework.summary.blind
                total.notAssessable += framework.summary.notAssessable
            }
            lines.append("Across \(format.plural(compliance.frameworks.count, "framework")), "
                + "\(format.plural(total.exceptionsFound, "control has", "controls have")) exceptions, "
                + "\(format.count(total.partiallyAssessable)) \(total.partiallyAssessable == 1 ? "is" : "are") partially assessable and "
                + "\(format.count(total.blind)) blind; \(format.count(total.notAssessable)) of \(format.count(total.controls)) "
                + "need evidence audit logs cannot give.")
            if !compliance.blindRules.isEmpty {
                lines.append("\(format.count(compliance.blindRules.count)) of \(format.plural(document.detections.rules.count, "rule")) "
                    + "could not see what they look for in this input (see Completeness).")
            }
        }
        headlines = lines
        let severe = findings.filter { $0.rule.severity >= .high }.count
        var tiles: [ReportModel.Fact] = [
            .init(label: "Findings", value: format.count(findings.count)),
            .init(label: "High or critical", value: format.count(severe)),
            .init(label: "Requests", value: format.count(summary.distinctRequests)),
            .init(label: summary.partial ? "Inputs, some damaged or skipped" : "Inputs, all read in full",
                  value: format.count(summary.inputFiles)),
        ]
        if let compliance = document.compliance {
            let controls = compliance.frameworks.reduce(0) { $0 + $1.summary.controls }
            let exceptions = compliance.frameworks.reduce(0) { $0 + $1.summary.exceptionsFound }
            tiles.insert(.init(label: "Controls with exceptions", value: "\(format.count(exceptions)) of \(format.count(controls))"), at: 2)
            tiles.insert(.init(label: "Rules blind to this input",
                               value: "\(format.count(compliance.blindRules.count)) of \(format.count(document.detections.rules.count))"),
                         at: 3)
        }
        self.tiles = tiles

        var bySeverity: [Severity: Int] = [:]
        for finding in findings { bySeverity[finding.rule.severity, default: 0] += 1 }
        severities = Severity.allCases.reversed().map { severity in
            let count = bySeverity[severity, default: 0]
            return ReportModel.Count(key: severity.rawValue, label: severity.rawValue, count: count, display: format.count(count))
        }
        var byCategory: [String: Int] = [:]
        for finding in findings { byCategory[finding.rule.category.rawValue, default: 0] += 1 }
        categories = byCategory.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
            ReportModel.Count(key: $0.key, label: $0.key, count: $0.value, display: format.count($0.value))
        }
        frameworks = (document.compliance?.frameworks ?? []).map { framework in
            let counts = framework.summary
            return FrameworkCounts(
                title: "\(framework.title) \(framework.version)", anchor: ReportModel.anchor("framework", framework.id),
                controls: counts.controls, exceptionsFound: counts.exceptionsFound,
                partiallyAssessable: counts.partiallyAssessable, blind: counts.blind,
                noExceptionsObserved: counts.noExceptionsObserved, notAssessable: counts.notAssessable)
        }

        var byRule: [String: [Finding]] = [:]
        for finding in findings { byRule[finding.rule.id, default: []].append(finding) }
        topRules = byRule.values
            .sorted { lhs, rhs in
                (lhs[0].rule.severity.rank, lhs.count, rhs[0].rule.name) > (rhs[0].rule.severity.rank, rhs.count, lhs[0].rule.name)
            }
            .prefix(10)
            .map { group in
                RuleCount(severity: group[0].rule.severity.rawValue, title: group[0].rule.title, name: group[0].rule.name,
                          findings: group.count, actor: ReportModel.identity(of: group[0]), first: ReportModel.link(to: group[0]))
            }

        var byActor: [String: (findings: Int, highest: Severity)] = [:]
        for finding in findings {
            let actor = ReportModel.identity(of: finding)
            let seen = byActor[actor]
            byActor[actor] = ((seen?.findings ?? 0) + 1, max(seen?.highest ?? .info, finding.rule.severity))
        }
        let users = Dictionary(document.activity.users.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        topActors = byActor.sorted { ($1.value.findings, $0.key) < ($0.value.findings, $1.key) }.prefix(10).map { actor, seen in
            let activity = users[actor]
            return Actor(name: actor, findings: seen.findings, highest: seen.highest.rawValue,
                         requests: activity.map { format.count($0.requests) } ?? "–",
                         denied: activity.map { format.count($0.denied) } ?? "–")
        }
    }
}

extension ReportModel {
    /// The window as asked for, in words.
    static func windowText(_ document: ReportDocument) -> String {
        let window = document.window
        let parameters = document.parameters
        var text: String
        switch (window.since, window.until) {
        case (nil, nil): return "None: every event read is analysed"
        case let (since?, nil): text = "From \(ReportFormatting.time(since)) (inclusive)"
        case let (nil, until?): text = "Until \(ReportFormatting.time(until)) (exclusive)"
        case let (since?, until?):
            text = "From \(ReportFormatting.time(since)) (inclusive) to \(ReportFormatting.time(until)) (exclusive)"
        }
        let given = [parameters.since.map { "--since \($0)" }, parameters.until.map { "--until \($0)" }].compactMap { $0 }
        text += ", on requestReceivedTimestamp (\(given.joined(separator: " "))"
        if let now = parameters.now { text += ", resolved against \(ReportFormatting.time(now))" }
        return text + ")"
    }

    /// The first and last event analysed, and the time between them.
    static func periodText(_ document: ReportDocument) -> String {
        guard let first = document.summary.firstEvent, let last = document.summary.lastEvent else { return "no event analysed" }
        return "\(ReportFormatting.time(first)) to \(ReportFormatting.time(last)) "
            + "(\(ReportFormatting.duration(microseconds: last.microseconds - first.microseconds)))"
    }

    /// `57 (15 high, 10 medium, 32 low)`.
    static func findingsText(_ document: ReportDocument) -> String {
        let findings = document.detections.findings
        return findings.isEmpty ? "none" : "\(ReportFormatting.count(findings.count)) (\(severityBreakdown(findings)))"
    }

    /// `15 high, 10 medium, 32 low`, most severe first.
    static func severityBreakdown(_ findings: [Finding]) -> String {
        var counts: [Severity: Int] = [:]
        for finding in findings { counts[finding.rule.severity, default: 0] += 1 }
        return Severity.allCases.reversed().compactMap { severity in
            counts[severity].map { "\(ReportFormatting.count($0)) \(severity.rawValue)" }
        }.joined(separator: ", ")
    }

    /// Who a finding is about: the user (and whom they impersonated), every user of a correlation,
    /// or its group values.
    static func identity(of finding: Finding) -> String {
        if let users = finding.users, !users.isEmpty { return users.joined(separator: ", ") }
        if let user = finding.request.username {
            return finding.request.impersonatedUser.map { "\(user) as \($0)" } ?? user
        }
        if let group = finding.group, !group.isEmpty {
            return group.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        }
        return "(no user)"
    }

    static func link(to finding: Finding) -> Link {
        Link(text: finding.id, anchor: anchor("finding", finding.id))
    }

    /// An element id: `finding-2e391494d7fa1cbe`, `control-pci-dss-4.0.1-10.2.1.2`. Ids hold no
    /// whitespace; anything but letters, digits and `.-_:()` becomes `_`.
    static func anchor(_ kind: String, _ parts: String...) -> String {
        // Written in one pass: thousands of findings link to a dozen controls each.
        let length = parts.reduce(kind.utf8.count) { $0 + 1 + $1.utf8.count }
        return String(unsafeUninitializedCapacity: length) { buffer in
            var index = 0
            func append(_ text: String) {
                for byte in text.utf8 {
                    buffer[index] = isAnchorByte(byte) ? byte : UInt8(ascii: "_")
                    index += 1
                }
            }
            append(kind)
            for part in parts {
                buffer[index] = UInt8(ascii: "-")
                index += 1
                append(part)
            }
            return index
        }
    }

    private static func isAnchorByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"):
            true
        default:
            false
        }
    }
}
