import Foundation
import Testing
@testable import KubeSiftCore

// What other projects expect of their own Kubernetes-audit detections, replayed against KubeSift's
// built-in catalog. The peer material stays in `../shared/peers/` (never copied here); every test
// skips, saying so, when its folder is absent. Where our rules deliberately differ from a peer, the
// test asserts OUR behaviour and names the case; every such case is in docs/peer-disagreements.md.

/// The built-in catalog, loaded once, and the ways the suites below run it.
enum PeerDetection {
    /// The built-in rules (`rules/`, compiled in), or the first problem loading them.
    static let builtIn: (rules: RuleSet?, problem: String?) = {
        do {
            return (try RuleCatalog.ruleSet(extraPaths: [], disabled: []), nil)
        } catch {
            return (nil, "\(error)")
        }
    }()

    static func rules() throws -> RuleSet {
        try #require(builtIn.rules, "the built-in catalog does not load: \(builtIn.problem ?? "")")
    }

    /// Names in `names` that no rule of `ruleSet` has: a mapping table naming a rule that does not
    /// exist would make its cases vacuous.
    static func unknown(_ names: some Sequence<String>, in ruleSet: RuleSet) -> [String] {
        Set(names).filter { ruleSet.definition(named: $0) == nil }.sorted()
    }

    /// Every line of a peer file that is JSON, parsed.
    static func jsonLines(_ path: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    /// One-line description of findings, for failure messages.
    static func describe(_ findings: [Finding]) -> String {
        findings.isEmpty ? "no findings"
            : findings.map { "\($0.rule.name) (\($0.rule.severity.rawValue))" }.sorted().joined(separator: ", ")
    }
}

// MARK: - 1. Falco

/// falcosecurity/falco `test/trace_files/k8s_audit/*.json` at tag 0.34.1
/// (9a4205cc70e449b170d32d3033dc7e74cf4ca613), with the outcomes falco's
/// `test/falco_k8s_audit_tests.yaml` at the same tag expects (the same cases as falcosecurity/testing
/// `tests/k8saudit/k8saudit_test.go` at 9a9c8676fa6c344f8b0dbad4ece7988aa5f23e61), as listed in
/// `../shared/peers/falcosecurity-falco-k8s_audit/README.md`. Apache-2.0.
///
/// Each trace file is analysed by the whole pipeline (reader, decoder, classifier, findings) with the
/// built-in catalog. Precisely:
/// - An alert case passes when the findings of the built-in rules Falco's rule maps to (``ourRules``)
///   cover exactly as many distinct requests (auditIDs) as Falco raises alerts (`×N`), and no record
///   of the trace is skipped.
/// - A "no alert" case passes when the trace yields no finding of severity medium, high or critical
///   from any built-in rule (info and low findings are allowed: Falco's own INFO activity rules are
///   switched off in most of those cases by `disallow_kactivity`).
/// - A case listed in ``disagreements`` asserts what we do instead, exactly; one listed in ``gaps``
///   asserts Falco's expectation as a known issue (it fails once the gap is closed).
@Suite("Peer expectations: Falco's k8s_audit trace files")
struct FalcoPeerDetectionTests {
    static let folder = "falcosecurity-falco-k8s_audit"

    /// Falco rule → the built-in rules of the same meaning (research/detections.md §4: Falco rule →
    /// row id, and our rule names are the row ids). A case passes when any of them finds the request.
    static let ourRules: [String: Set<String>] = [
        "Create Privileged Pod": ["pod-privileged-container"],
        // §4 maps this to pod-hostpath-volume; the catalog split that row: pod-hostpath-volume is any
        // hostPath (Sigma, Panther), pod-sensitive-hostpath is Falco's meaning (a sensitive path).
        "Create Sensitive Mount Pod": ["pod-sensitive-hostpath"],
        "Create HostNetwork Pod": ["pod-host-network"],
        "Create NodePort Service": ["nodeport-service"],
        "Create/Modify Configmap With Private Credentials": ["configmap-credentials"],
        "Anonymous Request Allowed": ["anonymous-request-allowed"],
        "Attach/Exec Pod": ["pod-exec-attach"],
        "Pod Created in Kube Namespace": ["pod-in-system-namespace"],
        "Service Account Created in Kube Namespace": ["sa-created-in-system-namespace"],
        "System ClusterRole Modified/Deleted": ["system-role-modified"],
        "Attach to cluster-admin Role": ["cluster-admin-binding"],
        "ClusterRole With Wildcard Created": ["role-wildcard"],
        // No rule of ours on write verbs alone (research row role-write-verbs): see `disagreements`.
        "ClusterRole With Write Privileges Created": [],
        "ClusterRole With Pod Exec Created": ["role-pod-exec"],
        // The INFO activity rules (§3.H rows). Most have no rule of ours: creating and deleting
        // ordinary objects is counted in the report's activity statistics (per verb and resource),
        // not reported as findings; deleting a namespace or a secret is a finding (data-deletion).
        "K8s Deployment Created": [],
        "K8s Deployment Deleted": [],
        "K8s Service Created": [],
        "K8s Service Deleted": [],
        "K8s ConfigMap Created": [],
        "K8s ConfigMap Deleted": [],
        "K8s Namespace Created": [],
        "K8s Namespace Deleted": ["namespace-deleted"],
        "K8s Serviceaccount Created": [],
        "K8s Serviceaccount Deleted": [],
        // Named K8s ClusterRole/ClusterRoleBinding Created/Deleted in falcosecurity/testing.
        "K8s Role/Clusterrole Created": [],
        "K8s Role/Clusterrole Deleted": [],
        "K8s Role/Clusterrolebinding Created": [],
        "K8s Role/Clusterrolebinding Deleted": [],
        "K8s Secret Created": [],
        "K8s Secret Deleted": ["secret-deleted"],
    ]

    /// One row of the peer README's table.
    struct Case: Sendable, CustomTestStringConvertible {
        /// Falco's test name.
        var test: String
        var trace: String
        /// The rule Falco raises, `nil` for "no alert".
        var falcoRule: String?
        var count = 1
        var testDescription: String { "\(test) (\(trace))" }
    }

