extension ReportModel {
    /// What this report cannot show: what no audit log shows, then what this input and run left out.
    static func limitations(_ document: ReportDocument) -> [String] {
        let format = ReportFormatting.self
        var lines = [
            "An API-server audit log records requests to the Kubernetes API only. Reads of log files on control-plane "
                + "disks or in object storage, actions on nodes (SSH, the container runtime), and identity-provider events "
                + "(sign-ins, MFA, password changes) are not in it.",
            "The audit policy decides what is logged, and at which level: a request logged at Metadata shows who did "
                + "what to which object, not the object itself (a pod's spec, a role's rules). Rules that need more say so "
                + "under Completeness, and the controls that rely on them are partially assessable or blind.",
            "Findings are what the rules flagged. The registers that list requests one by one (privileged activity to system-level changes) are "
                + "limited to them; the statistics count every request but do not keep who made each one.",
            document.ledger == nil
                ? "No earlier run is compared: new identities are new within this period, and dormant identities that came "
                    + "back, inputs whose hash changed since a previous review, gaps between runs and review dispositions "
                    + "carried across runs are not shown."
                : "Earlier runs are compared only through what the state keeps (inputs read, findings reported, "
                    + "dispositions, the ledger): new identities are new within this period, and dormant identities that "
                    + "came back are not shown.",
            "Times are the API servers' own (requestReceivedTimestamp, in UTC); whether their clocks were synchronised "
                + "is not checked.",
            "Secret values, tokens and passwords are never copied into this report: request and response bodies are "
                + "not kept, and anything that looks like a credential in a URI, exec command, user agent, name or "
                + "annotation is shown as [REDACTED].",
            "Usernames and source addresses are personal data under the GDPR; this report is not pseudonymised. Keep "
                + "and share it accordingly.",
        ]
        let summary = document.summary
        if summary.eventsOutsideWindow > 0 {
            lines.append("\(format.plural(summary.eventsOutsideWindow, "event")) outside the window requested were read and left out.")
        }
        if summary.partial {
            lines.append("Some input lost data or some records could not be read (see Completeness): events in the damaged parts "
                + "are missing, and no control is taken to be free of exceptions.")
        }
        if !document.activity.overflowedRequests.isEmpty {
            lines.append("Some statistics tables reached their limit of distinct values; the rest are counted under (other).")
        }
        if let compliance = document.compliance {
            if !compliance.blindRules.isEmpty {
                lines.append("\(format.plural(compliance.blindRules.count, "rule")) could not see what they look for in this "
                    + "input; they are listed under Completeness.")
            }
            for scope in compliance.scopes where !scope.declared && scope.name != .all {
                lines.append("Scope \(scope.name.rawValue) was not declared: every namespace is taken to be in it, which "
                    + "may overstate the exceptions of \(scope.frameworks.joined(separator: ", ")).")
            }
        } else {
            lines.append("No compliance mapping ran: findings are not tied to controls.")
        }
        return lines
    }
}

extension ReportModel.Appendix {
    init(_ document: ReportDocument) {
        glossary = [
            .init(label: "Event", value: "One line (or EventList item) of an audit log: one stage of one request."),
            .init(label: "Request", value: "One call to the API server. Its stages (RequestReceived, ResponseStarted, "
                + "ResponseComplete, Panic) are logged as separate events and counted once."),
            .init(label: "Audit level", value: "How much of a request the audit policy logs: Metadata (who, what, "
                + "when, outcome), Request (and the request body), RequestResponse (and the response body)."),
            .init(label: "Finding", value: "A request a detection rule matched, or a group of requests a correlation "
                + "rule counted in one time window. Each has an id that stays the same when the same events are analysed again."),
            .init(label: "Exception", value: "A finding mapped to a control as a potential violation, for the control "
                + "owner to explain (an approved change, a false positive) or fix."),
            .init(label: "Related finding", value: "A finding that bears on a control without being an exception to it."),
            .init(label: "Blind", value: "A rule or control whose evidence needs events the input does not have: the "
                + "audit policy leaves them out, or nothing of the kind happened."),
            .init(label: "Evidence reference", value: "Where a finding's events were read: input file, archive member "
                + "and line, with the event's auditID and stage; the input's SHA-256 is in the evidence inventory."),
        ]
        notices = (document.compliance?.frameworks ?? []).map { framework in
            .init(label: "\(framework.title) \(framework.version)", value: "\(framework.textNotice) Source: \(framework.source)")
        }
        files = ReportOutput.descriptions.map { .init(label: $0.name, value: $0.what, code: false) }
    }
}
