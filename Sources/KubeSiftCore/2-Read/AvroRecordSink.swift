#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CCompression

/// Reads an Avro object container file as it streams (Azure Event Hubs Capture writes one per
/// partition and interval), and hands the next sink one line per record: the record's `Body`, which
/// holds what was sent to the hub — for AKS diagnostic settings, a `{"records":[…]}` document.
///
/// Line *n* of what the next sink sees is record *n* of the file, so evidence points at the record:
/// a record without a body, and every record of a block whose records cannot be decoded, leaves an
/// empty line. A block whose framing is damaged costs only the records up to the next sync marker,
/// where reading resumes; their number is unknown, so from there on lines count the records read.
final class AvroRecordSink: MemberSink {
    /// The first bytes of every Avro object container file.
    static let magic: [UInt8] = [0x4F, 0x62, 0x6A, 0x01] // "Obj" 1

    static func isContainer(_ block: UnsafeRawBufferPointer) -> Bool {
        block.count >= magic.count && zip(block, magic).allSatisfy { $0 == $1 }
    }

    /// Larger headers or blocks are not what any writer produces, and would cost memory: damage.
    static let maximumHeaderBytes = 1 << 20
    static let maximumBlockBytes = 64 << 20

    private let next: any MemberSink
    private var member: String?
    private var buffer: [UInt8] = []
    private var position = 0
    private var stage = Stage.header
    private var layout: Layout?
    private var blocks = 0
    private var problems: [InputProblem] = []
    private var lines: [UInt8] = []

    private enum Stage { case header, blocks, resynchronising, stopped }

    /// What the header says about every block.
    private struct Layout {
        var schema: AvroSchema
        var named: [String: AvroSchema]
        var body: Int
        var deflated: Bool
        var sync: [UInt8]
    }

    init(next: any MemberSink) {
        self.next = next
    }

    /// The codec named in the header, for the inputs table (`avro`, `avro+deflate`).
    private(set) var encoding = "avro"