    /// Every case with an expected alert, except the allow-list ones (below).
    static let alertCases: [Case] = [
        Case(test: "compat_engine_v4_create_privileged_pod", trace: "create_nginx_pod_privileged.json", falcoRule: "Create Privileged Pod"),
        Case(test: "compat_engine_v4_create_hostnetwork_pod", trace: "create_nginx_pod_hostnetwork.json", falcoRule: "Create HostNetwork Pod"),
        Case(test: "create_privileged_pod", trace: "create_nginx_pod_privileged.json", falcoRule: "Create Privileged Pod"),
        Case(test: "create_privileged_no_secctx_1st_container_2nd_container_pod",
             trace: "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json", falcoRule: "Create Privileged Pod"),
        Case(test: "create_privileged_2nd_container_pod", trace: "create_nginx_pod_privileged_2nd_container.json",
             falcoRule: "Create Privileged Pod"),
        Case(test: "create_sensitive_mount_pod", trace: "create_nginx_pod_sensitive_mount.json", falcoRule: "Create Sensitive Mount Pod"),
        Case(test: "create_sensitive_mount_2nd_container_pod", trace: "create_nginx_pod_sensitive_mount_2nd_container.json",
             falcoRule: "Create Sensitive Mount Pod"),
        Case(test: "create_hostnetwork_pod", trace: "create_nginx_pod_hostnetwork.json", falcoRule: "Create HostNetwork Pod"),
        Case(test: "create_nodeport_service", trace: "create_nginx_service_nodeport.json", falcoRule: "Create NodePort Service"),
        Case(test: "create_configmap_private_creds", trace: "create_configmap_sensitive_values.json",
             falcoRule: "Create/Modify Configmap With Private Credentials", count: 6),
        Case(test: "anonymous_user", trace: "anonymous_creates_namespace_foo.json", falcoRule: "Anonymous Request Allowed"),
        Case(test: "pod_exec", trace: "exec_pod.json", falcoRule: "Attach/Exec Pod"),
        Case(test: "pod_attach", trace: "attach_pod.json", falcoRule: "Attach/Exec Pod"),
        Case(test: "create_pod_in_kube_system_namespace", trace: "create_pod_kube_system_namespace.json",
             falcoRule: "Pod Created in Kube Namespace"),
        Case(test: "create_pod_in_kube_public_namespace", trace: "create_pod_kube_public_namespace.json",
             falcoRule: "Pod Created in Kube Namespace"),
        Case(test: "create_serviceaccount_in_kube_system_namespace", trace: "create_serviceaccount_kube_system_namespace.json",
             falcoRule: "Service Account Created in Kube Namespace"),
        Case(test: "create_serviceaccount_in_kube_public_namespace", trace: "create_serviceaccount_kube_public_namespace.json",
             falcoRule: "Service Account Created in Kube Namespace"),
        Case(test: "system_clusterrole_deleted", trace: "delete_cluster_role_kube_aggregator.json",
             falcoRule: "System ClusterRole Modified/Deleted"),
        Case(test: "system_clusterrole_modified", trace: "modify_cluster_role_node_problem_detector.json",
             falcoRule: "System ClusterRole Modified/Deleted"),
        Case(test: "attach_cluster_admin_role", trace: "attach_cluster_admin_role.json", falcoRule: "Attach to cluster-admin Role"),
        Case(test: "create_cluster_role_wildcard_resources", trace: "create_cluster_role_wildcard_resources.json",
             falcoRule: "ClusterRole With Wildcard Created"),
        Case(test: "create_cluster_role_wildcard_verbs", trace: "create_cluster_role_wildcard_verbs.json",
             falcoRule: "ClusterRole With Wildcard Created"),
        Case(test: "create_writable_cluster_role", trace: "create_cluster_role_write_privileges.json",
             falcoRule: "ClusterRole With Write Privileges Created"),
        Case(test: "create_pod_exec_cluster_role", trace: "create_cluster_role_pod_exec.json", falcoRule: "ClusterRole With Pod Exec Created"),
        Case(test: "create_deployment", trace: "create_deployment.json", falcoRule: "K8s Deployment Created"),
        Case(test: "delete_deployment", trace: "delete_deployment.json", falcoRule: "K8s Deployment Deleted"),
        Case(test: "create_service", trace: "create_service.json", falcoRule: "K8s Service Created"),
        Case(test: "delete_service", trace: "delete_service.json", falcoRule: "K8s Service Deleted"),
        Case(test: "create_configmap", trace: "create_configmap.json", falcoRule: "K8s ConfigMap Created"),
        Case(test: "delete_configmap", trace: "delete_configmap.json", falcoRule: "K8s ConfigMap Deleted"),
        Case(test: "create_namespace", trace: "some-user_creates_namespace_foo.json", falcoRule: "K8s Namespace Created"),
        Case(test: "delete_namespace", trace: "delete_namespace_foo.json", falcoRule: "K8s Namespace Deleted"),
        Case(test: "create_serviceaccount", trace: "create_serviceaccount.json", falcoRule: "K8s Serviceaccount Created"),
        Case(test: "delete_serviceaccount", trace: "delete_serviceaccount.json", falcoRule: "K8s Serviceaccount Deleted"),
        Case(test: "create_clusterrole", trace: "create_clusterrole.json", falcoRule: "K8s Role/Clusterrole Created"),
        Case(test: "delete_clusterrole", trace: "delete_clusterrole.json", falcoRule: "K8s Role/Clusterrole Deleted"),
        Case(test: "create_clusterrolebinding", trace: "create_clusterrolebinding.json", falcoRule: "K8s Role/Clusterrolebinding Created"),
        Case(test: "delete_clusterrolebinding", trace: "delete_clusterrolebinding.json", falcoRule: "K8s Role/Clusterrolebinding Deleted"),
        Case(test: "create_secret", trace: "create_secret.json", falcoRule: "K8s Secret Created"),
        Case(test: "delete_secret", trace: "delete_secret.json", falcoRule: "K8s Secret Deleted"),
    ]
    // Excluded alert cases, each needing an allow-list KubeSift does not have (Falco's own rules are
    // inert without the override file the case loads):
    // - compat_engine_v4_create_disallowed_pod, create_disallowed_pod (`Create Disallowed Pod`: the
    //   image allow-list `allowed_k8s_containers` is always-true until allow_only_apache_container
    //   overrides it);
    // - user_outside_allowed_set (`Disallowed K8s User`: a list of allowed user names);
    // - namespace_outside_allowed_set (`Create Disallowed Namespace`: a list of allowed namespaces);
    // - json_pointer_correct_parse (`json_pointer_example`: a test-only rule of Falco's JSON-pointer syntax).

    /// Every "no alert" case except those silenced by trusting the nginx image (below).
    static let quietCases: [Case] = [
        Case(test: "compat_engine_v4_create_allowed_pod", trace: "create_nginx_pod_unprivileged.json"),
        Case(test: "compat_engine_v4_create_unprivileged_pod", trace: "create_nginx_pod_unprivileged.json"),
        Case(test: "user_in_allowed_set", trace: "some-user_creates_namespace_foo.json"),
        Case(test: "create_allowed_pod", trace: "create_nginx_pod_unprivileged.json"),
        Case(test: "create_unprivileged_pod", trace: "create_nginx_pod_unprivileged.json"),
        Case(test: "create_unprivileged_trusted_pod", trace: "create_nginx_pod_unprivileged.json"),
        Case(test: "create_unsensitive_mount_pod", trace: "create_nginx_pod_unsensitive_mount.json"),
        Case(test: "create_unsensitive_mount_trusted_pod", trace: "create_nginx_pod_unsensitive_mount.json"),
        Case(test: "create_nohostnetwork_pod", trace: "create_nginx_pod_nohostnetwork.json"),
        Case(test: "create_nohostnetwork_trusted_pod", trace: "create_nginx_pod_nohostnetwork.json"),
        Case(test: "create_nonodeport_service", trace: "create_nginx_service_nonodeport.json"),
        Case(test: "create_configmap_no_private_creds", trace: "create_configmap_no_sensitive_values.json"),
        Case(test: "namespace_in_allowed_set", trace: "minikube_creates_namespace_foo.json"),
        Case(test: "create_service_account_token_secret", trace: "create_service_account_token_secret.json"),
        Case(test: "create_kube_system_secret", trace: "create_kube_system_secret.json"),
    ]
    // Excluded "no alert" cases: silent only because the override trust_nginx_container lists the
    // nginx image as trusted; KubeSift has no image trust list, and the same trace without the
    // override is an alert case above (so we fire, like stock Falco):
    // compat_engine_v4_create_privileged_trusted_pod, compat_engine_v4_create_hostnetwork_trusted_pod,
    // create_privileged_trusted_pod, create_sensitive_mount_trusted_pod, create_hostnetwork_trusted_pod.
    // fal_01_003 has its own test below.

    /// How our rules deliberately differ from Falco in one case (docs/peer-disagreements.md).
    enum Disagreement: Sendable {
        /// Alert case: the mapped rules find nothing; exactly these of the other rules (maybe none)
        /// find the request instead. Quiet case: these rules make findings of medium or higher.
        case instead(Set<String>, why: String)
        /// Alert case of an INFO activity rule: creating or deleting an ordinary object is activity,
        /// not a finding; the request is counted in the report's activity statistics under its verb
        /// and resource (named `resource.group`, as the report names it).
        case activity(verb: String, resource: String)

