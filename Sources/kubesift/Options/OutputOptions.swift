import ArgumentParser

/// Where reports go and what the terminal shows.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Directory to write report.json into.", valueName: "dir"))
    var outputDir = "kubesift-report"

    @Flag(name: .shortAndLong, help: "Print only warnings and errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print notices (inputs skipped as not audit data, …).")
    var verbose = false

    @Option(help: ArgumentHelp("Progress on stderr: auto (a live line on a terminal, periodic lines otherwise), always, never.",
                               valueName: "when"))
    var progress: ProgressMode = .auto

    enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }
}
