import Foundation
import Testing

/// `kubesift policy lint`, through the real binary: its output, JSON and exit codes.
@Suite struct PolicyCommandTests {
    /// Secrets and tokens as metadata, ConfigMap bodies for the rule that reads them, everything else in full.
    static let careful = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
          - level: Metadata
            resources:
              - group: ""
                resources: [secrets, serviceaccounts/token]
              - group: authentication.k8s.io
                resources: [tokenreviews]
          - level: Request
            resources:
              - group: ""
                resources: [configmaps]
          - level: RequestResponse
        """

    static let metadataOnly = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
          - level: Metadata
        """

    @Test func aCarefulPolicyPassesWithItsWarning() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("policy.yaml", Self.careful)
        // Keeping Secret bodies out blinds the one rule that reads a Secret's type from its body.
        let blinded = try KubeSiftRunner.run(["policy", "lint", path])
        #expect(blinded.exitCode == 1)
        #expect(blinded.stdout.contains("blinds legacy-sa-token-secret (needs Request)"))
        let outcome = try KubeSiftRunner.run(["policy", "lint", path, "--disable", "legacy-sa-token-secret"])
        #expect(outcome.exitCode == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\(path):11: warning: rule 2 logs configmaps at Request"))
        #expect(outcome.stdout.hasSuffix("3 policy rules; 0 detection rules blinded, 0 errors, 1 warnings\n"))
    }

    @Test func aMetadataOnlyPolicyIsReportedBlindInTextAndJSON() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("policy.yaml", Self.metadataOnly)
        let text = try KubeSiftRunner.run(["policy", "lint", path])
        #expect(text.exitCode == 1)
        #expect(text.stdout.contains("\(path): blinds pod-privileged-container (needs Request): "))
        let json = try KubeSiftRunner.run(["policy", "lint", path, "--json"])
        #expect(json.exitCode == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["file"] as? String == path)
        #expect(document["rules"] as? Int == 1)
        let blinded = try #require(document["blindedRules"] as? [[String: Any]])
        #expect(blinded.contains { $0["name"] as? String == "pod-privileged-container" && $0["needs"] as? String == "Request" })
        #expect((document["issues"] as? [Any])?.isEmpty == true)
        // --disable leaves a rule out of the check.
        let disabled = try KubeSiftRunner.run(["policy", "lint", path, "--json", "--disable", "pod-privileged-container"])
        #expect(!disabled.stdout.contains("pod-privileged-container"))
    }

    @Test func aFileThatIsNotAPolicyIsAUsageErrorNamingItsPlace() throws {
        let scratch = try ScratchDirectory()
        let pod = try scratch.write("pod.yaml", "apiVersion: v1\nkind: Pod\n")
        let outcome = try KubeSiftRunner.run(["policy", "lint", pod])
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains("\(pod):1:1: not an audit policy"))
        let missing = try KubeSiftRunner.run(["policy", "lint", scratch.path("absent.yaml")])
        #expect(missing.exitCode == 64)
        #expect(missing.stderr.contains("no such file"))
    }
}