        var rules: Set<String> {
            if case let .instead(rules, _) = self { rules } else { [] }
        }
    }

    static let disagreements: [String: Disagreement] = [
        "create_pod_in_kube_system_namespace": .instead([], why: """
            the pod was made by kube-system's replicaset-controller: pod-in-system-namespace reports the \
            Deployment or ReplicaSet a person creates there, not the pods the controllers make from it
            """),
        "create_pod_in_kube_public_namespace": .instead([], why: "as create_pod_in_kube_system_namespace"),
        "create_writable_cluster_role": .instead([], why: """
            the role grants `delete` on non-resource URLs only; write verbs alone are what most roles \
            hold, so KubeSift reports the grants that escalate (role-sensitive-permissions, role-wildcard, \
            role-pod-exec, role-node-proxy), not every write verb
            """),
        "create_deployment": .activity(verb: "create", resource: "deployments.extensions"),
        "delete_deployment": .activity(verb: "delete", resource: "deployments.extensions"),
        "create_service": .activity(verb: "create", resource: "services"),
        "delete_service": .activity(verb: "delete", resource: "services"),
        "create_configmap": .activity(verb: "create", resource: "configmaps"),
        "delete_configmap": .activity(verb: "delete", resource: "configmaps"),
        "create_namespace": .activity(verb: "create", resource: "namespaces"),
        "create_serviceaccount": .activity(verb: "create", resource: "serviceaccounts"),
        "delete_serviceaccount": .activity(verb: "delete", resource: "serviceaccounts"),
        "create_clusterrole": .activity(verb: "create", resource: "clusterroles.rbac.authorization.k8s.io"),
        "delete_clusterrole": .activity(verb: "delete", resource: "clusterroles.rbac.authorization.k8s.io"),
        "create_clusterrolebinding": .activity(verb: "create", resource: "clusterrolebindings.rbac.authorization.k8s.io"),
        "delete_clusterrolebinding": .activity(verb: "delete", resource: "clusterrolebindings.rbac.authorization.k8s.io"),
        "create_secret": .activity(verb: "create", resource: "secrets"),
        // "No alert" traces made with a system:masters credential (minikube-user, kubeadm's admin).
        "user_in_allowed_set": .instead(["system-masters-user"], why: Self.mastersWhy),
        "create_nonodeport_service": .instead(["system-masters-user"], why: Self.mastersWhy),
        "create_configmap_no_private_creds": .instead(["system-masters-user"], why: Self.mastersWhy),
        "namespace_in_allowed_set": .instead(["system-masters-user"], why: Self.mastersWhy),
        "create_kube_system_secret": .instead(["system-masters-user", "bootstrap-token-secret"], why: """
            kubeadm's admin (system:masters) creates a bootstrap token: a credential that lets a machine \
            join as a node; Falco skips secrets in kube-system
            """),
    ]

    static let mastersWhy = """
        the request is made with a system:masters credential, which bypasses RBAC: system-masters-user \
        reports each stretch of such use (Falco's "Full K8s Administrative Access" is inert by default)
        """

    /// Alert cases our rules miss and should not: gaps for the catalog, recorded as known issues so
    /// that the test fails once they are fixed (and this entry must go).
    /// None open: docs/peer-disagreements.md lists the ones closed.
    static let gaps: [String: String] = [:]

    static func analyze(_ trace: String) throws -> AnalysisResult {
        let rules = try PeerDetection.rules()
        return Analysis.run([Peers.path("\(folder)/\(trace)")]) { $0.rules = rules }
    }

    @Test("Every built-in rule the Falco table names exists, and every listed case is a case",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func mappedRulesExist() throws {
        let rules = try PeerDetection.rules()
        let named = Self.ourRules.values.flatMap(\.self) + Self.disagreements.values.flatMap(\.rules)
        #expect(PeerDetection.unknown(named, in: rules).isEmpty, "\(PeerDetection.unknown(named, in: rules))")
        for falcoCase in Self.alertCases {
            #expect(Self.ourRules[falcoCase.falcoRule ?? ""] != nil, "\(falcoCase.test): \(falcoCase.falcoRule ?? "-") is not mapped")
        }
        let tests = Set((Self.alertCases + Self.quietCases).map(\.test))
        #expect(Set(Self.disagreements.keys).subtracting(tests).isEmpty)
        #expect(Set(Self.gaps.keys).subtracting(tests).isEmpty)
        #expect(Set(Self.gaps.keys).isDisjoint(with: Self.disagreements.keys))
    }

    @Test("Each Falco alert is a finding of the built-in rule of the same meaning, once per alerted request",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"),
          arguments: alertCases)
    func alertCase(_ falcoCase: Case) throws {
        let mapped = try #require(Self.ourRules[falcoCase.falcoRule ?? ""])
        let result = try Self.analyze(falcoCase.trace)
        #expect(result.totals.recordsSkipped == 0)
        let ours = result.findings.filter { mapped.contains($0.rule.name) }
        let requests = Set(ours.flatMap(\.auditIDs))
        switch Self.disagreements[falcoCase.test] {
        case let .instead(instead, _)?:
            #expect(requests.isEmpty, "\(falcoCase.test) is listed as a disagreement, but \(PeerDetection.describe(ours)) fire")
            let others = result.findings.filter { instead.contains($0.rule.name) }
            #expect(Set(others.map(\.rule.name)) == instead,
                    "\(falcoCase.test): expected \(instead.sorted()) instead; found \(PeerDetection.describe(result.findings))")
        case let .activity(verb, resource)?:
            #expect(mapped.isEmpty && requests.isEmpty)
            #expect(result.activity.dimensions[.verb]?[verb]?.requests == 1, "\(falcoCase.test)")
            #expect(result.activity.dimensions[.resource]?[resource]?.requests == 1, "\(falcoCase.test)")
        case nil:
            let check = {
                #expect(requests.count == falcoCase.count,
                        "\(falcoCase.test): Falco raises `\(falcoCase.falcoRule ?? "")` ×\(falcoCase.count); \(mapped.sorted()) found \(requests.count) requests; all findings: \(PeerDetection.describe(result.findings))")
            }
            if let gap = Self.gaps[falcoCase.test] {
                withKnownIssue("rule gap: \(gap)", check)
            } else {
                check()
            }
        }
    }

