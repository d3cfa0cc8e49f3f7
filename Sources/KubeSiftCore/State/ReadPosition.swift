import Crypto

/// How far an earlier run read one text member: recognised again by the SHA-256 of its first
/// decompressed bytes, whatever the file is called now (`audit.log` renamed and compressed by rotation
/// to `audit-2026-11-21T03-00-00.000.log.gz` starts with the same bytes).
package struct ReadPosition: Sendable, Equatable, Codable {
    /// SHA-256 (hex) of the member's first ``fingerprintLength`` decompressed bytes.
    package var fingerprint: String
    package var fingerprintLength: Int
    /// Decompressed bytes consumed from the start of the member (whole lines).
    package var bytes: Int64
    /// Lines consumed, so that line numbers after a resume still count from the member's start.
    package var lines: Int
    /// Events read from the consumed bytes, over every run.
    package var events: Int

    /// Bytes hashed for a fingerprint: a few audit lines, whose audit IDs and times make them unique.
    package static let fingerprintBytes = 4096
    /// Shorter consumed prefixes are not recorded: they could be the start of anything.
    package static let minimumFingerprintBytes = 128
}

/// Every read position an earlier run recorded, looked up by the first bytes of a member.
package struct ResumePoints: Sendable {
    /// By fingerprint length, longest first, then by fingerprint.
    private let byLength: [(length: Int, positions: [String: ReadPosition])]

    package init(_ positions: [ReadPosition]) {
        var grouped: [Int: [String: ReadPosition]] = [:]
        for position in positions where position.fingerprintLength >= ReadPosition.minimumFingerprintBytes {
            // Two records of one content (a file and its rotated copy): the one read furthest wins.
            if let known = grouped[position.fingerprintLength]?[position.fingerprint], known.bytes >= position.bytes { continue }
            grouped[position.fingerprintLength, default: [:]][position.fingerprint] = position
        }
        byLength = grouped.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
    }

    /// The furthest position recorded for a member that starts with `prefix`.
    func position(startingWith prefix: [UInt8]) -> ReadPosition? {
        var best: ReadPosition?
        for (length, positions) in byLength where length <= prefix.count {
            let digest = SHA256.hash(data: prefix[..<length]).lowercaseHex
            if let found = positions[digest], best.map({ found.bytes > $0.bytes }) ?? true { best = found }
        }
        return best
    }
}

/// Sits between the reader and the chunker for the one member of a plain or compressed file when a
/// state is kept: skips what an earlier run consumed, and holds back a last line without a newline
/// until the member ends. Then it is handed on only when the member is complete for good (a
/// compressed file read to its end); the last line of a live `audit.log` (the API server may be
/// writing it) or of a compressed file cut short (the rotation may be compressing it) is left for
/// the next run, which reads it whole, instead of counting it as a cut-off record now.
struct ResumeCursor {
    private let points: ResumePoints
    private let maximumHeldBytes: Int
    private var prefix: [UInt8] = []
    /// Bytes that arrived before the prefix was long enough to look the member up.
    private var undecided: [UInt8] = []
    private var decided = false
    private var resumedFrom: ReadPosition?
    /// Decompressed bytes seen so far, and the end of what was skipped or forwarded.
    private var offset: Int64 = 0
    private var consumedEnd: Int64 = 0
    /// The bytes after the last newline, not forwarded yet.
    private var pending: [UInt8] = []

    init(points: ResumePoints, maximumHeldBytes: Int) {
        self.points = points
        self.maximumHeldBytes = maximumHeldBytes
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer, forward: (UnsafeRawBufferPointer) -> Void) {
        if decided {
            pass(bytes, forward: forward)
            return
        }
        let wanted = ReadPosition.fingerprintBytes - prefix.count
        prefix += bytes.prefix(wanted)
        undecided += bytes
        if prefix.count >= ReadPosition.fingerprintBytes { decide(forward: forward) }
    }

    /// Ends the member; `isFinal` when no byte can be added to it any more. Returns where this run
    /// leaves it, with the lines and events read before it.
    mutating func finish(isFinal: Bool, forward: (UnsafeRawBufferPointer) -> Void) -> (position: ReadPosition?, skipped: ReadPosition?) {
        if !decided { decide(forward: forward) }
        if isFinal { flushPending(forward: forward) }
        let length = Int(min(Int64(min(prefix.count, ReadPosition.fingerprintBytes)), consumedEnd))
        guard length >= ReadPosition.minimumFingerprintBytes else { return (nil, resumedFrom) }
        let position = ReadPosition(fingerprint: SHA256.hash(data: prefix[..<length]).lowercaseHex, fingerprintLength: length,
                                    bytes: consumedEnd, lines: resumedFrom?.lines ?? 0, events: resumedFrom?.events ?? 0)
        return (position, resumedFrom)
    }

    private mutating func decide(forward: (UnsafeRawBufferPointer) -> Void) {
        decided = true
        resumedFrom = points.position(startingWith: prefix)
        let held = undecided
        undecided = []
        held.withUnsafeBytes { pass($0, forward: forward) }
    }

    private mutating func pass(_ bytes: UnsafeRawBufferPointer, forward: (UnsafeRawBufferPointer) -> Void) {
        var bytes = bytes
        let skipTo = resumedFrom?.bytes ?? 0
        if offset < skipTo {
            let dropped = Int(min(Int64(bytes.count), skipTo - offset))
            offset += Int64(dropped)
            consumedEnd = offset
            bytes = UnsafeRawBufferPointer(rebasing: bytes[dropped...])
        }
        guard !bytes.isEmpty else { return }
        offset += Int64(bytes.count)
        guard let newline = bytes.lastIndex(of: 0x0A) else {
            pending += bytes
            // A line this long is not one being written: let the chunker deal with it.
            if pending.count > maximumHeldBytes { flushPending(forward: forward) }
            return
        }
        flushPending(forward: forward)
        let whole = UnsafeRawBufferPointer(rebasing: bytes[...newline])
        forward(whole)
        consumedEnd += Int64(whole.count)
        pending += bytes[(newline + 1)...]
    }

    private mutating func flushPending(forward: (UnsafeRawBufferPointer) -> Void) {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBytes(forward)
        consumedEnd += Int64(pending.count)
        pending = []
    }
}
