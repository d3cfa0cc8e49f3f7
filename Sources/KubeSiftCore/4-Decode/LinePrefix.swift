#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The headers loggers and shippers write on a line before an event's JSON: a container runtime's
/// `<time> stdout F `, CloudWatch's export timestamp, a syslog header, Fluentd's and Fluent Bit's
/// file output.
enum LinePrefix {
    struct Match {
        var format: SourceFormat
        /// Where the JSON starts.
        var payload: Int
        /// A container runtime line tagged `P`: the event continues on the next line.
        var continues = false
        /// Fluent Bit's `out_file` default: the payload is `[<time>, {record}]`, not the record.
        var timedArray = false
    }

    /// The prefix of the line in `start..<end`, or nil when it has none this tool knows. With a
    /// `forced` syslog format, whatever comes before the first `{` is the header.
    static func match(_ base: UnsafePointer<UInt8>, start: Int, end: Int, forced: SourceFormat?) -> Match? {
        if forced == .syslog { return firstBrace(base, from: start, end: end).map { Match(format: .syslog, payload: $0) } }
        let found = detect(base, start: start, end: end)
        guard let found, forced == nil || forced == found.format else { return nil }
        return found
    }

    private static func detect(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Match? {
        guard start < end else { return nil }
        let first = base[start]
        if isDigit(first), startsWithDate(base, start: start, end: end) {
            // `<RFC 3339 time>` then a tab (Fluentd), a space and `{` (CloudWatch export), a space
            // and `stdout F ` (container runtime), or a space and a host (syslog).
            var index = start
            while index < end, base[index] != 0x20, base[index] != 0x09 { index += 1 }
            guard index < end else { return nil }
            if base[index] == 0x09 {
                var tag = index + 1
                while tag < end, base[tag] != 0x09 { tag += 1 }
                guard tag + 1 < end, base[tag + 1] == UInt8(ascii: "{") else { return nil }
                return Match(format: .fluent, payload: tag + 1)
            }
            let next = index + 1
            guard next < end else { return nil }
            if base[next] == UInt8(ascii: "{") { return Match(format: .eksExport, payload: next) }
            if let runtime = containerRuntime(base, at: next, end: end) { return runtime }
            return firstBrace(base, from: next, end: end).map { Match(format: .syslog, payload: $0) }
        }
        if first == UInt8(ascii: "<") {
            // `<PRI>`: RFC 3164 and RFC 5424 syslog.
            var index = start + 1
            while index < end, index - start <= 4, isDigit(base[index]) { index += 1 }
            guard index > start + 1, index < end, base[index] == UInt8(ascii: ">") else { return nil }
            return firstBrace(base, from: index, end: end).map { Match(format: .syslog, payload: $0) }
        }
        if startsWithMonth(base, start: start, end: end) {
            // `Nov 21 03:00:00 host kube-apiserver[1]: {…}`, as rsyslog writes /var/log/syslog.
            return firstBrace(base, from: start, end: end).map { Match(format: .syslog, payload: $0) }
        }
        // Fluent Bit's `out_file`: `<tag>: [<time>, {record}]`.
        var index = start
        while index < end, isTagByte(base[index]) { index += 1 }
        if index > start, index + 2 < end, base[index] == UInt8(ascii: ":"), base[index + 1] == 0x20,
           base[index + 2] == UInt8(ascii: "[")
        {
            return Match(format: .fluent, payload: index + 2, timedArray: true)
        }
        return nil
    }

    /// `stdout F ` or `stderr P ` (the tag may carry more flags, separated by `:`).
    private static func containerRuntime(_ base: UnsafePointer<UInt8>, at index: Int, end: Int) -> Match? {
        guard index + 9 <= end, memcmp(base + index, "stdout ", 7) == 0 || memcmp(base + index, "stderr ", 7) == 0
        else { return nil }
        var tagEnd = index + 7
        while tagEnd < end, base[tagEnd] != 0x20 { tagEnd += 1 }
        guard tagEnd < end, tagEnd > index + 7 else { return nil }
        return Match(format: .cri, payload: tagEnd + 1, continues: base[index + 7] == UInt8(ascii: "P"))
    }

    /// Whether the line is a piece of a longer one that continues on the next line: a container
    /// runtime line tagged `P`, or a Docker json-file line whose `log` does not end the line.
    /// Chunks never end after such a line, so that the pieces are joined again.
    static func continues(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        guard start < end else { return false }
        if isDigit(base[start]) {
            guard let match = detect(base, start: start, end: end) else { return false }
            return match.continues
        }
        return isDockerPiece(base, start: start, end: end)
    }

    /// Whether the line can be the next piece of a split line: a container runtime line, or a
    /// Docker json-file line.
    static func continuesPieces(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        guard start < end else { return false }
        if isDigit(base[start]) { return detect(base, start: start, end: end)?.format == .cri }
        let opening: StaticString = #"{"log":""#
        return end - start > opening.utf8CodeUnitCount && memcmp(base + start, opening.utf8Start, opening.utf8CodeUnitCount) == 0
    }

    /// A Docker json-file line (`{"log":"…","stream":"…","time":"…"}`) whose text does not end in `\n`.
    static func isDockerPiece(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        let opening: StaticString = #"{"log":""#
        guard end - start > opening.utf8CodeUnitCount,
              memcmp(base + start, opening.utf8Start, opening.utf8CodeUnitCount) == 0 else { return false }
        // The `log` string ends at the first unescaped quote; Docker writes `stream` right after it.
        var index = start + opening.utf8CodeUnitCount
        while index < end, base[index] != UInt8(ascii: "\"") { index += base[index] == UInt8(ascii: "\\") ? 2 : 1 }
        let separator: StaticString = #"","stream":""#
        guard index + separator.utf8CodeUnitCount <= end,
              memcmp(base + index, separator.utf8Start, separator.utf8CodeUnitCount) == 0 else { return false }
        return !(index - start >= 2 && base[index - 2] == UInt8(ascii: "\\") && base[index - 1] == UInt8(ascii: "n"))
    }

    private static func firstBrace(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int? {
        guard start < end, let found = memchr(base + start, Int32(UInt8(ascii: "{")), end - start) else { return nil }
        return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `YYYY-MM-DD` followed by `T` or a space.
    private static func startsWithDate(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        guard end - start >= 11 else { return false }
        for offset in [0, 1, 2, 3, 5, 6, 8, 9] where !isDigit(base[start + offset]) { return false }
        return base[start + 4] == UInt8(ascii: "-") && base[start + 7] == UInt8(ascii: "-")
            && (base[start + 10] == UInt8(ascii: "T") || base[start + 10] == 0x20)
    }

    private static func startsWithMonth(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Bool {
        guard end - start >= 4, base[start + 3] == 0x20 else { return false }
        let months = "JanFebMarAprMayJunJulAugSepOctNovDec"
        return months.utf8.withContiguousStorageIfAvailable { names in
            stride(from: 0, to: names.count, by: 3).contains { memcmp(names.baseAddress! + $0, base + start, 3) == 0 }
        } ?? false
    }

    @inline(__always)
    private static func isTagByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "*"):
            true
        default:
            false
        }
    }
}
