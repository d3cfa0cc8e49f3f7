/// Turns escaped JSON string content into text.
enum JSONText {
    /// Unescapes JSON string content (`\"`, `\\`, `\n`, `\u003c`, surrogate pairs) into UTF-8 bytes.
    /// A malformed escape becomes U+FFFD rather than an error: the value is evidence, kept as seen.
    static func unescape(_ start: UnsafePointer<UInt8>, _ count: Int, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        var index = 0
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = start[at + offset]
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
        func appendScalar(_ value: UInt32) {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            output.append(contentsOf: UTF8.encode(scalar)!)
        }
        while index < count {
            let byte = start[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < count else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = start[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard let first = hex(index) else {
                    appendScalar(0xFFFD)
                    continue
                }
                index += 4
                if (0xD800..<0xDC00).contains(first), index + 1 < count, start[index] == UInt8(ascii: "\\"),
                   start[index + 1] == UInt8(ascii: "u"), let second = hex(index + 2), (0xDC00..<0xE000).contains(second) {
                    index += 6
                    appendScalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                } else {
                    appendScalar(first)
                }
            default: output.append(escape)
            }
        }
    }

    /// The text of a string span: decoded directly when it has no escapes (the common case).
    static func string(_ base: UnsafePointer<UInt8>, _ span: StringSpan) -> String? {
        guard span.isPresent else { return nil }
        if !span.escaped {
            return String(decoding: UnsafeBufferPointer(start: base + span.start, count: span.count), as: UTF8.self)
        }
        // Unescaped text is at most half as long again (a bad `\u` escape becomes a 3-byte U+FFFD).
        var scratch: [UInt8] = []
        scratch.reserveCapacity(span.count * 3 / 2 + 4)
        unescape(base + span.start, span.count, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}
