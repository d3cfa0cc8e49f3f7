#if arch(x86_64)
import CByteMask
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits one member's decompressed bytes into chunks of whole records that workers decode in parallel.
///
/// It first sniffs the member: JSON lines (the log backend, single-line `EventList` batches, cloud and
/// shipper records, prefixed lines), a pretty-printed document (an `EventList` saved from a webhook,
/// a JSON array, `gcloud`/`aws` output, AKS `records`), JSON values concatenated without newlines
/// (Firehose objects), or no audit data at all. A line longer than the record limit is skipped as it
/// streams past, never held in memory.
struct LineChunker {
    enum Format: Equatable {
        case sniffing
        case lines
        case document
        /// CloudWatch Logs subscription records as Firehose stores them: back to back, no newlines.
        case subscriptionRecords
        case notAuditData
    }

    /// What the chunker hands out: the parts of a ``Chunk`` it decides.
    struct Output {
        var bytes: [UInt8]
        var layout: Chunk.Layout
        var skips: [ChunkSkip]
        var skippedLines: Int
    }

    let targetBytes: Int
    let maximumRecordBytes: Int
    /// The format `--format` gave, which decides what counts as audit data.
    let forcedFormat: SourceFormat?
    private(set) var format = Format.sniffing
    private var buffer: [UInt8]
    private let makeBuffer: () -> [UInt8]

    /// Lines mode: index of the last newline in `buffer`, or -1.
    private var lastNewline = -1
    /// Lines mode: inside a line that is over the limit, dropping bytes until its end.
    private var droppingOverLongLine = false

    private var splitter = DocumentSplitter()
    /// How a document's records are copied (see ``DocumentSplitter/RecordCopy``).
    var recordCopy: DocumentSplitter.RecordCopy {
        get { splitter.recordCopy }
        set { splitter.recordCopy = newValue }
    }

    /// Subscription records: where the search for the next record's start resumes, and the line
    /// the buffer starts on.
    private var searchedUpTo = 0
    private var bufferLine = 1

    static let sniffBytes = 64 << 10

    init(targetBytes: Int, maximumRecordBytes: Int, forcedFormat: SourceFormat? = nil,
         makeBuffer: @escaping () -> [UInt8])
    {
        self.targetBytes = targetBytes
        self.maximumRecordBytes = maximumRecordBytes
        self.forcedFormat = forcedFormat
        self.makeBuffer = makeBuffer
        self.buffer = makeBuffer()
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (Output) -> Void) {
        switch format {
        case .sniffing:
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.sniffBytes { decideFormat(emit: emit) }
        case .lines:
            consumeLines(bytes, emit: emit)
        case .document:
            consumeDocument(bytes, emit: emit)
        case .subscriptionRecords:
            consumeSubscriptionRecords(bytes, emit: emit)
        case .notAuditData:
            break
        }
    }

    /// Flushes the last records. Returns the format the member turned out to have.
    mutating func finish(emit: (Output) -> Void) -> Format {
        if format == .sniffing { decideFormat(emit: emit) }
        switch format {
        case .lines:
            if droppingOverLongLine {
                droppingOverLongLine = false
            } else if !buffer.isEmpty {
                emitBuffer(upTo: buffer.count, emit: emit)
            }
        case .document:
            splitter.finish(into: &buffer)
            flushDocument(final: true, emit: emit)
        case .subscriptionRecords:
            if !buffer.isEmpty { emitRecords(upTo: buffer.count, final: true, emit: emit) }
        case .sniffing, .notAuditData:
            break
        }
        return format
    }

    // MARK: - Sniffing

    private mutating func decideFormat(emit: (Output) -> Void) {
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
        let sniffed = buffer
        buffer = makeBuffer()
        format = Self.format(of: sniffed, forced: forcedFormat)
        sniffed.withUnsafeBytes { consume($0, emit: emit) }
    }

