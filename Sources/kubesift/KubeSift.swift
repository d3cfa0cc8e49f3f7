import ArgumentParser
import KubeSiftCore

@main
struct KubeSift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubesift",
        abstract: "Forensic analysis and compliance reporting over Kubernetes API-server audit logs.",
        discussion: """
            Reads rotated and compressed kube-apiserver audit archives (plain, gzip, bzip2, xz, zstd, \
            lz4; tar, zip; archives inside archives), decodes them in parallel, and reports who did \
            what to which resource.

            \(KubeSiftExitCode.helpTable)
            """,
        version: KubeSiftVersion.current,
        subcommands: [Analyze.self, Merge.self, Rules.self, Findings.self, Policy.self],
        defaultSubcommand: Analyze.self
    )
}
