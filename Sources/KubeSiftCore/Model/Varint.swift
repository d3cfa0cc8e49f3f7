/// Variable-length integers as Avro and KubeSift's shard bundles write them: unsigned LEB128 (seven
/// bits a byte, low first, the high bit set on every byte but the last), signed values zig-zag
/// encoded first so that small negatives stay short.
enum Varint {
    enum Decoded: Equatable {
        case value(UInt64)
        /// The bytes end before the last byte of the number.
        case truncated
        /// More than 64 bits: no writer produces it, the data is damaged.
        case overflow
    }

    /// Decodes the number at `offset` and moves past it (not when it is truncated).
    static func decode<Bytes: RandomAccessCollection>(_ bytes: Bytes, at offset: inout Int) -> Decoded
        where Bytes.Element == UInt8, Bytes.Index == Int
    {
        var value: UInt64 = 0
        var position = offset
        for shift in stride(from: 0, to: 64, by: 7) {
            guard position < bytes.endIndex else { return .truncated }
            let byte = bytes[position]
            position += 1
            let bits = UInt64(byte & 0x7F)
            // The tenth byte carries the 64th bit only.
            guard shift < 63 || bits <= 1 else { return .overflow }
            value |= bits << UInt64(shift)
            if byte & 0x80 == 0 {
                offset = position
                return .value(value)
            }
        }
        return .overflow
    }

    static func encode(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func zigZag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    static func unZigZag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
