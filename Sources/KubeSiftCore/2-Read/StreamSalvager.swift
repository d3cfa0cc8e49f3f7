import CCompression

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers the bytes libarchive gives up on when a single compressed stream breaks.
///
/// libarchive decompresses into a 64 KiB block and, when the stream turns out truncated or damaged,
/// drops the block it was filling: up to fifty events before the damage would be lost. The
/// compression libraries themselves hand on every byte they could decode. So when libarchive fails
/// on a plain `.gz`, `.zst` or `.xz` file, the file is decoded again with zlib, zstd or liblzma,
/// the bytes already delivered are skipped, and the rest, up to the real point of damage, is handed
/// on: exactly what `gzip -dc` (or `zstd -dc`, `xz -dc`) recovers.
enum StreamSalvager {
    static func canSalvage(_ compression: String) -> Bool { ["gzip", "zstd", "xz"].contains(compression) }

    /// The salvageable compression whose magic number `bytes` start with, if any.
    static func compression(startingWith bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x1F, 0x8B]) { return "gzip" }
        if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        if bytes.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        return nil
    }

    /// Decodes `path` from the start, skips the first `skipped` bytes of output and hands every
    /// further decodable byte to `deliver`.
    ///
    /// - Returns: how many bytes were delivered.
    static func salvage(path: String, compression: String, skipping skipped: Int64,
                        deliver: (UnsafeRawBufferPointer) -> Void) -> Int64
    {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        return withoutActuallyEscaping(deliver) { deliver in
            var output = OutputCursor(skipped: skipped, deliver: deliver)
            _ = decode(descriptor: descriptor, compression: compression, into: &output)
            return output.delivered
        }
    }

    /// Decodes every member of the `.gz` file at `path` to nowhere, letting zlib check each one's
    /// CRC-32 and length. Returns zlib's message for the first damaged member, nil when all are
    /// intact (what follows the last member is the trailing-data check's business).
    static func gzipDamage(path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var output = OutputCursor(skipped: .max, deliver: { _ in })
        return decode(descriptor: descriptor, compression: "gzip", into: &output)
    }

    /// - Returns: the decoder's message when the stream is damaged (gzip only), else nil.
    private static func decode(descriptor: Int32, compression: String, into output: inout OutputCursor) -> String? {
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer {
            input.deallocate()
            buffer.deallocate()
        }
        let readInput = { () -> Int in
            while true {
                let count = read(descriptor, input.baseAddress, input.count)
                if count < 0 && errno == EINTR { continue }
                return max(count, 0)
            }
        }
        switch compression {
        case "gzip": return inflateGzip(readInput, input, buffer, &output)
        case "zstd": decompressZstd(readInput, input, buffer, &output)
        case "xz": decompressXz(readInput, input, buffer, &output)
        default: break
        }
        return nil
    }

    /// Counts decoded bytes, hands on only those past the ones already delivered.
    private struct OutputCursor {
        var skipped: Int64
        let deliver: (UnsafeRawBufferPointer) -> Void
        var produced: Int64 = 0
        var delivered: Int64 = 0

        mutating func emit(_ start: UnsafeRawPointer, _ count: Int) {
            guard count > 0 else { return }
            let end = produced + Int64(count)
            if end > skipped {
                let offset = Int(max(0, skipped - produced))
                deliver(UnsafeRawBufferPointer(start: start + offset, count: count - offset))
                delivered += Int64(count - offset)
            }
            produced = end
        }
    }

    /// - Returns: zlib's message when a member is damaged (a broken stream, a wrong CRC-32 or length).
    private static func inflateGzip(_ readInput: () -> Int, _ input: UnsafeMutableRawBufferPointer,
                                    _ buffer: UnsafeMutableRawBufferPointer, _ output: inout OutputCursor) -> String?
    {
        var stream = z_stream()
        // 16 + 15: a gzip wrapper around a deflate stream with the largest window.
        guard inflateInit2_(&stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var membersEnded = 0
        var atMemberStart = true
        while true {
            let count = readInput()
            guard count > 0 else { return nil }
            stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(count)
            while stream.avail_in > 0 {
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let availableBefore = stream.avail_in
                let status = inflate(&stream, Z_NO_FLUSH)
                output.emit(buffer.baseAddress!, buffer.count - Int(stream.avail_out))
                if status == Z_STREAM_END {
                    // Concatenated gzip members are one log.
                    membersEnded += 1
                    atMemberStart = true
                    guard inflateReset(&stream) == Z_OK else { return nil }
                } else if status != Z_OK && status != Z_BUF_ERROR {
                    // Bytes after the last member that are no gzip header are not a damaged member.
                    if atMemberStart && membersEnded > 0 { return nil }
                    return stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                } else if stream.avail_in < availableBefore {
                    atMemberStart = false
                }
            }
        }
    }

    private static func decompressZstd(_ readInput: () -> Int, _ input: UnsafeMutableRawBufferPointer,
                                       _ buffer: UnsafeMutableRawBufferPointer, _ output: inout OutputCursor)
    {
        guard let context = ZSTD_createDStream() else { return }
        defer { ZSTD_freeDStream(context) }
        ZSTD_initDStream(context)
        while true {
            let count = readInput()
            guard count > 0 else { return }
            var source = ZSTD_inBuffer(src: input.baseAddress, size: count, pos: 0)
            repeat {
                var target = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                let status = ZSTD_decompressStream(context, &target, &source)
                output.emit(buffer.baseAddress!, target.pos)
                if ZSTD_isError(status) != 0 { return }
                if source.pos == source.size && target.pos < target.size { break }
            } while true
        }
    }

    /// liblzma's LZMA_CONCATENATED (`UINT32_C(0x08)`, a macro Swift cannot import): decode every
    /// concatenated `.xz` stream, as `xz -dc` does.
    private static let lzmaConcatenated: UInt32 = 0x08

    private static func decompressXz(_ readInput: () -> Int, _ input: UnsafeMutableRawBufferPointer,
                                     _ buffer: UnsafeMutableRawBufferPointer, _ output: inout OutputCursor)
    {
        var stream = lzma_stream()
        guard lzma_stream_decoder(&stream, UInt64.max, lzmaConcatenated) == LZMA_OK else { return }
        defer { lzma_end(&stream) }
        var atEnd = false
        while !atEnd {
            let count = readInput()
            atEnd = count == 0
            stream.next_in = UnsafePointer(input.baseAddress!.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = count
            repeat {
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = buffer.count
                let status = lzma_code(&stream, atEnd ? LZMA_FINISH : LZMA_RUN)
                output.emit(buffer.baseAddress!, buffer.count - stream.avail_out)
                if status != LZMA_OK { return }
            } while stream.avail_in > 0 || stream.avail_out == 0
        }
    }
}
