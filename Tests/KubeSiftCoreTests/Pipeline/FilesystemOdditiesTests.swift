import Crypto
import Foundation
import Testing
@testable import KubeSiftCore

/// What an unattended run meets on real disks: devices, links to them, loops, files it may not
/// read, files that change under it. None of them may hang, crash, or hide that something was missed.
@Suite struct FilesystemOdditiesTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    @discardableResult
    private func writeLog(_ relative: String, count: Int, first: Int = 1) throws -> String {
        try directory.write(relative, lines: EventLine.numbered(count, from: first).map(\.json))
    }

    /// `/dev/zero` and `/dev/urandom` never end: a run that finishes never read them.
    @Test(.timeLimit(.minutes(1))) func devicesNamedOrLinkedAreSkippedNotOpened() throws {
        try writeLog("logs/audit.log", count: 5)
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/zero.log"), withDestinationPath: "/dev/zero")
        let result = Analysis.run([directory.path("logs"), "/dev/urandom"])
        #expect(result.totals.eventsRead == 5)
        #expect(result.totals.inputFiles == 1)
        #expect(result.input(directory.path("logs/zero.log"))?.problems.map(\.kind) == [.notRegularFile])
        #expect(result.input("/dev/urandom")?.problems.map(\.kind) == [.notRegularFile])
        #expect(!result.isPartial, "a device is not lost audit data")
    }

    @Test(.timeLimit(.minutes(1))) func aLinkToAFIFOIsSkippedNotOpened() throws {
        try writeLog("logs/audit.log", count: 3)
        let fifo = directory.path("elsewhere/pipe")
        try FileManager.default.createDirectory(atPath: directory.path("elsewhere"), withIntermediateDirectories: true)
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.path("logs/audit-pipe.log"), withDestinationPath: fifo)
        let result = Analysis.run([directory.path("logs")])
        #expect(result.totals.eventsRead == 3)
        #expect(result.input(directory.path("logs/audit-pipe.log"))?.problems.map(\.kind) == [.notRegularFile])
    }

    @Test(.timeLimit(.minutes(1))) func aLinkToItselfNamedDirectlyIsUnreadable() throws {
        let loop = directory.path("loop.log")
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "loop.log")
        let kept = try writeLog("audit.log", count: 2)
        let result = Analysis.run([loop, kept])
        #expect(result.totals.eventsRead == 2)
        let problem = try #require(result.input(loop)?.problems.first)
        #expect(problem.kind == .unreadable)
        #expect(!problem.message.isEmpty)
        #expect(result.isPartial)
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their mode"))
    func aFileWithoutReadPermissionIsUnreadableAndTheOthersRead() throws {
        let locked = try writeLog("logs/audit-locked.log", count: 4)
        try writeLog("logs/audit.log", count: 6, first: 10)
        #expect(chmod(locked, 0) == 0)
        defer { _ = chmod(locked, 0o644) }
        let result = Analysis.run([directory.path("logs")])
        #expect(result.totals.eventsRead == 6)
        #expect(result.input(locked)?.problems.map(\.kind) == [.unreadable])
        #expect(result.input(locked)?.problems.first?.message.contains("Permission denied") == true)
        #expect(result.isPartial)
    }

    /// A live log that logrotate copies and truncates between discovery and reading (`copytruncate`).
    @Test func aFileTruncatedAfterDiscoveryGivesWhatIsLeftAndCountsTheCutLine() throws {
        let path = try writeLog("audit.log", count: 100)
        let options = AnalysisOptions(paths: [path], workers: 2)
        let inputs = Pipeline.discover(options)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let keptLines = text.split(separator: "\n").prefix(40)
        let cut = keptLines.map { $0 + "\n" }.joined() + String(text.split(separator: "\n")[40].prefix(50))
        #expect(truncate(path, off_t(cut.utf8.count)) == 0)
        let result = Pipeline.run(inputs, options: options, logger: Analysis.quietLogger)
        #expect(result.totals.eventsRead == 40)
        #expect(result.skippedLines(.cutOff) == [41])
        #expect(result.input(path)?.size == Int64(cut.utf8.count), "the size is what was read, not what was listed")
        #expect(result.isPartial)
    }

    @Test func aFileEmptiedAfterDiscoveryIsReadAsEmpty() throws {
        let path = try writeLog("audit.log", count: 10)
        let kept = try writeLog("kept.log", count: 3, first: 20)
        let options = AnalysisOptions(paths: [path, kept], workers: 2)
        let inputs = Pipeline.discover(options)
        #expect(truncate(path, 0) == 0)
        let result = Pipeline.run(inputs, options: options, logger: Analysis.quietLogger)
        #expect(result.totals.eventsRead == 3)
        #expect(result.input(path)?.size == 0)
    }

    /// A live log that goes on growing between discovery and reading: it is read to the end it has
    /// then, and its size and SHA-256 in the report are those of the bytes read.
    @Test func aFileThatGrowsAfterDiscoveryIsReadToItsNewEnd() throws {
        let path = try writeLog("audit.log", count: 10)
        let options = AnalysisOptions(paths: [path], workers: 2)
        let inputs = Pipeline.discover(options)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(EventLine.numbered(5, from: 11).map { $0.json + "\n" }.joined().utf8))
        try handle.close()
        let grown = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = Pipeline.run(inputs, options: options, logger: Analysis.quietLogger)
        #expect(result.totals.eventsRead == 15)
        #expect(result.input(path)?.size == Int64(grown.count))
        #expect(result.input(path)?.sha256 == SHA256.hash(data: grown).lowercaseHex)
        #expect(!result.isPartial)
    }

    /// A sync job that deletes a directory while the run is under way.
    @Test func aDirectoryRemovedAfterDiscoveryLeavesItsFilesUnreadableAndTheOthersAnalyzed() throws {
        let gone = [try writeLog("gone/a.log", count: 4), try writeLog("gone/b.log", count: 4, first: 10)]
        let kept = try writeLog("kept/audit.log", count: 3, first: 20)
        let options = AnalysisOptions(paths: [directory.path], workers: 2)
        let inputs = Pipeline.discover(options)
        try FileManager.default.removeItem(atPath: directory.path("gone"))
        let result = Pipeline.run(inputs, options: options, logger: Analysis.quietLogger)
        #expect(result.totals.eventsRead == 3)
        #expect(result.input(kept)?.problems.isEmpty == true)
        for path in gone {
            #expect(result.input(path)?.problems.map(\.kind) == [.unreadable])
            #expect(result.input(path)?.problems.first?.message.contains("No such file") == true)
        }
        #expect(result.isPartial)
    }
}
