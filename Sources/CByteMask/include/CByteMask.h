#ifndef KUBESIFT_CBYTEMASK_H
#define KUBESIFT_CBYTEMASK_H
// The bit masks of 64 bytes that JSON scanning needs, from SSE2's byte compares and `movemask`.
// Swift has no movemask; its portable stand-in (JSONWindow.swift) takes about three times the
// instructions, which is most of the document splitter's time on an `aws logs` document.
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/// Bit `i` of each mask is set when byte `i` of the 64 is that character.
typedef struct {
    uint64_t quotes;
    uint64_t backslashes;
    uint64_t newlines;
    uint64_t slashes;
    /// `{` or `[`.
    uint64_t opens;
    /// `}` or `]`.
    uint64_t closes;
    /// Space, tab or carriage return: whitespace between tokens, newlines apart.
    uint64_t blanks;
} ks_json_masks;

#define KS_MASK64(v0, v1, v2, v3, needle)                                      \
    ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8((v0), (needle)))       \
     | (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8((v1), (needle))) << 16 \
     | (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8((v2), (needle))) << 32 \
     | (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8((v3), (needle))) << 48)

#define KS_BLANKS16(v)                                                                                 \
    ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(                                                 \
        _mm_or_si128(_mm_cmpeq_epi8((v), _mm_set1_epi8(' ')), _mm_cmpeq_epi8((v), _mm_set1_epi8('\t'))), \
        _mm_cmpeq_epi8((v), _mm_set1_epi8('\r')))))

/// The masks of the 64 bytes at `pointer` (unaligned).
static inline ks_json_masks ks_json_masks_of(const void *pointer) {
    const __m128i *bytes = (const __m128i *)pointer;
    const __m128i v0 = _mm_loadu_si128(bytes), v1 = _mm_loadu_si128(bytes + 1);
    const __m128i v2 = _mm_loadu_si128(bytes + 2), v3 = _mm_loadu_si128(bytes + 3);
    // `{` and `[` differ only in bit 0x20, as do `}` and `]`: one compare each after setting it.
    const __m128i bit20 = _mm_set1_epi8(0x20);
    const __m128i f0 = _mm_or_si128(v0, bit20), f1 = _mm_or_si128(v1, bit20);
    const __m128i f2 = _mm_or_si128(v2, bit20), f3 = _mm_or_si128(v3, bit20);
    ks_json_masks masks;
    masks.quotes = KS_MASK64(v0, v1, v2, v3, _mm_set1_epi8('"'));
    masks.backslashes = KS_MASK64(v0, v1, v2, v3, _mm_set1_epi8('\\'));
    masks.newlines = KS_MASK64(v0, v1, v2, v3, _mm_set1_epi8('\n'));
    masks.slashes = KS_MASK64(v0, v1, v2, v3, _mm_set1_epi8('/'));
    masks.opens = KS_MASK64(f0, f1, f2, f3, _mm_set1_epi8('{'));
    masks.closes = KS_MASK64(f0, f1, f2, f3, _mm_set1_epi8('}'));
    masks.blanks = KS_BLANKS16(v0) | KS_BLANKS16(v1) << 16 | KS_BLANKS16(v2) << 32 | KS_BLANKS16(v3) << 48;
    return masks;
}

/// Bit `i` is set when byte `i` of the 16 at `pointer` (unaligned) is a quote or a backslash: where
/// a string's content may stop.
static inline uint32_t ks_string_stops16(const void *pointer) {
    const __m128i bytes = _mm_loadu_si128((const __m128i *)pointer);
    const __m128i stops = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                       _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\')));
    return (uint32_t)_mm_movemask_epi8(stops);
}

#undef KS_MASK64
#undef KS_BLANKS16
#endif

/// Whether the CPU (and the OS) runs AVX2, with POPCNT, BMI and PCLMUL; 0 off x86-64.
int ks_has_avx2(void);

/// Whether the CPU (and the OS) runs AVX-512's byte compress (VBMI2, with BW); 0 off x86-64.
int ks_has_avx512_vbmi2(void);

/// Whether the CPU runs AVX-512BW with POPCNT, BMI and PCLMUL (what the record copy below needs);
/// 0 off x86-64.
int ks_has_avx512_bw(void);

#if defined(__x86_64__)
#include <stddef.h>

/// Unescapes JSON string content from `input[index]` into `output[*written]` a 64-byte window at a
/// time, with AVX-512's byte compress, while at least 80 bytes are left before `end`: the same loop,
/// stops and cases as the Swift one in ByteScratch.swift (`copyPlainWindows`), which it replaces on
/// CPUs that have VBMI2 (check `ks_has_avx512_vbmi2` first). Writes up to 64 bytes past what it
/// unescapes. Returns where it stopped; `*written` is moved on.
size_t ks_unescape_windows_avx512(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written);

/// ks_unescape_windows_avx512 on CPUs with AVX2 (check `ks_has_avx2` first): the same loop, each
/// 32 bytes packed with a byte shuffle from a table, eight bytes at a time.
size_t ks_unescape_windows_avx2(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written);


/// Where a record's copy stands between windows.
typedef struct {
    /// The nesting depth.
    int64_t depth;
    /// All ones when the next byte lies inside a string, zero otherwise.
    uint64_t in_string;
    /// 1 when the next byte is escaped.
    uint64_t escape_carry;
    /// Newlines (outside strings) in the bytes taken, added up across calls, and the offset of the
    /// last (or -1).
    int64_t newlines;
    int64_t last_newline;
    /// Set when the call stopped only because `output` (or `begun_lines`) had no room.
    int32_t full;
    /// The record limit in bytes, and the offset of the current record's first byte (negative when
    /// it began in an earlier block): no byte at or past their sum is taken.
    int64_t maximum_record;
    int64_t record_start;
    /// Nonzero to go on past the current record's end into the records that follow it in a list:
    /// each ends with a newline in the output, and no record begins once `stop_after` bytes are
    /// written.
    int32_t continues;
    int64_t stop_after;
    /// The line the call starts on, for the lines of the records it begins.
    int64_t line;
    /// Zero when the call stopped between records (after a close, or before a byte that opens none).
    int32_t in_record;
    /// The records ended by the call, and those it began: their lines (room for `begun_capacity`),
    /// and where the last begun starts in `output` (or -1).
    int64_t ended;
    int64_t begun;
    int64_t *begun_lines;
    int64_t begun_capacity;
    int64_t begun_output_start;
} ks_record_copy;

/// The document splitter's window copy (DocumentSplitter.copyWindows in LineChunker.swift) with
/// AVX-512's masks: the same loop, stops and cases, on CPUs where `ks_has_avx512_bw` holds, and with
/// `continues`, the records that follow (the splitter's byte loop for a close, a separator and an
/// open). It writes the bytes it keeps to `output` (room for `capacity` bytes, at least 66) and their
/// number to `*written`. `end` is where the block ends. Returns where it stopped.
size_t ks_copy_windows_avx512(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                              uint8_t *output, size_t capacity, size_t *written);

/// ks_copy_windows_avx512 on CPUs where `ks_has_avx2` holds: the same loop, with AVX2's masks and the
/// kept bytes packed by a byte shuffle.
size_t ks_copy_windows_avx2(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                            uint8_t *output, size_t capacity, size_t *written);
#endif

#endif
