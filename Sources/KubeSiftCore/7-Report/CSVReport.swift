/// The CSV files of a report: the findings, the control matrix, the evidence inventory and one file
/// per statistics table, for a spreadsheet or a GRC tool.
///
/// RFC 4180: a header row, CRLF line ends, fields quoted when needed; every text field passes
/// through ``ReportText/csv(_:)``, which also defuses spreadsheet formulas. Columns are stable
/// within a schema version: new ones are only ever added at the end. Times are RFC 3339 in UTC;
/// lists are joined with `; `.
package enum CSVReport {
    /// A file of the report: its name, and what writes its bytes, handing them to `emit` a batch
    /// of rows at a time (findings.csv of 25,000 findings is tens of megabytes).
    package struct File {
        package let name: String
        package let write: (_ emit: ([UInt8]) throws -> Void) throws -> Void
    }

    /// Every CSV file of the report, in the order they are listed.
    package static func files(_ document: ReportDocument) -> [File] {
        var files = [
            File(name: "findings.csv") { try findings(document, emit: $0) },
            File(name: "controls.csv") { try controls(document, emit: $0) },
            File(name: "inputs.csv") { try inputs(document, emit: $0) },
        ]
        for statistics in ReportModel.statisticsTables {
            files.append(File(name: statistics.file) { emit in
                try table(["name", "requests", "denied", "first_seen", "last_seen"],
                          document.activity.rows(statistics.dimension).lazy.map { row in
                              [.text(row.name), .number(row.requests), .number(row.denied), .time(row.firstSeen), .time(row.lastSeen)]
                          }, emit: emit)
            })
        }
        files.append(File(name: "activity-hourly.csv") { emit in
            try table(["hour", "requests", "denied"], document.activity.hourly.lazy.map {
                [.time($0.hour), .number($0.requests), .number($0.denied)]
            }, emit: emit)
        })
        files.append(File(name: "activity-audit-levels.csv") { emit in
            try table(["resource", "metadata", "request", "request_response", "unknown"], document.activity.auditLevels.lazy.map {
                [.text($0.resource), .number($0.metadata), .number($0.request), .number($0.requestResponse), .number($0.unknown)]
            }, emit: emit)
        })
        files.append(File(name: completenessName) { try completeness(document.completeness, emit: $0) })
        if let ledger = document.ledger { files.append(File(name: ledgerName) { try self.ledger(ledger, emit: $0) }) }
        return files
    }

    static let completenessName = "completeness.csv"

    /// What each cluster's log says of its own completeness, one row per item: where logging starts
    /// and stops, each gap, each kind of clock anomaly, each PCI DSS 10.2.2 element, the days covered.
    static func completeness(_ result: CompletenessResult, emit: ([UInt8]) throws -> Void) throws {
        func place(_ at: EventProvenance?) -> String { at.map(ReportFormatting.location) ?? "" }
        func seconds(_ microseconds: Int64) -> Int { Int(microseconds / 1_000_000) }
        var rows: [[Field]] = []
        for cluster in result.clusters {
            let name = Field.text(cluster.cluster ?? "")
            if let started = cluster.started {
                rows.append([name, .text("logging-started"), .time(started.time), .time(nil), .text(""), .text(""), .text(""),
                             .list([place(started.at)])])
            }
            if let stopped = cluster.stopped {
                rows.append([name, .text("logging-stopped"), .time(stopped.time), .time(nil), .text(""), .text(""), .text(""),
                             .list([place(stopped.at)])])
            }
            for gap in cluster.gaps {
                rows.append([name, .text("gap"), .time(gap.from), .time(gap.to), .number(seconds(gap.microseconds)), .text(""),
                             .text("threshold \(seconds(cluster.gapThreshold.microseconds)) s, \(cluster.gapThreshold.source)"),
                             .list([place(gap.lastBefore), place(gap.firstAfter)])])
            }
            for (kind, anomaly) in [("stage-before-request", cluster.clock.stageBeforeRequest), ("out-of-order", cluster.clock.outOfOrder)]
            where anomaly.count > 0 {
                rows.append([name, .text(kind), .time(nil), .time(nil), .number(seconds(anomaly.largest)), .number(anomaly.count),
                             .text("largest skew in seconds"), .list(anomaly.examples.map { place($0.at) })])
            }
            for field in cluster.fields {
                rows.append([name, .text("field"), .time(nil), .time(nil), .text(""), .number(field.events),
                             .text("\(field.element): \(field.events) of \(field.of) events (\(field.fields.joined(separator: ", ")))"),
                             .list([])])
            }
            rows.append([name, .text("days-covered"), .time(nil), .time(cluster.retention.end), .text(""),
                         .number(cluster.retention.daysCoveredOf365),
                         .text("\(cluster.retention.daysCoveredOf365) of the last 365 days, \(cluster.retention.daysCoveredOf90) of the last 90"),
                         .list([])])
        }
        try table(["cluster", "kind", "from", "to", "seconds", "count", "detail", "evidence"], rows, emit: emit)
    }

    static let ledgerName = "ledger.csv"

    /// The review ledger: one row per run (runs with a state only).
    static func ledger(_ ledger: ReportDocument.Ledger, emit: ([UInt8]) throws -> Void) throws {
        try table(["run", "started_at", "duration_ms", "since", "until", "inputs_read", "inputs_unchanged", "events_read", "requests",
               "findings", "new_findings", "status", "exit_code"], ledger.runs.map {
            [.number($0.run), .time($0.startedAt), .number($0.durationMilliseconds), .time($0.since), .time($0.until),
             .number($0.inputsRead), .number($0.inputsUnchanged), .number($0.eventsRead), .number($0.requests),
             .number($0.findings), .number($0.newFindings), .text($0.status.rawValue), .number($0.exitCode)]
        }, emit: emit)
    }

    /// The names ``files(_:)`` writes.
    package static var names: [String] {
        ["findings.csv", "controls.csv", "inputs.csv"] + ReportModel.statisticsTables.map(\.file)
            + ["activity-hourly.csv", "activity-audit-levels.csv", completenessName, ledgerName]
    }

    enum Field {
        case text(String)
        case number(Int)
        case time(Timestamp?)
        case list([String])
    }

    /// The header and `rows`, handed to `emit` in batches of about `batchBytes`.
    static func table(_ header: [String], _ rows: some Sequence<[Field]>, batchBytes: Int = 1 << 20,
                      emit: ([UInt8]) throws -> Void) throws {
        var text = header.joined(separator: ",") + "\r\n"
        for row in rows {
            text += row.map { field in
                switch field {
                case let .text(value): ReportText.csv(value)
                case let .number(value): String(value)
                case let .time(value): value.map(\.description) ?? ""
                case let .list(values): ReportText.csv(values.joined(separator: "; "))
                }
            }.joined(separator: ",") + "\r\n"
            if text.utf8.count >= batchBytes {
                try emit(Array(text.utf8))
                text = ""
            }
        }
        if !text.isEmpty { try emit(Array(text.utf8)) }
    }

    /// One row per finding, with disposition columns for the reviewer to fill in (filled from the state
    /// when a reviewer recorded one with `kubesift findings`).
    static func findings(_ document: ReportDocument, emit: ([UInt8]) throws -> Void) throws {
        let header = [
            "id", "first_seen", "last_seen", "severity", "category", "rule", "rule_id", "rule_version", "title", "kind", "count",
            "identity", "users", "groups", "impersonated_user", "source_ips", "user_agent", "verb", "namespace", "resource",
            "subresource", "name", "request_uri", "command", "response_code", "decision", "group", "distinct_values", "attack",
            "controls", "related_controls", "audit_ids", "evidence", "evidence_count",
            "disposition", "reviewer", "reviewed_at", "ticket_or_justification",
        ]
        try table(header, document.detections.findings.lazy.map { finding -> [Field] in
            let request = finding.request
            let evidence = finding.evidence.map { "\($0.file)\($0.member.map { " › \($0)" } ?? ""):\($0.line)" }
            return [
                .text(finding.id), .time(finding.firstSeen), .time(finding.lastSeen), .text(finding.rule.severity.rawValue),
                .text(finding.rule.category.rawValue), .text(finding.rule.name), .text(finding.rule.id),
                .number(finding.rule.version), .text(finding.rule.title), .text(finding.kind.rawValue), .number(finding.count),
                .text(ReportModel.identity(of: finding)), .list(finding.users ?? []), .list(request.groups ?? []),
                .text(request.impersonatedUser ?? ""), .list(finding.sourceIPs ?? request.sourceIPs), .text(request.userAgent ?? ""),
                .text(request.verb ?? ""), .text(request.namespace ?? ""), .text(request.resource ?? ""),
                .text(request.subresource ?? ""), .text(request.name ?? ""), .text(request.requestURI ?? ""),
                .text(request.command ?? ""), request.responseCode.map(Field.number) ?? .text(""), .text(request.decision ?? ""),
                .list((finding.group ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }),
                finding.distinctValues.map(Field.number) ?? .text(""), .list(finding.rule.attack),
                .list(finding.controls ?? []), .list(finding.relatedControls ?? []), .list(finding.auditIDs),
                .list(evidence), .number(finding.evidence.count + (finding.evidenceOmitted ?? 0)),
                .text(finding.disposition?.kind.rawValue ?? ""), .text(finding.disposition?.by ?? ""),
                .time(finding.disposition?.at), .text(finding.disposition?.reason ?? ""),
            ]
        }, emit: emit)
    }

    /// Every control of every framework shown.
    static func controls(_ document: ReportDocument, emit: ([UInt8]) throws -> Void) throws {
        let header = [
            "catalog", "framework", "version", "family", "control", "parent", "title", "assessable", "status", "reason",
            "exception_findings", "related_findings", "out_of_scope_findings", "rules", "blind_rules", "needs", "notes",
        ]
        var rows: [[Field]] = []
        for framework in document.compliance?.frameworks ?? [] {
            for family in framework.families {
                for control in family.controls {
                    rows.append([
                        .text(framework.id), .text(framework.title), .text(framework.version), .text(family.id), .text(control.id),
                        .text(control.parent ?? ""), .text(control.title), .text(control.assessable.rawValue),
                        .text(control.status.rawValue), .text(control.reason), .list(control.findings),
                        .list(control.relatedFindings), .list(control.outOfScopeFindings), .list(control.rules),
                        .list(control.blindRules),
                        .list(control.needs.map { "\($0.resource) at \($0.level.rawValue): \($0.seen ? "seen" : "not seen")" }),
                        .text(control.notes ?? ""),
                    ])
                }
            }
        }
        try table(header, rows, emit: emit)
    }

    /// The evidence inventory.
    static func inputs(_ document: ReportDocument, emit: ([UInt8]) throws -> Void) throws {
        let header = [
            "path", "cluster", "size_bytes", "sha256", "container", "compression", "members", "events", "first_event",
            "last_event", "skipped", "problems",
        ]
        try table(header, document.inputs.lazy.map { input -> [Field] in
            [
                .text(input.path), .text(input.cluster ?? ""), .number(Int(input.size)), .text(input.sha256 ?? ""),
                .text(input.container), .list(input.compression), .number(input.members.count), .number(input.events),
                .time(input.firstEvent), .time(input.lastEvent),
                .list(input.skipped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }),
                .list(input.problems.map { "\($0.kind): \($0.message)" }),
            ]
        }, emit: emit)
    }
}
