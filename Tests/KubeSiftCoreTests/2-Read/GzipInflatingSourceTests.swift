import Foundation
import Testing
@testable import KubeSiftCore

/// A `.gz` input file is inflated by ISA-L (``GzipInflatingSource``) by default, by libarchive's zlib
/// when asked. Both read every file alike: the same result, the same bytes handed on. Where they
/// differ, the ISA-L behaviour is asserted, and the test says why it differs.
@Suite struct GzipInflatingSourceTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// What one inflater made of a file: the result and every member as the sink received it.
    struct Reading: Equatable {
        struct Member: Equatable {
            var name: String?
            var bytes: [UInt8]
            var damaged: Bool
        }

        var result: InputReadResult
        var members: [Member]

        var bytes: [UInt8] { members.flatMap(\.bytes) }
        var kinds: [InputProblem.Kind] { result.problems.map(\.kind) }
    }

    private static func read(_ path: String, with inflater: GzipInflater, blockSize: Int = ReadLimits().blockSize)
        -> Reading
    {
        var limits = ReadLimits()
        limits.gzipInflater = inflater
        limits.blockSize = blockSize
        let (result, sink) = ArchiveReader.collect(path, limits: limits)
        return Reading(result: result, members: sink.members.map { .init(name: $0.name, bytes: $0.bytes, damaged: $0.damaged) })
    }

    /// Block sizes for both the reads from disk and ISA-L's output: the default, and two small ones
    /// that put member boundaries, headers and trailers across reads.
    private static let blockSizes = [ReadLimits().blockSize, 4096, 777]

    /// Expects both inflaters to read `path` alike at every block size; returns ISA-L's reading.
    @discardableResult
    private func expectSameReading(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> Reading {
        for blockSize in Self.blockSizes {
            let isal = Self.read(path, with: .isal, blockSize: blockSize)
            let libarchive = Self.read(path, with: .libarchive, blockSize: blockSize)
            #expect(isal.result == libarchive.result, "block size \(blockSize)", sourceLocation: sourceLocation)
            Self.expectSameBytes(isal, libarchive, "block size \(blockSize)", sourceLocation: sourceLocation)
        }
        return Self.read(path, with: .isal)
    }

    /// Compares the members handed on, without printing megabytes when they differ.
    private static func expectSameBytes(_ isal: Reading, _ libarchive: Reading, _ comment: String,
                                        sourceLocation: SourceLocation = #_sourceLocation) {
        let same = isal.members == libarchive.members
        let counts = "ISA-L handed on \(isal.members.map(\.bytes.count)) bytes, libarchive \(libarchive.members.map(\.bytes.count))"
        #expect(same, "\(comment): \(counts)", sourceLocation: sourceLocation)
    }

    /// A gzip file of `count` numbered events from `first`; returns its bytes and the text inside.
    private func gzip(_ name: String, events count: Int, first: Int = 1) throws -> (bytes: [UInt8], text: [UInt8]) {
        let text = EventLine.numbered(count, from: first).map { $0.json + "\n" }.joined()
        let path = try Fixture.compress(try directory.write(name, text), with: .gzip)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), Array(text.utf8))
    }

    /// Three members of different sizes, as logrotate's `delaycompress` plus `cat` leave them.
    private func threeMembers() throws -> (bytes: [UInt8], text: [UInt8], ends: [Int]) {
        let members = [try gzip("a.log", events: 300), try gzip("b.log", events: 1, first: 5_000),
                       try gzip("c.log", events: 2_000, first: 10_000)]
        let ends = members.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.bytes.count) }
        return (members.flatMap(\.bytes), members.flatMap(\.text), ends)
    }

    // MARK: - Intact streams

    @Test func oneMember() throws {
        let log = try gzip("audit.log", events: 400)
        let reading = expectSameReading(try directory.write("audit.log.gz", bytes: log.bytes))
        #expect(reading.result.problems.isEmpty)
        #expect(reading.result.compressions == ["gzip"])
        #expect(reading.result.members.map(\.compressions) == [["gzip"]])
        #expect(reading.bytes.elementsEqual(log.text))
    }

    @Test func severalMembersAreOneLog() throws {
        let log = try threeMembers()
        let reading = expectSameReading(try directory.write("audit.log.gz", bytes: log.bytes))
        #expect(reading.result.problems.isEmpty)
        #expect(reading.members.map(\.name) == [nil])
        #expect(reading.bytes.elementsEqual(log.text))
    }

    @Test func anEmptyMemberAloneOrBetweenOthers() throws {
        let empty = Array(try Data(contentsOf: URL(fileURLWithPath: try Fixture.compress(try directory.write("e.log", ""), with: .gzip))))
        let alone = expectSameReading(try directory.write("empty.log.gz", bytes: empty))
        #expect(alone.result.problems.isEmpty)
        #expect(alone.result.container == "empty")
        #expect(alone.members.isEmpty)

        let first = try gzip("a.log", events: 20)
        let second = try gzip("b.log", events: 30, first: 100)
        let between = expectSameReading(try directory.write("between.log.gz", bytes: first.bytes + empty + second.bytes))
        #expect(between.result.problems.isEmpty)
        #expect(between.bytes.elementsEqual(first.text + second.text))
    }

    @Test func aTarGzWithSeveralEntries() throws {
        for (index, count) in [12, 700, 3].enumerated() {
            try directory.write("src/node-\(index)/audit.log", EventLine.numbered(count, from: index * 1_000).map { $0.json + "\n" }.joined())
        }
        let names = (0..<3).map { "node-\($0)/audit.log" }
        let archive = try Fixture.tar(directory.path("logs.tar.gz"), members: names, in: directory.path("src"), filter: .gzip)
        let reading = expectSameReading(archive)
        #expect(reading.result.problems.isEmpty)
        #expect(reading.result.container == "tar")
        #expect(reading.result.compressions == ["gzip"])
        #expect(reading.members.map(\.name) == names)
        #expect(reading.result.members.allSatisfy { $0.compressions == ["gzip"] })
    }

    @Test func aGzipWhoseContentIsZstd() throws {
        let text = EventLine.numbered(500, from: 1).map { $0.json + "\n" }.joined()
        let zstd = try Fixture.compress(try directory.write("audit.log", text), with: .zstd)
        let reading = expectSameReading(try Fixture.compress(zstd, with: .gzip))
        #expect(reading.result.problems.isEmpty)
        #expect(reading.result.compressions == ["gzip", "zstd"])
        #expect(reading.result.members.map(\.compressions) == [["gzip", "zstd"]])
        #expect(reading.bytes.elementsEqual(text.utf8))
    }

    // MARK: - After the stream

    @Test func zeroPaddingAfterTheStreamIsHarmless() throws {
        let log = try gzip("audit.log", events: 100)
        let reading = expectSameReading(try directory.write("padded.log.gz", bytes: log.bytes + [UInt8](repeating: 0, count: 4096)))
        #expect(reading.result.problems.isEmpty)
        #expect(reading.bytes.elementsEqual(log.text))
    }

    /// Bytes after the last member that are not a member end the stream: where, ISA-L says as libarchive
    /// did (the count in the message), also when they start like a gzip header.
    @Test(arguments: [
        Array("not gzip".utf8), [0x1F], [0x1F, 0x8B], [0x1F, 0x8B, 0x08, 0x00], [0x1F, 0x8B, 0x07, 0x00, 0x00],
    ] as [[UInt8]])
    func garbageAfterTheStreamIsTrailingData(_ garbage: [UInt8]) throws {
        let log = try threeMembers()
        let reading = expectSameReading(try directory.write("audit.log.gz", bytes: log.bytes + garbage))
        #expect(reading.bytes.count == log.text.count)
        #expect(reading.result.problems.map(\.message)
            == ["\(garbage.count) bytes after the end of the gzip stream were not read"])
        #expect(reading.kinds == [.trailingData])
    }

    /// A valid member header followed by what is no deflate data is a damaged member, not trailing data.
    @Test func aHeaderWithoutDeflateDataAfterTheStreamIsDamage() throws {
        let log = try gzip("audit.log", events: 100)
        let header: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF]
        let path = try directory.write("audit.log.gz", bytes: log.bytes + header)
        let isal = Self.read(path, with: .isal)
        let libarchive = Self.read(path, with: .libarchive)
        #expect(isal.bytes.elementsEqual(log.text))
        #expect(isal.kinds == [.corrupt])
        #expect(isal.kinds == libarchive.kinds)
        // ISA-L names the damage; libarchive says only "gzip decompression failed".
        #expect(isal.result.problems.first?.message.hasPrefix("gzip decompression failed (invalid deflate block) after") == true)
    }

    // MARK: - Trailers

    /// A trailer that no longer matches its member: every byte is read, and the report says it was altered,
    /// in zlib's words: the CRC-32 first, then the length.
    @Test func aFlippedCRCOrLengthInTheTrailer() throws {
        let log = try gzip("audit.log", events: 300)
        let second = try gzip("b.log", events: 200, first: 1_000)
        for (flipped, damage) in [(log.bytes.count - 8, "incorrect data check"), (log.bytes.count - 1, "incorrect length check")] {
            var bytes = log.bytes
            bytes[flipped] ^= 0x01
            for (name, file, text) in [("one", bytes, log.text), ("first-of-two", bytes + second.bytes, log.text + second.text)] {
                let reading = expectSameReading(try directory.write("\(name)-\(flipped).log.gz", bytes: file))
                #expect(reading.bytes.elementsEqual(text), "\(name)")
                #expect(reading.members.map(\.damaged) == [false], "\(name)")
                #expect(reading.result.problems.map(\.message) == ["gzip integrity check failed (\(damage)): the content was "
                    + "altered after it was compressed; every record was analyzed as it reads, but some may be damaged or changed"],
                        "\(name)")
            }
        }
    }

    /// ISA-L checks every member's trailer. zlib's second decode on the libarchive path misses a damaged
    /// member after the first when one call to `inflate` reads it whole: it cannot tell it from
    /// bytes after the stream.
    @Test func aFlippedCRCInALaterSmallMemberIsReportedByISAL() throws {
        let first = try gzip("a.log", events: 300)
        var second = try gzip("b.log", events: 2, first: 1_000)
        second.bytes[second.bytes.count - 8] ^= 0x01
        let path = try directory.write("audit.log.gz", bytes: first.bytes + second.bytes)
        let isal = Self.read(path, with: .isal)
        #expect(isal.bytes.elementsEqual(first.text + second.text))
        #expect(isal.result.problems.map(\.message).first?.hasPrefix("gzip integrity check failed (incorrect data check)") == true)
        #expect(isal.kinds == [.corrupt])
        #expect(Self.read(path, with: .libarchive).result.problems.isEmpty)
    }

    /// A `.tar.gz` is one gzip stream around the tar: ISA-L checks its trailer like any other, so a
    /// tarball altered after it was compressed is reported, every entry still read. libarchive's
    /// path checks the trailer of a plain `.gz` only and stays silent.
    @Test func aFlippedCRCInATarGzIsReportedByISAL() throws {
        for (index, count) in [40, 250].enumerated() {
            try directory.write("tar-src/node-\(index)/audit.log", EventLine.numbered(count, from: index * 1_000).map { $0.json + "\n" }.joined())
        }
        let names = (0..<2).map { "node-\($0)/audit.log" }
        let archive = try Fixture.tar(directory.path("logs.tar.gz"), members: names, in: directory.path("tar-src"), filter: .gzip)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: archive)))
        bytes[bytes.count - 8] ^= 0x01
        let path = try directory.write("altered.tar.gz", bytes: bytes)
        let isal = Self.read(path, with: .isal)
        let libarchive = Self.read(path, with: .libarchive)
        #expect(isal.members.map(\.name) == names)
        #expect(isal.members == libarchive.members)
        #expect(isal.kinds == [.corrupt])
        #expect(isal.result.problems.first?.message.hasPrefix("gzip integrity check failed (incorrect data check)") == true)
        #expect(libarchive.result.problems.isEmpty)
    }

    // MARK: - Damage

    /// Whatever ISA-L makes of a damaged stream starts with everything zlib reads from it; each flip in
    /// the deflate data is reported as the same kind of problem. ISA-L builds Huffman tables without
    /// zlib's completeness checks, so after a flip in a block header it may hand on a few more (garbled)
    /// bytes before it fails; and it names the damage where libarchive says "gzip decompression failed".
    @Test func aFlippedByteInsideTheDeflateData() throws {
        let log = try threeMembers()
        var identical = 0
        for offset in stride(from: 12, to: log.bytes.count - 8, by: 307) where !Self.isTrailer(offset, ends: log.ends) {
            var bytes = log.bytes
            bytes[offset] ^= 0x10
            let path = try directory.write("flip-\(offset).log.gz", bytes: bytes)
            for blockSize in Self.blockSizes {
                let isal = Self.read(path, with: .isal, blockSize: blockSize)
                let libarchive = Self.read(path, with: .libarchive, blockSize: blockSize)
                let losesNothing = isal.bytes.starts(with: libarchive.bytes)
                #expect(losesNothing, "flip at \(offset), block size \(blockSize)")
                if isal.kinds != libarchive.kinds {
                    // Only a flip that leaves a later member's deflate data valid: see the test above.
                    #expect(isal.kinds == libarchive.kinds + [.corrupt], "flip at \(offset): \(isal.kinds) \(libarchive.kinds)")
                    #expect(isal.result.problems.last?.message.hasPrefix("gzip integrity check failed") == true)
                }
                if isal.bytes == libarchive.bytes && isal.kinds == libarchive.kinds {
                    #expect(Self.withoutDetail(isal.result) == Self.withoutDetail(libarchive.result), "flip at \(offset)")
                    identical += 1
                }
            }
        }
        #expect(identical > 0)
    }

    /// Cut anywhere, the file gives every byte zlib can read from it (ISA-L holds back the last few bytes
    /// it cannot yet decode; zlib's decode hands them on), and the same result but for the wording:
    /// ISA-L recovers by itself what libarchive dropped, and a cut inside a trailer is `truncated`, where
    /// libarchive fails without a message and the kind falls back to `corrupt`.
    @Test func theFileCutAtManyOffsets() throws {
        let log = try threeMembers()
        // From the end of the first header: a cut inside it is the next test's.
        var offsets = Set(stride(from: 10, to: log.bytes.count, by: 401))
        for end in log.ends { offsets.formUnion((end - 24)...(min(end + 12, log.bytes.count - 1))) }
        for offset in offsets.sorted() {
            let path = try directory.write("cut-\(offset).log.gz", bytes: Array(log.bytes.prefix(offset)))
            var recovered: [UInt8] = []
            _ = StreamSalvager.salvage(path: path, compression: "gzip", skipping: 0) { recovered += $0 }
            for blockSize in Self.blockSizes {
                let isal = Self.read(path, with: .isal, blockSize: blockSize)
                let libarchive = Self.read(path, with: .libarchive, blockSize: blockSize)
                #expect(isal.bytes.elementsEqual(recovered), "cut at \(offset), block size \(blockSize)")
                Self.expectSameBytes(isal, libarchive, "cut at \(offset), block size \(blockSize)")
                #expect(isal.kinds.allSatisfy { [.truncated, .trailingData].contains($0) }, "cut at \(offset): \(isal.kinds)")
                if libarchive.result.problems.first?.message.hasPrefix("unknown libarchive error") == true {
                    #expect(isal.kinds == [.truncated] && libarchive.kinds == [.corrupt], "cut at \(offset)")
                } else {
                    #expect(Self.withoutDetail(isal.result) == Self.withoutDetail(libarchive.result), "cut at \(offset)")
                }
            }
        }
    }

    /// A first header that is cut or names another method than deflate: ISA-L says so. libarchive does
    /// not take such a file for gzip, reads its bytes as they are, finds the gzip magic number in them
    /// and opens them again, until the nesting limit.
    @Test func aBrokenFirstHeader() throws {
        let log = try gzip("audit.log", events: 10)
        var files = (2..<10).map { (Array(log.bytes.prefix($0)), "truncated gzip input", InputProblem.Kind.truncated) }
        var otherMethod = log.bytes
        otherMethod[2] = 0x07
        files.append((otherMethod, "gzip decompression failed (unknown compression method)", .corrupt))
        for (bytes, message, kind) in files {
            let path = try directory.write("audit.log.gz", bytes: bytes)
            let isal = Self.read(path, with: .isal)
            #expect(isal.members.isEmpty)
            #expect(isal.result.problems.map(\.message) == [message])
            #expect(isal.kinds == [kind])
            #expect(Self.read(path, with: .libarchive).kinds == [.nestingTooDeep])
        }
    }

    private static func isTrailer(_ offset: Int, ends: [Int]) -> Bool { ends.contains { (($0 - 8)..<$0).contains(offset) } }

    /// The result with what only the wording of a message may differ in taken out: the name ISA-L gives
    /// the damage, and the bytes recovered by decoding the stream again (which libarchive drops and
    /// ISA-L does not, or fewer).
    private static func withoutDetail(_ result: InputReadResult) -> InputReadResult {
        var result = result
        for index in result.problems.indices {
            var message = result.problems[index].message
            for detail in [#" \([a-z ]+\)"#, #" \(the last \d+ bytes recovered by decoding the gzip stream directly\)"#] {
                message = message.replacingOccurrences(of: detail, with: "", options: .regularExpression)
            }
            result.problems[index].message = message
        }
        return result
    }
}
