import CArchive

/// One libarchive read handle: the only type that touches libarchive's reading API.
///
/// Not `Sendable` on purpose: libarchive does no locking, so a handle is created, used and freed
/// by one thread (one handle per input file, per nesting level).
final class LibarchiveHandle {
    enum HeaderResult {
        case entry(name: String, isRegularFile: Bool, warning: String?)
        case end
        /// This entry cannot be read; the next one may be.
        case failedEntry(String)
        case fatal(String)
    }

    enum BlockResult {
        case data(UnsafeRawBufferPointer)
        case end
        case failed(String)
    }

    private let pointer: OpaquePointer
    /// Kept from `open` on: it says what it undid before libarchive, and why it failed.
    private var source: ByteSource?

    init() {
        pointer = archive_read_new()
        // Compression filters are named one by one: `filter_all` also enables lzop, grzip and lrzip,
        // which run external programs — a crafted input must never make us exec a helper binary.
        archive_read_support_filter_gzip(pointer)
        archive_read_support_filter_bzip2(pointer)
        archive_read_support_filter_xz(pointer)
        archive_read_support_filter_lzma(pointer)
        archive_read_support_filter_lzip(pointer)
        archive_read_support_filter_zstd(pointer)
        archive_read_support_filter_lz4(pointer)
        archive_read_support_filter_compress(pointer)
        // Containers are named too: `format_all` includes mtree, whose bidder claims short JSON
        // lines and silently returns zero bytes for them. `raw` is a plain or singly compressed
        // stream; `empty` a zero-byte input.
        archive_read_support_format_tar(pointer)
        archive_read_support_format_gnutar(pointer)
        archive_read_support_format_zip(pointer)
        archive_read_support_format_7zip(pointer)
        archive_read_support_format_cpio(pointer)
        archive_read_support_format_raw(pointer)
        archive_read_support_format_empty(pointer)
    }

    deinit { archive_read_free(pointer) }

    /// Opens the handle on a ``ByteSource``, which the handle keeps.
    func open(_ source: ByteSource) -> String? {
        self.source = source
        let context = Unmanaged.passUnretained(source).toOpaque()
        let status = archive_read_open(pointer, context, nil, { _, context, buffer in
            let source = Unmanaged<ByteSource>.fromOpaque(context!).takeUnretainedValue()
            let block = source.nextBlock()
            buffer?.pointee = block.start
            return la_ssize_t(block.count)
        }, nil)
        // libarchive takes a first read that fails for an empty input.
        return status == ARCHIVE_OK && source.failureMessage == nil ? nil : errorMessage
    }

    var errorMessage: String {
        if let failure = source?.failureMessage { return failure }
        var message = archive_error_string(pointer).map { String(cString: $0) } ?? "unknown libarchive error"
        // Some of libarchive's messages end in a newline ("ZIP uncompressed data is wrong size …\n").
        while message.last?.isWhitespace == true { message.removeLast() }
        return message
    }

    func nextHeader() -> HeaderResult {
        var entry: OpaquePointer?
        let status = archive_read_next_header(pointer, &entry)
        switch status {
        case ARCHIVE_EOF:
            return .end
        case ARCHIVE_OK, ARCHIVE_WARN:
            guard let entry else { return .fatal("libarchive returned no entry") }
            let name = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
                ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            // libarchive's AE_IFMT/AE_IFREG are cast macros Swift cannot import; 0 means "not said",
            // which is what raw streams report.
            let fileType = archive_entry_filetype(entry) & 0o170000
            let isRegular = fileType == 0 || fileType == 0o100000
            return .entry(name: name, isRegularFile: isRegular, warning: status == ARCHIVE_WARN ? errorMessage : nil)
        case ARCHIVE_RETRY, ARCHIVE_FAILED:
            return .failedEntry(errorMessage)
        default:
            return .fatal(errorMessage)
        }
    }

    /// A warning libarchive gave with a block of the current entry (a zip entry whose CRC or size
    /// does not match its header): the data was handed on, but the entry is damaged.
    private var dataWarning: String?

    /// Returns and clears the warning given with the current entry's data, if any.
    func takeDataWarning() -> String? {
        defer { dataWarning = nil }
        return dataWarning
    }

    /// The next decompressed block of the current entry, without copying.
    func nextBlock() -> BlockResult {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let status = archive_read_data_block(pointer, &buffer, &size, &offset)
        switch status {
        case ARCHIVE_EOF:
            return .end
        case ARCHIVE_OK, ARCHIVE_WARN:
            if status == ARCHIVE_WARN { dataWarning = errorMessage }
            return .data(UnsafeRawBufferPointer(start: buffer, count: size))
        default:
            return .failed(errorMessage)
        }
    }

    /// The container, in the words the report uses: `plain`, `tar`, `zip`, `7zip`, `cpio`, `empty`.
    var container: String {
        switch archive_format(pointer) & ARCHIVE_FORMAT_BASE_MASK {
        case ARCHIVE_FORMAT_TAR: "tar"
        case ARCHIVE_FORMAT_ZIP: "zip"
        case ARCHIVE_FORMAT_7ZIP: "7zip"
        case ARCHIVE_FORMAT_CPIO: "cpio"
        case ARCHIVE_FORMAT_EMPTY: "empty"
        default: "plain"
        }
    }

    /// The compression filters, outermost first (`["gzip"]`, `[]` for none), with those the source
    /// undid before libarchive.
    var compressions: [String] {
        let count = archive_filter_count(pointer)
        return (source?.undoneCompressions ?? []) + (0..<max(count, 0)).reversed().compactMap { index in
            switch archive_filter_code(pointer, index) {
            case ARCHIVE_FILTER_GZIP: "gzip"
            case ARCHIVE_FILTER_BZIP2: "bzip2"
            case ARCHIVE_FILTER_XZ: "xz"
            case ARCHIVE_FILTER_LZMA: "lzma"
            case ARCHIVE_FILTER_LZIP: "lzip"
            case ARCHIVE_FILTER_ZSTD: "zstd"
            case ARCHIVE_FILTER_LZ4: "lz4"
            case ARCHIVE_FILTER_COMPRESS: "compress"
            default: nil
            }
        }
    }

    /// Compressed bytes the decompressor consumed: less than the file size when bytes follow the stream.
    var compressedBytesConsumed: Int64 { source?.compressedStreamEnd ?? archive_filter_bytes(pointer, -1) }

    /// Decompressed bytes the container format consumed: it moves on while libarchive steps over a
    /// damaged part of an archive.
    var formatBytesConsumed: Int64 { archive_filter_bytes(pointer, 0) }
}
