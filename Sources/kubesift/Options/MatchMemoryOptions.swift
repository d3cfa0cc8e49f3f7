import ArgumentParser
import KubeSiftCore

/// Memory for the rule matches correlations count, the same option for `analyze` and `merge`.
struct MatchMemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Memory for the rule matches correlations count, as they are read and again in assembly; past it, they spill to a temporary file.",
        valueName: "MiB"))
    var matchMemoryMib = AnalysisOptions.defaultMatchMemoryBytes >> 20

    func validate() throws {
        guard (1...65536).contains(matchMemoryMib) else { throw ValidationError("--match-memory-mib takes a number from 1 to 65536.") }
    }

    var bytes: Int { matchMemoryMib << 20 }
}
