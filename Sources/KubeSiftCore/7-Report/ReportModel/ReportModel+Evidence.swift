extension ReportModel.Inventory {
    init(_ document: ReportDocument) {
        let format = ReportFormatting.self
        inputs = document.inputs.map { input in
            let skipped = input.skipped.sorted { $0.key < $1.key }.map { "\(format.count($0.value)) \($0.key)" }
            // A plain file is its own single member: listing it again says nothing.
            let listsMembers = input.members.count > 1 || input.members.contains { $0.name != nil }
            return Input(
                path: input.path, cluster: input.cluster ?? "", size: format.bytes(input.size), bytes: Int(input.size),
                sha256: input.sha256 ?? "not computed (unreadable)",
                container: ([input.container] + input.compression).joined(separator: " · "),
                events: input.events, eventsText: format.count(input.events),
                firstEvent: format.time(input.firstEvent), lastEvent: format.time(input.lastEvent),
                skipped: skipped.isEmpty ? "none" : skipped.joined(separator: ", "),
                problems: input.problems.map { "\($0.kind)\($0.member.map { " in \($0)" } ?? ""): \($0.message)" },
                damaged: input.problems.contains { $0.dataLoss },
                members: listsMembers ? input.members.map { member in
                    Member(name: member.name ?? "(the file itself)",
                           compression: member.compression.isEmpty ? "none" : member.compression.joined(separator: " · "),
                           lines: format.count(member.lines), events: format.count(member.events),
                           firstEvent: format.time(member.firstEvent), lastEvent: format.time(member.lastEvent))
                } : [])
        }
        let summary = document.summary
        total = "\(format.plural(summary.inputFiles, "file")), \(format.bytes(summary.inputBytes)); "
            + "\(ByteCount(summary.decompressedBytes)) decompressed"
        inputsSHA256 = document.inputsSHA256
        recomputeCommand = InputManifest.recomputeCommand
        recomputeNote = "Each input's SHA-256 is what sha256sum prints for it. The SHA-256 of the inputs is the SHA-256 of what "
            + "sha256sum prints for all of them, lines sorted bytewise: run the command above in the directory the "
            + "analysis ran in, with the paths as listed. manifest.json, beside this report, holds the SHA-256 of "
            + "every file of the report too."
    }
}

extension ReportModel.Method {
    init(_ document: ReportDocument) {
        let format = ReportFormatting.self
        let parameters = document.parameters
        commandLine = parameters.commandLine.isEmpty
            ? "(not recorded)" : format.shellCommand(parameters.commandLine)
        var facts: [ReportModel.Fact] = [
            .init(label: "Inputs", value: parameters.paths.joined(separator: ", "), code: true),
            .init(label: "Window", value: ReportModel.windowText(document)),
            .init(label: "Time zone", value: "UTC throughout; requests are placed in time by requestReceivedTimestamp"),
        ]
        if let cluster = parameters.cluster {
            facts.append(.init(label: "Cluster label", value: cluster))
        } else if parameters.clusterFromDirectory {
            facts.append(.init(label: "Cluster label", value: "each input's first directory under the path given"))
        }
        facts += [
            .init(label: "Longest record read", value: "\(format.count(parameters.maximumRecordBytes >> 20)) MiB; longer records are skipped and counted"),
            .init(label: "Archives inside archives", value: "opened to a depth of \(parameters.maximumNesting)"),
            .init(label: "Rule set", value: "\(format.plural(document.detections.rules.count, "rule")); SHA-256 over each rule's id and file, in id order"),
            .init(label: "SHA-256 of the rule set", value: document.detections.ruleSetSHA256, code: true),
        ]
        if let compliance = document.compliance {
            for scope in compliance.scopes where scope.declared {
                facts.append(.init(label: "Scope \(scope.name.rawValue)", value: scope.namespaces.joined(separator: ", ")))
            }
        }
        self.facts = facts
        catalogs = (document.compliance?.frameworks ?? []).map { framework in
            Catalog(id: framework.id, title: framework.title, version: framework.version, origin: framework.origin,
                    sha256: framework.sha256)
        }
        deduplication = [
            "A request is identified by what all its stages share: auditID, receive time, user, verb, URI, source "
                + "addresses and object. Its stages (RequestReceived, ResponseStarted, ResponseComplete, Panic) are one request.",
            "An event read twice (a live file and its rotated copy, overlapping syncs, one archive member in two "
                + "tarballs) counts once; a client that reuses an Audit-ID header cannot hide one request behind another.",
            "Statistics count requests; response codes and denials (401, 403) come from each request's most final stage.",
            "A finding is one request a rule matched, its stages merged, or, for a correlation, one group of requests "
                + "in one episode of its window; thresholds and windows are in the rules table below.",
        ]
        rules = document.detections.rules.map { rule in
            Rule(name: rule.name, title: rule.title, version: rule.version, kind: rule.kind, category: rule.category.rawValue,
                 severity: rule.severity.rawValue, auditLevel: rule.auditLevel.rawValue, condition: rule.condition ?? "",
                 findings: rule.findings, origin: rule.origin)
        }
        ruleSetSHA256 = document.detections.ruleSetSHA256
    }
}

