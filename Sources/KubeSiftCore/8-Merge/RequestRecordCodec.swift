/// `requests.bin`: a shard's ``RequestRecord``s in fixed-width little-endian rows.
///
/// Binary, where the rest of a bundle is JSON: there is one record per distinct request, by far
/// the bulk of a bundle (tens of millions for a large shard), and the merge reads every one. A
/// 64-byte row is about a fifth of its JSON, and decodes without parsing.
///
/// Layout: the magic `KSREQ001`, the record count (8 bytes), then per record: fingerprint high
/// and low (8 + 8), receive time in microseconds (8; `Int64.min` for none), listing index of the
/// file (4), response code (4), stages (1), response rank (1), audit level (1: 0 none, 1 Metadata,
/// 2 Request, 3 RequestResponse), flags (1: bit 0, the code is present), then one key index per
/// keyed dimension (7 × 4).
package enum RequestRecordCodec {
    static let magic = Array("KSREQ001".utf8)
    static let recordBytes = 64
    private static let levels: [AuditLevel?] = [nil, .metadata, .request, .requestResponse]

    package static func encode(_ records: [RequestRecord]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(16 + records.count * recordBytes)
        append(UInt64(records.count), to: &bytes)
        for record in records {
            append(record.request.high, to: &bytes)
            append(record.request.low, to: &bytes)
            append(UInt64(bitPattern: record.time?.microseconds ?? .min), to: &bytes)
            append(UInt32(truncatingIfNeeded: record.file), to: &bytes)
            append(UInt32(bitPattern: Int32(clamping: record.code ?? 0)), to: &bytes)
            bytes.append(record.stages)
            bytes.append(record.responseRank)
            bytes.append(UInt8(levels.firstIndex(of: record.level) ?? 0))
            bytes.append(record.code == nil ? 0 : 1)
            for dimension in 0..<ActivityAccumulator.keyedDimensions.count {
                append(UInt32(bitPattern: record.keys[dimension]), to: &bytes)
            }
        }
        return bytes
    }

    /// - Throws: ``ShardBundleError/malformed(_:_:)`` when the bytes are not such a file.
    package static func decode(_ bytes: [UInt8], keyCounts: [Int]) throws(ShardBundleError) -> [RequestRecord] {
        guard keyCounts.count == ActivityAccumulator.keyedDimensions.count else {
            throw .malformed("shard.json", "it has \(keyCounts.count) key tables, not \(ActivityAccumulator.keyedDimensions.count)")
        }
        guard bytes.count >= 16, Array(bytes[0..<8]) == magic else {
            throw .malformed("requests.bin", "it does not start with \(String(decoding: magic, as: UTF8.self))")
        }
        let count = Int(clamping: read(UInt64.self, bytes, at: 8))
        guard count <= (bytes.count - 16) / recordBytes, bytes.count == 16 + count * recordBytes else {
            throw .malformed("requests.bin", "its size does not match its record count \(count)")
        }
        var records: [RequestRecord] = []
        records.reserveCapacity(count)
        for index in 0..<count {
            let offset = 16 + index * recordBytes
            let micros = Int64(bitPattern: read(UInt64.self, bytes, at: offset + 16))
            let level = Int(bytes[offset + 34])
            guard level < levels.count else { throw .malformed("requests.bin", "record \(index) has audit level \(level)") }
            var keys = DimensionKeys()
            for dimension in 0..<ActivityAccumulator.keyedDimensions.count {
                let key = Int32(bitPattern: read(UInt32.self, bytes, at: offset + 36 + dimension * 4))
                guard key >= DimensionKeys.overflow, key < keyCounts[dimension] else {
                    throw .malformed("requests.bin", "record \(index) names key \(key) of a table of \(keyCounts[dimension])")
                }
                keys[dimension] = key
            }
            records.append(RequestRecord(
                request: Fingerprint(high: read(UInt64.self, bytes, at: offset), low: read(UInt64.self, bytes, at: offset + 8)),
                time: micros == .min ? nil : Timestamp(microseconds: micros),
                file: Int(read(UInt32.self, bytes, at: offset + 24)),
                keys: keys, level: levels[level], stages: bytes[offset + 32], responseRank: bytes[offset + 33],
                code: bytes[offset + 35] & 1 == 1 ? Int(Int32(bitPattern: read(UInt32.self, bytes, at: offset + 28))) : nil))
        }
        return records
    }

    private static func append<Word: FixedWidthInteger>(_ value: Word, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<Word: FixedWidthInteger>(_: Word.Type, _ bytes: [UInt8], at offset: Int) -> Word {
        var value = Word.zero
        for index in (0..<MemoryLayout<Word>.size).reversed() { value = value << 8 | Word(bytes[offset + index]) }
        return value
    }
}
