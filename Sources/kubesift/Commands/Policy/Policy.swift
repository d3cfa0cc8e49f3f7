import ArgumentParser

extension KubeSift {
    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a kube-apiserver audit policy (audit.k8s.io/v1 Policy).",
            subcommands: [Lint.self])
    }
}
