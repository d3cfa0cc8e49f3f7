/// Checks that a record is UTF-8, as JSON must be, cheaply for the common all-ASCII record.
enum UTF8Check {
    static func isValid(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let raw = UnsafeRawPointer(start)
        var index = 0
        while index < count {
            // Audit records are almost always ASCII: test 32 and then eight bytes at a time for a high
            // bit, and come back to that after each non-ASCII character (a long record has a few, a
            // `µs` or a name).
            while index + 32 <= count,
                  (raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                      | raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                      | raw.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                      | raw.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)) & 0x8080_8080_8080_8080 == 0
            {
                index += 32
            }
            while index + 8 <= count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < count else { return true }
            let lead = start[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
            default: return false
            }
            guard index + length <= count else { return false }
            for offset in 1..<length {
                let continuation = start[index + offset]
                guard continuation & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            index += length
        }
        return true
    }
}
