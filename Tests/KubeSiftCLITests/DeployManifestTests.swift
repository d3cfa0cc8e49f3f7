import Foundation
import KubeSiftCore
import Testing
import Yams

/// `deploy/kubernetes/`: the Indexed Job and the merge Job hold together (no validator such as
/// kubeconform can be installed here, so the fields that matter are checked, and the commands the
/// pods run are run, with the environment Kubernetes gives them).
@Suite struct DeployManifestTests {
    static let directory = KubeSiftRunner.repositoryRoot.appendingPathComponent("deploy/kubernetes")

    private func load(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "\(name) is one YAML mapping")
    }

    private func container(_ job: [String: Any]) throws -> [String: Any] {
        let spec = try #require(job["spec"] as? [String: Any])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never", "podFailurePolicy needs restartPolicy: Never")
        let containers = try #require(pod["containers"] as? [[String: Any]])
        #expect(containers.count == 1)
        return containers[0]
    }

    private func failurePolicyCodes(_ job: [String: Any], action: String) throws -> [Int] {
        let spec = try #require(job["spec"] as? [String: Any])
        let rules = try #require((spec["podFailurePolicy"] as? [String: Any])?["rules"] as? [[String: Any]])
        let matching = rules.filter { $0["action"] as? String == action }
        let onExitCodes = try #require(matching.first?["onExitCodes"] as? [String: Any])
        #expect(onExitCodes["operator"] as? String == "In")
        #expect(onExitCodes["containerName"] as? String == "kubesift")
        #expect(rules.contains { ($0["onPodConditions"] as? [[String: Any]])?.first?["type"] as? String == "DisruptionTarget" },
                "evictions and preemptions are not counted against the retries")
        return try #require(onExitCodes["values"] as? [Int])
    }

    @Test("The shards' Job is indexed, retried per index, never retried for a configuration error")
    func shardJob() throws {
        let job = try load("shards-job.yaml")
        #expect(job["apiVersion"] as? String == "batch/v1" && job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        #expect((spec["backoffLimitPerIndex"] as? Int ?? 0) >= 1)
        #expect(spec["backoffLimit"] == nil, "backoffLimitPerIndex replaces backoffLimit")
        #expect(try failurePolicyCodes(job, action: "FailIndex") == [64, 78])

        let container = try container(job)
        let env = try #require(container["env"] as? [[String: Any]])
        #expect(env.first { $0["name"] as? String == "SHARD_COUNT" }?["value"] as? String == String(completions),
                "SHARD_COUNT is the Job's completions")
        let runID = env.first { $0["name"] as? String == "KUBESIFT_RUN_ID" }
        let fieldPath = ((runID?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
        #expect(fieldPath == "metadata.labels['batch.kubernetes.io/controller-uid']")

        let merge = try load("merge-job.yaml")
        let mergeArgs = try #require(try self.container(merge)["args"] as? [String])
        let expect = try #require(mergeArgs.firstIndex(of: "--expect"))
        #expect(mergeArgs[expect + 1] == String(completions), "the merge expects as many shards as the Job runs")
        let failJob = try failurePolicyCodes(merge, action: "FailJob")
        #expect(Set([5, 64, 78]).isSubset(of: Set(failJob)), "a missing shard or a bad bundle is not retried")
        #expect(Set([1, 2, 3]).isSubset(of: Set(failJob)), "a merge that recorded its run in the state is not run twice")
        #expect(!failJob.contains(75), "a state locked by another run is worth a retry")
    }

    @Test("The pods' commands, run as Kubernetes runs them, write the report one process writes")
    func podsCommands() throws {
        let scratch = try ScratchDirectory()
        let data = scratch.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: data.appendingPathComponent("audit"),
                                                   withDestinationURL: KubeSiftRunner.repositoryRoot.appendingPathComponent("samples"))
        let bundles = scratch.url.appendingPathComponent("bundles")
        // The manifests' paths and window, moved onto the scratch volume and the samples' days.
        func local(_ arguments: [String]) -> [String] {
            var arguments = arguments.map {
                $0.replacingOccurrences(of: "/data/", with: data.path + "/").replacingOccurrences(of: "/bundles/", with: bundles.path + "/")
            }
            for (flag, value) in [("--since", "2026-11-01T00:00:00Z"), ("--until", "2026-12-01T00:00:00Z")] {
                if let index = arguments.firstIndex(of: flag) { arguments[index + 1] = value }
            }
            return arguments
        }
        let shardJob = try load("shards-job.yaml")
        let shardArgs = local(try #require(try container(shardJob)["args"] as? [String]))
        let completions = try #require((shardJob["spec"] as? [String: Any])?["completions"] as? Int)
        let epoch = ["SOURCE_DATE_EPOCH": "1800000000"]
        for index in 0..<completions {
            let shard = try KubeSiftRunner.run(shardArgs, environment: epoch.merging(
                ["JOB_COMPLETION_INDEX": String(index), "SHARD_COUNT": String(completions), "KUBESIFT_RUN_ID": "3f1c-uid"]) { $1 })
            #expect(shard.exitCode == 0, "shard \(index): \(shard.stderr)")
        }
        // The shards read the state (there is none yet); only the merge writes it.
        let stateIndex = try #require(shardArgs.firstIndex(of: "--state"))
        let state = shardArgs[stateIndex + 1]
        #expect(!FileManager.default.fileExists(atPath: state))
        let mergeArgs = local(try #require(try container(load("merge-job.yaml"))["args"] as? [String]))
        let merged = try KubeSiftRunner.run(mergeArgs, environment: epoch)
        #expect(merged.exitCode == 0, "merge: \(merged.stderr)")
        #expect(try StateStore(path: state).ledger().map(\.status) == [.complete])

        let single = scratch.url.appendingPathComponent("single")
        let outputIndex = try #require(shardArgs.firstIndex(of: "--output-dir"))
        var singleArgs = shardArgs
        singleArgs[outputIndex + 1] = single.path
        singleArgs[stateIndex + 1] = scratch.url.appendingPathComponent("single.sqlite").path
        let run = try KubeSiftRunner.run(singleArgs, environment: epoch)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let report = URL(fileURLWithPath: try #require(mergeArgs.last { $0.hasPrefix(bundles.path) && $0.hasSuffix("report") }))
        for name in ["findings.jsonl", "findings.csv", "inputs.csv", "controls.csv", "activity-users.csv", "activity-hourly.csv"] {
            let expected = try Data(contentsOf: single.appendingPathComponent(name))
            #expect(try Data(contentsOf: report.appendingPathComponent(name)) == expected, "\(name) is the single run's")
        }
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("merge-manifest.json").path))
    }
}
