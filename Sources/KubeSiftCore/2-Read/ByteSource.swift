import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a ``LibarchiveHandle`` gets its compressed bytes: a file, a member of an outer archive, or a
/// file the source inflates itself.
class ByteSource {
    /// The next block of input; an empty block at the end, a negative count on error.
    func nextBlock() -> (start: UnsafeRawPointer?, count: Int) { (nil, 0) }

    /// The compressions the source undoes before libarchive sees its bytes, outermost first.
    var undoneCompressions: [String] { [] }

    /// Where in the file the stream the source undoes ended; `nil` when libarchive decompresses.
    var compressedStreamEnd: Int64? { nil }

    /// Why `nextBlock` failed, when the source knows: libarchive says nothing useful about a failed read.
    var failureMessage: String? { nil }
}

/// Reads an input file with a fixed buffer and computes its SHA-256 in the same pass.
final class FileByteSource: ByteSource {
    let descriptor: Int32
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var hasher = SHA256()
    private let progress: ProgressCounters?
    private(set) var bytesRead: Int64 = 0
    private(set) var readError: Int32 = 0
    private(set) var reachedEnd = false

    init(descriptor: Int32, blockSize: Int, progress: ProgressCounters?) {
        self.descriptor = descriptor
        self.capacity = blockSize
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 64)
        self.progress = progress
    }

    deinit { buffer.deallocate() }

    override func nextBlock() -> (start: UnsafeRawPointer?, count: Int) {
        while true {
            let count = read(descriptor, buffer, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                readError = errno
                return (nil, -1)
            }
            if count == 0 { reachedEnd = true }
            let block = UnsafeRawBufferPointer(start: buffer, count: count)
            hasher.update(bufferPointer: block)
            bytesRead += Int64(count)
            progress?.addInputBytes(count)
            return (UnsafeRawPointer(buffer), count)
        }
    }

    /// Reads whatever the decompressor left unread, so the hash covers the whole file.
    func drain() {
        while !reachedEnd && readError == 0 { _ = nextBlock() }
    }

    /// The SHA-256 of every byte read, in lowercase hex.
    func finalizeDigest() -> String {
        hasher.finalize().lowercaseHex
    }
}

/// Feeds a nested archive from the current entry of its parent, starting with a block already
/// read to sniff the entry's type. No temporary file: the inner archive streams from the outer.
final class EntryByteSource: ByteSource {
    private let parent: LibarchiveHandle
    private var pending: UnsafeRawBufferPointer?
    private(set) var failure: String?

    init(parent: LibarchiveHandle, firstBlock: UnsafeRawBufferPointer) {
        self.parent = parent
        self.pending = firstBlock
    }

    override func nextBlock() -> (start: UnsafeRawPointer?, count: Int) {
        if let block = pending {
            pending = nil
            return (block.baseAddress, block.count)
        }
        switch parent.nextBlock() {
        case let .data(block): return (block.baseAddress, block.count)
        case .end: return (nil, 0)
        case let .failed(message):
            failure = message
            return (nil, -1)
        }
    }
}