    static func format(of bytes: [UInt8], forced: SourceFormat? = nil) -> Format {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }) else { return .lines }
        switch bytes[first] {
        case UInt8(ascii: "["):
            return .document
        case UInt8(ascii: "{"):
            // A compact record ends its first line with `}`; a pretty-printed one opens with a lone `{`.
            // No newline in the whole sniff: values concatenated on one line (Firehose objects).
            guard let newline = bytes[first...].firstIndex(of: 0x0A) else {
                guard bytes.count >= sniffBytes else { return .lines }
                return bytes[first...].starts(with: subscriptionRecordStart.utf8) ? .subscriptionRecords : .document
            }
            let lastOfLine = bytes[first..<newline].lastIndex(where: { !isWhitespace($0) })
            return lastOfLine.map { bytes[$0] == UInt8(ascii: "}") && $0 > first } == true ? .lines : .document
        default:
            // Junk at the start does not hide the audit events that follow it, nor do line prefixes
            // (container runtime, syslog); a brace in a line of source code or prose does not make
            // a file an audit log.
            return bytes.withUnsafeBufferPointer { buffer in
                let decoder = RecordDecoder(forced: forced)
                var lineStart = 0
                while lineStart < buffer.count {
                    let lineEnd = buffer[lineStart...].firstIndex(of: 0x0A) ?? buffer.count
                    var found = false
                    if UTF8Check.isValid(buffer.baseAddress! + lineStart, lineEnd - lineStart) {
                        decoder.decode(buffer.baseAddress!, start: lineStart, end: lineEnd, emit: { _, _ in found = true },
                                       note: { _, _ in })
                    }
                    if found || decoder.isHoldingPieces { return .lines }
                    lineStart = lineEnd + 1
                }
                return .notAuditData
            }
        }
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    // MARK: - JSON lines

    private mutating func consumeLines(_ bytes: UnsafeRawBufferPointer, emit: (Output) -> Void) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = UnsafeRawBufferPointer(start: base, count: bytes.count)
        if droppingOverLongLine {
            guard let newline = memchr(base, 0x0A, bytes.count) else { return }
            let after = UnsafeRawPointer(newline) - base + 1
            droppingOverLongLine = false
            remaining = UnsafeRawBufferPointer(start: base + after, count: bytes.count - after)
            if remaining.isEmpty { return }
        }
        let appendedAt = buffer.count
        buffer.append(contentsOf: remaining)
        if let newline = remaining.lastIndex(of: 0x0A) { lastNewline = appendedAt + newline }
        if buffer.count >= targetBytes, lastNewline >= 0 {
            if let boundary = recordBoundary(before: lastNewline + 1) {
                emitBuffer(upTo: boundary, emit: emit)
            } else if buffer.count > maximumRecordBytes {
                // Pieces of one split line past the record limit: cut; the decoder counts the damage.
                emitBuffer(upTo: lastNewline + 1, emit: emit)
            }
        }
        if lastNewline < 0, buffer.count > maximumRecordBytes {
            // The line so far is over the limit: drop it and skip the rest of it as it arrives.
            buffer.removeAll(keepingCapacity: true)
            droppingOverLongLine = true
            emit(Output(bytes: [], layout: .lines, skips: [ChunkSkip(reason: .overLong, line: .local(1))],
                        skippedLines: 1))
        }
    }

    /// The end of the last whole record before `end`: a line a container runtime or Docker split
    /// continues on the next line, so a chunk never ends after a piece of it.
    private func recordBoundary(before end: Int) -> Int? {
        buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            var lineEnd = end - 1
            while lineEnd >= 0 {
                var lineStart = lineEnd
                while lineStart > 0, base[lineStart - 1] != 0x0A { lineStart -= 1 }
                if !LinePrefix.continues(base, start: lineStart, end: lineEnd) { return lineEnd + 1 }
                lineEnd = lineStart - 1
            }
            return nil
        }
    }

    private mutating func emitBuffer(upTo end: Int, emit: (Output) -> Void) {
        var next = makeBuffer()
        if end < buffer.count { next.append(contentsOf: buffer[end...]) }
        buffer.removeSubrange(end...)
        let full = buffer
        buffer = next
        lastNewline = -1
        emit(Output(bytes: full, layout: .lines, skips: [], skippedLines: 0))
    }

    // MARK: - Subscription records

    /// How every CloudWatch Logs subscription record begins. It cannot occur inside one (a quote in
    /// a value is escaped), so a chunk can end before it without parsing what comes before.
    static let subscriptionRecordStart = #"{"messageType":""#

    private mutating func consumeSubscriptionRecords(_ bytes: UnsafeRawBufferPointer, emit: (Output) -> Void) {
        buffer.append(contentsOf: bytes)
        while buffer.count >= targetBytes {
            guard let start = nextRecordStart(from: max(searchedUpTo, targetBytes)) else {
                searchedUpTo = max(targetBytes, buffer.count - Self.subscriptionRecordStart.utf8.count)
                if buffer.count > maximumRecordBytes {
                    // One record past the limit: handed on whole would be held whole; dropped instead.
                    emit(Output(bytes: [], layout: .records(startLines: [], spannedLines: 0),
                                skips: [ChunkSkip(reason: .overLong, line: .absolute(bufferLine))], skippedLines: 0))
                    buffer.removeAll(keepingCapacity: true)
                    searchedUpTo = 0
                }
                return
            }
            emitRecords(upTo: start, final: false, emit: emit)
        }
    }

    /// The offset of the first record start at or after `offset` in `buffer`.
    private func nextRecordStart(from offset: Int) -> Int? {
        let marker = Array(Self.subscriptionRecordStart.utf8)
        // `T` of `messageType`: rarer in audit JSON than any other byte of the marker.
        let anchor = 9
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            var index = offset + anchor
            while index < bytes.count {
                guard let found = memchr(base + index, Int32(UInt8(ascii: "T")), bytes.count - index) else { return nil }
                let at = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base - anchor
                if at + marker.count <= bytes.count, memcmp(base + at, marker, marker.count) == 0 { return at }
                index = at + anchor + 1
            }
            return nil
        }
    }

    /// Hands on `buffer[..<end]` as one record line (the decoder reads values back to back); newlines
    /// in it become spaces, and are counted, so that lines add up.
    private mutating func emitRecords(upTo end: Int, final: Bool, emit: (Output) -> Void) {
        var next = makeBuffer()
        if end < buffer.count { next.append(contentsOf: buffer[end...]) }
        buffer.removeSubrange(end...)
        let endsLine = buffer.last == 0x0A
        let newlines = buffer.withUnsafeMutableBufferPointer { bytes -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            var count = 0
            var index = 0
            while index < bytes.count, let found = memchr(base + index, 0x0A, bytes.count - index) {
                let at = UnsafeMutablePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                base[at] = 0x20
                count += 1
                index = at + 1
            }
            return count
        }
        let startLine = bufferLine
        bufferLine += newlines
        let lastLine = final && !endsLine ? 1 : 0
        buffer.append(0x0A)
        let full = buffer
        buffer = next
        searchedUpTo = 0
        emit(Output(bytes: full, layout: .records(startLines: [startLine], spannedLines: newlines + lastLine),
                    skips: [], skippedLines: 0))
    }

    // MARK: - Documents

    private mutating func consumeDocument(_ bytes: UnsafeRawBufferPointer, emit: (Output) -> Void) {
        var offset = 0
        while offset < bytes.count {
            offset = splitter.split(bytes, from: offset, into: &buffer, maximumRecordBytes: maximumRecordBytes,
                                    stopAfter: targetBytes)
            if buffer.count >= targetBytes && !splitter.isInsideRecord { flushDocument(emit: emit) }
        }
    }

    private mutating func flushDocument(final: Bool = false, emit: (Output) -> Void) {
        let spanned = splitter.takeSpannedLines(final: final)
        let output = Output(bytes: buffer, layout: .records(startLines: splitter.recordStartLines, spannedLines: spanned),
                            skips: splitter.skips, skippedLines: 0)
        splitter.resetEmitted()
        buffer = makeBuffer()
        if !output.bytes.isEmpty || !output.skips.isEmpty || spanned > 0 { emit(output) }
    }
}

