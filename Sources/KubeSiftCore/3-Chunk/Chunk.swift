/// Identifies one text member of one input: the unit line numbers count within.
package struct MemberKey: Hashable, Sendable, Comparable, Codable {
    package var file: Int
    package var member: Int

    package static func < (lhs: MemberKey, rhs: MemberKey) -> Bool { (lhs.file, lhs.member) < (rhs.file, rhs.member) }
}

/// A line in a chunk: counted from the chunk's start (JSON lines, resolved once every chunk of the
/// member has been counted) or already absolute (records split out of a pretty-printed document).
package enum ChunkLine: Hashable, Sendable, Codable {
    case local(Int)
    case absolute(Int)
}

/// A record the chunker dropped itself, so that the decoder never holds it (an over-long line).
package struct ChunkSkip: Sendable, Equatable {
    package var reason: SkipReason
    package var line: ChunkLine
}

/// Whole records of one member, ready to decode independently of every other chunk.
///
/// Each record is one line of `bytes`. A line never straddles two chunks, so workers decode chunks
/// in any order and on any thread.
package struct Chunk: Sendable {
    package enum Layout: Sendable, Equatable {
        /// The member's own lines, in order: line numbers are counted.
        case lines
        /// Records split out of a pretty-printed document, one per line of `bytes`, with the line
        /// each one starts on in the member, and how many of the member's lines the chunk spans.
        case records(startLines: [Int], spannedLines: Int)
    }

    package var member: MemberKey
    /// Position of this chunk within its member, from 0.
    package var sequence: Int
    package var bytes: [UInt8]
    package var layout: Layout
    /// Records the chunker skipped without copying.
    package var skips: [ChunkSkip]
    /// Lines of the member this chunk accounts for beyond those in `bytes` (skipped over-long lines).
    package var skippedLines: Int
    /// The format every record must have (`--format`), or nil to find each record's.
    package var format: SourceFormat? = nil
}
