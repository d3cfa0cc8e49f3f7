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

    /// The file handed to `emit` a block of `blockRecords` rows at a time.
    static func encode<Failure: Error>(_ records: [RequestRecord], blockRecords: Int = 1 << 16,
                                       emit: ([UInt8]) throws(Failure) -> Void) throws(Failure) {
        var header = magic
        append(UInt64(records.count), to: &header)
        try emit(header)
        var start = 0
        while start < records.count {
            let end = min(records.count, start + blockRecords)
            try emit(rows(records[start..<end]))
            start = end
        }
    }

    private static func rows(_ records: ArraySlice<RequestRecord>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * recordBytes)
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

    static let headerBytes = 16

    /// The record count of a file that starts with `header` and is `fileSize` bytes long.
    ///
    /// - Throws: ``ShardBundleError/malformed(_:_:)`` when it is not such a file, or cut or padded.
    static func recordCount(header: [UInt8], fileSize: Int, name: String) throws(ShardBundleError) -> Int {
        guard header.count == headerBytes, Array(header[0..<8]) == magic else {
            throw .malformed(name, "it does not start with \(String(decoding: magic, as: UTF8.self))")
        }
        let count = header[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard count <= UInt64((fileSize - headerBytes) / recordBytes), fileSize == headerBytes + Int(count) * recordBytes else {
            throw .malformed(name, "its size, \(fileSize) bytes, does not match its record count \(count)")
        }
        return Int(count)
    }

    /// Decodes `rows` records from `bytes` (rows only, no header).
    ///
    /// - Parameters:
    ///   - keyCounts: per keyed dimension, the size of the shard's key table: every key must be in it.
    ///   - firstIndex: the index of the first row in the file, for error messages.
    /// - Throws: ``ShardBundleError/malformed(_:_:)`` when a row holds a value no shard writes.
    static func decode(_ bytes: [UInt8], rows: Int, keyCounts: [Int], firstIndex: Int, name: String)
        throws(ShardBundleError) -> [RequestRecord]
    {
        precondition(bytes.count == rows * recordBytes)
        let dimensions = ActivityAccumulator.keyedDimensions.count
        var records: [RequestRecord] = []
        records.reserveCapacity(rows)
        var problem: String?
        bytes.withUnsafeBytes { raw in
            func word<Word: FixedWidthInteger>(_: Word.Type, _ offset: Int) -> Word {
                Word(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Word.self))
            }
            for row in 0..<rows {
                let offset = row * recordBytes
                let level = Int(raw[offset + 34])
                guard level < levels.count else {
                    problem = "record \(firstIndex + row) has audit level \(level)"
                    return
                }
                var keys = DimensionKeys()
                for dimension in 0..<dimensions {
                    let key = Int32(bitPattern: word(UInt32.self, offset + 36 + dimension * 4))
                    guard key >= DimensionKeys.overflow, key < keyCounts[dimension] else {
                        problem = "record \(firstIndex + row) names key \(key) of a table of \(keyCounts[dimension])"
                        return
                    }
                    keys[dimension] = key
                }
                let micros = Int64(bitPattern: word(UInt64.self, offset + 16))
                records.append(RequestRecord(
                    request: Fingerprint(high: word(UInt64.self, offset), low: word(UInt64.self, offset + 8)),
                    time: micros == .min ? nil : Timestamp(microseconds: micros),
                    file: Int(word(UInt32.self, offset + 24)),
                    keys: keys, level: levels[level], stages: raw[offset + 32], responseRank: raw[offset + 33],
                    code: raw[offset + 35] & 1 == 1 ? Int(Int32(bitPattern: word(UInt32.self, offset + 28))) : nil))
            }
        }
        if let problem { throw .malformed(name, problem) }
        return records
    }

    private static func append<Word: FixedWidthInteger>(_ value: Word, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