extension ReportModel.Completeness {
    init(_ document: ReportDocument) {
        let format = ReportFormatting.self
        let summary = document.summary
        facts = [
            .init(label: "Events read", value: format.count(summary.eventsRead)),
            .init(label: "Outside the window", value: format.count(summary.eventsOutsideWindow)),
            .init(label: "Without a receive time", value: format.count(summary.eventsWithoutTime)),
            .init(label: "Duplicates dropped", value: format.count(summary.duplicateEvents)),
            .init(label: "Distinct events analysed", value: format.count(summary.distinctEvents)),
            .init(label: "Distinct requests", value: format.count(summary.distinctRequests)),
            .init(label: "Records skipped", value: format.count(summary.recordsSkipped)),
            .init(label: "Inputs that lost data", value: format.count(summary.inputsWithDataLoss)),
        ]
        reconciliation = "\(format.count(summary.eventsRead)) events read = \(format.count(summary.eventsOutsideWindow)) outside the window + "
            + "\(format.count(summary.eventsWithoutTime)) without a time + \(format.count(summary.duplicateEvents)) duplicates + "
            + "\(format.count(summary.distinctEvents)) distinct. Records skipped are not events and are counted apart."
        skipped = document.dataQuality.skippedRecords.map { skip in
            Skip(reason: skip.reason, meaning: skip.meaning, count: format.count(skip.count),
                 locations: (skip.firstLocations ?? [])
                    .map { format.location(EventProvenance(file: $0.file, member: $0.member, line: $0.line)) }.joined(separator: ", "))
        }
        passedOver = document.dataQuality.passedOverRecords.map { record in
            Skip(reason: record.reason, meaning: record.meaning, count: format.count(record.count), locations: "")
        }
        var byFormat: [String: Int] = [:]
        for input in document.inputs { byFormat.merge(input.formats, uniquingKeysWith: +) }
        formats = byFormat.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
            .init(label: $0.key, value: "\(format.count($0.value)) events")
        }
        cloudOperations = document.cloudOperations.map { operation in
            let failed = (operation.statusCode ?? 0) != 0
            return CloudOperation(
                time: format.time(operation.time), method: operation.method ?? "", resource: operation.resource ?? "",
                principal: operation.principal ?? "", sourceIP: operation.sourceIP ?? "",
                outcome: failed ? "failed (\(operation.statusCode!))\(operation.statusMessage.map { ": \($0)" } ?? "")" : "succeeded",
                location: operation.provenance.map(format.location) ?? "")
        }
        problems = document.dataQuality.inputProblems.map { problem in
            Problem(file: problem.file, member: problem.member ?? "", kind: problem.kind, message: problem.message,
                    dataLoss: problem.dataLoss ? "yes" : "no")
        }
        let quiet = Self.quietHours(document.activity.hourly)
        quietHours = quiet.count > 50 ? quiet.prefix(50) + ["… and \(quiet.count - 50) more"] : quiet
        quietHoursNote = quietHours.isEmpty
            ? "Every hour from the first request to the last has requests."
            : "Hours from the first request to the last in which no request was received. A quiet hour may be a quiet "
                + "cluster or missing logs; comparing with the cluster's own activity (leases renew every few seconds) tells them apart."
        func highest(_ requestResponse: Int, _ request: Int, _ metadata: Int) -> String {
            requestResponse > 0 ? "RequestResponse" : request > 0 ? "Request" : metadata > 0 ? "Metadata" : "unknown"
        }
        levels = document.activity.auditLevels.map { level in
            // Verbs grouped by the most detailed level they were logged at: `Request: create, patch · Metadata: get`.
            var verbsByLevel: [String: [String]] = [:]
            for (verb, counts) in level.verbs.sorted(by: { $0.key < $1.key }) {
                verbsByLevel[highest(counts.requestResponse, counts.request, counts.metadata), default: []].append(verb)
            }
            let byVerb = ["RequestResponse", "Request", "Metadata", "unknown"].compactMap { name in
                verbsByLevel[name].map { "\(name): \($0.joined(separator: ", "))" }
            }.joined(separator: " · ")
            return Level(resource: level.resource, metadata: format.count(level.metadata), request: format.count(level.request),
                         requestResponse: format.count(level.requestResponse), unknown: format.count(level.unknown),
                         highest: highest(level.requestResponse, level.request, level.metadata), byVerb: byVerb)
        }
        // The controls each blind rule leaves short of evidence: partially assessable or blind because of it.
        var weakened: [String: [String]] = [:]
        for framework in document.compliance?.frameworks ?? [] {
            for control in framework.families.flatMap(\.controls)
            where control.status == .partiallyAssessable || control.status == .blind {
                for rule in control.blindRules { weakened[rule, default: []].append("\(framework.id):\(control.id)") }
            }
        }
        blindRules = (document.compliance?.blindRules ?? []).map {
            BlindRule(name: $0.name, auditLevel: $0.auditLevel.rawValue, reason: $0.reason,
                      controls: weakened[$0.name].map { $0.joined(separator: ", ") } ?? "none")
        }
        clusters = document.completeness.clusters.map { Cluster($0, inputs: document.inputs) }
        limits = document.completeness.limits
        note = "This is what one run can know: gaps are found within the events read, not across runs."
    }

    /// Runs of empty hours between the first and last hour with requests: `2026-11-20 03:00 to 05:00 UTC (3 h)`.
    static func quietHours(_ hourly: [ReportDocument.Hour]) -> [String] {
        guard let first = hourly.first?.hour, let last = hourly.last?.hour else { return [] }
        let hour: Int64 = 3_600_000_000
        let busy = Set(hourly.filter { $0.requests > 0 }.map(\.hour.microseconds))
        var runs: [String] = []
        var start: Int64?
        var time = first.microseconds
        while time <= last.microseconds + hour {
            if !busy.contains(time) && time <= last.microseconds {
                start = start ?? time
            } else if let runStart = start {
                let hours = (time - runStart) / hour
                runs.append("\(ReportFormatting.hour(Timestamp(microseconds: runStart))) to "
                    + "\(ReportFormatting.hour(Timestamp(microseconds: time))) UTC (\(hours) h)")
                start = nil
            }
            time += hour
        }
        return runs
    }
}
