import Foundation
import Testing
@testable import KubeSiftCore

/// Every container and compression the CLI tools write gives back exactly the bytes written.
@Suite struct ArchiveReaderTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// Writes `count` event lines numbered from `first` to `relative`; returns the path and the text.
    @discardableResult
    private func writeLog(_ relative: String, count: Int, first: Int = 1) throws -> (path: String, text: String) {
        let text = EventLine.numbered(count, from: first).map { $0.json + "\n" }.joined()
        return (try directory.write(relative, text), text)
    }

    // MARK: - Single streams

    @Test func readsAPlainFileAsOneUnnamedMember() throws {
        let log = try writeLog("audit.log", count: 25)
        let (result, sink) = ArchiveReader.collect(log.path)
        #expect(result.problems.isEmpty)
        #expect(result.container == "plain")
        #expect(result.compressions.isEmpty)
        #expect(sink.members.map(\.name) == [nil])
        #expect(sink.texts == [log.text])
        #expect(result.members.map(\.decompressedBytes) == [Int64(log.text.utf8.count)])
    }

    /// libarchive does not check a gzip trailer: KubeSift does, for one member and for several.
    @Test func aGzipFileWhoseContentNoLongerMatchesItsCRCIsReportedWithEveryEventRead() throws {
        let first = try Fixture.compress(try writeLog("a.log", count: 30).path, with: .gzip)
        let second = try Fixture.compress(try writeLog("b.log", count: 20, first: 31).path, with: .gzip)
        var one = try Array(Data(contentsOf: URL(fileURLWithPath: first)))
        let two = try Array(Data(contentsOf: URL(fileURLWithPath: second)))
        let intactPair = try directory.write("pair.log.gz", bytes: one + two)
        #expect(ArchiveReader.collect(intactPair).0.problems.isEmpty, "two intact members")

        // The stored CRC-32 no longer matches: as if a bit in the content had flipped into another valid character.
        one[one.count - 8] ^= 0x01
        for (name, bytes, events) in [("single.log.gz", one, 30), ("pair-first-altered.log.gz", one + two, 50)] {
            let path = try directory.write(name, bytes: bytes)
            let result = Analysis.run([path])
            #expect(result.totals.eventsRead == events, "\(name)")
            #expect(result.problems.map(\.problem.kind) == [.corrupt], "\(name)")
            #expect(result.problems.first?.problem.message.contains("gzip integrity check failed") == true, "\(name)")
            #expect(result.isPartial)
        }
    }

    @Test(arguments: Compressor.allCases)
    func readsACompressedStreamBackToTheBytesWritten(_ compressor: Compressor) throws {
        let log = try writeLog("audit.log", count: 40)
        let compressed = try Fixture.compress(log.path, with: compressor)
        let (result, sink) = ArchiveReader.collect(compressed)
        #expect(result.problems.isEmpty)
        #expect(result.container == "plain")
        #expect(result.compressions == [compressor.filterName])
        #expect(sink.texts == [log.text])
        #expect(sink.members.map(\.damaged) == [false])
    }

    @Test(arguments: Compressor.allCases)
    func thePipelineCountsEveryLineOfACompressedStream(_ compressor: Compressor) throws {
        let log = try writeLog("audit.log", count: 40)
        let compressed = try Fixture.compress(log.path, with: compressor)
        try FileManager.default.removeItem(atPath: log.path)
        let result = Analysis.run([compressed])
        #expect(result.totals.eventsRead == 40)
        #expect(result.totals.distinctRequests == 40)
        #expect(result.totals.recordsSkipped == 0)
        #expect(!result.isPartial)
    }

    @Test func readsMultiMemberGzipAsOneContinuousStream() throws {
        let first = try writeLog("a.log", count: 30)
        let second = try writeLog("b.log", count: 20, first: 31)
        let joined = try Fixture.cat([Fixture.compress(first.path, with: .gzip), Fixture.compress(second.path, with: .gzip)],
                                     output: directory.path("audit.log.gz"))
        let (result, sink) = ArchiveReader.collect(joined)
        #expect(result.problems.isEmpty)
        #expect(sink.texts == [first.text + second.text])
        #expect(Analysis.run([joined]).totals.eventsRead == 50)
    }

    @Test func anEmptyFileHasNoMembersAndNoProblem() throws {
        let empty = try directory.write("audit.log", "")
        let (result, sink) = ArchiveReader.collect(empty)
        #expect(result.problems.isEmpty)
        #expect(sink.members.isEmpty)
        let analysis = Analysis.run([empty])
        #expect(analysis.totals.inputFiles == 1)
        #expect(analysis.totals.eventsRead == 0)
        #expect(analysis.problems.isEmpty)
        #expect(!analysis.isPartial)
    }

    // MARK: - Archives

    @Test(arguments: [nil, Compressor.gzip, .xz, .zstd] as [Compressor?])
    func readsEveryMemberOfATarball(_ filter: Compressor?) throws {
        let first = try writeLog("src/node-1/audit.log", count: 12)
        let second = try writeLog("src/node-2/audit.log", count: 17, first: 100)
        let suffix = filter.map { ".tar." + $0.fileExtension } ?? ".tar"
        let archive = try Fixture.tar(directory.path("logs" + suffix), members: ["node-1/audit.log", "node-2/audit.log"],
                                      in: directory.path("src"), filter: filter)
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(result.container == "tar")
        #expect(result.compressions == (filter.map { [$0.filterName] } ?? []))
        #expect(sink.members.map(\.name) == ["node-1/audit.log", "node-2/audit.log"])
        #expect(sink.texts == [first.text, second.text])
        #expect(Analysis.run([archive]).totals.eventsRead == 12 + 17)
    }

    @Test func readsEveryMemberOfAZip() throws {
        let first = try writeLog("src/a.log", count: 9)
        let second = try writeLog("src/b/c.log", count: 11, first: 50)
        let archive = try Fixture.zip(directory.path("logs.zip"), members: ["a.log", "b/c.log"], in: directory.path("src"))
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(result.container == "zip")
        #expect(sink.members.map(\.name) == ["a.log", "b/c.log"])
        #expect(sink.texts == [first.text, second.text])
        #expect(Analysis.run([archive]).totals.eventsRead == 20)
    }

    @Test func skipsMacOSResourceForksAndHiddenEntriesInAZip() throws {
        let log = try writeLog("src/audit.log", count: 5)
        try directory.write("src/__MACOSX/._audit.log", "\u{0}\u{5}\u{16}\u{7}Mac OS X resource fork\n")
        try directory.write("src/.DS_Store", "Bud1 junk\n")
        let archive = try Fixture.zip(directory.path("logs.zip"), members: ["audit.log", "__MACOSX/._audit.log", ".DS_Store"],
                                      in: directory.path("src"))
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(sink.members.map(\.name) == ["audit.log"])
        #expect(sink.texts == [log.text])
        let analysis = Analysis.run([archive])
        #expect(analysis.totals.eventsRead == 5)
        #expect(analysis.totals.recordsSkipped == 0)
    }

    // MARK: - Archives inside archives

    @Test func readsATarGzOfRotatedGzipLogs() throws {
        let first = try writeLog("src/audit-2026-11-20T12-00-00.000.log", count: 21)
        let second = try writeLog("src/audit-2026-11-21T00-00-00.000.log", count: 8, first: 200)
        try Fixture.compress(first.path, with: .gzip)
        try Fixture.compress(second.path, with: .gzip)
        let names = ["audit-2026-11-20T12-00-00.000.log.gz", "audit-2026-11-21T00-00-00.000.log.gz"]
        let archive = try Fixture.tar(directory.path("cp-2.tar.gz"), members: names, in: directory.path("src"), filter: .gzip)
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(sink.members.map(\.name) == names)
        #expect(sink.texts == [first.text, second.text])
        #expect(result.members.allSatisfy { $0.compressions.contains("gzip") })
        let analysis = Analysis.run([archive])
        #expect(analysis.totals.eventsRead == 29)
        #expect(analysis.inputs.first?.members.map(\.eventsRead) == [21, 8])
    }

    @Test func readsAZipOfZstdLogs() throws {
        let first = try writeLog("src/audit-1.log", count: 14)
        let second = try writeLog("src/audit-2.log", count: 6, first: 70)
        try Fixture.compress(first.path, with: .zstd)
        try Fixture.compress(second.path, with: .zstd)
        let archive = try Fixture.zip(directory.path("batch.zip"), members: ["audit-1.log.zst", "audit-2.log.zst"],
                                      in: directory.path("src"))
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(sink.members.map(\.name) == ["audit-1.log.zst", "audit-2.log.zst"])
        #expect(sink.texts == [first.text, second.text])
        #expect(Analysis.run([archive]).totals.eventsRead == 20)
    }

    @Test func joinsTheNamesOfDeeperLevelsWithAnExclamationMark() throws {
        let log = try writeLog("src/inner/audit.log", count: 7)
        try Fixture.compress(log.path, with: .gzip)
        try Fixture.zip(directory.path("src/bundle.zip"), members: ["inner/audit.log.gz"], in: directory.path("src"))
        let archive = try Fixture.tar(directory.path("evidence.tar"), members: ["bundle.zip"], in: directory.path("src"))
        let (result, sink) = ArchiveReader.collect(archive)
        #expect(result.problems.isEmpty)
        #expect(sink.members.map(\.name) == ["bundle.zip!inner/audit.log.gz"])
        #expect(sink.texts == [log.text])
        let analysis = Analysis.run([archive])
        #expect(analysis.totals.eventsRead == 7)
        #expect(analysis.inputs.first?.members.map(\.name) == ["bundle.zip!inner/audit.log.gz"])
    }

    /// Wraps `src/level-0/audit.log.gz` in `levels` tarballs: `level-1.tar` holds the `.gz`,
    /// `level-2.tar` holds `level-1.tar`, and so on. Returns the outermost archive.
    private func nest(levels: Int) throws -> String {
        let log = try writeLog("src/audit.log", count: 3)
        try Fixture.compress(log.path, with: .gzip)
        var inner = "audit.log.gz"
        for level in 1...levels {
            let name = "level-\(level).tar"
            try Fixture.tar(directory.path("src/\(name)"), members: [inner], in: directory.path("src"))
            inner = name
        }
        return directory.path("src/\(inner)")
    }

    @Test func readsArchivesNestedUpToTheLimit() throws {
        // Three tarballs and the .gz inside them: four levels, the default limit.
        #expect(ReadLimits().maximumNesting == 4)
        let (result, sink) = ArchiveReader.collect(try nest(levels: 3))
        #expect(result.problems.isEmpty)
        #expect(sink.members.map(\.name) == ["level-2.tar!level-1.tar!audit.log.gz"])
        #expect(countLines(sink.members.first?.bytes ?? []) == 3)
    }

    @Test func refusesArchivesNestedPastTheLimit() throws {
        let (result, sink) = ArchiveReader.collect(try nest(levels: 4))
        #expect(sink.members.isEmpty)
        #expect(result.problems.count == 1)
        #expect(result.problems.first?.kind == .nestingTooDeep)
        #expect(result.problems.first?.member == "level-3.tar!level-2.tar!level-1.tar!audit.log.gz")
        let analysis = Analysis.run([try nest(levels: 6)])
        #expect(analysis.totals.eventsRead == 0)
        #expect(analysis.problems.map(\.problem.kind) == [.nestingTooDeep])
        #expect(analysis.isPartial)
    }

    @Test func aFileThatExpandsPastTheLimitStopsWithEveryRecordBeforeItAnalyzed() throws {
        // 50 events, 40 MiB of empty lines (gzip packs them about a thousand to one), 50 more events.
        let before = EventLine.numbered(50, from: 1).map { $0.json + "\n" }.joined()
        let after = EventLine.numbered(50, from: 51).map { $0.json + "\n" }.joined()
        let path = try directory.write("bomb.log", bytes: Array(before.utf8) + [UInt8](repeating: 0x0A, count: 40 << 20)
            + Array(after.utf8))
        let bomb = try Fixture.compress(path, with: .gzip)
        try FileManager.default.removeItem(atPath: path)

        let limited = Analysis.run([bomb]) {
            $0.readLimits.maximumExpansion = 100
            $0.readLimits.expansionCheckedFrom = 1 << 20
        }
        #expect(limited.totals.eventsRead == 50)
        #expect(limited.problems.map(\.problem.kind) == [.expansionLimit])
        #expect(limited.problems.first?.problem.message.contains("more than 100× its size") == true)
        #expect(limited.isPartial)

        // The default limit lets the same file through: it expands about a thousand times, past 256 MiB only for a bomb.
        let unlimited = Analysis.run([bomb])
        #expect(unlimited.totals.eventsRead == 100)
        #expect(unlimited.problems.isEmpty)
    }

    @Test func aLowerNestingLimitIsHonoured() throws {
        var limits = ReadLimits()
        limits.maximumNesting = 1
        let log = try writeLog("src/audit.log", count: 2)
        try Fixture.compress(log.path, with: .gzip)
        let archive = try Fixture.tar(directory.path("one.tar"), members: ["audit.log", "audit.log.gz"],
                                      in: directory.path("src"))
        let (result, sink) = ArchiveReader.collect(archive, limits: limits)
        #expect(sink.members.map(\.name) == ["audit.log"], "the plain member of the tarball is still read")
        #expect(result.problems.map(\.kind) == [.nestingTooDeep])
        #expect(result.problems.first?.member == "audit.log.gz")
    }

    @Test(.timeLimit(.minutes(1))) func aTowerOfCompressionLayersEndsInAProblemNotACrash() throws {
        var path = try writeLog("audit.log", count: 2).path
        for _ in 0..<40 { path = try Fixture.compress(path, with: .gzip) }
        let (result, sink) = ArchiveReader.collect(path)
        #expect(sink.members.isEmpty)
        #expect(!result.problems.isEmpty)
        #expect(result.problems.allSatisfy { $0.kind.meansDataLoss })
    }

    // MARK: - Hash

    @Test func theHashIsTheSHA256OfTheWholeFile() throws {
        let log = try writeLog("audit.log", count: 30)
        let gzip = try Fixture.compress(log.path, with: .gzip)
        // Bytes after the stream, which the decompressor never asks for: the hash must still cover them.
        let padded = try Fixture.cat([gzip, directory.write("padding", bytes: [UInt8](repeating: 0, count: 4096))],
                                     output: directory.path("padded.log.gz"))
        let tarball = try Fixture.tar(directory.path("logs.tar.xz"), members: ["audit.log"], in: directory.path, filter: .xz)
        for path in [log.path, gzip, padded, tarball] {
            let (result, _) = ArchiveReader.collect(path)
            let (hash, size) = (try Fixture.sha256sum(path), try Fixture.size(path))
            #expect(result.sha256 == hash, "\(path)")
            #expect(result.bytesRead == Int64(size))
        }
        let analysis = Analysis.run([padded])
        let paddedHash = try Fixture.sha256sum(padded)
        #expect(analysis.inputs.first?.sha256 == paddedHash)
        #expect(analysis.problems.isEmpty, "zero padding after a stream is harmless")
    }

    @Test func aFileLargerThanOneReadBlockHashesAndReadsWhole() throws {
        var limits = ReadLimits()
        limits.blockSize = 4096
        let log = try writeLog("audit.log", count: 300)
        let (result, sink) = ArchiveReader.collect(log.path, limits: limits)
        let hash = try Fixture.sha256sum(log.path)
        #expect(result.sha256 == hash)
        #expect(sink.texts == [log.text])
    }
}
