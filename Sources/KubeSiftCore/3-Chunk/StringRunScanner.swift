/// Finds where the content of a JSON string stops, 64 bytes at a time: the document splitter's hot
/// loop, since most of an `aws logs` or AKS document is one escaped event per string, with an escape
/// every few bytes (`\"` around every key), which a byte-at-a-time or stop-at-each-escape scan pays
/// for in branches.
///
/// Each 64-byte window becomes bit masks of its quotes, backslashes and newlines (``JSONWindow``);
/// which bytes an escape covers is worked out on the masks without a branch, so a run of
/// backslashes costs nothing more than any other byte. The tail of a block shorter than a window
/// is read a byte at a time.
enum StringRunScanner {
    /// Where the string content starting at `start` stops, before `end`: at its closing quote or a
    /// newline (the first byte not part of the run), or at `end`, with whether the byte there is
    /// escaped (an escape whose second byte is a newline, or lies at or beyond `end`).
    ///
    /// The byte at `start` is not escaped.
    static func run(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> (end: Int, escapePending: Bool) {
        var index = start
        // 1 when the byte at `index` is escaped by a backslash before it.
        var escapedCarry: UInt64 = 0
        while end - index >= 64 {
            let window = JSONWindow(base + index)
            let escaped = window.escaped(carry: &escapedCarry)
            let stops = (window.quotes & ~escaped) | window.newlines
            if stops != 0 {
                let at = stops.trailingZeroBitCount
                return (index + at, escaped >> at & 1 == 1)
            }
            index += 64
        }
        // The last few bytes, one at a time (most keys and short values are all tail).
        if escapedCarry == 1 {
            guard index < end else { return (end, true) }
            if base.load(fromByteOffset: index, as: UInt8.self) == 0x0A { return (index, true) }
            index += 1
        }
        while index < end {
            switch base.load(fromByteOffset: index, as: UInt8.self) {
            case UInt8(ascii: "\""), 0x0A:
                return (index, false)
            case UInt8(ascii: "\\"):
                guard index + 1 < end else { return (end, true) }
                if base.load(fromByteOffset: index + 1, as: UInt8.self) == 0x0A { return (index + 1, true) }
                index += 2
            default:
                index += 1
            }
        }
        return (end, false)
    }
}
