/// Finds where the content of a JSON string stops, 64 bytes at a time: the document splitter's hot
/// loop, since most of an `aws logs` or AKS document is one escaped event per string, with an escape
/// every few bytes (`\"` around every key), which a byte-at-a-time or stop-at-each-escape scan pays
/// for in branches.
///
/// Each 64-byte window becomes bit masks of its quotes, backslashes and newlines, compared 16 bytes at a time with `SIMD16<UInt8>` (SSE2); which bytes an escape covers is
/// worked out on the masks without a branch, so a run of backslashes costs nothing more than any
/// other byte. The tail of a block shorter than a window is read a byte at a time.
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
            let window = Window(base + index)
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

    /// Bit `i` of each mask is set when byte `i` of the window is that character.
    struct Window {
        var quotes: UInt64 = 0
        var backslashes: UInt64 = 0
        var newlines: UInt64 = 0

        @inline(__always)
        init(_ pointer: UnsafeRawPointer) {
            for part in 0..<4 {
                let bytes = pointer.loadUnaligned(fromByteOffset: part * 16, as: SIMD16<UInt8>.self)
                let shift = UInt64(part * 16)
                quotes |= Self.bits(bytes .== SIMD16(repeating: UInt8(ascii: "\""))) << shift
                backslashes |= Self.bits(bytes .== SIMD16(repeating: UInt8(ascii: "\\"))) << shift
                newlines |= Self.bits(bytes .== SIMD16(repeating: 0x0A)) << shift
            }
        }

        /// One bit per lane of a comparison (lanes all ones or all zeros). Swift has no movemask, so
        /// each half's top bits are gathered into one byte with a multiply: each product bit that lands
        /// in the top byte comes from exactly one lane, and no carry reaches it.
        @inline(__always)
        static func bits(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt64 {
            let halves = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
            let topBits: UInt64 = 0x8080_8080_8080_8080
            let gather: UInt64 = 0x0002_0408_1020_4081
            return ((halves[0] & topBits) &* gather) >> 56 | (((halves[1] & topBits) &* gather) >> 56) << 8
        }

        /// The bytes an escape covers: the byte after each backslash that starts an escape. In a run
        /// of backslashes they pair up from its start, so a run of odd length escapes the byte after
        /// it. `carry` says whether the window's first byte is escaped, and becomes whether the next
        /// window's is. (The method simdjson uses: runs starting on odd bits are told apart from those
        /// on even bits by adding the run starts to the backslashes, which carries through each run.)
        @inline(__always)
        func escaped(carry: inout UInt64) -> UInt64 {
            let evenBits: UInt64 = 0x5555_5555_5555_5555
            let backslashes = self.backslashes & ~carry
            let followsBackslash = backslashes << 1 | carry
            let oddRunStarts = backslashes & ~evenBits & ~followsBackslash
            let (oddRunsCleared, overflow) = oddRunStarts.addingReportingOverflow(backslashes)
            carry = overflow ? 1 : 0
            return (evenBits ^ (oddRunsCleared << 1)) & followsBackslash
        }
    }
}
