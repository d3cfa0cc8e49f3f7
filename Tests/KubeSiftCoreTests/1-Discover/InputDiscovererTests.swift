import Foundation
import Testing
@testable import KubeSiftCore

@Suite struct InputDiscovererTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func discover(_ paths: [String], cluster: String? = nil, fromDirectory: Bool = false)
        -> InputDiscoverer.Result
    {
        InputDiscoverer(cluster: cluster, clusterFromDirectory: fromDirectory).discover(paths)
    }

    @Test func walksDirectoriesRecursively() throws {
        try directory.write("logs/a.log", "a\n")
        try directory.write("logs/node-1/b.log", "bb\n")
        try directory.write("logs/node-1/old/c.log", "ccc\n")
        let result = discover([directory.path("logs")])
        #expect(Set(result.files.map(\.path)) == [
            directory.path("logs/a.log"), directory.path("logs/node-1/b.log"), directory.path("logs/node-1/old/c.log"),
        ])
        #expect(result.files.map(\.size).sorted() == [2, 3, 4])
        #expect(result.skipped.isEmpty)
    }

    @Test func aTrailingSlashDoesNotDoubleTheSeparator() throws {
        try directory.write("logs/a.log", "a\n")
        let result = discover([directory.path("logs") + "/"])
        #expect(result.files.map(\.path) == [directory.path("logs/a.log")])
    }

    @Test func passesOverHiddenFilesAndDirectories() throws {
        try directory.write("logs/audit.log", "x\n")
        try directory.write("logs/.audit.log.swp", "x\n")
        try directory.write("logs/.git/objects/audit.log", "x\n")
        try directory.write("logs/.cache/audit.log", "x\n")
        let result = discover([directory.path("logs")])
        #expect(result.files.map(\.path) == [directory.path("logs/audit.log")])
        #expect(result.skipped.isEmpty, "hidden entries are passed over silently")
    }

    @Test func readsAHiddenFileNamedExplicitly() throws {
        let hidden = try directory.write(".audit.log", "x\n")
        #expect(discover([hidden]).files.map(\.path) == [hidden])
    }

    @Test func skipsDirectoriesKubeSiftWroteReportsInto() throws {
        try directory.write("logs/audit.log", "x\n")
        try directory.write("logs/report/\(InputDiscoverer.outputMarker)", "")
        try directory.write("logs/report/report.json", "{}\n")
        try directory.write("logs/report/nested/more.log", "x\n")
        let result = discover([directory.path("logs")])
        #expect(result.files.map(\.path) == [directory.path("logs/audit.log")])
        #expect(discover([directory.path("logs/report")]).files.isEmpty, "also when named directly")
    }

    @Test(.timeLimit(.minutes(1))) func aSymbolicLinkLoopEnds() throws {
        try directory.write("logs/audit.log", "x\n")
        try directory.write("logs/sub/inner.log", "x\n")
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/sub/up"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/self"), withDestinationPath: ".")
        let result = discover([directory.path("logs")])
        #expect(result.files.count == 2)
        #expect(Set(result.files.map(\.path)) == [directory.path("logs/audit.log"), directory.path("logs/sub/inner.log")])
    }

    @Test func aFileReachedThroughTwoLinksIsListedOnce() throws {
        try directory.write("logs/real/audit.log", "x\n")
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/link-1.log"),
                                                   withDestinationPath: directory.path("logs/real/audit.log"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/link-2.log"), withDestinationPath: "real/audit.log")
        let result = discover([directory.path("logs"), directory.path("logs/real/audit.log")])
        #expect(result.files.count == 1)
        #expect(result.skipped.isEmpty)
    }

    @Test func aHardLinkIsTheSameFile() throws {
        let original = try directory.write("logs/audit.log", "x\n")
        try FileManager.default.linkItem(atPath: original, toPath: directory.path("logs/audit.log.bak"))
        #expect(discover([directory.path("logs")]).files.count == 1)
    }

    @Test(.timeLimit(.minutes(1))) func aFIFOIsReportedAsSkippedAndNeverOpened() throws {
        try directory.write("logs/audit.log", "x\n")
        let fifo = directory.path("logs/audit-pipe.log")
        #expect(mkfifo(fifo, 0o644) == 0)
        let result = discover([directory.path("logs")])
        #expect(result.files.map(\.path) == [directory.path("logs/audit.log")])
        #expect(result.skipped.count == 1)
        #expect(result.skipped.first?.path == fifo)
        #expect(result.skipped.first?.problem.kind == .notRegularFile)
        // Opening a FIFO without a writer blocks forever: a run that finishes never opened it.
        let analysis = Analysis.run([directory.path("logs")])
        #expect(analysis.totals.inputFiles == 1)
        #expect(analysis.input(fifo)?.problems.map(\.kind) == [.notRegularFile])
    }

    @Test func aMissingPathIsReportedUnreadable() {
        let missing = directory.path("no/such/audit.log")
        let result = discover([missing])
        #expect(result.files.isEmpty)
        #expect(result.skipped.map(\.path) == [missing])
        #expect(result.skipped.first?.problem.kind == .unreadable)
    }

    @Test func aDanglingLinkIsReportedUnreadable() throws {
        try directory.write("logs/audit.log", "x\n")
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/gone.log"), withDestinationPath: "nowhere.log")
        let result = discover([directory.path("logs")])
        #expect(result.files.count == 1)
        #expect(result.skipped.map(\.path) == [directory.path("logs/gone.log")])
        #expect(result.skipped.first?.problem.kind == .unreadable)
    }

    @Test func ordersLumberjackRotationsOldestFirstAndTheLiveLogLast() throws {
        // Written in an order that is neither the expected one nor alphabetical.
        for name in ["audit.log", "audit-2026-11-21T03-00-00.000.log.gz", "audit-2026-11-20T15-00-00.000.log.zst"] {
            try directory.write("logs/\(name)", "x\n")
        }
        let result = discover([directory.path("logs")])
        #expect(result.files.map { ($0.path as NSString).lastPathComponent } == [
            "audit-2026-11-20T15-00-00.000.log.zst", "audit-2026-11-21T03-00-00.000.log.gz", "audit.log",
        ])
    }

    @Test func ordersLogrotateSuffixesOldestFirst() throws {
        for name in ["audit.log.1", "audit.log", "audit.log.2.gz", "audit.log.10.gz"] {
            try directory.write("logs/\(name)", "x\n")
        }
        let result = discover([directory.path("logs")])
        #expect(result.files.map { ($0.path as NSString).lastPathComponent } == [
            "audit.log.10.gz", "audit.log.2.gz", "audit.log.1", "audit.log",
        ])
    }

    @Test func readsTheRotationTimeFromTheName() throws {
        try directory.write("logs/audit-2026-11-21T03-00-00.000.log.gz", "x\n")
        let file = try #require(discover([directory.path("logs")]).files.first)
        #expect(file.nameTime == Timestamp(microseconds: EventLine.baseTime))
        #expect(file.rotationIndex == 0)
    }

    @Test func labelsClustersByTheirFirstDirectory() throws {
        try directory.write("root/prod/audit.log", "x\n")
        try directory.write("root/prod/cp-2/audit.log", "x\n")
        try directory.write("root/staging/audit.log.1", "x\n")
        try directory.write("root/loose.log", "x\n")
        let result = discover([directory.path("root")], fromDirectory: true)
        let clusters = Dictionary(uniqueKeysWithValues: result.files.map {
            (String($0.path.dropFirst(directory.path("root").count + 1)), $0.cluster)
        })
        #expect(clusters == [
            "prod/audit.log": "prod", "prod/cp-2/audit.log": "prod", "staging/audit.log.1": "staging", "loose.log": nil,
        ])
        // Files are grouped by cluster: no cluster first, then by name.
        #expect(result.files.map(\.cluster) == [nil, "prod", "prod", "staging"])
    }

    @Test func aNamedClusterLabelsFilesOutsideClusterDirectories() throws {
        try directory.write("root/prod/audit.log", "x\n")
        try directory.write("root/loose.log", "x\n")
        let result = discover([directory.path("root")], cluster: "fallback", fromDirectory: true)
        #expect(Set(result.files.map(\.cluster)) == ["prod", "fallback"])
        #expect(discover([directory.path("root")], cluster: "all").files.allSatisfy { $0.cluster == "all" })
    }
}
