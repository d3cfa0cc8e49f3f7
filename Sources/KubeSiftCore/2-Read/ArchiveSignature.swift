/// Recognises compressed streams and archives by their first bytes, to descend into archives
/// stored inside archives (a `.tar.gz` of rotated `.log.gz` files, a zip of `.zst` files).
///
/// Content decides, never the name: rotated files are renamed freely by sync jobs.
enum ArchiveSignature {
    static func isArchiveOrCompressed(_ block: UnsafeRawBufferPointer) -> Bool {
        func starts(with signature: [UInt8]) -> Bool {
            block.count >= signature.count && zip(block, signature).allSatisfy { $0 == $1 }
        }
        if starts(with: [0x1F, 0x8B]) { return true }                        // gzip
        if starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return true }            // zstd
        if starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return true } // xz
        if starts(with: [0x42, 0x5A, 0x68]) { return true }                  // bzip2 "BZh"
        if starts(with: [0x04, 0x22, 0x4D, 0x18]) { return true }            // lz4 frame
        if starts(with: [0x4C, 0x5A, 0x49, 0x50]) { return true }            // lzip "LZIP"
        if starts(with: [0x50, 0x4B, 0x03, 0x04]) || starts(with: [0x50, 0x4B, 0x05, 0x06]) { return true } // zip
        if starts(with: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return true } // 7z
        if block.count >= 262, Array(block[257..<262]) == Array("ustar".utf8) { return true } // tar
        return false
    }
}
