import CByteMask

/// 64 bytes of JSON text as bit masks of the characters its structure turns on: the unit of work
/// of the scans that must find where strings and containers end without reading a byte at a time
/// (``StringRunScanner`` for the document splitter, ``JSONScanner``'s container skip).
///
/// Bit `i` of each mask is set when byte `i` of the window is that character. On x86-64 the masks
/// come from SSE2's compare and movemask (``CByteMask``); elsewhere from a portable stand-in.
struct JSONWindow {
    var quotes: UInt64 = 0
    var backslashes: UInt64 = 0
    var newlines: UInt64 = 0
    /// `/`, which Azure escapes.
    var slashes: UInt64 = 0
    /// `{` or `[`.
    var opens: UInt64 = 0
    /// `}` or `]`.
    var closes: UInt64 = 0
    /// Space, tab or carriage return (newlines have their own mask).
    var blanks: UInt64 = 0

    /// The window of the 64 bytes at `pointer`, which need not be aligned.
    @inline(__always)
    init(_ pointer: UnsafeRawPointer) {
        #if arch(x86_64)
        let masks = ks_json_masks_of(pointer)
        quotes = masks.quotes
        backslashes = masks.backslashes
        newlines = masks.newlines
        slashes = masks.slashes
        opens = masks.opens
        closes = masks.closes
        blanks = masks.blanks
        #else
        self.init(portable: pointer)
        #endif
    }

    /// The same window from Swift's portable SIMD types: what other architectures use, and what
    /// the tests hold the SSE2 path to.
    @inline(__always)
    init(portable pointer: UnsafeRawPointer) {
        for part in 0..<4 {
            let bytes = pointer.loadUnaligned(fromByteOffset: part * 16, as: SIMD16<UInt8>.self)
            let shift = UInt64(part * 16)
            // `{` and `[` differ only in bit 0x20, as do `}` and `]`.
            let folded = bytes | SIMD16(repeating: 0x20)
            quotes |= Self.bits(bytes .== SIMD16(repeating: UInt8(ascii: "\""))) << shift
            backslashes |= Self.bits(bytes .== SIMD16(repeating: UInt8(ascii: "\\"))) << shift
            newlines |= Self.bits(bytes .== SIMD16(repeating: 0x0A)) << shift
            slashes |= Self.bits(bytes .== SIMD16(repeating: UInt8(ascii: "/"))) << shift
            opens |= Self.bits(folded .== SIMD16(repeating: UInt8(ascii: "{"))) << shift
            closes |= Self.bits(folded .== SIMD16(repeating: UInt8(ascii: "}"))) << shift
            let blank = (bytes .== SIMD16(repeating: 0x20)) .| (bytes .== SIMD16(repeating: 0x09)) .| (bytes .== SIMD16(repeating: 0x0D))
            blanks |= Self.bits(blank) << shift
        }
    }

    /// Bit `i` is set when byte `i` of the 16 at `pointer` (unaligned) is a quote or a backslash:
    /// where a string's content may stop.
    @inline(__always)
    static func stringStops16(_ pointer: UnsafeRawPointer) -> UInt32 {
        #if arch(x86_64)
        return ks_string_stops16(pointer)
        #else
        return portableStringStops16(pointer)
        #endif
    }

    @inline(__always)
    static func portableStringStops16(_ pointer: UnsafeRawPointer) -> UInt32 {
        let bytes = pointer.loadUnaligned(as: SIMD16<UInt8>.self)
        let stops = (bytes .== SIMD16(repeating: UInt8(ascii: "\""))) .| (bytes .== SIMD16(repeating: UInt8(ascii: "\\")))
        return UInt32(truncatingIfNeeded: bits(stops))
    }

    /// One bit per lane of a comparison (lanes all ones or all zeros). Without a movemask, each
    /// half's top bits are gathered into one byte with a multiply: each product bit that lands in
    /// the top byte comes from exactly one lane, and no carry reaches it.
    @inline(__always)
    private static func bits(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt64 {
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

    /// The bytes inside strings, given the window's unescaped quotes: from each opening quote (set)
    /// to its closing quote (clear). `carry` is all ones when the window starts inside a string, and
    /// becomes whether the next one does.
    @inline(__always)
    static func insideStrings(quotes: UInt64, carry: inout UInt64) -> UInt64 {
        // Bit i becomes the parity of the quotes at or before i.
        var inside = quotes
        inside ^= inside << 1
        inside ^= inside << 2
        inside ^= inside << 4
        inside ^= inside << 8
        inside ^= inside << 16
        inside ^= inside << 32
        inside ^= carry
        carry = UInt64(bitPattern: Int64(bitPattern: inside) >> 63)
        return inside
    }
}

/// What this CPU runs beyond SSE2, asked once: the kernels that need more are chosen at run time (as
/// simdjson chooses its kernels), so that one binary runs on any x86-64.
enum CPUFeatures {
    /// AVX2, with POPCNT, BMI and PCLMUL: the unescaping where VBMI2 is missing, the splitter's window
    /// copy where AVX-512BW is missing.
    static let avx2 = ks_has_avx2() != 0
    /// AVX-512BW, with POPCNT, BMI and PCLMUL: the document splitter's window copy.
    static let avx512BW = ks_has_avx512_bw() != 0
    /// AVX-512 VBMI2's byte compress: the unescaping of an event sent as a string.
    static let avx512VBMI2 = ks_has_avx512_vbmi2() != 0
}
