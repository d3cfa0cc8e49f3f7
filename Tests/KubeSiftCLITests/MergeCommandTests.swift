import Foundation
import KubeSiftCore
import Testing

/// `analyze --shard-index N --shard-count M` and `merge`, as a scheduler runs them.
@Suite struct MergeCommandTests {
    static let epoch = ["SOURCE_DATE_EPOCH": "1795000000"]
    static let samples = KubeSiftRunner.repositoryRoot.appendingPathComponent("samples").path

    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    /// Runs the shards of `count` in `directory` (all into `out/`), each as its own process.
    private func runShards(_ count: Int, in directory: URL, extra: [String] = [], skip: Set<Int> = []) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for index in 0..<count where !skip.contains(index) {
            let outcome = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--shard-index", String(index),
                                                  "--shard-count", String(count)] + extra,
                                                 environment: Self.epoch, in: directory)
            #expect(outcome.exitCode == 0, "shard \(index): \(outcome.stderr)")
        }
    }

    private func merge(_ count: Int, in directory: URL, extra: [String] = [], environment: [String: String] = [:]) throws
        -> KubeSiftRunner.Outcome
    {
        try KubeSiftRunner.run(["merge", "--expect", String(count), "out", "-o", "out"] + extra,
                               environment: Self.epoch.merging(environment) { $1 }, in: directory)
    }

    @Test("Three shard processes and a merge write the files one `analyze` writes, byte for byte")
    func endToEnd() throws {
        let single = scratch.url.appendingPathComponent("single")
        try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
        let run = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out"], environment: Self.epoch, in: single)
        #expect(run.exitCode == 0, "\(run.stderr)")

        let sharded = scratch.url.appendingPathComponent("sharded")
        try runShards(3, in: sharded)
        let merged = try merge(3, in: sharded)
        #expect(merged.exitCode == run.exitCode, "the merge exits as the single run: \(merged.stderr)")

        let names = try FileManager.default.contentsOfDirectory(atPath: single.appendingPathComponent("out").path)
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(names.contains("report.json") && names.contains("report.md") && names.contains("manifest.json"))
        for name in names {
            let expected = try Data(contentsOf: single.appendingPathComponent("out/\(name)"))
            #expect(try Data(contentsOf: sharded.appendingPathComponent("out/\(name)")) == expected, "\(name)")
        }
        let mergeManifest = try String(contentsOf: sharded.appendingPathComponent("out/merge-manifest.json"), encoding: .utf8)
        #expect(mergeManifest.contains("\"rootSHA256\""))
        #expect(mergeManifest.components(separatedBy: "\"manifestSHA256\"").count == 4, "one entry per shard")

        // A retried shard replaces its bundle whole, and the merge still agrees.
        try runShards(3, in: sharded, skip: [0, 2])
        // In a pod that sets the shards' environment too, the merge reads the shards' command as a plain analysis.
        #expect(try merge(3, in: sharded, extra: ["--force"], environment: ["SHARD_COUNT": "3"]).exitCode == 0)
        let expected = try Data(contentsOf: single.appendingPathComponent("out/findings.jsonl"))
        #expect(try Data(contentsOf: sharded.appendingPathComponent("out/findings.jsonl")) == expected)
    }

    @Test("Shards assigned from a listing (size-balanced bins) merge into the single run's findings")
    func listingAssignment() throws {
        let root = URL(fileURLWithPath: Self.samples)
        var lines: [String] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])!
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true else { continue }
            lines.append("\(values.fileSize ?? 0) \(url.path.dropFirst(root.path.count + 1))")
        }
        let listing = try scratch.write("listing.txt", lines.joined(separator: "\n") + "\n")
        let directory = scratch.url.appendingPathComponent("listed")
        try runShards(3, in: directory, extra: ["--listing", listing])
        #expect(try merge(3, in: directory).exitCode == 0)
        let single = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "single"], environment: Self.epoch, in: scratch.url)
        #expect(single.exitCode == 0)
        #expect(try Data(contentsOf: directory.appendingPathComponent("out/findings.jsonl"))
            == Data(contentsOf: scratch.url.appendingPathComponent("single/findings.jsonl")))
        let manifest = try String(contentsOf: directory.appendingPathComponent("out/shard-0000-of-0003/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"assignment\" : \"listing\""))
    }

    @Test("A missing shard: no report (exit 5), or with --allow-incomplete one that lists its inputs as not analyzed")
    func missingShard() throws {
        let directory = scratch.url
        try runShards(4, in: directory, skip: [1])
        let refused = try merge(4, in: directory)
        #expect(refused.exitCode == 5)
        #expect(refused.stderr.contains("1 of 4 shards have no bundle: 1"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/report.json").path))

        let partial = try merge(4, in: directory, extra: ["--allow-incomplete"])
        #expect(partial.exitCode == 5, "\(partial.stderr)")
        let inputs = try String(contentsOf: directory.appendingPathComponent("out/inputs.csv"), encoding: .utf8)
        #expect(inputs.contains("not analyzed: the bundle of the shard assigned this file is missing"))
    }

    @Test("Bundles of different runs, altered bundles and bad shard options are refused for good")
    func refusals() throws {
        let directory = scratch.url
        try runShards(2, in: directory)
        // Shard 1 again, with other options: the bundles no longer agree.
        let other = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--shard-index", "1", "--shard-count", "2",
                                            "--disable", "secrets-list"], environment: Self.epoch, in: directory)
        #expect(other.exitCode == 0, "\(other.stderr)")
        let mixed = try merge(2, in: directory)
        #expect(mixed.exitCode == 78)
        #expect(mixed.stderr.contains("differ in rule set"), "\(mixed.stderr)")

        try runShards(2, in: directory)
        let shardFile = directory.appendingPathComponent("out/shard-0000-of-0002/shard.json")
        var bytes = try Data(contentsOf: shardFile)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: shardFile)
        let altered = try merge(2, in: directory)
        #expect(altered.exitCode == 78)
        #expect(altered.stderr.contains("does not match the SHA-256 in its manifest"), "\(altered.stderr)")
        // The request rows, streamed by the merge, are checked as strictly: one row short is refused.
        try runShards(2, in: directory)
        let rowsFile = directory.appendingPathComponent("out/shard-0001-of-0002/requests.bin")
        try Data(contentsOf: rowsFile).dropLast(64).write(to: rowsFile)
        let cut = try merge(2, in: directory)
        #expect(cut.exitCode == 78)
        #expect(cut.stderr.contains("requests.bin does not match the SHA-256 in its manifest"), "\(cut.stderr)")

        let outOfRange = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--shard-count", "2"],
                                                environment: ["JOB_COMPLETION_INDEX": "2"], in: directory)
        #expect(outOfRange.exitCode == 64)
        #expect(outOfRange.stderr.contains("0 ≤ N < M"), "\(outOfRange.stderr)")

        let listing = try scratch.write("listing.txt", "100 shop-prod/audit.log\n")
        let unlisted = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--shard-index", "0", "--shard-count", "2",
                                               "--listing", listing], in: directory)
        #expect(unlisted.exitCode == 78)
        #expect(unlisted.stderr.contains("--listing does not list"), "\(unlisted.stderr)")

        let relative = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--since", "24h"],
                                              environment: ["SHARD_COUNT": "2", "AWS_BATCH_JOB_ARRAY_INDEX": "0"], in: directory)
        #expect(relative.exitCode == 78)
        #expect(relative.stderr.contains("needs --now"), "\(relative.stderr)")

        // The merge sends the run's notification; a shard refuses to.
        let notifying = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "out", "--shard-index", "0", "--shard-count", "2",
                                                "--notify", "https://example.com/hook"], in: directory)
        #expect(notifying.exitCode == 78)
        #expect(notifying.stderr.contains("give it to `kubesift merge`"), "\(notifying.stderr)")
    }

    @Test("Shards read the state without writing it; the merge refuses a state they did not read")
    func stateIsTheMergesAlone() throws {
        let directory = scratch.url
        let state = scratch.path("state.sqlite")
        // Shards create nothing: the state does not exist until the merge writes it.
        try runShards(2, in: directory, extra: ["--state", state])
        #expect(!FileManager.default.fileExists(atPath: state))
        #expect(!FileManager.default.fileExists(atPath: state + ".lock"), "a shard takes no lock")

        // Shards that read no state cannot be recorded in one.
        let unread = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "plain", "--shard-index", "0", "--shard-count", "1"],
                                            environment: Self.epoch, in: directory)
        #expect(unread.exitCode == 0, "\(unread.stderr)")
        let stateless = try KubeSiftRunner.run(["merge", "--expect", "1", "plain", "-o", "plain", "--state", state],
                                               environment: Self.epoch, in: directory)
        #expect(stateless.exitCode == 78)
        #expect(stateless.stderr.contains("the shards read no state"), "\(stateless.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state))

        // A run recorded in the state after the shards read it: what they passed over is no longer
        // what it says. Refused, and the state is left as it is.
        let other = try KubeSiftRunner.run(["analyze", Self.samples, "-o", "single", "--state", state, "-q"],
                                           environment: Self.epoch, in: directory)
        #expect(other.exitCode == 0, "\(other.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: state))
        let stale = try merge(2, in: directory)
        #expect(stale.exitCode == 78)
        #expect(stale.stderr.contains("is not the one the shards read"), "\(stale.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == before)

        // Shards run again over the state as it is now: every input is unchanged, nothing is new.
        try runShards(2, in: directory, extra: ["--state", state])
        let again = try merge(2, in: directory, extra: ["--force"])
        #expect(again.exitCode == 3, "nothing new since the recorded run: \(again.stderr)")
        #expect(again.stderr.contains("no input is new since the last run"), "\(again.stderr)")
        let runs = try StateStore(path: state).ledger()
        #expect(runs.map(\.status) == [.complete, .noNewEvents])
        #expect(runs.last?.inputsUnchanged == runs.first?.inputsRead)
    }
}

