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

/// A growable byte buffer a decoder unwraps events into (an event sent as a JSON string, a GKE entry
/// rewritten as an audit event), reused from record to record so that unwrapping allocates nothing.
///
/// A raw allocation rather than an array: the unescape loop writes through a pointer, eight bytes at
/// a time, without per-byte capacity checks. Owned by one decoder; never shared between threads.
final class ByteScratch {
    private(set) var pointer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 16 << 10) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    var base: UnsafePointer<UInt8> { UnsafePointer(pointer) }

    /// Makes room for `needed` bytes in all, keeping the first `count`.
    @inline(__always)
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let grown = max(needed, capacity * 2)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: pointer, count: count)
        pointer.deallocate()
        pointer = larger
        capacity = grown
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(count + 1)
        pointer[count] = byte
        count += 1
    }

    /// Appends `length` bytes. Keys are built of short fields (a verb, a user name): up to 32
    /// bytes are copied as two overlapping loads and stores, a `memcpy` call cost more than the copy.
    @inline(__always)
    func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        guard length > 0 else { return }
        reserve(count + length)
        let source = UnsafeRawPointer(bytes), target = UnsafeMutableRawPointer(pointer + count)
        switch length {
        case 1...3:
            for index in 0..<length { target.storeBytes(of: bytes[index], toByteOffset: index, as: UInt8.self) }
        case 4...7:
            Self.copyOverlapping(source, target, length, as: UInt32.self)
        case 8...16:
            Self.copyOverlapping(source, target, length, as: UInt64.self)
        case 17...32:
            Self.copyOverlapping(source, target, length, as: SIMD16<UInt8>.self)
        default:
            (pointer + count).update(from: bytes, count: length)
        }
        count += length
    }

    /// Copies `length` bytes (one to two words' worth) as the first and the last word, which overlap.
    @inline(__always)
    private static func copyOverlapping<Word>(_ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer, _ length: Int,
                                              as _: Word.Type)
    {
        let size = MemoryLayout<Word>.size
        let first = source.loadUnaligned(as: Word.self), last = source.loadUnaligned(fromByteOffset: length - size, as: Word.self)
        target.storeBytes(of: first, as: Word.self)
        target.storeBytes(of: last, toByteOffset: length - size, as: Word.self)
    }

    func append(_ literal: StaticString) {
        append(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { append(base, count: $0.count) } }
    }

    /// Appends `bytes` as the content of a JSON string (quotes, backslashes and control bytes escaped).
    func appendEscaped(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        reserve(count + length)
        for index in 0..<length {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                append(UInt8(ascii: "\\"))
                append(byte)
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                append("\\u00")
                append(hex.utf8Start[Int(byte >> 4)])
                append(hex.utf8Start[Int(byte & 0x0F)])
            default:
                append(byte)
            }
        }
    }

    /// Whether the content ends with `suffix`.
    func hasSuffix(_ suffix: StaticString) -> Bool {
        let length = suffix.utf8CodeUnitCount
        return count >= length && memcmp(pointer + count - length, suffix.utf8Start, length) == 0
    }
}

extension JSONScanner {
    /// Which loop unescapes a string's windows.
    enum UnescapeKernel {
        /// SSE2 masks (``JSONWindow``), runs copied 16 bytes at a time: any x86-64, and the portable
        /// masks elsewhere.
        case windows
        /// AVX2's byte shuffle packs a window eight bytes at a time from a table (`CByteMask`): most
        /// x86-64 CPUs without AVX-512 (AMD before Zen 4, Intel desktops).
        case avx2
        /// AVX-512's byte compress packs a window in one instruction (`CByteMask`).
        case avx512

        /// What this CPU runs best.
        static var best: UnescapeKernel { CPUFeatures.avx512VBMI2 ? .avx512 : CPUFeatures.avx2 ? .avx2 : .windows }

        /// The kernels this CPU can run.
        static var available: [UnescapeKernel] {
            [.windows] + (CPUFeatures.avx2 ? [.avx2] : []) + (CPUFeatures.avx512VBMI2 ? [.avx512] : [])
        }
    }