/// Cuts a pretty-printed JSON document into one-line records: each top-level value, each element
/// of a top-level array, or each element of a list a top-level object holds — an `EventList`'s
/// `items`, `aws logs` output's `events`, an AKS blob's `records`, a Logs Insights query's
/// `results` — so that every record keeps the line it starts on, and a batch of any size streams. Newlines inside a record become spaces
/// (outside strings they are whitespace; inside one they are invalid JSON either way).
struct DocumentSplitter {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var inRecord = false
    private var recordIsOverLong = false
    private var recordLength = 0
    private var recordLevel = -1
    private var inJunk = false
    private var line = 1
    private var recordLine = 1
    /// Progress through `"items": [` (or another list key) in a top-level object: 1 after the key, 2 after its colon.
    private var itemsKeyProgress = 0
    /// Where the content of a string at the top level of the current record starts in the output.
    private var keyStart = -1
    /// Inside a list of records (`items`, …): its elements, one level down, are the records.
    private var inItems = false
    /// The list is an `EventList`'s `items`: each item is handed on as a batch of one, so that the
    /// decoder still knows it came from the webhook backend.
    private var listIsEventList = false
    private var keyIsItems = false
    /// Bytes written before the current record's own (`{"items":[`).
    private var recordPrefix = 0
    /// Where the current record (with its prefix) starts in the output.
    private var recordOutputStart = 0
    private(set) var recordStartLines: [Int] = []
    private(set) var skips: [ChunkSkip] = []
    var recordCopy = RecordCopy.best
    /// Where the C copies (``RecordCopy/avx2``, ``RecordCopy/avx512``) write what they keep, appended
    /// to the output once per call: a run at a time, a record's indented members cost an append each.
    /// Allocated on a document's first copy: a chunker is made for every archive member, most of
    /// which are JSON lines.
    private var staging: [UInt8] = []
    /// The lines of the records a C copy begins in one call (allocated with `staging`).
    private var begunLines: [Int64] = []

