#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CCompression

/// Receives the decompressed text members of an input, in order, as the reader streams them.
protocol MemberSink: AnyObject {
    /// Starts a member; `compressions` are the filters its bytes came through (none: stored as is).
    func beginMember(index: Int, name: String?, compressions: [String])
    func consume(_ bytes: UnsafeRawBufferPointer)
    /// Ends the member; `damaged` when the stream broke before its end. Returns a problem with the
    /// member's content (for example: it holds no audit data), if any.
    func endMember(damaged: Bool) -> InputProblem?
}

/// What reading one input file found out, apart from its content.
package struct InputReadResult: Sendable, Equatable, Codable {
    package var sha256: String
    package var bytesRead: Int64
    package var container: String
    package var compressions: [String]
    package var members: [MemberReadResult]
    package var problems: [InputProblem]
}

/// One text member of an input: the file itself for a plain or compressed log, an entry of an archive.
package struct MemberReadResult: Sendable, Equatable, Codable {
    /// `nil` for the file itself; the entry path otherwise, nested entries joined by `!`.
    package var name: String?
    package var compressions: [String]
    package var decompressedBytes: Int64
    /// With a state: where an earlier run left this member (its bytes were skipped), and where this run
    /// leaves it. Lines and events of this run are added when the result is assembled.
    package var resumedFrom: ReadPosition? = nil
    package var position: ReadPosition? = nil
}

/// Limits that keep hostile or broken inputs from exhausting the machine.
package struct ReadLimits: Sendable, Equatable {
    /// How many archives may be nested inside one another (a `.tar.gz` of `.log.gz` is depth 2).
    package var maximumNesting = 4
    /// Size of each read from disk.
    package var blockSize = 1 << 20
    /// How many times its own size a file's decompressed content may grow to (0: no limit). Audit
    /// logs compress 10 to 50 times; a decompression bomb, thousands of times.
    package var maximumExpansion = 1000
    /// The expansion is checked once this much content is decompressed: a small bomb costs nothing.
    package var expansionCheckedFrom: Int64 = 256 << 20
    /// What inflates a `.gz` input file (gzip inside archives is always libarchive's).
    package var gzipInflater = GzipInflater.isal

    package init() {}
}

/// What inflates a `.gz` input file.
package enum GzipInflater: String, Sendable, Equatable, CaseIterable {
    /// ISA-L's igzip, about twice as fast as zlib; it checks every member's trailer.
    case isal
    /// libarchive's gzip filter (zlib); KubeSift checks the trailer afterwards.
    case libarchive
}

/// Streams every text member out of one input file through libarchive: plain, gzip (also
/// multi-member), bzip2, xz, lzma, lzip, zstd, lz4; tar, zip, 7z, cpio; archives inside archives.
///
/// Memory stays at one block per nesting level, whatever the file size. A damaged stream yields
/// every byte before the damage, then a counted ``InputProblem``; the SHA-256 of the whole file is
/// computed in the same pass.
struct ArchiveReader {
    var limits: ReadLimits
    var progress: ProgressCounters?

