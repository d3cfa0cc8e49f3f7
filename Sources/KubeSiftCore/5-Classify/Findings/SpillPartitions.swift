import Foundation

/// Records sorted into partitions, held in memory up to a budget and written to a temporary file
/// past it, then taken back one partition at a time.
///
/// What correlations count (about 100,000 rule matches per GB of a busy cluster's log) would
/// otherwise all be held until the read pass ends, and memory would grow with the input. Records
/// that must meet (a request's stages, a correlation group's requests) go to the same partition, so
/// assembly holds one partition at a time. Under the budget nothing is encoded or written.
///
/// One thread fills it; then threads may take partitions from it at the same time (a lock guards
/// taking, not appending).
final class SpillPartitions<Record>: @unchecked Sendable {
    let partitionCount: Int
    private let budget: Int
    private let encode: ([Record]) -> [UInt8]
    private let decode: ([UInt8]) throws -> [Record]
    /// Set for a view (``reading(_:)``): its records are another store's, which keeps them.
    private let source: (store: SpillPartitions, transform: (Record) -> Record?)?
    private var held: [[Record]]
    private var heldCount = 0
    /// Per partition, the blocks written to `file`, in the order they were written.
    private var blocks: [[Range<Int>]]
    private var file: SpillFile?
    /// Set when the file could not be made or written: records stay in memory from then on.
    private var spillingFailed = false
    private let taking = NSLock()

    /// - Parameters:
    ///   - budget: records held in memory before all partitions are written out.
    ///   - encode: one block of records as bytes; `decode` reads it back.
    init(partitions: Int, budget: Int, encode: @escaping ([Record]) -> [UInt8],
         decode: @escaping ([UInt8]) throws -> [Record]) {
        precondition(partitions > 0)
        partitionCount = partitions
        self.budget = max(1, budget)
        self.encode = encode
        self.decode = decode
        held = Array(repeating: [], count: partitions)
        blocks = Array(repeating: [], count: partitions)
        source = nil
    }

    private init(viewing store: SpillPartitions, transform: @escaping (Record) -> Record?) {
        partitionCount = store.partitionCount
        budget = .max
        encode = { _ in preconditionFailure("a view holds nothing") }
        decode = { _ in preconditionFailure("a view holds nothing") }
        held = []
        blocks = []
        source = (store, transform)
    }

    /// A store whose partitions are this one's, each record passed through `transform` (nil leaves
    /// it out), and which taking leaves here: what lets a merge assemble the same matches more than
    /// once (every cluster together, then each apart).
    func reading(_ transform: @escaping (Record) -> Record? = { $0 }) -> SpillPartitions {
        SpillPartitions(viewing: self, transform: transform)
    }

    /// How many times the records in memory were written out (a view's: its source's).
    var spillCount: Int { source?.store.spillCount ?? spills }
    private var spills = 0

    var isEmpty: Bool { source?.store.isEmpty ?? (heldCount == 0 && blocks.allSatisfy(\.isEmpty)) }

    func append(_ record: consuming Record, to partition: Int) {
        precondition(source == nil, "a view holds nothing")
        held[partition].append(record)
        heldCount += 1
        if heldCount >= budget, !spillingFailed { spill() }
    }

    /// Every record of `partition` (spilled ones first), which the store then no longer holds.
    func take(_ partition: Int) -> [Record] {
        records(in: partition, keeping: false)
    }

    /// Every record of `partition` (spilled ones first), which the store keeps.
    func records(in partition: Int) -> [Record] {
        records(in: partition, keeping: true)
    }

    private func records(in partition: Int, keeping: Bool) -> [Record] {
        if let source { return source.store.records(in: partition).compactMap(source.transform) }
        let (ranges, inMemory) = taking.withLock {
            defer {
                if !keeping {
                    heldCount -= held[partition].count
                    blocks[partition] = []
                    held[partition] = []
                }
            }
            return (blocks[partition], held[partition])
        }
        var records: [Record] = []
        if let file {
            for range in ranges {
                do {
                    records += try decode(file.read(range))
                } catch {
                    // The file is this process's own, unlinked on creation: nothing else can change it.
                    fatalError("kubesift: cannot read back matches spilled to a temporary file: \(error)")
                }
            }
        }
        if records.isEmpty { return inMemory }
        return records + inMemory
    }

    /// A store that never writes to disk (what it holds is in memory already, or bounded).
    static func inMemory(partitions: Int) -> SpillPartitions {
        SpillPartitions(partitions: partitions, budget: .max, encode: { _ in preconditionFailure("never spilled") },
                        decode: { _ in preconditionFailure("never spilled") })
    }

    /// `records` in `partitions` partitions by `partition`, held in memory.
    static func partitioning(_ records: [Record], partitions: Int, by partition: (Record) -> Int) -> SpillPartitions {
        let store = inMemory(partitions: partitions)
        for record in records { store.append(record, to: partition(record)) }
        return store
    }

    /// Every record, partition by partition; the store is then empty.
    func takeAll() -> [Record] {
        (0..<partitionCount).flatMap { take($0) }
    }

    /// Every record, partition by partition; the store keeps them.
    var all: [Record] {
        (0..<partitionCount).flatMap { records(in: $0) }
    }

    private func spill() {
        if file == nil {
            file = SpillFile()
            if file == nil {
                spillingFailed = true
                return
            }
        }
        for partition in held.indices where !held[partition].isEmpty {
            guard let range = file!.append(encode(held[partition])) else {
                spillingFailed = true
                return
            }
            blocks[partition].append(range)
            heldCount -= held[partition].count
            held[partition] = []
        }
        spills += 1
    }
}

/// A temporary file only this process can reach: unlinked as soon as it is opened, so that it
/// disappears with the descriptor whatever way the run ends.
final class SpillFile {
    private let descriptor: Int32
    private var end = 0

    init?(directory: URL = FileManager.default.temporaryDirectory) {
        var template = Array(directory.appendingPathComponent("kubesift-spill-XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Where `bytes` now lie in the file, or nil when they could not all be written (a full disk).
    func append(_ bytes: [UInt8]) -> Range<Int>? {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(end + written)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            written += count
        }
        defer { end += bytes.count }
        return end..<(end + bytes.count)
    }

    func read(_ range: Range<Int>) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < range.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(range.lowerBound + done)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            done += count
        }
        return bytes
    }
}
