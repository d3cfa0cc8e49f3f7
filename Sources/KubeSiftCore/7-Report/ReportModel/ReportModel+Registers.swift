extension ReportModel {
    /// The registers and ledgers of the report, built from the findings by category and from
    /// the statistics. Each says plainly what it cannot show.
    struct Registers {
        var privileged: PrivilegedRegister
        var sensitiveAccess: Register
        var identityChanges: Register
        var authFailures: AuthFailures
        var systemChanges: Register

        static let privilegedCategories: Set<RuleCategory> = [.adminActivity, .privilegedWorkload, .hostAccess, .identityMisuse]
        static let sensitiveCategories: Set<RuleCategory> = [.secretAccess, .execAttach]
        static let identityCategories: Set<RuleCategory> = [.rbacChange, .tokenCreation, .identityMisuse]
        static let failureCategories: Set<RuleCategory> = [.authnFailure, .anonymousAccess]
        static let systemCategories: Set<RuleCategory> = [.auditTampering, .admissionTampering, .dataDeletion]
        static let writeVerbs: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]

        static let sensitiveResources = [
            "secrets", "configmaps", "pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy",
        ]
        static let identityResources = [
            "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
            "clusterrolebindings.rbac.authorization.k8s.io", "serviceaccounts", "serviceaccounts/token",
            "certificatesigningrequests.certificates.k8s.io", "certificatesigningrequests.certificates.k8s.io/approval",
        ]
        static let systemResources = [
            "namespaces", "nodes", "persistentvolumes", "customresourcedefinitions.apiextensions.k8s.io",
            "mutatingwebhookconfigurations.admissionregistration.k8s.io",
            "validatingwebhookconfigurations.admissionregistration.k8s.io",
            "validatingadmissionpolicies.admissionregistration.k8s.io",
            "validatingadmissionpolicybindings.admissionregistration.k8s.io", "apiservices.apiregistration.k8s.io",
            "flowschemas.flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations.flowcontrol.apiserver.k8s.io",
            "priorityclasses.scheduling.k8s.io", "storageclasses.storage.k8s.io",
        ]

        init(_ document: ReportDocument) {
            let findings = document.detections.findings
            let activity = document.activity
            let privilegedFindings = findings.filter {
                Self.privilegedCategories.contains($0.rule.category) || ($0.request.groups ?? []).contains("system:masters")
            }
            privileged = PrivilegedRegister(
                note: "Requests the rules flagged as administrative, privileged or host-level (categories admin-activity, "
                    + "privileged-workload, host-access, identity-misuse) and any flagged request made as a member of "
                    + "system:masters, by identity and UTC day. Limited to what the rules flagged: an audit log does not say "
                    + "who holds administrative rights, unless the grant was made in the period or a request carries system:masters.",
                rows: Self.byIdentityAndDay(privilegedFindings))
            func register(_ key: String, _ categories: Set<RuleCategory>, _ resources: [String], note: String,
                          totalsNote: String) -> Register {
                Register(key: key, note: note, rows: Self.flagged(findings) { categories.contains($0.rule.category) },
                         totals: Self.totals(resources, in: activity.resources), totalsNote: totalsNote)
            }
            sensitiveAccess = register(
                "sensitive-access", Self.sensitiveCategories, Self.sensitiveResources,
                note: "The secret reads and the exec, attach and port-forward sessions the rules flagged (categories "
                    + "secret-access and exec-attach). Limited to what the rules flagged; the totals below count every request.",
                totalsNote: "Every request to these resources, of any verb and by anyone. The statistics do not keep who "
                    + "made each request, so unflagged reads are counted here, not listed.")
            identityChanges = register(
                "identity-changes", Self.identityCategories, Self.identityResources,
                note: "RBAC grants and changes, token and certificate requests and impersonation the rules flagged "
                    + "(categories rbac-change, token-creation, identity-misuse). Limited to what the rules flagged.",
                totalsNote: "Every request to RBAC objects, service accounts, tokens and certificate signing requests, "
                    + "of any verb: reads included.")
            let codes = activity.responseCodes.filter { $0.name == "401" || $0.name == "403" }
            authFailures = AuthFailures(
                key: "auth-failures",
                note: "Complete: every request answered 401 (authentication failed) or 403 (forbidden) is counted here "
                    + "from the statistics, by response code, identity and source address. The last table lists the "
                    + "failures the rules made findings of (brute force, anonymous access).",
                tables: [
                    Self.deniedTable("codes", "By response code", codes),
                    Self.deniedTable("identities", "By identity", activity.users),
                    Self.deniedTable("sources", "By source address", activity.sourceIPs),
                ],
                rows: Self.flagged(findings) { Self.failureCategories.contains($0.rule.category) })
            var systemTotals = Self.totals(Self.systemResources, in: activity.resources)
            if let kubeSystem = activity.namespaces.first(where: { $0.name == "kube-system" }) {
                var total = ReportModel.resourceTotal(kubeSystem)
                total.resource = "namespace kube-system (every resource in it)"
                systemTotals.append(total)
            }
            systemChanges = Register(
                key: "system-changes",
                note: "Changes to audit, admission and other system-level objects, deletions, and every flagged write to a "
                    + "cluster-scoped object or in kube-system. Limited to what the rules flagged.",
                rows: Self.flagged(findings) { finding in
                    let request = finding.request
                    let write = Self.writeVerbs.contains(request.verb ?? "")
                    let clusterScoped = request.resource != nil && request.namespace == nil
                    return Self.systemCategories.contains(finding.rule.category)
                        || (write && (clusterScoped || request.namespace == "kube-system"))
                },
                totals: systemTotals,
                totalsNote: "Every request to cluster-scoped system resources and to the kube-system namespace, of any verb.")
        }

        /// The findings `include` takes, each a row when it is read.
        static func flagged(_ findings: [Finding], where include: (Finding) -> Bool) -> ReportModel.LazyList<FlaggedRequest> {
            ReportModel.LazyList(findings.indices.filter { include(findings[$0]) }) { position in
                let finding = findings[position]
                return FlaggedRequest(time: ReportFormatting.time(finding.firstSeen), identity: ReportModel.identity(of: finding),
                                      action: ReportModel.action(of: finding.request), object: ReportModel.object(of: finding.request),
                                      outcome: ReportModel.outcome(of: finding.request), count: finding.count,
                                      rule: finding.rule.name, severity: finding.rule.severity.rawValue,
                                      finding: ReportModel.link(to: finding))
            }
        }

        static func totals(_ resources: [String], in rows: [ReportDocument.Activity]) -> [ResourceTotal] {
            let byName = Dictionary(rows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            return resources.compactMap { byName[$0].map(ReportModel.resourceTotal) }
        }

        /// The rows with denied requests, most denied first.
        static func deniedTable(_ key: String, _ title: String, _ rows: [ReportDocument.Activity]) -> Activity.Table {
            let denied = rows.filter { $0.denied > 0 }.sorted { ($1.denied, $0.name) < ($0.denied, $1.name) }
            return Activity.Table(key: "denied-" + key, title: title, csv: "",
                                  rows: denied.prefix(ReportModel.statisticsRowLimit).map(ReportModel.activityRow),
                                  more: max(0, denied.count - ReportModel.statisticsRowLimit), note: "")
        }

        static func byIdentityAndDay(_ findings: [Finding]) -> [PrivilegedRegister.Row] {
            struct Key: Hashable {
                var day: String
                var identity: String
            }
            var groups: [Key: [Finding]] = [:]
            var order: [Key] = []
            for finding in findings {
                let key = Key(day: finding.firstSeen.map(ReportFormatting.day) ?? "–", identity: ReportModel.identity(of: finding))
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(finding)
            }
            return order.sorted { ($0.day, $0.identity) < ($1.day, $1.identity) }.map { key in
                let group = groups[key]!
                return PrivilegedRegister.Row(
                    identity: key.identity, day: key.day, findings: group.count, requests: group.reduce(0) { $0 + $1.count },
                    highest: group.map(\.rule.severity).max()!.rawValue,
                    rules: Set(group.map(\.rule.name)).sorted().joined(separator: ", "), first: ReportModel.link(to: group[0]))
            }
        }
    }

    static func resourceTotal(_ row: ReportDocument.Activity) -> ResourceTotal {
        ResourceTotal(resource: row.name, requests: ReportFormatting.count(row.requests), denied: ReportFormatting.count(row.denied),
                      firstSeen: ReportFormatting.time(row.firstSeen), lastSeen: ReportFormatting.time(row.lastSeen))
    }
}
