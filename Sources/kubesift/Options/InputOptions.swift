import ArgumentParser
import KubeSiftCore

/// Which inputs to read and how to label them.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Audit log files or directories (read recursively).", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Label every input with this cluster name.", valueName: "name"))
    var cluster: String?

    @Flag(help: "Take each input's cluster from its first directory under the given path (s3-sync/<cluster>/…).")
    var clusterFromDir = false

    // `--format` picks the report formats (OutputOptions): the shape of the input is `--input-format`.
    @Option(name: .customLong("input-format"), help: ArgumentHelp(
        "Read every record in this format instead of finding each file's (and each line's, in mixed files).",
        discussion: SourceFormat.allCases.map { "\($0.rawValue): \($0.explanation)" }.joined(separator: "\n"),
        valueName: "format"))
    var format: SourceFormat?

    @Option(help: ArgumentHelp("Decode threads (default: one per core).", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Skip records longer than this many MiB instead of holding them.", valueName: "MiB"))
    var maxRecordMib = 64

    @Option(help: ArgumentHelp("Memory for the index that counts each request once; past it, time slots spill to a temporary file.",
                               valueName: "MiB"))
    var indexMemoryMib = 32

    @Option(help: ArgumentHelp("Open archives nested at most this deep (a .tar.gz of .log.gz files is 2).", valueName: "n"))
    var maxNesting = 4

    @Option(help: ArgumentHelp("Stop reading a file whose content decompresses to more than this many times its size (a decompression bomb); 0: no limit.",
                               valueName: "ratio"))
    var maxExpansion = 1000

    // Hidden: for timing ISA-L against the inflate KubeSift used before it (the README's figures).
    @Option(help: ArgumentHelp("What inflates a .gz input file: isal or libarchive (zlib).", valueName: "library",
                               visibility: .hidden))
    var gzipInflater = GzipInflater.isal

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("Give at least one audit log file or directory to analyze.") }
        if cluster != nil && clusterFromDir {
            throw ValidationError("--cluster and --cluster-from-dir cannot be used together.")
        }
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs takes a number from 1 to 256.") }
        guard (1...4096).contains(maxRecordMib) else { throw ValidationError("--max-record-mib takes a number from 1 to 4096.") }
        guard (1...65536).contains(indexMemoryMib) else { throw ValidationError("--index-memory-mib takes a number from 1 to 65536.") }
        guard (1...16).contains(maxNesting) else { throw ValidationError("--max-nesting takes a number from 1 to 16.") }
        guard maxExpansion >= 0 else { throw ValidationError("--max-expansion takes a ratio of 0 (no limit) or more.") }
    }
}

extension SourceFormat: ExpressibleByArgument {}
extension GzipInflater: ExpressibleByArgument {}
