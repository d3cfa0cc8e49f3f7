/// Connects the read stage to the chunk stage on a reader thread: cuts each member the reader
/// streams into chunks and queues them for the decoders (waiting when they are behind).
final class ChunkFeeder: MemberSink {
    private let file: Int
    private let options: AnalysisOptions
    private let queue: WorkQueue<Chunk>
    private let pool: BufferPool
    private let progress: ProgressCounters?
    private var chunker: LineChunker?
    private var member = 0
    private var memberName: String?
    private var sequence = 0
    /// With a state, for the file's own text (not an archive's entries): what was read before is skipped.
    private var cursor: ResumeCursor?
    private var compressed = false
    /// Where the cursor found the member, and where it leaves it.
    private(set) var resume: (position: ReadPosition?, skipped: ReadPosition?)?

    init(file: Int, options: AnalysisOptions, queue: WorkQueue<Chunk>, pool: BufferPool, progress: ProgressCounters?) {
        self.file = file
        self.options = options
        self.queue = queue
        self.pool = pool
        self.progress = progress
    }

    func beginMember(index: Int, name: String?, compressions: [String]) {
        member = index
        memberName = name
        sequence = 0
        let pool = self.pool
        chunker = LineChunker(targetBytes: options.chunkBytes, maximumRecordBytes: options.maximumRecordBytes,
                              forcedFormat: options.format, makeBuffer: { pool.take() })
        if let points = options.resumePoints, index == 0, name == nil {
            cursor = ResumeCursor(points: points, maximumHeldBytes: options.maximumRecordBytes)
            compressed = !compressions.isEmpty
        }
    }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        progress?.addDecompressedBytes(bytes.count)
        guard cursor != nil else {
            chunker?.consume(bytes, emit: enqueue)
            return
        }
        cursor!.consume(bytes) { chunker?.consume($0, emit: enqueue) }
    }

    func endMember(damaged: Bool) -> InputProblem? {
        if cursor != nil {
            // An uncompressed file may grow; a compressed one cut short may be being written.
            resume = cursor!.finish(isFinal: compressed && !damaged) { chunker?.consume($0, emit: enqueue) }
            cursor = nil
        }
        guard var chunker else { return nil }
        let format = chunker.finish(emit: enqueue)
        self.chunker = nil
        guard format == .notAuditData else { return nil }
        return InputProblem(kind: .notAuditData, member: memberName,
                            message: "no audit records in its first \(LineChunker.sniffBytes >> 10) KiB; skipped as not audit data")
    }

    private func enqueue(_ output: LineChunker.Output) {
        queue.push(Chunk(member: MemberKey(file: file, member: member), sequence: sequence, bytes: output.bytes,
                         layout: output.layout, skips: output.skips, skippedLines: output.skippedLines,
                         format: options.format))
        sequence += 1
    }
}
