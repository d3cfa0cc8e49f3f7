#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes every record of a ``Chunk``: hands each audit event on, and each record it cannot use
/// on with its reason, so that `records = events + skips` always adds up.
struct ChunkDecoder {
    private let decoder = NativeEventDecoder()

    /// - Returns: how many lines of the member the chunk accounts for (its lines, or for records split
    ///   out of a document, the document lines they span).
    func decode(
        _ chunk: Chunk,
        event: (inout ScannedEvent, UnsafePointer<UInt8>, ChunkLine) -> Void,
        skip: (SkipReason, ChunkLine) -> Void
    ) -> Int {
        for skipped in chunk.skips { skip(skipped.reason, skipped.line) }
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
                decodeRecord(base, lineStart, lineEnd, location: location, event: event, skip: skip)
                lineStart = lineEnd + 1
            }
            return lineNumber
        }
        if case let .records(_, spannedLines) = chunk.layout { return spannedLines }
        return lines + chunk.skippedLines
    }

    @inline(__always)
    private func decodeRecord(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, location: ChunkLine,
        event: (inout ScannedEvent, UnsafePointer<UInt8>, ChunkLine) -> Void,
        skip: (SkipReason, ChunkLine) -> Void
    ) {
        var first = start
        var last = end
        while first < last, LineChunker.isWhitespace(base[first]) { first += 1 }
        while last > first, LineChunker.isWhitespace(base[last - 1]) { last -= 1 }
        guard first < last else { return }
        // A crash can leave a run of NUL bytes where writes never landed, with the next write glued
        // after it: the run is counted as damage, and the record after it is still decoded.
        if base[first] == 0 {
            skip(.notJSON, location)
            while first < last, base[first] == 0 || LineChunker.isWhitespace(base[first]) { first += 1 }
            guard first < last else { return }
        }
        guard UTF8Check.isValid(base + first, last - first) else {
            skip(.invalidUTF8, location)
            return
        }
        let outcome = decoder.decode(base, start: first, end: last) { scanned in
            event(&scanned, base, location)
        }
        if case let .failure(reason) = outcome { skip(reason, location) }
    }
}

/// The decode stage alone, for the benchmark: how fast bytes become events, without the stages after.
package enum DecodeStage {
    /// Decodes every record of `bytes` (whole lines) and returns the events and skipped records.
    package static func countEvents(in bytes: [UInt8]) -> (events: Int, skipped: Int) {
        var events = 0
        var skipped = 0
        let chunk = Chunk(member: MemberKey(file: 0, member: 0), sequence: 0, bytes: bytes, layout: .lines, skips: [],
                          skippedLines: 0)
        _ = ChunkDecoder().decode(chunk, event: { _, _, _ in events += 1 }, skip: { _, _ in skipped += 1 })
        return (events, skipped)
    }
}