    /// How a record's nested part is copied where it can be.
    enum RecordCopy: Sendable {
        /// A byte at a time: the reference the tests hold the windows to.
        case bytes
        /// A window at a time with SSE2 masks (``JSONWindow``), or the portable ones elsewhere.
        case windows
        /// The same windows with AVX2's masks (`CByteMask`), going on through the records of a list.
        case avx2
        /// The same with AVX-512's masks.
        case avx512

        /// What this CPU runs best.
        static var best: RecordCopy { CPUFeatures.avx512BW ? .avx512 : CPUFeatures.avx2 ? .avx2 : .windows }

        /// The window copies this CPU can run.
        static var available: [RecordCopy] {
            [.windows] + (CPUFeatures.avx2 ? [.avx2] : []) + (CPUFeatures.avx512BW ? [.avx512] : [])
        }
    }

    var isInsideRecord: Bool { inRecord }

    /// Lines of the member handed on so far, for line numbers to add up as they do for JSON lines.
    private var linesReported = 0
    private var lastByteWasNewline = true

    /// The member lines consumed since the last call; at the end, a last line without a newline too.
    mutating func takeSpannedLines(final: Bool) -> Int {
        let total = line - 1 + (final && !lastByteWasNewline ? 1 : 0)
        defer { linesReported = total }
        return total - linesReported
    }

    mutating func resetEmitted() {
        recordStartLines.removeAll(keepingCapacity: true)
        skips.removeAll(keepingCapacity: true)
    }