    @Test("No Falco \"no alert\" trace makes a finding of severity medium or higher",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"),
          arguments: quietCases)
    func quietCase(_ falcoCase: Case) throws {
        let result = try Self.analyze(falcoCase.trace)
        #expect(result.totals.recordsSkipped == 0)
        let loud = result.findings.filter { $0.rule.severity >= .medium }
        let expected = Self.disagreements[falcoCase.test]?.rules ?? []
        #expect(Set(loud.map(\.rule.name)) == expected,
                "\(falcoCase.test): \(PeerDetection.describe(loud)); expected \(expected.isEmpty ? "none" : expected.sorted().joined(separator: ", "))")
    }

    @Test("fal_01_003.json (`{\"kind\": 0}`) is not an audit event: skipped as such, no finding",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func fal01003IsNotAnEvent() throws {
        let path = Peers.path("\(Self.folder)/fal_01_003.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(AuditEvent.decode(record: text) == .failure(.notAuditEvent))
        let result = try Self.analyze("fal_01_003.json")
        #expect(result.totals.eventsRead == 0)
        #expect(result.skippedCount(.notAuditEvent) == 1)
        #expect(result.findings.isEmpty)
    }
}

// MARK: - 2. CrowdSec hub

/// crowdsecurity/hub `.tests/k8s-audit-pod-exec-file/k8s-audit-pod-exec-file.log` and
/// `.tests/k8s-audit-priv-pod-file/k8s-audit-priv-pod-file.log` at b03cb59b2131ebfc5300f5f14828e29967efd1a5
/// (last changed in 9baa1d8210c6b643aa5355cc3b5cd810bf684413), MIT; expectations from the hub's
/// `scenario.assert` files as `../shared/peers/crowdsecurity-hub/README.md` writes them out: exactly
/// one alert, of one event, with the user, source IP, namespace, object name and time it lists.
@Suite("Peer expectations: CrowdSec hub k8s-audit scenario tests")
struct CrowdSecPeerDetectionTests {
    static let folder = "crowdsecurity-hub"

    struct Case: Sendable, CustomTestStringConvertible {
        var log: String
        var scenario: String
        var ourRule: String
        var time: String
        var testDescription: String { "\(log) → \(ourRule)" }
    }

    static let cases: [Case] = [
        Case(log: "k8s-audit-pod-exec-file.log", scenario: "crowdsecurity/k8s-audit-pod-exec", ourRule: "pod-exec-attach",
             time: "2023-05-17T15:08:22.76396Z"),
        Case(log: "k8s-audit-priv-pod-file.log", scenario: "crowdsecurity/k8s-audit-privileged-pod-creation",
             ourRule: "pod-privileged-container", time: "2023-05-17T13:59:57.756152Z"),
    ]

    @Test("Each hub log yields exactly one finding of the scenario's rule, with the scenario's metadata",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"),
          arguments: cases)
    func scenario(_ crowdsecCase: Case) throws {
        let rules = try PeerDetection.rules()
        let result = Analysis.run([Peers.path("\(Self.folder)/\(crowdsecCase.log)")]) { $0.rules = rules }
        let ours = result.findings.filter { $0.rule.name == crowdsecCase.ourRule }
        #expect(ours.count == 1, "\(crowdsecCase.scenario): \(PeerDetection.describe(result.findings))")
        let finding = try #require(ours.first)
        #expect(finding.count == 1)
        #expect(finding.evidence.count == 1)
        #expect(finding.request.username == "minikube-user")
        #expect(finding.request.sourceIPs == ["192.168.49.1"])
        #expect(finding.request.namespace == "foo")
        #expect(finding.request.name == "test-pod-1")
        #expect(finding.firstSeen == Timestamp(rfc3339: crowdsecCase.time))
        // The README's oracle note: nothing unrelated fires. One thing does, deliberately: minikube-user
        // is in system:masters, and system-masters-user reports such use (docs/peer-disagreements.md).
        let others = Set(result.findings.map(\.rule.name)).subtracting([crowdsecCase.ourRule])
        #expect(others == ["system-masters-user"], "\(PeerDetection.describe(result.findings))")
    }
}

// MARK: - 3. Panther

/// panther-labs/panther-analysis `rules/kubernetes_rules/*.yml`, `rules/aws_eks_rules/*.yml`,
/// `rules/gcp_k8s_rules/*.yml` and `rules/azure_activity_rules/azure_kubernetes_rolebinding_created.yml`
/// at daa10c888566839e9918dfba1cd652743781e5fe (each file's `source_path` names its rule), Apache-2.0:
/// the rules' own unit tests (`Tests:` → `*.tests.json`, see `../shared/peers/panther-labs-panther-analysis/README.md`).
///
/// Only the native, EKS-shaped logs are replayed (an audit Event with Panther's `p_*` fields beside
/// it); AKS-wrapped (`properties.log`), GKE (`protoPayload`) and Azure-activity logs are skipped and
/// counted — the cloud-formats issue adds them. Panther's hand-written logs mostly lack `auditID`
/// and some lack `stage`, which kube-apiserver always writes and without which our decoder does not
/// take a record for an event; the replay adds a synthetic `auditID` and `stage: ResponseComplete`
/// when missing, and drops the `p_*` fields. Nothing else is changed.
///
/// - `ExpectedResult: true`: the event makes a finding of a mapped rule. For Panther rules with a
///   `Threshold` (several events per dedup key), the log is a test of the per-event filter only: the
///   mapped rule is the base detection of our correlation, which makes no finding of its own, so the
///   check is that the base rule matches the event.
/// - `ExpectedResult: false`: no mapped rule makes a finding of severity high or critical.
@Suite("Peer expectations: Panther's Kubernetes rule unit tests (EKS-shaped logs)")
struct PantherPeerDetectionTests {
    static let folder = "panther-labs-panther-analysis"

    /// What a Panther rule maps to: built-in rule names, or a whole category.
    struct Target: Sendable {
        var rules: Set<String> = []
        var categories: Set<RuleCategory> = []
        /// Panther alerts only after `Threshold` events: compare per-event filters.
        var thresholded = false

        func covers(_ name: String, _ category: RuleCategory) -> Bool {
            rules.contains(name) || categories.contains(category)
        }
    }

    /// Panther rule file → our rules (research/detections.md §4, Panther: RuleID → row id = our rule name).
    /// `nil`: not portable (the reason is beside it).
    static let mapping: [String: Target?] = [
        "anonymous_api_access.tests.json": Target(rules: ["anonymous-request-allowed"]),
        // Azure Activity (ARM) logs only: no native event.
        "azure_kubernetes_rolebinding_created.tests.json": Target(categories: [.rbacChange]),
        // GKE-only rule files: every test is a GCP.AuditLog entry (skipped).
        "gcp_k8s_cron_job_created_or_modified.tests.json": Target(rules: ["cronjob-job-change"]),
        "gcp_k8s_exec_into_pod.tests.json": Target(rules: ["pod-exec-attach"]),
        "gcp_k8s_ioc_activity.tests.json": nil, // Panther's Tor-exit-node enrichment (`p_enrichment`)
        "gcp_k8s_new_daemonset_deployed.tests.json": Target(rules: ["daemonset-created"]),
        "gcp_k8s_pod_attached_to_node_host_network.tests.json": Target(rules: ["pod-host-network"]),
        "gcp_k8s_pod_create_or_modify_host_path_vol_mount.tests.json": Target(rules: ["pod-sensitive-hostpath", "pod-hostpath-volume"]),
        "gcp_k8s_pod_using_host_pid_namespace.tests.json": Target(rules: ["pod-host-pid"]),
        "gcp_k8s_privileged_pod_created.tests.json": Target(rules: ["pod-privileged-container", "run-as-root-container"]),
        "gcp_k8s_service_type_node_port_deployed.tests.json": Target(rules: ["nodeport-service"]),
        // Unified rules.
        "k8s_admission_controller_created.tests.json": Target(categories: [.admissionTampering]),
        "k8s_anonymous_api_access.tests.json": Target(rules: ["anonymous-request-allowed"]),
        "k8s_client_certificate_created.tests.json": Target(rules: ["csr-client-cert"]),
        "k8s_clusterrolebinding_privileged.tests.json": Target(rules: ["cluster-admin-binding"]),
        "k8s_cronjob_created_or_modified.tests.json": Target(rules: ["cronjob-job-change"]),
        "k8s_daemonset_created.tests.json": Target(rules: ["daemonset-created"]),
        "k8s_exec_into_pod.tests.json": Target(categories: [.execAttach]),
        "k8s_ingress_without_tls.tests.json": Target(rules: ["ingress-no-tls"]),
        "k8s_ioc_activity.tests.json": nil, // Panther's Tor-exit-node enrichment (`p_enrichment`)
        "k8s_kubectl_cp_operation.tests.json": Target(rules: ["exec-kubectl-cp"]),
        // Threshold 10 per public IP: our correlation and its base detection.
        "k8s_multiple_403_public_ip.tests.json": Target(rules: ["denied-burst-by-source", "request-forbidden"], thresholded: true),
        "k8s_pod_created_in_system_namespace.tests.json": Target(rules: ["pod-in-system-namespace"]),
        "k8s_pod_dangerous_capabilities.tests.json": Target(rules: ["container-added-capabilities"]),
        "k8s_pod_host_ipc.tests.json": Target(rules: ["pod-host-ipc"]),
        "k8s_pod_host_network.tests.json": Target(rules: ["pod-host-network"]),
        "k8s_pod_host_pid.tests.json": Target(rules: ["pod-host-pid"]),
        "k8s_pod_hostpath_volume.tests.json": Target(rules: ["pod-hostpath-volume", "pod-sensitive-hostpath"]),
        // Panther's "privileged" includes runAsNonRoot: false and runAsUser: 0.
        "k8s_privileged_pod_created.tests.json": Target(rules: ["pod-privileged-container", "run-as-root-container"]),
        // A role granting every resource (`*`) grants nodes/proxy too: role-wildcard reports it.
        "k8s_role_node_proxy_permissions.tests.json": Target(rules: ["role-node-proxy", "role-wildcard"]),
        "k8s_role_pod_exec.tests.json": Target(rules: ["role-pod-exec"]),
        "k8s_role_wildcard.tests.json": Target(rules: ["role-wildcard"]),
        // No rule on write verbs alone (see disagreements): any rbac-change finding on the role.
        "k8s_role_write_permissions.tests.json": Target(categories: [.rbacChange]),
        // Threshold 20 per user and namespace: secret-read-denied (low) and its burst correlation.
        "k8s_secret_access_denied.tests.json": Target(rules: ["secret-read-denied", "secret-read-denied-burst"], thresholded: true),
        // 15 distinct secrets per user: secret-enumeration-burst and its base detection secret-get.
        "k8s_secret_enumeration.tests.json": Target(rules: ["secret-enumeration-burst", "secret-get"], thresholded: true),
        "k8s_secrets_dump_all_namespaces.tests.json": Target(rules: ["secrets-list"]),
        "k8s_service_nodeport.tests.json": Target(rules: ["nodeport-service"]),
        "k8s_serviceaccount_token_created.tests.json": Target(rules: ["sa-token-request"]),
        "k8s_steal_serviceaccount_token.tests.json": Target(rules: ["exec-credential-file-access"]),
        "k8s_system_principal_public_ip.tests.json": Target(rules: ["system-identity-from-public-ip"]),
        "k8s_system_role_modified.tests.json": Target(rules: ["system-role-modified"]),
        "source_ip_multiple_403.tests.json": Target(rules: ["denied-burst-by-source", "request-forbidden"], thresholded: true),
        "system_namespace_public_ip.tests.json": Target(rules: ["system-identity-from-public-ip"]),
    ]

    /// Cases where our rules deliberately differ, by "file › test name": what we do instead (`true`:
    /// a finding, high or critical for a Panther `false`), and why (docs/peer-disagreements.md).
    static let disagreements: [String: (ours: Bool, why: String)] = [
        // Panther alerts; we do not.
        "anonymous_api_access.tests.json › Anonymous API Access Web Scanner Allowed": (false, """
            an anonymous GET of /version: public by default (system:public-info-viewer), excluded like the health endpoints
            """),
        "anonymous_api_access.tests.json › ELB Health Check from Public IP": (false, """
            anonymous /healthz is public by default; KubeSift does not judge a request by whether its address is public
            """),
        "anonymous_api_access.tests.json › Anonymous API Access Web Scanner Denied": (false, """
            one refused anonymous request is Internet background noise; anonymous-enumeration reports a source that keeps probing
            """),
        "k8s_role_write_permissions.tests.json › EKS Role with mixed read and write permissions": (false, Self.writeVerbsWhy),
        "k8s_secret_access_denied.tests.json › EKS failed secret get (404 Not Found)": (false, """
            a 404 is a missing secret, not a refusal; secret-read-denied counts 403s
            """),
        "k8s_secret_enumeration.tests.json › User Lists Secrets": (false, """
            the burst counts distinct secrets read one by one (get); a namespaced list is discovery, a cluster-wide one secrets-list
            """),
        "k8s_secret_enumeration.tests.json › User Watches Secrets": (false, "as User Lists Secrets"),
        "k8s_serviceaccount_token_created.tests.json › System principal in user namespace (alert)": (false, """
            system:kube-controller-manager is the control plane; sa-token-request leaves control-plane identities out everywhere
            """),
        // Panther does not alert; we make a high or critical finding.
        "k8s_clusterrolebinding_privileged.tests.json › RoleBinding (not ClusterRoleBinding)": (true, """
            a RoleBinding to cluster-admin gives full control of the namespace, its secrets included
            """),
        "k8s_clusterrolebinding_privileged.tests.json › System principal creating binding (excluded)": (true, Self.serviceAccountWhy),
        "k8s_role_node_proxy_permissions.tests.json › System principal creating role (excluded)": (true, Self.serviceAccountWhy),
        "k8s_role_node_proxy_permissions.tests.json › Updating existing role (not creating)": (true, Self.updateWhy),
        "k8s_role_wildcard.tests.json › System principal creating role (excluded)": (true, Self.serviceAccountWhy),
        "k8s_role_wildcard.tests.json › Updating existing role (not creating)": (true, Self.updateWhy),
        "k8s_steal_serviceaccount_token.tests.json › System principal in system namespace (excluded)": (true, """
            no workload needs to exec into a pod to read its token: a service account doing so is the attack, wherever it is
            """),
        "k8s_system_principal_public_ip.tests.json › EKS Legitimate Node from AWS IP": (true, Self.cloudRangeWhy),
        "k8s_system_principal_public_ip.tests.json › 403 Response (Excluded)": (true, Self.refusedWhy),
        "k8s_system_principal_public_ip.tests.json › Pod with Mixed Public and Private IPs": (true, """
            the private first address is the client's own claim (X-Forwarded-For, forgeable); the address that \
            connected (last) is public, so a private claim does not clear the request
            """),
        "k8s_system_role_modified.tests.json › System:coredns modified (excluded - expected)": (true, """
            a person (admin@example.com) changed a system: role; only control-plane identities are left out, not role names
            """),
        "k8s_system_role_modified.tests.json › System principal modifying system role (excluded)": (true, Self.serviceAccountWhy),
        "system_namespace_public_ip.tests.json › system username - public ip - not ResponseComplete": (true, """
            rules see every stage of a request (one finding per request); a ResponseStarted stage is the same request
            """),
        "system_namespace_public_ip.tests.json › system username - public ip - 403": (true, Self.refusedWhy),
        "system_namespace_public_ip.tests.json › legitimate EKS node from AWS IP - should not alert": (true, Self.cloudRangeWhy),
    ]

    static let serviceAccountWhy = """
        Panther leaves out every kube-system service account; stolen service-account tokens are the usual way in, \
        so only the named control-plane identities (system:apiserver, the aggregation controller) are left out
        """
    static let updateWhy = "an update or patch grants the same as a create; Panther looks at creates only"
    static let cloudRangeWhy = """
        Panther exempts the cloud provider's address ranges with ASN enrichment; KubeSift has no such data \
        offline and reports the address for the reader to judge
        """
    static let refusedWhy = "a system credential used from a public address is the finding, whether or not this request was refused"

    /// Cases our rules miss and should not: gaps for the catalog, recorded as known issues so that the
    /// test fails once they are fixed (and the entry must go).
    /// None open: docs/peer-disagreements.md lists the ones closed.
    static let gaps: [String: String] = [:]

    struct TestCase {
        var file: String
        var name: String
        var expected: Bool
        var log: JSONValue
        var key: String { "\(file) › \(name)" }
    }

    /// Whether a log is a native audit event (EKS-shaped), not AKS-wrapped, GKE or Azure activity.
    static func isNative(_ log: JSONValue) -> Bool {
        log["protoPayload"] == nil && log["properties"] == nil && log["operationName"] == nil && log["operation"] == nil
            && log["kind"]?.stringValue == "Event"
    }

    /// The tests of every file, native and not.
    static func allTests() throws -> [(file: String, tests: [TestCase])] {
        let directory = Peers.path(folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tests.json") }.sorted()
        return try files.map { file in
            let document = try JSONValue.parse(String(contentsOfFile: directory + "/" + file, encoding: .utf8))
            let tests = try #require(document["Tests"]?.arrayValue, "\(file) has no Tests")
            return (file, try tests.map { test in
                guard case let .bool(expected)? = test["ExpectedResult"], let name = test["Name"]?.stringValue,
                      let log = test["Log"] else { throw PeerFileError(file: file) }
                return TestCase(file: file, name: name, expected: expected, log: log)
            })
        }
    }

    struct PeerFileError: Error { var file: String }

    /// The log as the replay feeds it: `p_*` fields dropped, `auditID` and `stage` added when missing.
    static func completed(_ log: JSONValue, serial: Int) -> JSONValue {
        guard case let .object(members) = log else { return log }
        var kept = members.filter { !$0.key.hasPrefix("p_") }
        if log["auditID"] == nil {
            kept.append(("auditID", .string("00000000-0000-4000-8000-\(String(format: "%012d", serial))")))
        }
        if log["stage"] == nil { kept.append(("stage", .string("ResponseComplete"))) }
        return .object(kept)
    }

    @Test("Every Panther file is mapped, and every built-in rule the table names exists",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func mappingIsComplete() throws {
        let rules = try PeerDetection.rules()
        let files = try Self.allTests().map(\.file)
        #expect(Set(files) == Set(Self.mapping.keys), "unmapped: \(Set(files).subtracting(Self.mapping.keys).sorted())")
        let named = Self.mapping.values.compactMap { $0?.rules }.flatMap(\.self)
        #expect(PeerDetection.unknown(named, in: rules).isEmpty, "\(PeerDetection.unknown(named, in: rules))")
        for case let target? in Self.mapping.values {
            for category in target.categories {
                #expect(rules.all.contains { $0.metadata.category == category }, "no built-in rule in \(category.rawValue)")
            }
        }
    }

    /// Checks one Panther test against our findings on `event`: `ExpectedResult` (or the listed
    /// disagreement, or known gap) decides what must be found. Returns the key when it was a listed case.
    static func check(_ test: TestCase, event: JSONValue, target: Target, rules: RuleSet,
                      disagreements: [String: (ours: Bool, why: String)]) -> String?
    {
        let findings = RuleExampleRunner.findings(for: [event], ruleSet: rules)
        let ours = findings.filter { target.covers($0.rule.name, $0.rule.category) }
        let matched = RuleExampleRunner.matchingRules(for: event, ruleSet: rules).filter { name in
            guard let metadata = rules.definition(named: name)?.metadata else { return false }
            return target.covers(name, metadata.category)
        }
        let found = target.thresholded ? !matched.isEmpty : !ours.isEmpty
        let loud = ours.filter { $0.rule.severity >= .high }
        if let disagreement = disagreements[test.key] {
            if test.expected {
                #expect(found == disagreement.ours, "\(test.key) (disagreement): \(PeerDetection.describe(findings))")
            } else {
                #expect(!loud.isEmpty == disagreement.ours, "\(test.key) (disagreement): \(PeerDetection.describe(findings))")
            }
            return test.key
        }
        if test.expected {
            let check = {
                #expect(found, "\(test.key): Panther alerts; \(target.thresholded ? "no mapped base rule matches" : "no finding of the mapped rules"); all findings: \(PeerDetection.describe(findings))")
            }
            guard let gap = gaps[test.key] else {
                check()
                return nil
            }
            withKnownIssue("rule gap: \(gap)", check)
            return test.key
        }
        #expect(loud.isEmpty, "\(test.key): Panther does not alert; \(PeerDetection.describe(loud))")
        return nil
    }

    @Test("Native (EKS-shaped) Panther tests: true → a finding of the mapped rules; false → none of them high or critical",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func nativeTests() throws {
        let rules = try PeerDetection.rules()
        var replayed = 0, skipped = 0, notPortable = 0, serial = 0
        var seenDisagreements: Set<String> = []
        for (file, tests) in try Self.allTests() {
            let target = try #require(Self.mapping[file], "\(file) is not mapped")
            for test in tests {
                guard Self.isNative(test.log) else {
                    skipped += 1
                    continue
                }
                guard let target else {
                    notPortable += 1
                    continue
                }
                replayed += 1
                serial += 1
                if let listed = Self.check(test, event: Self.completed(test.log, serial: serial), target: target, rules: rules,
                                           disagreements: Self.disagreements) {
                    seenDisagreements.insert(listed)
                }
            }
        }
        let listed = Set(Self.disagreements.keys).union(Self.gaps.keys)
        #expect(seenDisagreements == listed, "listed cases that name no native test: \(listed.subtracting(seenDisagreements).sorted())")
        print("Panther: \(replayed) native EKS-shaped tests replayed; \(skipped) AKS/GKE/Azure-activity tests in the cloud-shape test; \(notPortable) native tests of enrichment-based rules not portable")
        #expect(replayed + notPortable == 188)
        #expect(skipped == 287 - 188)
    }

    // MARK: AKS and GKE twins

    /// The AKS (`Azure.MonitorActivity`, category `kube-audit`) and GKE (`GCP.AuditLog`) logs, read by
    /// the AKS and GKE decoders as a file of that shape would be, against the same oracle as their EKS
    /// twins: the same action gives the same answer whichever cloud logged it. Panther's normalisation is
    /// undone first (`p_*` dropped, `at_sign_type` → `@type`, `callerIP` → `callerIp`), the AKS event
    /// inside `properties.log` is completed like a native one (`auditID`, `stage`), and a GKE entry gets
    /// the `insertId` every real entry has.
    enum CloudShape { case aks, gke }

    static func cloudShape(_ log: JSONValue) -> CloudShape? {
        if log["protoPayload"] != nil { return .gke }
        if log["properties"]?["log"]?.stringValue != nil { return .aks }
        return nil
    }

    static func completedCloud(_ log: JSONValue, serial: Int) -> JSONValue {
        func renamed(_ value: JSONValue) -> JSONValue {
            switch value {
            case let .object(members):
                return .object(members.filter { !$0.key.hasPrefix("p_") }.map { member in
                    let key = member.key == "at_sign_type" ? "@type" : member.key == "callerIP" ? "callerIp" : member.key
                    return (key, renamed(member.value))
                })
            case let .array(elements): return .array(elements.map(renamed))
            default: return value
            }
        }
        guard case let .object(members) = renamed(log) else { return log }
        var kept = members
        if case .gke? = cloudShape(log), log["insertId"] == nil {
            kept.append(("insertId", .string("00000000-0000-4000-9000-\(String(format: "%012d", serial))")))
        }
        if case .aks? = cloudShape(log), let index = kept.firstIndex(where: { $0.key == "properties" }),
           case var .object(properties) = kept[index].value, let position = properties.firstIndex(where: { $0.key == "log" }),
           let text = properties[position].value.stringValue, let inner = try? JSONValue.parse(text)
        {
            properties[position].value = .string(completed(inner, serial: serial).serialized())
            kept[index].value = .object(properties)
        }
        return .object(kept)
    }

    /// Panther's GKE logs written by hand in a shape no GKE export has, by file or by "file › test", left
    /// out with the reason: a real Kubernetes entry has a `resourceName`, `principalEmail` and a gRPC
    /// `status` that says whether the request failed.
    static let handWritten: [String: String] = [
        "gcp_k8s_cron_job_created_or_modified.tests.json": "Deployment Manager calls (`v2.deploymentmanager.deployments.insert`) standing for CronJob writes",
        "gcp_k8s_new_daemonset_deployed.tests.json": "Deployment Manager calls standing for a DaemonSet create",
        "gcp_k8s_pod_attached_to_node_host_network.tests.json": "a methodName and a request only: no resourceName, no principal",
        "gcp_k8s_pod_using_host_pid_namespace.tests.json": "a methodName and a request only: no resourceName, no principal",
        "gcp_k8s_pod_create_or_modify_host_path_vol_mount.tests.json › Pod Not Created":
            "a failure told only by `response: {status: Failure}`, with no gRPC status and no code",
        "k8s_anonymous_api_access.tests.json › GCP GKE Anonymous API Access":
            "the user in `authenticationInfo.authoritySelector`; GKE writes it in `principalEmail`",
    ]

    /// Where our answer on an AKS or GKE twin differs from Panther's, and why (docs/peer-disagreements.md).
    static let cloudDisagreements: [String: (ours: Bool, why: String)] = [
        "gcp_k8s_privileged_pod_created.tests.json › GCP Service Account Creating Privileged Pod (Excluded)": (true, """
            container-engine-robot is GKE's own agent; Panther exempts Google service accounts by name, KubeSift leaves \
            out the in-cluster controllers only and shows a cloud identity adding a privileged pod for the reader to judge
            """),
        "gcp_k8s_privileged_pod_created.tests.json › Privileged Pod in System Namespace (Excluded)": (true, Self.serviceAccountWhy),
        "k8s_clusterrolebinding_privileged.tests.json › AKS ClusterRoleBinding to system:masters": (false, """
            no ClusterRole is named system:masters (it is a group, given by certificates): the binding grants nothing
            """),
        "k8s_clusterrolebinding_privileged.tests.json › GKE ClusterRoleBinding to admin role": (false, """
            it binds `admin` (its EKS twin binds cluster-admin): the namespace administrator role, which \
            cluster-admin-binding does not cover
            """),
        "k8s_role_write_permissions.tests.json › AKS Role with create and update on pods": (false, Self.writeVerbsWhy),
        "k8s_role_write_permissions.tests.json › GKE ClusterRole with deletecollection": (false, Self.writeVerbsWhy),
        "k8s_secret_access_denied.tests.json › AKS failed secret get (401 Unauthorized)": (false, """
            a 401 is failed authentication (authentication-failed, api-brute-force): no identity a secret read could be held against
            """),
        "k8s_system_principal_public_ip.tests.json › AKS CSI Disk Driver from Azure Node": (true, Self.cloudRangeWhy),
        "k8s_system_principal_public_ip.tests.json › AKS CSI File Driver from Azure Node": (true, Self.cloudRangeWhy),
        "k8s_system_principal_public_ip.tests.json › AKS System Node from Azure IP": (true, Self.cloudRangeWhy),
    ]

    static let writeVerbsWhy = "write verbs are what most roles hold; KubeSift reports the grants that escalate, not write verbs alone"

    @Test("AKS and GKE Panther tests, read as exports: the same answers as their EKS twins",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func cloudShapedTests() throws {
        let rules = try PeerDetection.rules()
        var replayed: [CloudShape: Int] = [:]
        var serial = 0
        var seen: Set<String> = []
        for (file, tests) in try Self.allTests() {
            guard case let target?? = Self.mapping[file], Self.handWritten[file] == nil else { continue }
            for test in tests where Self.handWritten[test.key] == nil {
                guard let shape = Self.cloudShape(test.log) else { continue }
                serial += 1
                let event = Self.completedCloud(test.log, serial: serial)
                // Decoded from the cloud's own shape: the event really came through the AKS or GKE reader.
                let decoded = DecodedRecord(event.serialized())
                #expect(decoded.events.map(\.format) == [shape == .aks ? .aks : .gke], "\(test.key): \(decoded.skipped)")
                replayed[shape, default: 0] += 1
                if let listed = Self.check(test, event: event, target: target, rules: rules,
                                           disagreements: Self.cloudDisagreements) {
                    seen.insert(listed)
                }
            }
        }
        #expect(seen == Set(Self.cloudDisagreements.keys))
        print("Panther: \(replayed[.aks] ?? 0) AKS and \(replayed[.gke] ?? 0) GKE tests replayed through their readers")
        #expect(replayed[.aks] ?? 0 > 20)
        #expect(replayed[.gke] ?? 0 > 20)
    }
}

// MARK: - 4. SigmaHQ

/// SigmaHQ/sigma `rules/application/kubernetes/audit/*.yml` at 8eaafff1f2845a696050e05e72ba1140ee190698,
/// Detection Rule License 1.1 (authors as each file names them). A Sigma engine must load them
/// unchanged (`../shared/peers/sigmahq-sigma-kubernetes/README.md`), beside the built-in catalog, and
/// fire on the peers' matching events.
@Suite("Peer expectations: SigmaHQ's Kubernetes audit rules")
struct SigmaPeerDetectionTests {
    static let folder = "sigmahq-sigma-kubernetes"

    static func sigmaFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Peers.path(folder)).filter { $0.hasSuffix(".yml") }.sorted()
    }

    /// The built-in catalog plus the 16 rules, as `kubesift analyze --rules` builds it.
    static func combined() throws -> RuleSet {
        try RuleCatalog.ruleSet(extraPaths: [Peers.path(folder)], disabled: [])
    }

    /// The id (= name: the files have no `name`) of the rule in `file`.
    static func id(of file: String) throws -> String {
        let loaded = RuleLoader.load(path: Peers.path("\(folder)/\(file)"))
        return try #require(loaded.rules.first?.metadata.id)
    }

    @Test("All 16 rule files load unchanged, without a problem, one detection rule each",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func loadUnchanged() throws {
        let files = try Self.sigmaFiles()
        #expect(files.count == 16)
        for file in files {
            let loaded = RuleLoader.load(path: Peers.path("\(Self.folder)/\(file)"))
            #expect(loaded.problems.isEmpty, "\(file): \(loaded.problems)")
            #expect(loaded.rules.count == 1, "\(file)")
            if case .detection? = loaded.rules.first {} else { Issue.record("\(file) is not a detection rule") }
        }
        let all = RuleLoader.load(path: Peers.path(Self.folder))
        #expect(all.problems.isEmpty)
        #expect(all.rules.count == 16)
    }

    @Test("They build one rule set with the built-in catalog, replacing none of it",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func buildWithBuiltIns() throws {
        let builtIn = try PeerDetection.rules()
        let combined = try Self.combined()
        #expect(combined.detections.count == builtIn.detections.count + 16)
        #expect(combined.correlations.count == builtIn.correlations.count)
        for file in try Self.sigmaFiles() {
            #expect(combined.definition(named: try Self.id(of: file)) != nil, "\(file)")
        }
    }

    /// Where a matching event for each rule comes from.
    enum Source: Sendable {
        /// A Falco trace (its first line).
        case falco(String)
        /// A native Panther unit test: file and test name.
        case panther(String, String)
        /// No peer has such an event: a minimal one, completed like a rule example.
        case constructed(String)
    }

    struct FiringCase: Sendable, CustomTestStringConvertible {
        var file: String
        var source: Source
        var testDescription: String {
            switch source {
            case let .falco(trace): "\(file) on falco \(trace)"
            case let .panther(tests, name): "\(file) on panther \(tests) › \(name)"
            case .constructed: "\(file) on a constructed event"
            }
        }
    }

    static let firingCases: [FiringCase] = [
        FiringCase(file: "kubernetes_audit_change_admission_controller.yml",
                   source: .panther("k8s_admission_controller_created.tests.json", "EKS MutatingWebhookConfiguration Created")),
        FiringCase(file: "kubernetes_audit_cronjob_modification.yml",
                   // Panther's CronJob logs write `apiVersion: batch/v1` and no `apiGroup` (the apiserver writes
                   // `apiGroup: batch`, `apiVersion: v1`), so the one peer CronJob event cannot match this rule.
                   source: .constructed(#"{"verb":"create","objectRef":{"resource":"cronjobs","apiGroup":"batch","apiVersion":"v1","namespace":"shop","name":"backup"}}"#)),
        FiringCase(file: "kubernetes_audit_deployment_deleted.yml", source: .falco("delete_deployment.json")),
        FiringCase(file: "kubernetes_audit_events_deleted.yml",
                   source: .constructed(#"{"verb":"delete","objectRef":{"resource":"events","namespace":"shop","name":"web-1.17a"}}"#)),
        // Sigma's exec rule takes verb create only: Falco's exec trace is one (SPDY POST).
        FiringCase(file: "kubernetes_audit_exec_into_container.yml", source: .falco("exec_pod.json")),
        // `hostPath: '*'` is "any hostPath volume"; Falco's sensitive-mount pod has hostPath /etc.
        FiringCase(file: "kubernetes_audit_hostpath_mount.yml", source: .falco("create_nginx_pod_sensitive_mount.json")),
        FiringCase(file: "kubernetes_audit_pod_in_system_namespace.yml", source: .falco("create_pod_kube_system_namespace.json")),
        // "Privileged Container Deployed" is really "any added capability" (`capabilities: '*'`).
        FiringCase(file: "kubernetes_audit_privileged_pod_creation.yml",
                   source: .panther("k8s_pod_dangerous_capabilities.tests.json", "EKS Pod with SYS_ADMIN Capability")),
        FiringCase(file: "kubernetes_audit_rbac_permisions_listing.yml",
                   source: .constructed(#"{"verb":"create","objectRef":{"resource":"selfsubjectrulesreviews","apiGroup":"authorization.k8s.io","apiVersion":"v1"}}"#)),
        FiringCase(file: "kubernetes_audit_rolebinding_modification.yml", source: .falco("attach_cluster_admin_role.json")),
        FiringCase(file: "kubernetes_audit_secrets_enumeration.yml",
                   source: .panther("k8s_secrets_dump_all_namespaces.tests.json", "EKS cluster-wide secret list")),
        FiringCase(file: "kubernetes_audit_secrets_modified_or_deleted.yml", source: .falco("delete_secret.json")),
        FiringCase(file: "kubernetes_audit_serviceaccount_creation.yml", source: .falco("create_serviceaccount.json")),
        FiringCase(file: "kubernetes_audit_sidecar_injection.yml",
                   source: .constructed(#"{"verb":"patch","objectRef":{"resource":"deployments","apiGroup":"apps","apiVersion":"v1","namespace":"shop","name":"web"}}"#)),
        FiringCase(file: "kubernetes_audit_unauthorized_unauthenticated_actions.yml",
                   source: .panther("source_ip_multiple_403.tests.json", "403 and Public IP")),
    ]

    static func event(_ source: Source) throws -> JSONValue {
        switch source {
        case let .falco(trace):
            let lines = try PeerDetection.jsonLines(Peers.path("falcosecurity-falco-k8s_audit/\(trace)"))
            return try #require(lines.first)
        case let .panther(file, name):
            let tests = try #require(try PantherPeerDetectionTests.allTests().first { $0.file == file }?.tests)
            let test = try #require(tests.first { $0.name == name }, "\(file) has no test \(name)")
            return PantherPeerDetectionTests.completed(test.log, serial: 1)
        case let .constructed(json):
            return try RuleFixture.event(json)
        }
    }

    @Test("Each rule fires on a matching peer event (constructed where no peer has one)",
          .enabled(if: Peers.exists(folder) && Peers.exists("falcosecurity-falco-k8s_audit")
                   && Peers.exists(PantherPeerDetectionTests.folder), "peer material ../shared/peers/ is absent"),
          arguments: firingCases)
    func fires(_ firing: FiringCase) throws {
        let rules = try Self.combined()
        let id = try Self.id(of: firing.file)
        let event = try Self.event(firing.source)
        #expect(RuleExampleRunner.matchingRules(for: event, ruleSet: rules).contains(id))
        #expect(RuleExampleRunner.findings(for: [event], ruleSet: rules).contains { $0.rule.id == id })
    }

    @Test("Every rule but the defective one has a firing case",
          .enabled(if: Peers.exists(folder), "peer material ../shared/peers/\(folder) is absent"))
    func everyRuleHasAFiringCase() throws {
        let covered = Set(Self.firingCases.map(\.file))
        #expect(Set(try Self.sigmaFiles()).subtracting(covered) == [Self.enumerationRule])
    }

    static let enumerationRule = "kubernetes_audit_potential_enumeration_activity.yml"

    /// Regression test of an upstream defect: `kubernetes_audit_potential_enumeration_activity.yml`
    /// requires `responseStatus.code: 'ALLOW'`, and a response code is a number (an authorization
    /// decision would be the annotation `authorization.k8s.io/decision: allow`), so the rule can never
    /// match. Without that selection it would match CrowdSec's exec of `/bin/bash`.
    @Test("The `'ALLOW'` rule (potential_enumeration_activity) never matches a peer event",
          .enabled(if: Peers.exists(folder) && Peers.exists("falcosecurity-falco-k8s_audit")
                   && Peers.exists(CrowdSecPeerDetectionTests.folder) && Peers.exists(PantherPeerDetectionTests.folder),
                   "peer material ../shared/peers/ is absent"))
    func enumerationRuleNeverMatches() throws {
        let path = Peers.path("\(Self.folder)/\(Self.enumerationRule)")
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        let rules = try RuleSet(RuleLoader.load(yaml: yaml, origin: .file(path: path)).rules)
        var events: [JSONValue] = []
        let falco = Peers.path("falcosecurity-falco-k8s_audit")
        for trace in try FileManager.default.contentsOfDirectory(atPath: falco).sorted()
        where trace.hasSuffix(".json") && trace != "fal_01_003.json" {
            events += try PeerDetection.jsonLines(falco + "/" + trace)
        }
        for log in CrowdSecPeerDetectionTests.cases.map(\.log) {
            events += try PeerDetection.jsonLines(Peers.path("\(CrowdSecPeerDetectionTests.folder)/\(log)"))
        }
        var serial = 0
        for (_, tests) in try PantherPeerDetectionTests.allTests() {
            for test in tests where PantherPeerDetectionTests.isNative(test.log) {
                serial += 1
                events.append(PantherPeerDetectionTests.completed(test.log, serial: serial))
            }
        }
        #expect(events.count > 200)
        for event in events {
            #expect(RuleExampleRunner.matchingRules(for: event, ruleSet: rules).isEmpty,
                    "matched \(event["auditID"]?.stringValue ?? "?")")
        }

        // The same rule without `selection_status and`: it matches the exec of /bin/bash (requestURI
        // `…/exec?command=%2Fbin%2Fbash…`), so it is that selection alone that keeps it silent.
        let condition = "condition: selection_status and 1 of selection_request_*"
        #expect(yaml.contains(condition))
        let repaired = yaml.replacingOccurrences(of: condition, with: "condition: 1 of selection_request_*")
        let repairedRules = try RuleSet(RuleLoader.load(yaml: repaired, origin: .file(path: path)).rules)
        let exec = try #require(try PeerDetection.jsonLines(Peers.path("\(CrowdSecPeerDetectionTests.folder)/k8s-audit-pod-exec-file.log")).first)
        #expect(!RuleExampleRunner.matchingRules(for: exec, ruleSet: repairedRules).isEmpty)
        #expect(RuleExampleRunner.matchingRules(for: exec, ruleSet: rules).isEmpty)
    }
}

