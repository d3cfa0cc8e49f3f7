import Foundation
import Testing
@testable import KubeSiftCore

/// `policy lint` on real-shaped policies (``PolicyFixtures``: each says where its rules come from)
/// and on small ones that hold one mistake each.
struct AuditPolicyLintTests {
    let ruleSet: RuleSet

    init() throws { ruleSet = try RuleCatalog.ruleSet(extraPaths: [], disabled: []) }

    private func lint(file name: String) throws -> AuditPolicyLint {
        let text = try #require(PolicyFixtures.all[name])
        return AuditPolicyLint.lint(try AuditPolicy.parse(text, file: name), file: name, ruleSet: ruleSet)
    }

    private func lint(_ yaml: String) throws -> AuditPolicyLint {
        AuditPolicyLint.lint(try AuditPolicy.parse(yaml, file: "p.yaml"), file: "p.yaml", ruleSet: ruleSet)
    }

    private func checks(_ lint: AuditPolicyLint) -> [String] { lint.issues.map(\.check) }

    @Test func aMetadataOnlyPolicyBlindsEveryRuleThatReadsABody() throws {
        let result = try lint(file: "metadata-only.yaml")
        let blinded = Set(result.blindedRules.map(\.name))
        let needBodies = Set(ruleSet.detections.map(\.metadata).filter { $0.auditLevel != .metadata }.map(\.name))
        #expect(blinded.contains("pod-privileged-container"))
        // Every rule it blinds needs a body, and no Metadata rule is blinded.
        #expect(blinded.isSubset(of: needBodies))
        #expect(result.issues.isEmpty)
        let privileged = try #require(result.blindedRules.first { $0.name == "pod-privileged-container" })
        #expect(privileged.needs == .request)
        #expect(privileged.reason.contains("logged at Metadata, below Request"))
        #expect(privileged.reason.contains("by rule 1 (line 6)"))
    }

    @Test func gkesPolicyLeaksNothingAndHasACatchAll() throws {
        let result = try lint(file: "gke-default.yaml")
        #expect(result.rules == 17)
        #expect(result.issues.isEmpty, "\(result.issues)")
        // It keeps ConfigMap bodies and events out of the log on purpose; the rules reading them are blind.
        #expect(result.blindedRules.map(\.name) == ["configmap-credentials", "events-deleted", "legacy-sa-token-secret"])
        #expect(!result.blindedRules.contains { $0.name == "pod-privileged-container" })
    }

    @Test func theKubernetesDocsExampleLogsPodsInFullButRBACWithoutBodies() throws {
        let result = try lint(file: "kubernetes-docs-example.yaml")
        #expect(result.issues.isEmpty, "\(result.issues)")
        let blinded = result.blindedRules.map(\.name)
        #expect(!blinded.contains("pod-privileged-container"))
        #expect(blinded.contains("role-wildcard"))
        #expect(blinded.contains("webhook-failure-policy-ignore"))
    }

    @Test func everyMistakeIsReportedAtItsRule() throws {
        let result = try lint(file: "mistakes.yaml")
        let byCheck = Dictionary(grouping: result.issues, by: \.check)
        #expect(byCheck["secret-in-log"]?.map(\.rule) == [1])
        #expect(byCheck["secret-in-log"]?.first?.severity == .error)
        #expect(byCheck["configmap-in-log"]?.map(\.rule) == [4])
        #expect(byCheck["configmap-in-log"]?.first?.severity == .warning)
        #expect(byCheck["essential-not-logged"]?.map(\.rule) == [2])
        #expect(byCheck["session-start-hidden"]?.map(\.rule) == [3])
        #expect(byCheck["shadowed-rule"]?.map(\.rule) == [5])
        #expect(byCheck["shadowed-rule"]?.first?.line == 19)
        #expect(byCheck["no-catch-all"]?.count == 1)
        #expect(result.issues.count == 6)
    }

    @Test func aCatchAllFirstShadowsEveryRuleAfterIt() throws {
        let result = try lint("""
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
              - level: Metadata
              - level: RequestResponse
                resources: [{group: "", resources: [pods]}]
              - level: None
                users: [system:kube-proxy]
            """)
        #expect(result.issues.filter { $0.check == "shadowed-rule" }.map(\.rule) == [2, 3])
        #expect(result.blindedRules.contains { $0.name == "pod-privileged-container" })
    }

    @Test func firstMatchWinsAsInKubernetes() throws {
        let policy = try AuditPolicy.parse("""
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
              - level: None
                users: [system:kube-proxy]
                verbs: [watch]
                resources: [{group: "", resources: [endpoints]}]
              - level: Request
                resources: [{group: "", resources: ["*/status"]}, {group: apps, resources: ["deployments/*"]}]
              - level: None
                resources: [{group: "", resources: [configmaps], resourceNames: [leader]}]
              - level: Metadata
                nonResourceURLs: ["/healthz*"]
              - level: RequestResponse
                namespaces: [kube-system]
            """, file: "p.yaml")
        func rule(_ user: String, _ verb: String, _ resource: (String, String, String?)?, namespace: String? = "default",
                  name: String? = nil, path: String? = nil) -> Int? {
            policy.firstRule(for: .init(user: user, groups: [], verb: verb, resource: resource, namespace: namespace, name: name, path: path))
                .map { $0 + 1 }
        }
        #expect(rule("system:kube-proxy", "watch", ("", "endpoints", nil)) == 1)
        #expect(rule("system:kube-proxy", "get", ("", "endpoints", nil)) == nil)
        #expect(rule("jane", "update", ("", "pods", "status")) == 2)
        #expect(rule("jane", "patch", ("apps", "deployments", "scale")) == 2)
        // kube-apiserver's checker compares `deployments/*` with the resource alone: it matches the
        // resource itself too, not only its subresources as the API reference says.
        #expect(rule("jane", "patch", ("apps", "deployments", nil)) == 2)
        #expect(rule("jane", "patch", ("apps", "daemonsets", nil)) == nil)
        #expect(rule("jane", "get", ("", "configmaps", nil), name: "leader") == 3)
        #expect(rule("jane", "get", ("", "configmaps", nil), name: "other") == nil)
        #expect(rule("jane", "get", nil, namespace: nil, path: "/healthz/ready") == 4)
        // A rule with namespaces matches resource requests only.
        #expect(rule("jane", "get", nil, namespace: nil, path: "/metrics") == nil)
        #expect(rule("jane", "get", ("", "secrets", nil), namespace: "kube-system") == 5)
    }

    @Test func aFileThatIsNotAPolicySaysWhere() throws {
        #expect(throws: FileProblem(file: "p.yaml", line: 1, column: 1,
                                    message: "not an audit policy: kind Pod, apiVersion v1 (expected Policy, audit.k8s.io/v1)")) {
            _ = try AuditPolicy.parse("kind: Pod\napiVersion: v1\n", file: "p.yaml")
        }
        #expect(throws: FileProblem.self) { _ = try AuditPolicy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Loud\n", file: "p.yaml") }
        #expect(throws: FileProblem.self) { _ = try AuditPolicy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    user: [x]\n", file: "p.yaml") }
        #expect(throws: FileProblem.self) { _ = try AuditPolicy.parse("rules: [", file: "p.yaml") }
    }
}
