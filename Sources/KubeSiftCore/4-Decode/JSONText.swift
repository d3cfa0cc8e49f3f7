/// Turns escaped JSON string content into text.
enum JSONText {
    /// Unescapes JSON string content (`\"`, `\\`, `\n`, `\u003c`, surrogate pairs) into UTF-8 bytes.
    /// A malformed escape becomes U+FFFD rather than an error: the value is evidence, kept as seen.
    static func unescape(_ start: UnsafePointer<UInt8>, _ count: Int, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        // Room for the worst case (a bad `\u` escape becomes a 3-byte U+FFFD: half as long again),
        // and the text between escapes copied a run at a time: appended byte by byte, unescaping
        // was half of a request's fingerprint.
        output.reserveCapacity(count * 3 / 2 + 4)
        var index = 0
        while index < count {
            var end = index
            while end < count, start[end] != UInt8(ascii: "\\") { end += 1 }
            if end > index { output.append(contentsOf: UnsafeBufferPointer(start: start + index, count: end - index)) }
            guard end + 1 < count else {
                // A backslash that ends the text is kept as it is.
                if end < count { output.append(start[end]) }
                return
            }
            let escape = start[end + 1]
            index = end + 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                let decoded = unicodeEscape(start, at: index, limit: count)
                output.append(contentsOf: UTF8.encode(decoded.scalar)!)
                index = decoded.next
            default: output.append(escape)
            }
        }
    }

    /// Decodes the `XXXX` after `\u` at `index` (with the low surrogate that follows a high one),
    /// reading no further than `limit`; returns the scalar and the index after what it used. A
    /// malformed escape is U+FFFD and uses nothing.
    static func unicodeEscape(_ base: UnsafePointer<UInt8>, at index: Int, limit: Int) -> (scalar: Unicode.Scalar, next: Int) {
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= limit else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = base[at + offset]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        guard let first = hex(index) else { return ("\u{FFFD}", index) }
        if (0xD800..<0xDC00).contains(first), index + 5 < limit, base[index + 4] == UInt8(ascii: "\\"),
           base[index + 5] == UInt8(ascii: "u"), let second = hex(index + 6), (0xDC00..<0xE000).contains(second)
        {
            return (Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) ?? "\u{FFFD}", index + 10)
        }
        return (Unicode.Scalar(first) ?? "\u{FFFD}", index + 4)
    }

    /// The text of a string span: decoded directly when it has no escapes (the common case).
    static func string(_ base: UnsafePointer<UInt8>, _ span: StringSpan) -> String? {
        guard span.isPresent else { return nil }
        if !span.escaped {
            return String(decoding: UnsafeBufferPointer(start: base + span.start, count: span.count), as: UTF8.self)
        }
        var scratch: [UInt8] = []
        unescape(base + span.start, span.count, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}
