/// The chunk stage alone, for the fuzz target: the chunker fed bytes in blocks of one size, as a
/// reader would, with every way of copying a document's records this CPU has.
package enum ChunkStage {
    /// Whether the window copies (``DocumentSplitter/RecordCopy``) cut `bytes` exactly as the byte
    /// loop does: the same records, layouts, line counts and skips, output by output.
    package static func windowCopiesAgree(_ bytes: UnsafeRawBufferPointer, blockSize: Int, targetBytes: Int,
                                          maximumRecordBytes: Int) -> Bool
    {
        func outputs(_ copy: DocumentSplitter.RecordCopy) -> [String] {
            var chunker = LineChunker(targetBytes: targetBytes, maximumRecordBytes: maximumRecordBytes, makeBuffer: { [] })
            chunker.recordCopy = copy
            var outputs: [String] = []
            func keep(_ output: LineChunker.Output) {
                outputs.append("\(output.bytes) \(output.layout) \(output.skips) \(output.skippedLines)")
            }
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + max(1, blockSize), bytes.count)
                chunker.consume(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), emit: keep)
                offset = end
            }
            _ = chunker.finish(emit: keep)
            return outputs
        }
        let reference = outputs(.bytes)
        return DocumentSplitter.RecordCopy.available.allSatisfy { outputs($0) == reference }
    }
}
