import CISAL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Inflates a `.gz` input file with ISA-L and hands libarchive the content, so that libarchive reads
/// what is inside (plain text, a tar, a zstd stream) as it would behind its own gzip filter, and
/// everything after it is unchanged. ISA-L inflates about twice as fast as zlib, and on one `.gz`
/// the reader thread is bound by inflate.
///
/// Only the input file itself comes through here: gzip inside an archive stays libarchive's, whose
/// walk over nested entries (and their damage) this source would otherwise have to mirror.
///
/// Like `gzip -dc`: concatenated members are one stream; bytes after the last member that do not
/// start a gzip header end it (``compressedStreamEnd`` says where, for the trailing-data check);
/// every member's CRC-32 and length are checked against its trailer, and a mismatch, which loses no
/// byte, is kept in ``integrityDamage`` instead of failing the read. Damage fails the read after
/// every byte inflated before it was handed on.
final class GzipInflatingSource: ByteSource {
    private let file: FileByteSource
    private let state: UnsafeMutablePointer<inflate_state>
    private let output: UnsafeMutableRawPointer
    private let capacity: Int
    private var fileEnded = false
    /// Where in the file the member being inflated starts, and how many members have started.
    private var memberStart: Int64 = 0
    private var membersStarted = 1
    private var streamEnd: Int64?
    private var failure: String?

    /// zlib's words for the first member whose trailer does not match its content
    /// (`incorrect data check`, `incorrect length check`), if any.
    private(set) var integrityDamage: String?

    /// `file` must be at its start, and the file must start with the gzip magic number.
    init(file: FileByteSource, blockSize: Int) {
        self.file = file
        capacity = blockSize
        output = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 64)
        state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
        isal_inflate_init(state)
        // ISA-L parses each member's header and checks its trailer.
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit {
        state.deallocate()
        output.deallocate()
    }

    override var undoneCompressions: [String] { ["gzip"] }

    /// 0 until the stream has ended: libarchive may stop reading before (at a tar's end), and then
    /// nothing is known to follow the stream.
    override var compressedStreamEnd: Int64? { streamEnd ?? 0 }

    override var failureMessage: String? { failure }

    /// File bytes ISA-L has consumed (it keeps no partial byte at a member's end).
    private var consumed: Int64 { file.bytesRead - Int64(state.pointee.avail_in) }

    override func nextBlock() -> (start: UnsafeRawPointer?, count: Int) {
        while failure == nil && streamEnd == nil {
            if state.pointee.avail_in == 0 && !fileEnded && !refill() { break }
            let consumedBefore = consumed
            state.pointee.next_out = output.assumingMemoryBound(to: UInt8.self)
            state.pointee.avail_out = UInt32(capacity)
            let status = isal_inflate(state)
            let produced = capacity - Int(state.pointee.avail_out)
            if state.pointee.block_state == ISAL_BLOCK_FINISH
                && (status == ISAL_DECOMP_OK || status == ISAL_INCORRECT_CHECKSUM)
            {
                if status == ISAL_INCORRECT_CHECKSUM { noteTrailerMismatch() }
                if !startNextMember() { streamEnd = consumed }
            } else if status != ISAL_DECOMP_OK {
                stop(Self.describe(status))
            } else if produced == 0 && state.pointee.avail_in == 0 && fileEnded {
                // libarchive's words for the same.
                stop("truncated gzip input")
            } else if produced == 0 && consumed == consumedBefore {
                // ISA-L takes all the input it is given; this guards against a loop, never expected.
                stop("gzip decompression failed (no progress)")
            }
            if produced > 0 { return (UnsafeRawPointer(output), produced) }
        }
        return failure == nil ? (UnsafeRawPointer(output), 0) : (nil, -1)
    }

    /// Gives ISA-L the next block of the file. Returns `false` when the read failed.
    private func refill() -> Bool {
        let block = file.nextBlock()
        guard block.count >= 0 else {
            failure = "read failed: \(ArchiveReader.describe(file.readError))"
            return false
        }
        fileEnded = block.count == 0
        state.pointee.next_in = UnsafeMutablePointer(mutating: block.start?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(block.count)
        return true
    }

    /// After a member's trailer: a gzip header next starts another member of the same log (logrotate
    /// appends, `cat a.gz b.gz`). Returns whether one does.
    private func startNextMember() -> Bool {
        if state.pointee.avail_in == 0 && !fileEnded && !refill() { return false }
        guard state.pointee.avail_in > 0, let next = state.pointee.next_in, next[0] == 0x1F,
              state.pointee.avail_in == 1 || next[1] == 0x8B else { return false }
        memberStart = consumed
        membersStarted += 1
        // Keeps next_in and avail_in; the flag is set again, as igzip's own command does.
        isal_inflate_reset(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        return true
    }

    /// Damage ends the stream. In the header of a later member (ISA-L has not finished reading it), it
    /// is no member at all: the stream ended before it, and those bytes are trailing data, as
    /// libarchive and zlib see them.
    private func stop(_ message: String) {
        if membersStarted > 1 && state.pointee.wrapper_flag == 0 {
            streamEnd = memberStart
        } else {
            failure = message
        }
    }

    /// ISA-L compares the trailer's CRC-32 and length together; zlib, whose words the report uses,
    /// names the CRC first.
    private func noteTrailerMismatch() {
        guard integrityDamage == nil else { return }
        var stored: UInt32 = 0
        let count = withUnsafeMutableBytes(of: &stored) { pread(file.descriptor, $0.baseAddress, 4, off_t(consumed - 8)) }
        integrityDamage = count == 4 && UInt32(littleEndian: stored) == state.pointee.crc
            ? "incorrect length check" : "incorrect data check"
    }

    private static func describe(_ status: Int32) -> String {
        let damage = switch status {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid lookback distance"
        case ISAL_INVALID_WRAPPER: "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: "unknown compression method"
        case ISAL_INCORRECT_CHECKSUM: "incorrect header check"
        default: "ISA-L error \(status)"
        }
        return "gzip decompression failed (\(damage))"
    }
}