    /// Scans a string starting at its opening quote and writes its unescaped content to the end of
    /// `output`; leaves the position after the closing quote.
    ///
    /// This is how an event sent as a string (a CloudWatch `message`, an AKS `properties.log`)
    /// becomes bytes the event decoder reads as it reads a native line: 64 bytes at a time while the
    /// escapes are `\"`, `\\` and `\/`, eight at a time near the end. Escapes are decoded like
    /// ``JSONText/unescape(_:_:into:)`` does.
    mutating func scanStringUnescaped(into output: ByteScratch, kernel: UnescapeKernel = .best) throws(ScanFailure) {
        guard position < end else { throw .unexpectedEnd }
        guard base[position] == UInt8(ascii: "\"") else { throw .unexpectedByte }
        var index = position + 1
        // Unescaped content is never longer than escaped content; slack for the wide stores, more
        // when a malformed escape grows (checked where it happens).
        output.reserve(output.count + (end - index) + 64)
        var written = output.count
        while true {
            // `\"`, `\\` and `\/` (nearly every escape in an event sent as a string) without
            // leaving the window or word loop.
            switch kernel {
            case .windows: Self.copyPlainWindows(base, &index, end: end, to: output.pointer, &written)
            case .avx2:
                #if arch(x86_64)
                index = ks_unescape_windows_avx2(base, index, end, output.pointer, &written)
                #endif
            case .avx512:
                #if arch(x86_64)
                index = ks_unescape_windows_avx512(base, index, end, output.pointer, &written)
                #endif
            }
            Self.copyPlainRuns(base, &index, end: end, to: output.pointer, &written)
            guard index < end else { throw .unexpectedEnd }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                output.count = written
                position = index + 1
                return
            }
            guard byte == UInt8(ascii: "\\") else {
                output.pointer[written] = byte
                written += 1
                index += 1
                continue
            }
            guard index + 1 < end else { throw .unexpectedEnd }
            let escape = base[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.pointer[written] = 0x0A
            case UInt8(ascii: "t"): output.pointer[written] = 0x09
            case UInt8(ascii: "r"): output.pointer[written] = 0x0D
            case UInt8(ascii: "b"): output.pointer[written] = 0x08
            case UInt8(ascii: "f"): output.pointer[written] = 0x0C
            case UInt8(ascii: "u"):
                output.count = written
                let decoded = JSONText.unicodeEscape(base, at: index, limit: end)
                for byte in UTF8.encode(decoded.scalar)! { output.append(byte) }
                output.reserve(output.count + (end - decoded.next) + 64)
                index = decoded.next
                written = output.count
                continue
            default: output.pointer[written] = escape
            }
            written += 1
        }
    }

    /// Copies from `input` at `index` to `output` at `written` a 64-byte window at a time
    /// (``JSONWindow``), dropping the backslash of each `\"`, `\\` and `\/`, up to a quote no
    /// backslash escapes or any other escape, or until fewer than 80 bytes are left.
    ///
    /// An event sent as a string has an escape every few bytes (`\"` around every key), so the
    /// runs between them are copied sixteen bytes at a time, reading up to 16 bytes past the window
    /// (hence the 80) and writing up to 16 past `written`.
    @inline(__always)
    private static func copyPlainWindows(_ input: UnsafePointer<UInt8>, _ index: inout Int, end: Int,
                                 to output: UnsafeMutablePointer<UInt8>, _ written: inout Int)
    {
        while end - index >= 80 {
            let window = JSONWindow(input + index)
            // No escape reaches into the window: one cut by the last window's end was finished there
            // (see `carried`).
            var noCarry: UInt64 = 0
            let escaped = window.escaped(carry: &noCarry)
            let escapeStarts = window.backslashes & ~escaped
            let plainEscapes = escaped & (window.quotes | window.backslashes | window.slashes)
            // Stop at the closing quote, or at an escape to decode (`\n`, `\u…`).
            let stops = window.quotes & ~escaped | (escaped & ~plainEscapes) >> 1
            var limit = stops == 0 ? 64 : stops.trailingZeroBitCount
            // An escape whose second byte is the next window's first (readable: see the 80).
            var carried: UInt8?
            if limit == 64 && escapeStarts >> 63 == 1 {
                let second = input[index + 64]
                if isPlainEscape(second) {
                    carried = second
                } else {
                    limit = 63
                }
            }
            var drops = limit == 64 ? escapeStarts : escapeStarts & (1 << UInt64(limit) - 1)
            var from = 0
            while drops != 0 {
                let drop = drops.trailingZeroBitCount
                copyRun(input + index + from, count: drop - from, to: output + written)
                written += drop - from
                from = drop + 1
                drops &= drops - 1
            }
            copyRun(input + index + from, count: limit - from, to: output + written)
            written += limit - from
            index += limit
            if let carried {
                output[written] = carried
                written += 1
                index += 1
            } else if limit < 64 {
                return
            }
        }
    }

    /// Whether an escape with this second byte stands for that byte itself (`\"`, `\\`, `\/`): the
    /// escapes the copy loops take in their stride.
    @inline(__always)
    private static func isPlainEscape(_ second: UInt8) -> Bool {
        second == UInt8(ascii: "\"") || second == UInt8(ascii: "\\") || second == UInt8(ascii: "/")
    }

    /// Copies `count` bytes sixteen at a time: reads and writes up to 16 bytes past them.
    @inline(__always)
    private static func copyRun(_ source: UnsafePointer<UInt8>, count: Int, to target: UnsafeMutablePointer<UInt8>) {
        // Most runs between escapes are shorter than 16: one copy, whatever the count.
        var offset = 0
        repeat {
            let bytes = UnsafeRawPointer(source + offset).loadUnaligned(as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(target + offset).storeBytes(of: bytes, as: SIMD16<UInt8>.self)
            offset += 16
        } while offset < count
    }

    /// Copies from `input` at `index` to `output` at `written`, eight bytes at a time, up to a quote
    /// or a backslash (or until fewer than eight bytes are left); `\"`, `\\` and `\/` are plain
    /// content, written as their escaped byte without leaving the loop. The word-wide stores write
    /// up to seven bytes past `written`.
    @inline(__always)
    private static func copyPlainRuns(_ input: UnsafePointer<UInt8>, _ index: inout Int, end: Int,
                                      to output: UnsafeMutablePointer<UInt8>, _ written: inout Int)
    {
        while index + 8 <= end {
            let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(output + written).storeBytes(of: word, as: UInt64.self)
            let special = quoteOrBackslash(word)
            if special == 0 {
                index += 8
                written += 8
                continue
            }
            let run = special.trailingZeroBitCount >> 3
            index += run
            written += run
            guard input[index] == UInt8(ascii: "\\"), index + 1 < end, isPlainEscape(input[index + 1]) else { return }
            output[written] = input[index + 1]
            written += 1
            index += 2
        }
    }

    /// A word with the high bit set in each byte that is `"` or `\` (exact for the lowest such byte,
    /// which is all the caller reads).
    @inline(__always)
    static func quoteOrBackslash(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        return ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes) & highs
    }
}
