import Crypto
import Foundation

/// A bundle's `requests.bin` as the merge reads it: not loaded, but streamed a block at a time by
/// ``RequestStream``, so that the merge's memory for requests grows with the number of bundles, not
/// with the number of requests.
package struct RequestFile: Sendable {
    package var path: String
    package var count: Int
    /// The SHA-256 the manifest gives: checked when the bundle is read, and again as the merge streams
    /// the file, so that a file changed in between is refused too.
    var sha256: String
    /// The listing indices the shard read: a record of any other input is not followed.
    var ownFiles: Set<Int>
    /// When the content was restricted to part of the listing (one cluster): the new index of each
    /// listing index, -1 for the inputs left out.
    var positions: [Int]?

    /// Checks the file's header, size and SHA-256, in blocks, without holding it.
    ///
    /// - Throws: ``ShardBundleError`` when the file is missing, not a `requests.bin`, or not the one
    ///   the manifest names.
    static func open(_ path: String, directory: String, sha256 expected: String?, ownFiles: Set<Int>)
        throws(ShardBundleError) -> RequestFile
    {
        let name = (path as NSString).lastPathComponent
        guard let reader = BlockReader(path) else { throw .unreadable(directory, name) }
        var hasher = SHA256()
        var header: [UInt8] = []
        var size = 0
        while true {
            guard let block = reader.read(1 << 20) else { throw .unreadable(directory, name) }
            if block.isEmpty { break }
            hasher.update(data: block)
            if header.count < RequestRecordCodec.headerBytes { header += block.prefix(RequestRecordCodec.headerBytes - header.count) }
            size += block.count
        }
        guard let expected, hasher.finalize().lowercaseHex == expected else { throw .checksumMismatch(directory, name) }
        let count = try RequestRecordCodec.recordCount(header: header, fileSize: size, name: path)
        return RequestFile(path: path, count: count, sha256: expected, ownFiles: ownFiles)
    }

    /// Restricted further to `position` (old index → new index): composed with an earlier restriction.
    mutating func restrict(to position: [Int: Int], listingCount: Int) {
        let current = positions ?? Array(0..<listingCount)
        positions = current.map { $0 >= 0 ? position[$0] ?? -1 : -1 }
    }
}

/// One shard's request records in index order (``RequestRecord/precedes``), from memory or from its
/// bundle's `requests.bin` a block at a time, each checked as it comes: a key inside its table, an
/// input the shard read, the order the merge relies on. At the end of a file its SHA-256 is checked
/// once more.
final class RequestStream {
    /// Rows read at a time by default: 256 KiB per bundle.
    static let defaultBlockRows = 4_096

    private let name: String
    private let keyCounts: [Int]
    private let ownFiles: Set<Int>
    private let positions: [Int]?
    private var block: [RequestRecord]
    private var position = 0
    private var previous: RequestRecord?
    private var index = 0
    private let file: (reader: BlockReader, expected: String)?
    private var remaining: Int
    private var hasher = SHA256()
    private let blockRows: Int

    /// - Parameters:
    ///   - label: what error messages call a shard whose records are in memory.
    ///   - blockRows: how many rows of a file to read and hold at a time.
    init(_ content: ShardContent, label: String, blockRows: Int = defaultBlockRows) throws(ShardBundleError) {
        self.blockRows = max(1, blockRows)
        keyCounts = content.keyTexts.map(\.count)
        guard keyCounts.count == ActivityAccumulator.keyedDimensions.count else {
            throw .malformed(label, "it has \(keyCounts.count) key tables, not \(ActivityAccumulator.keyedDimensions.count)")
        }
        if let source = content.requestFile {
            guard let reader = BlockReader(source.path) else {
                throw .unreadable((source.path as NSString).deletingLastPathComponent, (source.path as NSString).lastPathComponent)
            }
            name = source.path
            ownFiles = source.ownFiles
            positions = source.positions
            block = []
            file = (reader, source.sha256)
            remaining = source.count
            // The header, already checked, still counts in the SHA-256.
            guard let header = reader.read(RequestRecordCodec.headerBytes), header.count == RequestRecordCodec.headerBytes else {
                throw .malformed(name, "it was cut short while the merge read it")
            }
            hasher.update(data: header)
        } else {
            name = label
            ownFiles = Set(content.assigned)
            positions = nil
            block = content.requests
            file = nil
            remaining = 0
        }
    }

    /// The next record, or nil after the last.
    func next() throws(ShardBundleError) -> RequestRecord? {
        while true {
            if position == block.count {
                guard try refill() else { return nil }
            }
            var record = block[position]
            position += 1
            guard let positions else { return record }
            let moved = positions[record.file]
            if moved < 0 { continue }
            record.file = moved
            return record
        }
    }

    /// Reads and checks the next block; false at the end.
    private func refill() throws(ShardBundleError) -> Bool {
        guard let file, remaining > 0 else {
            if let file {
                guard hasher.finalize().lowercaseHex == file.expected else {
                    throw .malformed(name, "it changed while the merge read it (its SHA-256 no longer matches the manifest)")
                }
            }
            return false
        }
        let rows = min(remaining, blockRows)
        guard let bytes = file.reader.read(rows * RequestRecordCodec.recordBytes),
              bytes.count == rows * RequestRecordCodec.recordBytes else {
            throw .malformed(name, "it was cut short while the merge read it")
        }
        hasher.update(data: bytes)
        remaining -= rows
        block = try RequestRecordCodec.decode(bytes, rows: rows, keyCounts: keyCounts, firstIndex: index, name: name)
        position = 0
        for record in block { try check(record) }
        return true
    }

    private func check(_ record: RequestRecord) throws(ShardBundleError) {
        defer {
            previous = record
            index += 1
        }
        guard ownFiles.contains(record.file), positions.map({ record.file < $0.count }) ?? true else {
            throw .malformed(name, "request \(index) is of input \(record.file), which the shard did not read")
        }
        // The merge joins copies of a request by walking every shard's records in order.
        if let previous, RequestRecord.precedes(record, previous) {
            throw .malformed(name, "request \(index) is out of index order")
        }
    }
}

/// A file read sequentially in blocks, closed when released.
final class BlockReader {
    private let descriptor: Int32

    init?(_ path: String) {
        descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes (fewer only at the end of the file); nil on a read error.
    func read(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }
}
