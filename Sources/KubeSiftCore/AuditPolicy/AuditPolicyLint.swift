/// What `kubesift policy lint` says of an audit policy: the detection rules it blinds, and the
/// common mistakes in it. Decided by running the policy, as kube-apiserver would, over a grid of
/// typical requests (``probes``): common resources and verbs, by a person, a service account, a
/// node and an anonymous client.
package struct AuditPolicyLint: Sendable, Encodable, Equatable {
    package var file: String
    package var rules: Int
    /// Detection rules for which no request they could match is logged at the level they need.
    package var blindedRules: [BlindedRule]
    package var issues: [Issue]

    package struct BlindedRule: Sendable, Encodable, Equatable {
        package var name: String
        package var needs: AuditLevel
        /// How the policy logs the requests the rule looks for, in a sentence.
        package var reason: String
    }

    package enum Severity: String, Sendable, Encodable, Comparable {
        case error, warning

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    package struct Issue: Sendable, Encodable, Equatable {
        package var severity: Severity
        /// A stable name for the kind of mistake: `secret-body-logged`, `no-catch-all`, …
        package var check: String
        /// The policy rule it is about (1-based), and where it starts; nil for the policy as a whole.
        package var rule: Int?
        package var line: Int?
        package var message: String
    }

    /// Whether the policy passed: nothing blinded and no issue.
    package var isClean: Bool { blindedRules.isEmpty && issues.isEmpty }
}

extension AuditPolicyLint {
    /// A typical request of the grid: who, what verb, on what.
    struct Probe {
        var request: AuditPolicy.Request
        var description: String
    }

    static let identities: [(user: String, groups: [String])] = [
        ("jane@example.com", ["system:authenticated"]),
        ("system:serviceaccount:default:app", ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]),
        ("system:node:node-1", ["system:nodes", "system:authenticated"]),
        ("system:anonymous", ["system:unauthenticated"]),
    ]

    static let verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]

    /// Resources the built-in rules look at, and a few more every cluster has: group, resource, subresource.
    static let resources: [(String, String, String?)] = [
        ("", "pods", nil), ("", "pods", "exec"), ("", "pods", "attach"), ("", "pods", "portforward"),
        ("", "pods", "ephemeralcontainers"), ("", "pods", "log"), ("", "pods", "binding"), ("", "pods", "status"),
        ("", "secrets", nil), ("", "configmaps", nil), ("", "serviceaccounts", nil), ("", "serviceaccounts", "token"),
        ("", "namespaces", nil), ("", "nodes", nil), ("", "nodes", "proxy"), ("", "nodes", "status"), ("", "services", nil),
        ("", "services", "proxy"), ("", "endpoints", nil), ("", "events", nil), ("", "persistentvolumes", nil),
        ("", "persistentvolumeclaims", nil), ("", "replicationcontrollers", nil),
        ("apps", "deployments", nil), ("apps", "daemonsets", nil), ("apps", "statefulsets", nil), ("apps", "replicasets", nil),
        ("apps", "deployments", "scale"), ("batch", "jobs", nil), ("batch", "cronjobs", nil),
        ("rbac.authorization.k8s.io", "roles", nil), ("rbac.authorization.k8s.io", "rolebindings", nil),
        ("rbac.authorization.k8s.io", "clusterroles", nil), ("rbac.authorization.k8s.io", "clusterrolebindings", nil),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", nil),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations", nil),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies", nil),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings", nil),
        ("apiextensions.k8s.io", "customresourcedefinitions", nil),
        ("certificates.k8s.io", "certificatesigningrequests", nil), ("certificates.k8s.io", "certificatesigningrequests", "approval"),
        ("authentication.k8s.io", "tokenreviews", nil), ("authorization.k8s.io", "subjectaccessreviews", nil),
        ("authorization.k8s.io", "selfsubjectaccessreviews", nil), ("authorization.k8s.io", "selfsubjectrulesreviews", nil),
        ("coordination.k8s.io", "leases", nil), ("networking.k8s.io", "networkpolicies", nil), ("networking.k8s.io", "ingresses", nil),
        ("policy", "poddisruptionbudgets", nil), ("storage.k8s.io", "storageclasses", nil),
    ]

    static let probes: [Probe] = {
        var probes: [Probe] = []
        for (group, resource, subresource) in resources {
            let name = resource + (group.isEmpty ? "" : ".\(group)") + (subresource.map { "/\($0)" } ?? "")
            for verb in verbs {
                for identity in identities {
                    probes.append(Probe(
                        request: .init(user: identity.user, groups: identity.groups, verb: verb,
                                       resource: (group, resource, subresource), namespace: "default", name: "x"),
                        description: "\(verb) \(name) by \(identity.user)"))
                }
            }
        }
        return probes
    }()

    /// Lints `policy` against the detection rules of `ruleSet`.
    package static func lint(_ policy: AuditPolicy, file: String, ruleSet: RuleSet) -> AuditPolicyLint {
        let decided = probes.map { probe -> (probe: Probe, rule: Int?, level: AuditPolicy.Level) in
            let rule = policy.firstRule(for: probe.request)
            return (probe, rule, rule.map { policy.rules[$0].level } ?? .none)
        }
        var lint = AuditPolicyLint(file: file, rules: policy.rules.count, blindedRules: [], issues: [])
        lint.blindedRules = ruleSet.detections.compactMap { blinded($0, decided: decided, policy: policy) }
            .sorted { $0.name < $1.name }
        lint.issues = leaks(policy, decided) + catchAll(policy, decided) + hiddenStages(policy, decided)
            + droppedEssentials(policy, decided) + shadowed(policy)
        lint.issues.sort { ($0.rule ?? 0, $0.severity, $0.check) < ($1.rule ?? 0, $1.severity, $1.check) }
        return lint
    }

    private typealias Decided = [(probe: Probe, rule: Int?, level: AuditPolicy.Level)]

    private static func ruleText(_ policy: AuditPolicy, _ index: Int?) -> String {
        guard let index else { return "no rule (not logged)" }
        return "rule \(index + 1) (line \(policy.rules[index].line))"
    }

    /// A detection rule is blinded when every request of the grid it could match is logged below
    /// the level it needs; one the grid cannot tell about (it matches none) is left alone.
    private static func blinded(_ rule: DetectionRule, decided: Decided, policy: AuditPolicy) -> BlindedRule? {
        let needs = AuditPolicy.Level.logged(rule.metadata.auditLevel)
        // Compiled once for every probe of the grid.
        let program = DetectionProgram(rule.detection)
        var candidates: [(Probe, Int?, AuditPolicy.Level)] = []
        for entry in decided {
            let request = entry.probe.request
            let known = { (source: FieldSource) -> [FieldValue]? in
                guard case let .scanned(field) = source else { return nil }
                switch field {
                case .verb: return [.string(request.verb)]
                case .resource: return request.resource.map { [.string($0.resource)] } ?? []
                case .apiGroup: return request.resource.map { $0.group.isEmpty ? [] : [.string($0.group)] } ?? []
                case .subresource: return request.resource?.subresource.map { [.string($0)] } ?? []
                case .username: return [.string(request.user)]
                default: return nil
                }
            }
            guard RuleMatcher.prefilter(program, known: known) != false else { continue }
            if entry.level >= needs { return nil }
            candidates.append((entry.probe, entry.rule, entry.level))
        }
        guard let first = candidates.first else { return nil }
        let levels = Set(candidates.map(\.2.name)).sorted().joined(separator: " or ")
        return BlindedRule(name: rule.metadata.name, needs: rule.metadata.auditLevel,
                           reason: "the \(candidates.count) requests of the grid it looks for are logged at \(levels), "
                               + "below \(rule.metadata.auditLevel.rawValue) (e.g. \(first.0.description): \(first.2.name) by \(ruleText(policy, first.1)))")
    }

    /// Secret values reach the log when a Secret's body is logged (Request on writes,
    /// RequestResponse on anything), a TokenRequest's response (it holds the token) or a
    /// TokenReview's request (it holds the token reviewed): errors. A ConfigMap's body may hold
    /// credentials too, but a rule that looks for them needs it: a warning.
    private static func leaks(_ policy: AuditPolicy, _ decided: Decided) -> [Issue] {
        var secrets: [Int: [String]] = [:]
        var configMaps: [Int: [String]] = [:]
        for entry in decided {
            guard let rule = entry.rule, let resource = entry.probe.request.resource else { continue }
            let verb = entry.probe.request.verb
            let bodyLogged = entry.level == .logged(.requestResponse)
                || (["create", "update", "patch"].contains(verb) && entry.level == .logged(.request))
            switch (resource.group, resource.resource, resource.subresource) {
            case ("", "secrets", nil) where bodyLogged,
                 ("", "serviceaccounts", "token") where verb == "create" && entry.level == .logged(.requestResponse),
                 ("authentication.k8s.io", "tokenreviews", nil) where verb == "create" && entry.level >= .logged(.request):
                secrets[rule, default: []].append(entry.probe.description)
            case ("", "configmaps", nil) where bodyLogged:
                configMaps[rule, default: []].append(entry.probe.description)
            default:
                break
            }
        }
        func issues(_ byRule: [Int: [String]], _ severity: Severity, _ check: String, _ harm: String) -> [Issue] {
            byRule.keys.sorted().map { rule in
                let examples = byRule[rule]!
                let what = Set(examples.map { $0.split(separator: " ")[1] }).sorted().joined(separator: ", ")
                return Issue(severity: severity, check: check, rule: rule + 1, line: policy.rules[rule].line,
                             message: "logs \(what) at \(policy.rules[rule].level.name): \(harm) "
                                 + "(\(examples.count) requests of the grid, e.g. \(examples[0]))")
            }
        }
        return issues(secrets, .error, "secret-in-log", "secret values or tokens reach the log; log them at Metadata")
            + issues(configMaps, .warning, "configmap-in-log",
                     "any credential kept in a ConfigMap reaches the log (the configmap-credentials rule needs these bodies)")
    }

    private static func catchAll(_ policy: AuditPolicy, _ decided: Decided) -> [Issue] {
        if let index = policy.rules.firstIndex(where: \.isCatchAll) {
            guard policy.rules[index].level == .none else { return [] }
            return [Issue(severity: .warning, check: "catch-all-logs-nothing", rule: index + 1, line: policy.rules[index].line,
                          message: "the catch-all rule logs nothing: every request no earlier rule names is lost")]
        }
        let unmatched = decided.filter { $0.rule == nil }.map(\.probe.description)
        return [Issue(severity: .warning, check: "no-catch-all", rule: nil, line: nil,
                      message: "no catch-all rule (one without users, groups, verbs, resources or URLs): requests no rule names are not logged"
                          + (unmatched.isEmpty ? "" : " (\(unmatched.count) requests of the grid, e.g. \(unmatched[0]))"))]
    }

    /// ResponseStarted is the only event of an exec, attach or port-forward session until it ends;
    /// ResponseComplete carries every request's outcome.
    private static func hiddenStages(_ policy: AuditPolicy, _ decided: Decided) -> [Issue] {
        var issues: [Issue] = []
        if policy.omitStages.contains("ResponseComplete") {
            issues.append(Issue(severity: .error, check: "outcome-hidden", rule: nil, line: nil,
                                message: "omitStages hides ResponseComplete for every rule: no request's outcome is logged"))
        }
        var sessions: [Int: [String]] = [:]
        var outcomes: [Int: [String]] = [:]
        for entry in decided {
            guard let rule = entry.rule, entry.level != .none else { continue }
            let omitted = policy.omittedStages(by: rule)
            let streaming = ["exec", "attach", "portforward"].contains(entry.probe.request.resource?.subresource ?? "")
            if streaming, omitted.contains("ResponseStarted") { sessions[rule, default: []].append(entry.probe.description) }
            if !policy.omitStages.contains("ResponseComplete"), policy.rules[rule].omitStages.contains("ResponseComplete") {
                outcomes[rule, default: []].append(entry.probe.description)
            }
        }
        for rule in sessions.keys.sorted() {
            issues.append(Issue(severity: .warning, check: "session-start-hidden", rule: rule + 1, line: policy.rules[rule].line,
                                message: "omits ResponseStarted for exec, attach or port-forward: a session over a websocket is logged "
                                    + "only when it ends (e.g. \(sessions[rule]![0]))"))
        }
        for rule in outcomes.keys.sorted() {
            issues.append(Issue(severity: .error, check: "outcome-hidden", rule: rule + 1, line: policy.rules[rule].line,
                                message: "omits ResponseComplete: the outcome of the requests it decides is not logged (e.g. \(outcomes[rule]![0]))"))
        }
        return issues
    }

    /// Requests an auditor cannot do without: changes to access, admission, workloads' privileges
    /// and sessions into pods, and anything an anonymous client or a service account does to them.
    private static let essential: Set<String> = [
        "pods", "pods/exec", "pods/attach", "pods/portforward", "pods/ephemeralcontainers", "secrets", "serviceaccounts/token",
        "roles", "rolebindings", "clusterroles", "clusterrolebindings", "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations", "certificatesigningrequests", "certificatesigningrequests/approval", "nodes/proxy",
        "deployments", "daemonsets", "customresourcedefinitions",
    ]

    private static func droppedEssentials(_ policy: AuditPolicy, _ decided: Decided) -> [Issue] {
        var byRule: [Int: [String]] = [:]
        for entry in decided {
            guard let rule = entry.rule, entry.level == .none, let resource = entry.probe.request.resource else { continue }
            let name = resource.resource + (resource.subresource.map { "/\($0)" } ?? "")
            let reads = ["get", "list", "watch"].contains(entry.probe.request.verb)
            // Reads matter for secrets and sessions (a session's verb is create or get); writes for everything else.
            guard essential.contains(name), !reads || name == "secrets" || resource.subresource != nil else { continue }
            byRule[rule, default: []].append(entry.probe.description)
        }
        return byRule.keys.sorted().map { rule in
            let examples = byRule[rule]!
            return Issue(severity: .warning, check: "essential-not-logged", rule: rule + 1, line: policy.rules[rule].line,
                         message: "level None drops \(examples.count) requests of the grid an audit needs, e.g. "
                             + examples.prefix(3).joined(separator: "; "))
        }
    }

    /// A rule that an earlier rule covers entirely never decides anything: the first match wins.
    private static func shadowed(_ policy: AuditPolicy) -> [Issue] {
        var issues: [Issue] = []
        for (later, rule) in policy.rules.enumerated() {
            guard let earlier = policy.rules.prefix(later).firstIndex(where: { $0.covers(rule) }) else { continue }
            issues.append(Issue(severity: .warning, check: "shadowed-rule", rule: later + 1, line: rule.line,
                                message: "never applies: rule \(earlier + 1) (line \(policy.rules[earlier].line)) matches every request "
                                    + "it would, and the first match wins"))
        }
        return issues
    }
}

extension AuditPolicy.Rule {
    /// Whether every request this rule matches, `other` matches too, by their selectors alone.
    func covers(_ other: AuditPolicy.Rule) -> Bool {
        func superset(_ mine: [String], _ theirs: [String]) -> Bool {
            mine.isEmpty || (!theirs.isEmpty && Set(theirs).isSubset(of: mine))
        }
        guard superset(users, other.users), superset(userGroups, other.userGroups), superset(verbs, other.verbs),
              superset(namespaces, other.namespaces), superset(nonResourceURLs, other.nonResourceURLs) else { return false }
        if !nonResourceURLs.isEmpty, !other.resources.isEmpty || other.nonResourceURLs.isEmpty { return false }
        if !namespaces.isEmpty, !other.nonResourceURLs.isEmpty { return false }
        guard !resources.isEmpty else { return true }
        guard !other.resources.isEmpty else { return false }
        return other.resources.allSatisfy { theirs in
            resources.contains { mine in
                mine.group == theirs.group && mine.resourceNames.isEmpty
                    && (mine.resources.isEmpty || mine.resources.contains("*")
                        || (!theirs.resources.isEmpty && Set(theirs.resources).isSubset(of: mine.resources)))
            }
        }
    }
}