    func beginMember(index: Int, name: String?, compressions: [String]) {
        member = name
        next.beginMember(index: index, name: name, compressions: compressions)
    }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        guard stage != .stopped else { return }
        buffer.append(contentsOf: bytes)
        while advance() {}
        if position > 1 << 20, position * 2 > buffer.count {
            buffer.removeSubrange(0..<position)
            position = 0
        }
    }

    func endMember(damaged: Bool) -> InputProblem? {
        let leftover = buffer.count - position
        switch stage {
        case .header:
            report(.truncated, "Avro container ends inside its header (\(buffer.count) bytes); no record could be read")
        case .blocks where leftover > 0:
            report(.truncated, "Avro container ends inside block \(blocks + 1) (\(leftover) bytes); "
                + "its records were lost, every record before them was analyzed")
        case .resynchronising:
            report(.corrupt, "Avro container: no sync marker after the damaged block; the rest of the file was not read")
        default:
            break
        }
        let nextProblem = next.endMember(damaged: damaged || !problems.isEmpty)
        // The container's own problems say more than "no audit data" about a file they kept from being read.
        return problems.first ?? nextProblem
    }

    /// Whatever went wrong beyond the first problem, for the inputs table.
    var laterProblems: [InputProblem] { Array(problems.dropFirst()) }

    private func report(_ kind: InputProblem.Kind, _ message: String) {
        problems.append(InputProblem(kind: kind, member: member, message: message))
    }

    /// Takes one step on the buffered bytes; `false` when more bytes are needed (or reading stopped).
    private func advance() -> Bool {
        switch stage {
        case .header: return readHeader()
        case .blocks: return readBlock()
        case .resynchronising: return resynchronise()
        case .stopped: return false
        }
    }

    private func readHeader() -> Bool {
        var cursor = AvroCursor(buffer, from: position)
        do throws(AvroCursor.Failure) {
            try cursor.skip(Self.magic.count)
            var metadata: [String: [UInt8]] = [:]
            while true {
                var count = try cursor.long()
                if count == 0 { break }
                if count < 0 {
                    count = -count
                    _ = try cursor.long()
                }
                for _ in 0..<count {
                    let key = String(decoding: buffer[try cursor.lengthPrefixed()], as: UTF8.self)
                    metadata[key] = Array(buffer[try cursor.lengthPrefixed()])
                }
            }
            let sync = Array(buffer[try cursor.take(16)])
            try configure(metadata: metadata, sync: sync)
            position = cursor.offset
            stage = .blocks
            return true
        } catch {
            switch error {
            case .needMore:
                if buffer.count - position > Self.maximumHeaderBytes {
                    stop(.corrupt, "Avro header larger than \(Self.maximumHeaderBytes >> 20) MiB; not read")
                }
            case let .invalid(message):
                stop(.corrupt, "Avro header: \(message); not read")
            }
            return false
        }
    }

    private func configure(metadata: [String: [UInt8]], sync: [UInt8]) throws(AvroCursor.Failure) {
        let codec = metadata["avro.codec"].map { String(decoding: $0, as: UTF8.self) } ?? "null"
        guard codec == "null" || codec == "deflate" else {
            throw .invalid("codec \"\(codec)\" is not supported (null and deflate are)")
        }
        encoding = codec == "null" ? "avro" : "avro+\(codec)"
        guard let text = metadata["avro.schema"] else { throw .invalid("no avro.schema entry") }
        let parsed: (root: AvroSchema, named: [String: AvroSchema])
        do {
            parsed = try AvroSchema.parse(try text.withUnsafeBytes { bytes throws(ScanFailure) in try JSONValue.parse(bytes) })
        } catch {
            throw .invalid("its schema cannot be read (\(error))")
        }
        guard let body = parsed.root.bodyField else {
            throw .invalid("its records have no Body field of bytes or string, so they are not Event Hubs Capture records")
        }
        layout = Layout(schema: parsed.root, named: parsed.named, body: body, deflated: codec == "deflate", sync: sync)
    }

    private func readBlock() -> Bool {
        guard let layout else { return false }
        var cursor = AvroCursor(buffer, from: position)
        let count: Int
        let data: Range<Int>
        do throws(AvroCursor.Failure) {
            count = try cursor.long()
            let size = try cursor.long()
            // Every record holds at least its body's length or union branch: one byte.
            guard count >= 0, size >= 0, size <= Self.maximumBlockBytes, count <= size else {
                throw .invalid("block \(blocks + 1) declares \(count) records in \(size) bytes")
            }
            data = try cursor.take(size)
            guard buffer[try cursor.take(16)].elementsEqual(layout.sync) else {
                throw .invalid("block \(blocks + 1) does not end with the file's sync marker")
            }
        } catch {
            guard case let .invalid(message) = error else { return false }
            report(.corrupt, "Avro container: \(message); skipped to the next sync marker")
            blocks += 1
            position += 1
            stage = .resynchronising
            return true
        }
        blocks += 1
        position = cursor.offset
        emitRecords(count: count, data: data, layout: layout)
        return true
    }

    private func resynchronise() -> Bool {
        guard let sync = layout?.sync else { return false }
        let searchable = buffer.count - position
        guard searchable >= sync.count else { return false }
        guard let found = buffer[position...].firstRange(of: sync)?.lowerBound else {
            position = buffer.count - (sync.count - 1)
            return false
        }
        position = found + sync.count
        stage = .blocks
        return true
    }

    private func stop(_ kind: InputProblem.Kind, _ message: String) {
        report(kind, message)
        stage = .stopped
        buffer = []
        position = 0
    }

    /// Hands over one line per record of a block: its body with raw line breaks made spaces (JSON
    /// allows them only between tokens, where a space means the same), or an empty line.
    private func emitRecords(count: Int, data: Range<Int>, layout: Layout) {
        lines.removeAll(keepingCapacity: true)
        var decodedCount = 0
        var inflated = true
        if !layout.deflated {
            decodedCount = buffer.withUnsafeBytes {
                appendBodies(of: count, from: UnsafeRawBufferPointer(rebasing: $0[data]), layout: layout)
            }
        } else if let plain = buffer.withUnsafeBytes({ Self.inflateRaw(UnsafeRawBufferPointer(rebasing: $0[data])) }) {
            decodedCount = plain.withUnsafeBytes { appendBodies(of: count, from: $0, layout: layout) }
        } else {
            inflated = false
            report(.corrupt, "Avro block \(blocks): its deflate data is damaged; its \(count) records were lost")
        }
        if decodedCount < count {
            if inflated {
                report(.corrupt, "Avro block \(blocks): record \(decodedCount + 1) of \(count) cannot be decoded; "
                    + "the \(count - decodedCount) records from it to the end of the block were lost")
            }
            lines += [UInt8](repeating: 0x0A, count: count - decodedCount)
        }
        lines.withUnsafeBytes { next.consume($0) }
    }

    /// Appends the lines of up to `count` records; returns how many records decoded.
    private func appendBodies(of count: Int, from data: UnsafeRawBufferPointer, layout: Layout) -> Int {
        guard case let .record(_, fields) = layout.schema else { return 0 }
        var reader = AvroValueReader(data: data, named: layout.named)
        for decoded in 0..<count {
            do throws(AvroCursor.Failure) {
                var body: Range<Int>?
                for (index, field) in fields.enumerated() {
                    if index == layout.body {
                        body = try reader.bytesOrNull(field.type)
                    } else {
                        try reader.skip(field.type)
                    }
                }
                if let body {
                    for byte in data[body] { lines.append(byte == 0x0A || byte == 0x0D ? 0x20 : byte) }
                }
                lines.append(0x0A)
            } catch {
                return decoded
            }
        }
        return count
    }

    /// Inflates a raw deflate stream (RFC 1951, as Avro's deflate codec writes it); nil when damaged
    /// or larger than a block may be.
    private static func inflateRaw(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(4096, input.count * 4))
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var produced = 0
        while true {
            if produced == output.count {
                guard output.count < maximumBlockBytes else { return nil }
                output += [UInt8](repeating: 0, count: min(output.count, maximumBlockBytes - output.count))
            }
            let status = output.withUnsafeMutableBytes { buffer in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                stream.avail_out = uInt(buffer.count - produced)
                let status = inflate(&stream, Z_NO_FLUSH)
                produced = buffer.count - Int(stream.avail_out)
                return status
            }
            switch status {
            case Z_STREAM_END:
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in > 0 && produced == output.count:
                continue
            default:
                return nil
            }
        }
    }
}

