import Foundation
import Testing
@testable import KubeSiftCore

/// Damaged inputs: every event before the damage is analyzed, and the damage is counted, never thrown.
@Suite struct BadInputTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    private func lines(_ count: Int, from first: Int = 1) -> [String] { EventLine.numbered(count, from: first).map(\.json) }

    @discardableResult
    private func writeLog(_ relative: String, count: Int, first: Int = 1) throws -> String {
        try directory.write(relative, lines: lines(count, from: first))
    }

    /// Checks a damaged single-stream input against what was written and against what `oracle` (the
    /// format's own command-line decompressor) recovers from it: what the reader hands on is exactly a
    /// prefix of the content written (it invents no bytes), at least as long as the tool's recovery
    /// (it loses none the tool can read), and every complete line of it is counted as an event.
    private func expectPrefixOfWhatTheToolRecovers(_ path: String, oracle: [String], written: Int,
                                                   limits: ReadLimits = ReadLimits(),
                                                   sourceLocation: SourceLocation = #_sourceLocation) throws
        -> AnalysisResult
    {
        let original = Array((lines(written).joined(separator: "\n") + "\n").utf8)
        let recovered = try Fixture.recover(oracle, from: path)
        let (read, sink) = ArchiveReader.collect(path, limits: limits)
        let streamed = sink.members.first?.bytes ?? []
        #expect(streamed.count <= original.count && original.starts(with: streamed), "the reader invents no bytes",
                sourceLocation: sourceLocation)
        #expect(streamed.count >= recovered.count,
                "the reader recovers at least what \(oracle[0]) does (\(streamed.count) vs \(recovered.count) bytes)",
                sourceLocation: sourceLocation)
        #expect(read.members.first?.decompressedBytes == Int64(streamed.count), sourceLocation: sourceLocation)

        let result = Analysis.run([path]) { $0.readLimits = limits }
        let complete = countLines(streamed)
        #expect(complete > 0, "some events came before the damage", sourceLocation: sourceLocation)
        #expect(complete < written, sourceLocation: sourceLocation)
        #expect(result.totals.eventsRead == complete, sourceLocation: sourceLocation)
        #expect(result.totals.distinctRequests == complete, sourceLocation: sourceLocation)
        // A partial last line is counted as cut off, on the line after the last complete one.
        let partial = streamed.last.map { $0 != 0x0A } ?? false
        #expect(result.skippedCount(.cutOff) == (partial ? 1 : 0), sourceLocation: sourceLocation)
        if partial { #expect(result.skippedLines(.cutOff) == [complete + 1], sourceLocation: sourceLocation) }
        #expect(result.isPartial, sourceLocation: sourceLocation)
        #expect(result.totals.inputsWithDataLoss == 1, sourceLocation: sourceLocation)
        return result
    }

    // MARK: - Damaged compression

    @Test(arguments: [GzipInflater.isal, .libarchive])
    func aTruncatedGzipKeepsTheEventsBeforeTheCut(_ inflater: GzipInflater) throws {
        let gzip = try Fixture.compress(try writeLog("audit.log", count: 2_000), with: .gzip)
        let cut = try Fixture.head(gzip, bytes: try Fixture.size(gzip) / 2, output: directory.path("cut.log.gz"))
        var limits = ReadLimits()
        limits.gzipInflater = inflater
        let result = try expectPrefixOfWhatTheToolRecovers(cut, oracle: ["gzip", "-dc"], written: 2_000, limits: limits)
        let problems = try #require(result.input(cut)?.problems)
        #expect(problems.map(\.kind) == [.truncated], "the problem is listed under the cut file")
        // ISA-L hands on all it inflated before the cut (zlib may decode a last few bytes it held back).
        if inflater == .libarchive {
            #expect(problems.first?.message.contains("recovered by decoding the gzip stream directly") == true,
                    "the block libarchive dropped was recovered with zlib")
        }
    }

    @Test func aCutZstdWithJunkAfterTheCutKeepsTheEventsBeforeIt() throws {
        let zstd = try Fixture.compress(try writeLog("audit.log", count: 2_000), with: .zstd)
        let head = try Fixture.head(zstd, bytes: try Fixture.size(zstd) / 2, output: directory.path("head.zst"))
        let junk = try directory.write("junk", bytes: junkBytes(5_000, seed: 1))
        let damaged = try Fixture.cat([head, junk], output: directory.path("damaged.log.zst"))
        let result = try expectPrefixOfWhatTheToolRecovers(damaged, oracle: ["zstd", "-dcq"], written: 2_000)
        #expect(result.input(damaged)?.problems.map(\.kind) == [.corrupt])
    }

    @Test func aCutZstdIsTruncated() throws {
        let zstd = try Fixture.compress(try writeLog("audit.log", count: 2_000), with: .zstd)
        let cut = try Fixture.head(zstd, bytes: try Fixture.size(zstd) / 2, output: directory.path("cut.log.zst"))
        let result = try expectPrefixOfWhatTheToolRecovers(cut, oracle: ["zstd", "-dcq"], written: 2_000)
        #expect(result.input(cut)?.problems.map(\.kind) == [.truncated])
    }

    @Test func aCutXzIsTruncatedNotCorrupt() throws {
        let xz = try Fixture.compress(try writeLog("audit.log", count: 2_000), with: .xz)
        let cut = try Fixture.head(xz, bytes: try Fixture.size(xz) / 2, output: directory.path("cut.log.xz"))
        let result = try expectPrefixOfWhatTheToolRecovers(cut, oracle: ["xz", "-dc"], written: 2_000)
        #expect(result.input(cut)?.problems.map(\.kind) == [.truncated])
    }

    @Test func junkAfterACompleteZstdFrameIsReported() throws {
        let zstd = try Fixture.compress(try writeLog("audit.log", count: 2_000), with: .zstd)
        let junk = try directory.write("junk", bytes: junkBytes(5_000, seed: 2))
        let damaged = try Fixture.cat([zstd, junk], output: directory.path("damaged.log.zst"))
        // Every one of the 2 000 lines is before the damage here, so all of them may come through.
        let result = try expectPrefixOfWhatTheToolRecovers(damaged, oracle: ["zstd", "-dcq"], written: 2_001)
        #expect(result.input(damaged)?.problems.map(\.kind) == [.corrupt])
        // libarchive drops the output block it was filling when the junk fails to decode; zstd itself
        // hands on every byte of the complete frame.
        #expect(result.totals.eventsRead == 2_000)
    }

    @Test(arguments: [Compressor.gzip, .bzip2, .lz4])
    func nonZeroBytesAfterACompleteStreamAreTrailingData(_ compressor: Compressor) throws {
        let compressed = try Fixture.compress(try writeLog("audit.log", count: 500), with: compressor)
        let junk = try directory.write("junk", bytes: junkBytes(3_000, seed: 3))
        let damaged = try Fixture.cat([compressed, junk], output: directory.path("damaged.log.\(compressor.fileExtension)"))
        let result = Analysis.run([damaged])
        #expect(result.totals.eventsRead == 500)
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.input(damaged)?.problems.map(\.kind) == [.trailingData])
        #expect(result.isPartial, "bytes nobody can read are reported as possible data loss")
    }

    // MARK: - Damaged archives

    @Test func halfATarGzKeepsEveryEventOfTheMembersBeforeTheCut() throws {
        try writeLog("src/first.log", count: 50)
        try writeLog("src/second.log", count: 3_000, first: 1_000)
        let archive = try Fixture.tar(directory.path("full.tar.gz"), members: ["first.log", "second.log"],
                                      in: directory.path("src"), filter: .gzip)
        // The first member is under 2 % of the content: 60 % of the compressed bytes ends inside the second.
        let half = try Fixture.head(archive, bytes: try Fixture.size(archive) * 6 / 10, output: directory.path("half.tar.gz"))
        let result = Analysis.run([half])
        let input = try #require(result.input(half))
        #expect(input.members.map(\.name) == ["first.log", "second.log"])
        #expect(input.members.first?.eventsRead == 50)
        let second = try #require(input.members.last?.eventsRead)
        #expect(second > 0 && second < 3_000)
        #expect(result.totals.eventsRead == 50 + second)
        #expect(input.problems.map(\.kind) == [.truncated])
        #expect(input.problems.first?.member == "second.log")
        #expect(result.isPartial)
    }

    @Test func aZipWithOneDamagedMemberKeepsTheOtherMembers() throws {
        try writeLog("src/a.log", count: 50)
        let middle = lines(300, from: 1_000)
        try directory.write("src/b.log", lines: middle)
        try writeLog("src/c.log", count: 80, first: 5_000)
        // b.log is stored (-0), so its data in the zip is its text: the bytes flipped below damage
        // exactly one line, whatever the zlib version compresses the others to.
        let archive = directory.path("logs.zip")
        try Fixture.run(["zip", "-q", "-X", archive, "a.log"], in: directory.path("src"))
        try Fixture.run(["zip", "-q", "-X", "-0", archive, "b.log"], in: directory.path("src"))
        try Fixture.run(["zip", "-q", "-X", archive, "c.log"], in: directory.path("src"))
        var bytes = try directory.read("logs.zip")
        let damagedLine = 120
        let lineStart = try dataOffset(ofZipMember: 1, in: bytes)
            + middle.prefix(damagedLine - 1).reduce(0) { $0 + $1.utf8.count + 1 }
        for offset in (lineStart + 30)..<(lineStart + 46) { bytes[offset] ^= 0xFF }
        try directory.write("logs.zip", bytes: bytes)

        let result = Analysis.run([archive])
        let input = try #require(result.input(archive))
        #expect(input.members.map(\.name) == ["a.log", "b.log", "c.log"])
        #expect(input.members.map(\.eventsRead) == [50, 299, 80])
        #expect(result.skippedCount(.invalidUTF8) == 1)
        #expect(result.skipped[.invalidUTF8]?.samples == [EventProvenance(file: archive, member: "b.log", line: damagedLine)])
        #expect(input.problems.map(\.kind) == [.corrupt], "the bad CRC is reported: \(input.problems)")
        #expect(input.problems.first?.member == "b.log")
        #expect(result.isPartial)
    }

    @Test func aZipWithOneMemberDamagedInsideItsDeflateStreamKeepsTheOtherMembers() throws {
        try writeLog("src/a.log", count: 50)
        try writeLog("src/b.log", count: 3_000, first: 1_000)
        try writeLog("src/c.log", count: 500, first: 5_000)
        let archive = try Fixture.zip(directory.path("logs.zip"), members: ["a.log", "b.log", "c.log"],
                                      in: directory.path("src"))
        var bytes = try directory.read("logs.zip")
        let start = try dataOffset(ofZipMember: 1, in: bytes)
        let end = try dataOffset(ofZipMember: 2, in: bytes)
        let middle = (start + end) / 2
        for offset in middle..<(middle + 4) { bytes[offset] ^= 0xFF }
        try directory.write("logs.zip", bytes: bytes)

        let result = Analysis.run([archive])
        let input = try #require(result.input(archive))
        #expect(input.members.map(\.name) == ["a.log", "b.log", "c.log"])
        #expect(input.members.first?.eventsRead == 50)
        #expect(input.members.last?.eventsRead == 500)
        let damaged = try #require(input.members.dropFirst().first?.eventsRead)
        #expect(damaged < 3_000)
        #expect(result.totals.recordsSkipped > 0, "the garbled lines are counted as skipped")
        #expect(input.problems.map(\.kind) == [.corrupt])
        #expect(input.problems.first?.member == "b.log")
        #expect(input.problems.first?.message.contains("\n") == false)
    }

    /// The offset of the data of the `index`-th local file header of a zip.
    private func dataOffset(ofZipMember index: Int, in bytes: [UInt8]) throws -> Int {
        let signature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        let headers = (0..<(bytes.count - 30)).filter { Array(bytes[$0..<($0 + 4)]) == signature }
        let header = try #require(headers.dropFirst(index).first)
        let nameLength = Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8
        let extraLength = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
        return header + 30 + nameLength + extraLength
    }

    // MARK: - Damaged records

    @Test(.timeLimit(.minutes(2))) func aHundredMegabyteLineIsSkippedAndTheLinesAroundItCounted() throws {
        let path = directory.path("audit.log")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let before = lines(10)
        let after = lines(10, from: 11)
        try handle.write(contentsOf: Data(before.map { $0 + "\n" }.joined().utf8))
        let long = EventLine(number: 999).json
        try handle.write(contentsOf: Data((long.dropLast() + #","requestObject":{"data":""#).utf8))
        let megabyte = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<100 { try handle.write(contentsOf: megabyte) }
        try handle.write(contentsOf: Data(("\"}}\n" + after.map { $0 + "\n" }.joined()).utf8))
        try handle.close()

        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 20)
        #expect(result.skippedCount(.overLong) == 1)
        #expect(result.skippedLines(.overLong) == [11])
        #expect(result.totals.recordsSkipped == 1)
        #expect(result.inputs.first?.members.first?.lines == 21)
    }

    @Test func theRecordLimitIsAnOption() throws {
        // Past the first 64 KiB (which is sniffed whole) and read in small blocks, a 200 KB line
        // streams past a 16 KiB limit in pieces, as a 100 MB line streams past the default one.
        var content = lines(150)
        content.insert(String(EventLine(number: 999).json.dropLast()) + #","requestObject":{"data":""#
            + String(repeating: "b", count: 200_000) + "\"}}", at: 120)
        let path = try directory.write("audit.log", lines: content)
        #expect(try Fixture.size(path) > 64 << 10)
        let result = Analysis.run([path]) { options in
            options.maximumRecordBytes = 16 << 10
            options.chunkBytes = 8 << 10
            options.readLimits.blockSize = 4_096
        }
        #expect(result.totals.eventsRead == 150)
        #expect(result.skippedLines(.overLong) == [121])
        #expect(Analysis.run([path]).totals.eventsRead == 151, "the default limit (64 MiB) lets it through")
    }

    /// Bytes that are valid UTF-8 but not JSON: control characters and ASCII, never a newline.
    private func junkBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return [0x01] + (1..<count).map { _ in
            let byte = UInt8.random(in: 0...0x7F, using: &generator)
            return byte == 0x0A ? 0x00 : byte
        }
    }

    @Test func junkLinesAreNotJSONAndTheirLinesAreListed() throws {
        var content = lines(12)
        let junkLines = [2, 5, 6, 13]  // 1-based positions in the final file
        for (index, position) in junkLines.enumerated() {
            content.insert(String(decoding: junkBytes(200, seed: UInt64(index)), as: UTF8.self), at: position - 1)
        }
        let path = try directory.write("audit.log", lines: content)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 12)
        #expect(result.skippedCount(.notJSON) == 4)
        #expect(result.skippedLines(.notJSON) == junkLines)
        #expect(result.skipped[.notJSON]?.samples.allSatisfy { $0.file == path && $0.member == nil } == true)
        #expect(result.isPartial)
    }

    @Test func onlyTheFirstFiveSkippedRecordsOfAReasonAreSampledButAllAreCounted() throws {
        var content: [String] = []
        var junkPositions: [Int] = []
        for (index, line) in lines(30).enumerated() {
            content.append(line)
            if index % 3 == 0 {
                content.append("not json at all")
                junkPositions.append(content.count)
            }
        }
        let path = try directory.write("audit.log", lines: content)
        let result = Analysis.run([path]) { $0.chunkBytes = 2_048 }
        #expect(result.totals.eventsRead == 30)
        #expect(result.skippedCount(.notJSON) == junkPositions.count)
        #expect(result.skippedLines(.notJSON) == Array(junkPositions.prefix(5)))
    }

    @Test func aLineWithInvalidUTF8IsSkippedAsSuch() throws {
        var bytes = Array((lines(3).joined(separator: "\n") + "\n").utf8)
        var bad = Array(EventLine(number: 50).json.utf8)
        let userStart = try #require(bad.indices.first { bad[$0...].starts(with: Array("alice".utf8)) })
        bad[userStart] = 0xFF
        bytes += bad + [0x0A] + Array((lines(2, from: 4).joined(separator: "\n") + "\n").utf8)
        let path = try directory.write("audit.log", bytes: bytes)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 5)
        #expect(result.skippedCount(.invalidUTF8) == 1)
        #expect(result.skippedLines(.invalidUTF8) == [4])
    }

    @Test func aCutOffLastLineIsCountedAsCutOff() throws {
        let last = EventLine(number: 9).json
        let text = lines(8).map { $0 + "\n" }.joined() + last.prefix(last.count / 2)
        let path = try directory.write("audit.log", text)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 8)
        #expect(result.skippedCount(.cutOff) == 1)
        #expect(result.skippedLines(.cutOff) == [9])
    }

    @Test func aPathThatCannotBeOpenedIsUnreadable() throws {
        let missing = directory.path("gone/audit.log")
        let result = Analysis.run([missing])
        #expect(result.totals.inputFiles == 0)
        #expect(result.input(missing)?.problems.map(\.kind) == [.unreadable])
        #expect(result.totals.inputsWithDataLoss == 1)
        #expect(result.isPartial)
    }

    @Test func aFileThatVanishesBeforeItIsReadIsUnreadable() throws {
        let path = try writeLog("audit.log", count: 3)
        let kept = try writeLog("kept.log", count: 4, first: 10)
        let options = AnalysisOptions(paths: [path, kept], workers: 2)
        let inputs = Pipeline.discover(options)
        try FileManager.default.removeItem(atPath: path)
        let result = Pipeline.run(inputs, options: options, logger: Analysis.quietLogger)
        #expect(result.totals.eventsRead == 4)
        #expect(result.input(path)?.problems.map(\.kind) == [.unreadable])
        #expect(result.input(kept)?.problems.isEmpty == true)
        #expect(result.isPartial)
    }

    @Test func readmeAndSourceFilesNextToTheLogsAreNotAuditData() throws {
        try writeLog("logs/audit.log", count: 4)
        try directory.write("logs/README.md", "# Audit logs\n\nCopied from cp-1 on {date}.\n{ not json }\n")
        let result = Analysis.run([directory.path("logs")])
        #expect(result.totals.eventsRead == 4)
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.input(directory.path("logs/README.md"))?.problems.map(\.kind) == [.notAuditData])
        #expect(!result.isPartial, "a README is not lost audit data")
    }
}