    func read(path: String, into sink: any MemberSink) -> InputReadResult {
        var result = InputReadResult(sha256: "", bytesRead: 0, container: "plain", compressions: [], members: [],
                                     problems: [])
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            result.problems.append(InputProblem(kind: .unreadable, message: "cannot open: \(Self.describe(errno))"))
            return result
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            result.problems.append(InputProblem(kind: .notRegularFile, message: "not a regular file; skipped"))
            return result
        }
        let file = FileByteSource(descriptor: descriptor, blockSize: limits.blockSize, progress: progress)
        let inflater = limits.gzipInflater == .isal
            && StreamSalvager.compression(startingWith: Self.leadingBytes(of: descriptor)) == "gzip"
            ? GzipInflatingSource(file: file, blockSize: limits.blockSize) : nil
        let handle = LibarchiveHandle()
        if let message = handle.open(inflater ?? file) {
            if file.readError != 0 {
                result.problems.append(InputProblem(kind: .unreadable, message: "read failed: \(Self.describe(file.readError))"))
            } else {
                result.problems += Self.salvageUnopened(path: path, descriptor: descriptor, failure: message,
                                                        into: sink, result: &result)
            }
        } else {
            var walk = Walk(path: path, limits: limits, sink: sink, fileBytesRead: { file.bytesRead },
                            checksGzipTrailer: inflater == nil)
            let cleanEnd = walk.readEntries(of: handle, depth: 0, prefix: nil)
            result.members = walk.members
            result.problems = walk.problems
            result.container = handle.container
            result.compressions = handle.compressions
            if cleanEnd, result.container == "plain", !result.compressions.isEmpty {
                if let problem = Self.trailingData(descriptor: descriptor, fileSize: Int64(status.st_size),
                                                   consumed: handle.compressedBytesConsumed,
                                                   compression: result.compressions.last ?? "") {
                    result.problems.append(problem)
                }
                if let check = walk.gzipCheck, let problem = Self.verifyGzipTrailer(
                    path: path, descriptor: descriptor, streamEnd: handle.compressedBytesConsumed, check: check) {
                    result.problems.append(problem)
                }
            }
            if let damage = inflater?.integrityDamage { result.problems.append(Self.integrityProblem(damage)) }
        }
        file.drain()
        if file.readError != 0 {
            result.problems.append(InputProblem(kind: .unreadable, message: "read failed: \(Self.describe(file.readError))"))
        }
        result.sha256 = file.finalizeDigest()
        result.bytesRead = file.bytesRead
        return result
    }

    /// The file's first bytes, enough for any magic number ``StreamSalvager`` knows (fewer when the
    /// file is shorter), read without moving the file offset.
    private static func leadingBytes(of descriptor: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 6)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return Array(bytes.prefix(max(count, 0)))
    }

    /// A single compressed stream damaged within the first block libarchive decompresses cannot even
    /// be opened; the compression library still reads it up to the damage, like `gzip -dc`.
    /// Returns the problems to report: the failure, and any the sink has with the recovered text.
    private static func salvageUnopened(path: String, descriptor: Int32, failure: String, into sink: any MemberSink,
                                        result: inout InputReadResult) -> [InputProblem]
    {
        guard let compression = StreamSalvager.compression(startingWith: leadingBytes(of: descriptor)) else {
            return [InputProblem(kind: kind(of: failure), message: failure)]
        }
        var recovered: [UInt8] = []
        _ = StreamSalvager.salvage(path: path, compression: compression, skipping: 0) { recovered += $0 }
        // A cut `.tar.gz` recovers tar bytes: those are not text, and libarchive's message stands.
        guard !recovered.isEmpty, !recovered.withUnsafeBytes(ArchiveSignature.isArchiveOrCompressed) else {
            return [InputProblem(kind: kind(of: failure), message: failure)]
        }
        sink.beginMember(index: 0, name: nil, compressions: [compression])
        recovered.withUnsafeBytes { sink.consume($0) }
        let contentProblem = sink.endMember(damaged: true)
        result.compressions = [compression]
        result.members = [MemberReadResult(name: nil, compressions: [compression], decompressedBytes: Int64(recovered.count))]
        let damage = InputProblem(kind: kind(of: failure), message: damageMessage(
            failure, decompressed: Int64(recovered.count), salvaged: Int64(recovered.count), compression: compression))
        return [damage] + (contentProblem.map { [$0] } ?? [])
    }

    /// What a stream that broke after `decompressed` bytes says, `salvaged` of them recovered directly.
    static func damageMessage(_ failure: String, decompressed: Int64, salvaged: Int64, compression: String) -> String {
        "\(failure) after \(decompressed) decompressed bytes; every record before the damage was analyzed"
            + (salvaged > 0 ? " (the last \(salvaged) bytes recovered by decoding the \(compression) stream directly)" : "")
    }

    /// Checks the bytes after the end of a compressed stream: zero padding is common and harmless,
    /// anything else is data nobody can read, and the report says so.
    private static func trailingData(descriptor: Int32, fileSize: Int64, consumed: Int64, compression: String)
        -> InputProblem?
    {
        guard consumed > 0, fileSize > consumed else { return nil }
        let checked = Int(min(fileSize - consumed, 1 << 20))
        var tail = [UInt8](repeating: 0, count: checked)
        let count = tail.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, checked, off_t(consumed)) }
        guard count > 0, tail[0..<count].contains(where: { $0 != 0 }) else { return nil }
        return InputProblem(kind: .trailingData,
                            message: "\(fileSize - consumed) bytes after the end of the \(compression) stream were not read")
    }

    /// libarchive reads a gzip member's trailer but does not check it (ISA-L does, see
    /// ``GzipInflatingSource``): a flipped bit that leaves valid deflate data would go unnoticed. The
    /// last member's trailer holds its CRC-32 and length:
    /// when the length is the whole content's, the file is one member (as logrotate writes it) and
    /// the CRC-32 computed while reading must match. Otherwise the file holds several members, or is
    /// damaged: zlib decodes it once more, to nowhere, checking every member.
    private static func verifyGzipTrailer(path: String, descriptor: Int32, streamEnd: Int64, check: Walk.GzipCheck)
        -> InputProblem?
    {
        guard streamEnd >= 18 else { return nil }
        var trailer = [UInt8](repeating: 0, count: 8)
        guard trailer.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, 8, off_t(streamEnd - 8)) }) == 8 else {
            return nil
        }
        func littleEndian(_ offset: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(trailer[offset + $1]) << (8 * $1) }
        }
        let damage: String
        if littleEndian(4) == UInt32(truncatingIfNeeded: check.length) {
            guard littleEndian(0) != check.crc else { return nil }
            damage = "incorrect data check"
        } else {
            guard let message = StreamSalvager.gzipDamage(path: path) else { return nil }
            damage = message
        }
        return integrityProblem(damage)
    }

    /// A gzip member whose trailer does not match its content: every byte was read, but not as written.
    private static func integrityProblem(_ damage: String) -> InputProblem {
        InputProblem(kind: .corrupt, message: "gzip integrity check failed (\(damage)): the content was altered "
            + "after it was compressed; every record was analyzed as it reads, but some may be damaged or changed")
    }

    static func kind(of message: String) -> InputProblem.Kind {
        let lowered = message.lowercased()
        // liblzma's "No progress is possible" is what a cut-off .xz gives.
        if lowered.contains("truncat") || lowered.contains("premature") || lowered.contains("unexpected end")
            || lowered.contains("no progress is possible") {
            return .truncated
        }
        return .corrupt
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The recursive walk over the entries of one archive and the archives inside it.
private struct Walk {
    let path: String
    let limits: ReadLimits
    let sink: any MemberSink
    /// The bytes of the file read from disk so far (libarchive reads ahead: never less than it consumed).
    let fileBytesRead: () -> Int64
    var members: [MemberReadResult] = []
    var problems: [InputProblem] = []
    /// Decompressed bytes of every member so far, archives inside archives included.
    private var decompressedTotal: Int64 = 0
    /// Past the expansion limit, nothing more of the file is read, at any nesting level.
    private var overExpanded = false

    /// The CRC-32 and length of a plain `.gz` file's content, to check against its trailer.
    struct GzipCheck {
        var crc: UInt32 = 0
        var length: Int64 = 0

        mutating func add(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            crc = UInt32(crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
            length += Int64(bytes.count)
        }
    }

    /// Set while a plain `.gz` file reads without failing.
    private(set) var gzipCheck: GzipCheck?
    /// Whether a plain `.gz` file's CRC-32 is computed here: not when ISA-L checks it while inflating.
    private let checksGzipTrailer: Bool

    init(path: String, limits: ReadLimits, sink: any MemberSink, fileBytesRead: @escaping () -> Int64,
         checksGzipTrailer: Bool) {
        self.path = path
        self.limits = limits
        self.sink = sink
        self.fileBytesRead = fileBytesRead
        self.checksGzipTrailer = checksGzipTrailer
    }

    /// A problem when the file's content has grown past the expansion limit.
    private mutating func expansionProblem(adding count: Int, member: String?) -> InputProblem? {
        decompressedTotal += Int64(count)
        guard limits.maximumExpansion > 0, decompressedTotal >= limits.expansionCheckedFrom else { return nil }
        let fileBytes = max(1, fileBytesRead())
        guard decompressedTotal / fileBytes >= Int64(limits.maximumExpansion) else { return nil }
        return InputProblem(
            kind: .expansionLimit, member: member,
            message: "decompresses to more than \(limits.maximumExpansion)× its size "
                + "(\(ByteCount(decompressedTotal)) from \(ByteCount(fileBytes))): a decompression bomb or a mislabelled file; "
                + "reading stopped there, every record before it was analyzed (--max-expansion raises the limit)")
    }

    /// Reads every entry of `handle`. Returns whether the archive ended cleanly.
    mutating func readEntries(of handle: LibarchiveHandle, depth: Int, prefix: String?) -> Bool {
        // A run of failed headers is one problem: libarchive's tar reader steps over a damaged header
        // one 512-byte block at a time until it finds the next good one, so the entries after the
        // damage are still read. Only failures that do not move the stream on are given up on.
        var failedHeaders = 0
        var stalledFailures = 0
        var lastFailurePosition: Int64 = -1
        while !overExpanded {
            switch handle.nextHeader() {
            case .end:
                return true
            case let .fatal(message):
                problems.append(InputProblem(kind: ArchiveReader.kind(of: message), member: prefix, message: message))
                return false
            case let .failedEntry(message):
                let position = handle.formatBytesConsumed
                stalledFailures = position == lastFailurePosition ? stalledFailures + 1 : 0
                lastFailurePosition = position
                failedHeaders += 1
                if failedHeaders == 1 {
                    problems.append(InputProblem(kind: .corrupt, member: prefix, message: message))
                } else {
                    problems[problems.count - 1].message = "\(message) (\(failedHeaders) unreadable headers skipped)"
                }
                if stalledFailures >= 2 { return false }
            case let .entry(name, isRegularFile, _):
                failedHeaders = 0
                let isContainer = handle.container != "plain"
                guard isRegularFile, !(isContainer && Self.isHidden(entryPath: name)) else { continue }
                let memberName = isContainer ? (prefix.map { "\($0)!\(name)" } ?? name) : prefix
                if !readEntry(of: handle, depth: depth, name: memberName, compressions: handle.compressions) {
                    return false
                }
            }
        }
        return false
    }

    /// Reads the current entry, descending into it when it is an archive itself.
    /// Returns `false` when the outer stream is broken and no further entry can be read.
    private mutating func readEntry(of handle: LibarchiveHandle, depth: Int, name: String?, compressions: [String])
        -> Bool
    {
        let first: UnsafeRawBufferPointer
        switch handle.nextBlock() {
        case .end:
            return true
        case let .failed(message):
            problems.append(InputProblem(kind: ArchiveReader.kind(of: message), member: name, message: message))
            return false
        case let .data(block):
            first = block
        }
        if ArchiveSignature.isArchiveOrCompressed(first) {
            guard depth + 1 < limits.maximumNesting else {
                problems.append(InputProblem(
                    kind: .nestingTooDeep, member: name,
                    message: "archive nested more than \(limits.maximumNesting) levels deep; not opened"))
                return true
            }
            let inner = LibarchiveHandle()
            let source = EntryByteSource(parent: handle, firstBlock: first)
            if let message = inner.open(source) {
                problems.append(InputProblem(kind: ArchiveReader.kind(of: message), member: name, message: message))
                return source.failure == nil
            }
            _ = readEntries(of: inner, depth: depth + 1, prefix: name)
            noteDataWarning(handle.takeDataWarning(), member: name)
            return source.failure == nil
        }
        // A file that is one compressed stream can be decoded again directly if it breaks.
        let salvageable = depth == 0 && handle.container == "plain" && compressions.count == 1
            && StreamSalvager.canSalvage(compressions[0])
        return readText(of: handle, name: name, first: first, compressions: compressions, salvageable: salvageable)
    }

    private mutating func readText(of handle: LibarchiveHandle, name: String?, first: UnsafeRawBufferPointer,
                                   compressions: [String], salvageable: Bool) -> Bool
    {
        // An Avro container (Event Hubs Capture) is unwrapped to one line per record on the way.
        let avro = AvroRecordSink.isContainer(first) ? AvroRecordSink(next: sink) : nil
        let sink: any MemberSink = avro ?? self.sink
        sink.beginMember(index: members.count, name: name, compressions: compressions + (avro.map { _ in ["avro"] } ?? []))
        var decompressed = Int64(first.count)
        sink.consume(first)
        var failure: String?
        var expansion = expansionProblem(adding: first.count, member: name)
        var check = checksGzipTrailer && salvageable && compressions == ["gzip"] ? GzipCheck() : nil
        check?.add(first)
        reading: while expansion == nil {
            switch handle.nextBlock() {
            case let .data(block):
                decompressed += Int64(block.count)
                sink.consume(block)
                check?.add(block)
                expansion = expansionProblem(adding: block.count, member: name)
            case .end:
                break reading
            case let .failed(message):
                failure = message
                break reading
            }
        }
        if failure == nil && expansion == nil { gzipCheck = check }
        var salvaged: Int64 = 0
        if failure != nil && salvageable {
            salvaged = StreamSalvager.salvage(path: path, compression: compressions[0], skipping: decompressed) {
                sink.consume($0)
            }
            decompressed += salvaged
        }
        let warning = handle.takeDataWarning()
        if let problem = sink.endMember(damaged: failure != nil || warning != nil || expansion != nil) { problems.append(problem) }
        problems += avro?.laterProblems ?? []
        members.append(MemberReadResult(name: name, compressions: compressions + (avro.map { [$0.encoding] } ?? []),
                                        decompressedBytes: decompressed))
        if let expansion {
            problems.append(expansion)
            overExpanded = true
            return false
        }
        if failure == nil { noteDataWarning(warning, member: name) }
        if let failure {
            problems.append(InputProblem(
                kind: ArchiveReader.kind(of: failure), member: name,
                message: ArchiveReader.damageMessage(failure, decompressed: decompressed, salvaged: salvaged,
                                                     compression: compressions.first ?? "")))
            return false
        }
        return true
    }

    /// A warning given with an entry's data (a zip entry's bad CRC) means the entry is damaged,
    /// though every byte of it was read: the report must say so.
    private mutating func noteDataWarning(_ warning: String?, member: String?) {
        guard let warning else { return }
        problems.append(InputProblem(
            kind: .corrupt, member: member,
            message: "\(warning); the member was analyzed, but records in it may be damaged or missing"))
    }

    /// Hidden entries and macOS resource forks (`__MACOSX/`, `._name`) are not logs.
    private static func isHidden(entryPath: String) -> Bool {
        entryPath.split(separator: "/").contains { $0.hasPrefix(".") || $0 == "__MACOSX" }
    }
}
