import Foundation
import Logging
@testable import KubeSiftCore

/// Runs the pipeline the way the CLI does, quietly.
enum Analysis {
    /// A logger that lets nothing below `.critical` through: tests read results, not logs.
    static let quietLogger: Logger = {
        var logger = Logger(label: "kubesift-core-tests")
        logger.logLevel = .critical
        return logger
    }()

    static func run(_ paths: [String], workers: Int = 2, configure: (inout AnalysisOptions) -> Void = { _ in })
        -> AnalysisResult
    {
        var options = AnalysisOptions(paths: paths, workers: workers)
        configure(&options)
        return Pipeline.run(options, logger: quietLogger)
    }
}

extension AnalysisResult {
    /// The summary of the input at `path`.
    func input(_ path: String) -> InputSummary? { inputs.first { $0.path == path } }

    /// Lines of the sampled skipped records of `reason`.
    func skippedLines(_ reason: SkipReason) -> [Int] { skipped[reason]?.samples.map(\.line) ?? [] }

    func skippedCount(_ reason: SkipReason) -> Int { skipped[reason]?.count ?? 0 }

    /// Every problem of every input, with the input's path.
    var problems: [(path: String, problem: InputProblem)] {
        inputs.flatMap { input in input.problems.map { (input.path, $0) } }
    }
}

/// A `MemberSink` that keeps every member's bytes, to check what the reader streams.
final class CollectingSink: MemberSink {
    struct Member {
        var index: Int
        var name: String?
        var bytes: [UInt8] = []
        var damaged = false
    }

    private(set) var members: [Member] = []

    func beginMember(index: Int, name: String?, compressions: [String]) { members.append(Member(index: index, name: name)) }

    func consume(_ bytes: UnsafeRawBufferPointer) { members[members.count - 1].bytes.append(contentsOf: bytes) }

    func endMember(damaged: Bool) -> InputProblem? {
        members[members.count - 1].damaged = damaged
        return nil
    }

    /// The members' text, by name (`nil` for the file itself).
    var texts: [String] { members.map { String(decoding: $0.bytes, as: UTF8.self) } }
}

extension ArchiveReader {
    /// Reads `path` with the default limits into a new collecting sink.
    static func collect(_ path: String, limits: ReadLimits = ReadLimits()) -> (InputReadResult, CollectingSink) {
        let sink = CollectingSink()
        let result = ArchiveReader(limits: limits, progress: nil).read(path: path, into: sink)
        return (result, sink)
    }
}

/// Peer material (other projects' published test data), kept outside this repository in
/// `../shared/peers` next to the repository root. Never copied in: tests skip when it is absent.
enum Peers {
    /// The repository root, found from this file: `Tests/KubeSiftCoreTests/Support/Analysis.swift`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/peers")

    /// The absolute path of `relative` inside the peers directory.
    static func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// `samples/` of this repository (made by `scripts/generate-samples.py`).
    static let samples = repositoryRoot.appendingPathComponent("samples").path
}

/// Counts newline-terminated lines, the way `wc -l` does.
func countLines(_ bytes: [UInt8]) -> Int { bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