/// Reads Avro's binary encoding from a byte buffer: zig-zag varints and length-prefixed bytes.
struct AvroCursor {
    enum Failure: Error {
        /// The bytes end before the value does.
        case needMore
        case invalid(String)
    }

    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], from offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func long() throws(Failure) -> Int { try Self.long(in: bytes, at: &offset) }

    /// Decodes the zig-zag varint at `offset`, and moves past it.
    static func long<Bytes: RandomAccessCollection>(in bytes: Bytes, at offset: inout Int) throws(Failure) -> Int
        where Bytes.Element == UInt8, Bytes.Index == Int
    {
        switch Varint.decode(bytes, at: &offset) {
        case let .value(value): return Int(Varint.unZigZag(value))
        case .truncated: throw .needMore
        case .overflow: throw .invalid("a number longer than 64 bits")
        }
    }

    mutating func take(_ count: Int) throws(Failure) -> Range<Int> {
        guard count >= 0 else { throw .invalid("a negative length") }
        guard bytes.count - offset >= count else { throw .needMore }
        defer { offset += count }
        return offset..<offset + count
    }

    mutating func skip(_ count: Int) throws(Failure) { _ = try take(count) }

    mutating func lengthPrefixed() throws(Failure) -> Range<Int> { try take(try long()) }
}

/// Steps over the values of one decoded block, by schema, without building them.
struct AvroValueReader {
    let data: UnsafeRawBufferPointer
    let named: [String: AvroSchema]
    private var offset = 0
    private var depth = 0

    init(data: UnsafeRawBufferPointer, named: [String: AvroSchema]) {
        self.data = data
        self.named = named
    }

    private mutating func long() throws(AvroCursor.Failure) -> Int {
        do {
            return try AvroCursor.long(in: data, at: &offset)
        } catch {
            // Within a decoded block, running out of bytes is damage, not a wait for more.
            guard case .needMore = error else { throw error }
            throw .invalid("a number past the end of the block")
        }
    }

    private mutating func take(_ count: Int) throws(AvroCursor.Failure) -> Range<Int> {
        guard count >= 0, data.count - offset >= count else { throw .invalid("a length past the end of the block") }
        defer { offset += count }
        return offset..<offset + count
    }

    /// The bytes of a `bytes` or `string` value, or of the branch of a union that is one; nil for null.
    mutating func bytesOrNull(_ schema: AvroSchema) throws(AvroCursor.Failure) -> Range<Int>? {
        switch schema {
        case .bytes, .string:
            return try take(try long())
        case let .union(branches):
            let branch = try long()
            guard branches.indices.contains(branch) else { throw .invalid("union branch \(branch) out of range") }
            switch branches[branch] {
            case .bytes, .string: return try take(try long())
            default:
                try skip(branches[branch])
                return nil
            }
        default:
            try skip(schema)
            return nil
        }
    }

    mutating func skip(_ schema: AvroSchema) throws(AvroCursor.Failure) {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw .invalid("values nested too deep") }
        switch schema {
        case .null: break
        case .boolean: _ = try take(1)
        case .int, .long, .enumeration: _ = try long()
        case .float: _ = try take(4)
        case .double: _ = try take(8)
        case .bytes, .string: _ = try take(try long())
        case .fixed(let size): _ = try take(size)
        case let .record(_, fields):
            for field in fields { try skip(field.type) }
        case let .array(items):
            try skipBlocks { reader throws(AvroCursor.Failure) in try reader.skip(items) }
        case let .map(values):
            try skipBlocks { reader throws(AvroCursor.Failure) in
                _ = try reader.take(try reader.long())
                try reader.skip(values)
            }
        case let .union(branches):
            let branch = try long()
            guard branches.indices.contains(branch) else { throw .invalid("union branch \(branch) out of range") }
            try skip(branches[branch])
        case let .reference(name):
            guard let resolved = named[name], resolved != schema else { throw .invalid("unresolved type \(name)") }
            try skip(resolved)
        }
    }

    /// Arrays and maps come in blocks: a count (negative: followed by the block's size), then items.
    private mutating func skipBlocks(_ item: (inout AvroValueReader) throws(AvroCursor.Failure) -> Void)
        throws(AvroCursor.Failure)
    {
        while true {
            var count = try long()
            if count == 0 { return }
            if count < 0 {
                count = -count
                let size = try long()
                _ = try take(size)
                continue
            }
            guard count <= data.count - offset else { throw .invalid("more items than bytes") }
            for _ in 0..<count { try item(&self) }
        }
    }
}