    /// Splits from `offset`; returns where it stopped (at the end, or after a record once `output`
    /// has reached `stopAfter` bytes, so the caller can hand the chunk on).
    mutating func split(_ bytes: UnsafeRawBufferPointer, from offset: Int, into output: inout [UInt8],
                        maximumRecordBytes: Int, stopAfter: Int) -> Int
    {
        guard let base = bytes.baseAddress else { return offset }
        var index = offset
        while index < bytes.count {
            if inRecord && !recordIsOverLong && depth > max(recordLevel, 1) && !(inString && escaped) {
                // Inside a record, below the level whose keys are watched: the bulk of every record.
                let next = copyNested(bytes, from: index, into: &output, maximumRecordBytes: maximumRecordBytes,
                                      stopAfter: stopAfter)
                if next > index {
                    index = next
                    // It may have gone on through the records after this one (the C copies) and
                    // stopped right after one's end, where the byte loop would hand the chunk on.
                    if !inRecord && output.count >= stopAfter { return index }
                    continue
                }
            }
            if inString && !escaped && inRecord && !recordIsOverLong && keyStart < 0 {
                // A string value at a record's top level: copied in one run up to the closing quote,
                // a newline, the end of the block, or the record limit.
                let limit = min(bytes.count, index + maximumRecordBytes - recordLength)
                let run = StringRunScanner.run(base, from: index, to: limit)
                if run.end > index {
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<run.end]))
                    recordLength += run.end - index
                    lastByteWasNewline = false
                    index = run.end
                }
                escaped = run.escapePending
                if index >= bytes.count { break }
            }
            if !inString, inRecord, bytes[index] == 0x20 {
                // Indentation: dropped from records, so skipped in a run.
                var run = index + 1
                while run < bytes.count, bytes[run] == 0x20 { run += 1 }
                recordLength += run - index
                lastByteWasNewline = false
                index = run
                if recordLength > maximumRecordBytes && !recordIsOverLong { dropOverLongRecord(from: &output) }
                continue
            }
            let byte = bytes[index]
            index += 1
            lastByteWasNewline = byte == 0x0A
            if lastByteWasNewline { line += 1 }
            if inRecord {
                recordLength += 1
                if !recordIsOverLong {
                    if recordLength > maximumRecordBytes {
                        dropOverLongRecord(from: &output)
                    } else if inString {
                        output.append(byte == 0x0A || byte == 0x0D ? 0x20 : byte)
                    } else if !LineChunker.isWhitespace(byte) {
                        // Indentation between tokens is dropped: a record is one line either way.
                        output.append(byte)
                    }
                }
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if keyStart >= 0 {
                        let key = output[keyStart..<(output.count - 1)]
                        itemsKeyProgress = Self.isListKey(key) ? 1 : 0
                        keyIsItems = key.elementsEqual("items".utf8)
                        keyStart = -1
                    }
                }
                continue
            }
            let keyProgress = itemsKeyProgress
            if !LineChunker.isWhitespace(byte) { itemsKeyProgress = 0 }
            switch byte {
            case UInt8(ascii: "\""):
                // A bare string between records is valid JSON but never an event.
                if !inRecord && depth <= max(recordLevel, 0) { noteJunk() }
                if inRecord && !recordIsOverLong && recordLevel == 0 && depth == 1 { keyStart = output.count }
                inString = true
            case UInt8(ascii: "[") where keyProgress == 2 && inRecord && !recordIsOverLong && recordLevel == 0 && depth == 1:
                // `"items": [` of a top-level object: drop what was kept of the list itself (kind,
                // apiVersion, metadata; `aws logs`' other fields) and take its elements as the records.
                output.removeSubrange(recordOutputStart...)
                inRecord = false
                inItems = true
                listIsEventList = keyIsItems
                recordLevel = 2
                depth += 1
            case UInt8(ascii: ":"):
                if keyProgress == 1 { itemsKeyProgress = 2 }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if recordLevel < 0 {
                    // The first value decides: a top-level array's elements are the records.
                    recordLevel = byte == UInt8(ascii: "[") ? 1 : 0
                }
                if !inRecord && depth == recordLevel { beginRecord(with: byte, into: &output) }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 {
                    depth = 0
                    noteJunk()
                } else if inRecord && depth == recordLevel {
                    endRecord(into: &output)
                    if output.count >= stopAfter { return index }
                    // The byte loop stays whole as the reference the copies are held to.
                    if recordLevel > 0 && recordCopy != .bytes { index = skipSeparator(bytes, from: index) }
                } else if inItems && depth == 1 {
                    // The end of `items`: the rest of the list object holds no events.
                    inItems = false
                    listIsEventList = false
                    recordLevel = 0
                }
            case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ","):
                break
            default:
                if !inRecord && depth <= max(recordLevel, 0) { noteJunk() }
            }
            if !inRecord && depth <= max(recordLevel, 0) && byte == 0x0A { inJunk = false }
        }
        return index
    }

    /// After a record in a list, the comma and whitespace before the next one, in one tight loop
    /// (the byte loop takes a few branches per byte; a list of small records is mostly these bytes).
    /// Stops at anything else, for the byte loop to take.
    private mutating func skipSeparator(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return start }
        var index = start
        var newlines = 0
        var lastNewline = -1
        scan: while index < bytes.count {
            switch base[index] {
            case 0x20:
                index = Self.indentation(bytes, at: index, limit: bytes.count)
            case 0x09, 0x0D, UInt8(ascii: ","):
                break
            case 0x0A:
                newlines += 1
                lastNewline = index
            default:
                break scan
            }
            index += 1
        }
        if index > start { lastByteWasNewline = lastNewline == index - 1 }
        if newlines > 0 {
            line += newlines
            inJunk = false
        }
        return index
    }

    /// Indentation from the space at `index`, eight spaces at a time while the next eight are spaces
    /// and end before `limit`. Returns the space it stopped on; the caller's loop steps past it and
    /// takes any shorter rest a byte at a time.
    @inline(__always)
    private static func indentation(_ bytes: UnsafeRawBufferPointer, at index: Int, limit: Int) -> Int {
        var index = index
        while index + 9 <= limit, bytes.loadUnaligned(fromByteOffset: index + 1, as: UInt64.self) == 0x2020_2020_2020_2020 {
            index += 8
        }
        return index
    }

    /// Copies a record below its top level (and below the top level of a top-level object, whose
    /// keys are watched for `items`: `itemsKeyProgress` is idle down here): strings in runs (see
    /// ``StringRunScanner``), tokens without the whitespace between them. Returns where it stopped,
    /// for the byte loop to go on: before a byte that returns to the top level, a newline in a
    /// string, or an escape whose second byte it has to see; at the record limit; or at the end.
    /// The C copies may also go on through the records that follow in a list, and stop between two
    /// of them.
    private mutating func copyNested(_ bytes: UnsafeRawBufferPointer, from start: Int, into output: inout [UInt8],
                                     maximumRecordBytes: Int, stopAfter: Int) -> Int
    {
        let floor = max(recordLevel, 1)
        // Where the current record's first byte is (before this block when it began in another).
        var recordStart = start - recordLength
        var limit = min(bytes.count, recordStart + maximumRecordBytes)
        var newlines = 0
        var lastNewline = -1
        var index = start
        switch recordCopy {
        case .bytes: break
        case .windows:
            index = copyWindows(bytes.baseAddress!, from: start, limit: limit, floor: floor, into: &output,
                                newlines: &newlines, lastNewline: &lastNewline)
        case .avx2, .avx512:
            index = copyWindowsInC(bytes, from: start, recordStart: &recordStart, floor: floor,
                                   maximumRecordBytes: maximumRecordBytes, stopAfter: stopAfter, into: &output,
                                   newlines: &newlines, lastNewline: &lastNewline)
            limit = min(bytes.count, recordStart + maximumRecordBytes)
        }
        // An escape cut by the last window's end is the split loop's to finish.
        scan: while inRecord, index < limit, !escaped {
            if inString {
                let run = StringRunScanner.run(bytes.baseAddress!, from: index, to: limit)
                if run.end > index {
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<run.end]))
                    index = run.end
                }
                guard !run.escapePending, index < limit, bytes[index] == UInt8(ascii: "\"") else {
                    escaped = run.escapePending
                    break scan
                }
                output.append(UInt8(ascii: "\""))
                inString = false
                index += 1
                continue
            }
            let byte = bytes[index]
            switch byte {
            case 0x20:
                index = Self.indentation(bytes, at: index, limit: limit)
            case 0x09, 0x0D:
                break
            case 0x0A:
                newlines += 1
                lastNewline = index
            case UInt8(ascii: "\""):
                output.append(byte)
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                output.append(byte)
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth - 1 > floor else { break scan }
                output.append(byte)
                depth -= 1
            default:
                output.append(byte)
            }
            index += 1
        }
        recordLength = index - recordStart
        line += newlines
        if index > start { lastByteWasNewline = lastNewline == index - 1 }
        return index
    }

    /// The bulk of ``copyNested(_:from:into:maximumRecordBytes:)``, 64 bytes at a time while a window
    /// is plain JSON text (no backslash outside a string, no newline inside one; the byte loop takes
    /// any other): its strings and containers follow from its masks (``JSONWindow``), and what it keeps,
    /// all but the whitespace between tokens, is copied in runs that go on across windows, so a long
    /// string is one copy. Stops before the close that returns to `floor`, before a window it leaves
    /// to the byte loop, or where fewer than 64 bytes are left before `limit`.
    private mutating func copyWindows(_ base: UnsafeRawPointer, from start: Int, limit: Int, floor: Int,
                                      into output: inout [UInt8], newlines: inout Int, lastNewline: inout Int) -> Int
    {
        var index = start
        // 1 when the byte at `index` is escaped.
        var escapeCarry: UInt64 = 0
        // All ones when the byte at `index` is inside a string.
        var stringCarry: UInt64 = inString ? .max : 0
        // The kept bytes not yet copied: `runStart..<runEnd` of the input.
        var runStart = start
        var runEnd = start
        func flush() {
            if runEnd > runStart { output.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: runEnd - runStart)) }
        }
        func keep(from first: Int, to end: Int) {
            if first != runEnd {
                flush()
                runStart = first
            }
            runEnd = end
        }
        while limit - index >= 64 {
            // Of this one only the masks a string's end needs are read (the rest is not computed):
            // most windows lie inside one string.
            let strings = JSONWindow(base + index)
            var nextEscapeCarry = escapeCarry
            let escaped = strings.escaped(carry: &nextEscapeCarry)
            let quotes = strings.quotes & ~escaped
            if stringCarry != 0, quotes | strings.newlines == 0 {
                // Inside one string throughout (most of an escaped event): only the run grows.
                keep(from: index, to: index + 64)
                escapeCarry = nextEscapeCarry
                index += 64
                continue
            }
            let window = JSONWindow(base + index)
            var nextStringCarry = stringCarry
            let inside = JSONWindow.insideStrings(quotes: quotes, carry: &nextStringCarry)
            guard window.backslashes & ~inside == 0, window.newlines & inside == 0 else { break }
            let opens = window.opens & ~inside
            let closes = window.closes & ~inside
            // The bytes of the window that belong to the record's nested part: all of them, unless a
            // close returns to `floor` (only possible when there are enough closes). Counts are taken
            // only where there is something to count: without POPCNT in the baseline, each is a dozen
            // instructions.
            var taken = UInt64.max
            if closes != 0, closes.nonzeroBitCount >= depth - floor {
                var level = depth
                var brackets = opens | closes
                while brackets != 0 {
                    let bit = brackets.trailingZeroBitCount
                    if opens >> bit & 1 == 1 {
                        level += 1
                    } else if level - 1 <= floor {
                        taken = (1 << UInt64(bit)) &- 1
                        break
                    } else {
                        level -= 1
                    }
                    brackets &= brackets &- 1
                }
            }
            var kept = ~((window.blanks | window.newlines) & ~inside) & taken
            while kept != 0 {
                let first = kept.trailingZeroBitCount
                let length = (~(kept >> UInt64(first))).trailingZeroBitCount
                keep(from: index + first, to: index + first + length)
                kept = first + length == 64 ? 0 : kept & (UInt64.max << UInt64(first + length))
            }
            if (opens | closes) & taken != 0 { depth += (opens & taken).nonzeroBitCount - (closes & taken).nonzeroBitCount }
            let lines = window.newlines & taken
            if lines != 0 {
                newlines += lines.nonzeroBitCount
                lastNewline = index + 63 - lines.leadingZeroBitCount
            }
            if taken != .max {
                // Before a close, outside any string and any escape.
                index += taken.nonzeroBitCount
                stringCarry = 0
                escapeCarry = 0
                break
            }
            escapeCarry = nextEscapeCarry
            stringCarry = nextStringCarry
            index += 64
        }
        flush()
        inString = stringCarry != 0
        escaped = escapeCarry != 0
        return index
    }

    /// ``copyWindows(_:from:limit:floor:into:newlines:lastNewline:)`` with AVX2's or AVX-512's masks, in
    /// C, copying into `staging`. In a list of records (without the prefix an `EventList` item gets),
    /// it also takes what the byte loop would between them: a close, a separator, the next record's open.
    private mutating func copyWindowsInC(_ bytes: UnsafeRawBufferPointer, from start: Int, recordStart: inout Int,
                                            floor: Int, maximumRecordBytes: Int, stopAfter: Int,
                                            into output: inout [UInt8], newlines: inout Int, lastNewline: inout Int) -> Int
    {
        #if arch(x86_64)
        if staging.isEmpty {
            staging = [UInt8](repeating: 0, count: 16 << 10)
            begunLines = [Int64](repeating: 0, count: 64)
        }
        var copy = ks_record_copy()
        copy.depth = Int64(depth)
        copy.in_string = inString ? .max : 0
        copy.last_newline = -1
        copy.maximum_record = Int64(maximumRecordBytes)
        copy.record_start = Int64(recordStart)
        copy.continues = recordLevel >= 1 && recordPrefix == 0 ? 1 : 0
        copy.line = Int64(line)
        copy.in_record = 1
        var index = start
        repeat {
            var written = 0
            let outputStart = output.count
            copy.stop_after = Int64(stopAfter - outputStart)
            index = staging.withUnsafeMutableBufferPointer { staging in
                begunLines.withUnsafeMutableBufferPointer { begunLines in
                    copy.begun_lines = begunLines.baseAddress
                    copy.begun_capacity = Int64(begunLines.count)
                    let kernel = recordCopy == .avx512 ? ks_copy_windows_avx512 : ks_copy_windows_avx2
                    let index = kernel(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), index, bytes.count,
                                       Int64(floor), &copy, staging.baseAddress!, staging.count, &written)
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: staging[..<written]))
                    return index
                }
            }
            for ended in 0..<Int(copy.ended) {
                recordStartLines.append(ended == 0 ? recordLine : Int(begunLines[ended - 1]))
            }
            if copy.begun > 0 {
                recordLine = Int(begunLines[Int(copy.begun) - 1])
                recordOutputStart = outputStart + Int(copy.begun_output_start)
            }
        } while copy.full != 0
        inRecord = copy.in_record != 0
        recordStart = Int(copy.record_start)
        depth = Int(copy.depth)
        inString = copy.in_string != 0
        escaped = copy.escape_carry != 0
        newlines += Int(copy.newlines)
        if copy.last_newline >= 0 { lastNewline = Int(copy.last_newline) }
        return index
        #else
        let limit = min(bytes.count, recordStart + maximumRecordBytes)
        return copyWindows(bytes.baseAddress!, from: start, limit: limit, floor: floor, into: &output,
                           newlines: &newlines, lastNewline: &lastNewline)
        #endif
    }

    /// The keys of top-level lists whose elements are records (none of them is a field of an event).
    private static func isListKey(_ key: ArraySlice<UInt8>) -> Bool {
        key.elementsEqual("items".utf8) || key.elementsEqual("events".utf8) || key.elementsEqual("records".utf8)
            || key.elementsEqual("results".utf8)
    }

    /// Ends the document: a record still open was cut off, and is handed on for the decoder to count.
    mutating func finish(into output: inout [UInt8]) {
        if inRecord { endRecord(into: &output) }
    }

    private mutating func beginRecord(with byte: UInt8, into output: inout [UInt8]) {
        inRecord = true
        inJunk = false
        recordIsOverLong = false
        recordLength = 1
        recordLine = line
        recordPrefix = 0
        recordOutputStart = output.count
        if inItems && listIsEventList {
            let prefix = #"{"items":["#
            output.append(contentsOf: prefix.utf8)
            recordPrefix = prefix.utf8.count
        }
        output.append(byte)
    }

    /// The record has passed the limit: what was kept of it goes, and so does any key being read
    /// (its start lay in what went).
    private mutating func dropOverLongRecord(from output: inout [UInt8]) {
        recordIsOverLong = true
        output.removeSubrange(recordOutputStart...)
        keyStart = -1
    }

    private mutating func endRecord(into output: inout [UInt8]) {
        inRecord = false
        if recordIsOverLong {
            skips.append(ChunkSkip(reason: .overLong, line: .absolute(recordLine)))
        } else {
            if recordPrefix > 0 { output.append(contentsOf: "]}".utf8) }
            output.append(0x0A)
            recordStartLines.append(recordLine)
        }
    }

    /// Bytes between records that belong to no JSON value: one skip per run of them.
    private mutating func noteJunk() {
        guard !inJunk else { return }
        inJunk = true
        skips.append(ChunkSkip(reason: .notJSON, line: .absolute(line)))
    }
}
