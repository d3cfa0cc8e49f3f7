#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes every record of a ``Chunk``: hands each audit event on, and each record it cannot use
/// (or passes over) on with its reason, so that records add up to events, skips and pass-overs.
struct ChunkDecoder {
    private let records = RecordDecoder()

    /// - Returns: how many lines of the member the chunk accounts for (its lines, or for records split
    ///   out of a document, the document lines they span).
    func decode(
        _ chunk: Chunk,
        event: (inout ScannedEvent, UnsafePointer<UInt8>, ChunkLine) -> Void,
        note: (RecordNote, SourceFormat, ChunkLine) -> Void
    ) -> Int {
        records.reset()
        records.forced = chunk.format
        var piecesStart = ChunkLine.local(0)
        let lines = chunk.bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            let count = buffer.count
            var lineStart = 0
            var lineNumber = 0
            while lineStart < count {
                let newline = memchr(base + lineStart, 0x0A, count - lineStart)
                let lineEnd = newline.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
                lineNumber += 1
                let location: ChunkLine
                switch chunk.layout {
                case .lines: location = .local(lineNumber)
                case let .records(startLines, _): location = .absolute(startLines[lineNumber - 1])
                }
                // The pieces of a split line are one record, found on the line of the first piece.
                if records.isHoldingPieces, !LinePrefix.continuesPieces(base, start: lineStart, end: lineEnd) {
                    flushPieces(at: piecesStart, event: event, note: note)
                }
                let holding = records.isHoldingPieces
                decodeRecord(base, lineStart, lineEnd, location: holding ? piecesStart : location, event: event,
                             note: note)
                if records.isHoldingPieces && !holding { piecesStart = location }
                lineStart = lineEnd + 1
            }
            return lineNumber
        }
        flushPieces(at: piecesStart, event: event, note: note)
        let format = records.currentFormat
        for skipped in chunk.skips { note(.skipped(skipped.reason), format, skipped.line) }
        if case let .records(_, spannedLines) = chunk.layout { return spannedLines }
        return lines + chunk.skippedLines
    }

    private func flushPieces(
        at location: ChunkLine, event: (inout ScannedEvent, UnsafePointer<UInt8>, ChunkLine) -> Void,
        note: (RecordNote, SourceFormat, ChunkLine) -> Void
    ) {
        records.flushPieces(emit: { event(&$0, $1, location) }, note: { note($0, $1, location) })
    }

    @inline(__always)
    private func decodeRecord(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, location: ChunkLine,
        event: (inout ScannedEvent, UnsafePointer<UInt8>, ChunkLine) -> Void,
        note: (RecordNote, SourceFormat, ChunkLine) -> Void
    ) {
        var first = start
        var last = end
        while first < last, LineChunker.isWhitespace(base[first]) { first += 1 }
        while last > first, LineChunker.isWhitespace(base[last - 1]) { last -= 1 }
        guard first < last else { return }
        // A crash can leave a run of NUL bytes where writes never landed, with the next write glued
        // after it: the run is counted as damage, and the record after it is still decoded.
        if base[first] == 0 {
            note(.skipped(.notJSON), records.currentFormat, location)
            while first < last, base[first] == 0 || LineChunker.isWhitespace(base[first]) { first += 1 }
            guard first < last else { return }
        }
        guard UTF8Check.isValid(base + first, last - first) else {
            note(.skipped(.invalidUTF8), records.currentFormat, location)
            return
        }
        records.decode(base, start: first, end: last, emit: { event(&$0, $1, location) },
                       note: { note($0, $1, location) })
    }
}

/// The decode stage alone, for the benchmark: how fast bytes become events, without the stages after.
package enum DecodeStage {
    /// Decodes every record of `bytes` (whole lines, in any format) and returns the events and
    /// skipped records.
    package static func countEvents(in bytes: [UInt8]) -> (events: Int, skipped: Int) {
        var events = 0
        var skipped = 0
        let chunk = Chunk(member: MemberKey(file: 0, member: 0), sequence: 0, bytes: bytes, layout: .lines, skips: [],
                          skippedLines: 0)
        _ = ChunkDecoder().decode(chunk, event: { _, _, _ in events += 1 }, note: { note, _, _ in
            if case .skipped = note { skipped += 1 }
        })
        return (events, skipped)
    }
}