/// `--per-cluster`: one report per cluster of a multi-cluster sync, beside the combined one.
@Suite struct PerClusterReportTests {
    @Test("analyze and merge write clusters/<name>/ with what a run over that cluster alone finds")
    func perCluster() throws {
        let scratch = try ScratchDirectory()
        let samples = MergeCommandTests.samples
        let alone = try KubeSiftRunner.run(["analyze", samples + "/shop-eks", "--cluster", "shop-eks", "-o", "alone"],
                                           environment: MergeCommandTests.epoch, in: scratch.url)
        #expect(alone.exitCode == 0, "\(alone.stderr)")
        let expected = try Data(contentsOf: scratch.url.appendingPathComponent("alone/findings.jsonl"))
        #expect(!expected.isEmpty)

        let single = try KubeSiftRunner.run(["analyze", samples, "--cluster-from-dir", "--per-cluster", "-o", "single"],
                                            environment: MergeCommandTests.epoch, in: scratch.url)
        #expect(single.exitCode == 0, "\(single.stderr)")
        for index in 0..<2 {
            let shard = try KubeSiftRunner.run(["analyze", samples, "--cluster-from-dir", "-o", "sharded", "--shard-index",
                                                String(index), "--shard-count", "2"], environment: MergeCommandTests.epoch, in: scratch.url)
            #expect(shard.exitCode == 0, "\(shard.stderr)")
        }
        let merged = try KubeSiftRunner.run(["merge", "--expect", "2", "sharded", "-o", "sharded", "--per-cluster"],
                                            environment: MergeCommandTests.epoch, in: scratch.url)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        for directory in ["single", "sharded"] {
            let cluster = scratch.url.appendingPathComponent("\(directory)/clusters/shop-eks/findings.jsonl")
            #expect(try Data(contentsOf: cluster) == expected, "\(directory)")
            for name in ["shop-aks", "shop-gke", "shop-prod"] {
                #expect(FileManager.default.fileExists(atPath: scratch.path("\(directory)/clusters/\(name)/report.md")))
            }
        }
        // The combined report is the one without --per-cluster.
        let plain = try KubeSiftRunner.run(["analyze", samples, "--cluster-from-dir", "-o", "plain"],
                                           environment: MergeCommandTests.epoch, in: scratch.url)
        #expect(plain.exitCode == 0)
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent("single/findings.jsonl"))
            == Data(contentsOf: scratch.url.appendingPathComponent("plain/findings.jsonl")))
    }
}
