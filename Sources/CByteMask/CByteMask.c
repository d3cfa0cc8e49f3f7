// The header's inline functions are the SSE2 masks; this file holds what needs a CPU check first.
#include "CByteMask.h"

#if defined(__x86_64__)
#include <immintrin.h>

int ks_has_avx512_vbmi2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw");
}

int ks_has_avx512_bw(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi")
        && __builtin_cpu_supports("pclmul");
}

int ks_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi")
        && __builtin_cpu_supports("pclmul");
}

/// The bytes an escape covers in 64 bytes whose backslashes are given (JSONWindow.escaped in
/// JSONWindow.swift, the method simdjson uses): `*carry` is 1 when the first byte is escaped, and
/// becomes whether the next window's is.
static inline uint64_t ks_escaped(uint64_t backslashes, uint64_t *carry) {
    const uint64_t even = 0x5555555555555555ULL;
    const uint64_t starts = backslashes & ~*carry;
    const uint64_t follows = starts << 1 | *carry;
    const uint64_t odd_run_starts = starts & ~even & ~follows;
    const uint64_t sum = odd_run_starts + starts;
    *carry = sum < starts ? 1 : 0;
    return (even ^ (sum << 1)) & follows;
}

// MARK: - Packing

/// Writes the bytes of a 64-byte window that `keep` marks to `output`, packed; returns how many. May
/// write up to 64 bytes past `output`, whatever it returns.
typedef size_t (*ks_pack_of)(const uint8_t *window, uint64_t keep, uint8_t *output);

/// AVX-512 VBMI2's byte compress, in a register and then stored whole: the compress-to-memory form is
/// microcoded (slow) on some CPUs.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
static inline size_t ks_pack_compress(const uint8_t *window, uint64_t keep, uint8_t *output) {
    _mm512_storeu_si512((void *)output, _mm512_maskz_compress_epi8(keep, _mm512_loadu_si512((const void *)window)));
    return (size_t)__builtin_popcountll(keep);
}

/// For each 8-bit mask of bytes to keep, the indices of those bytes packed to the front (entry `m`
/// holds, from its lowest byte up, each `j` with bit `j` of `m` set, then 0x80, which `pshufb` turns
/// into zero): the byte compress, eight bytes at a time with a shuffle.
static const uint64_t ks_pack_indices[256] = {
    0x8080808080808080ULL, 0x8080808080808000ULL, 0x8080808080808001ULL, 0x8080808080800100ULL,
    0x8080808080808002ULL, 0x8080808080800200ULL, 0x8080808080800201ULL, 0x8080808080020100ULL,
    0x8080808080808003ULL, 0x8080808080800300ULL, 0x8080808080800301ULL, 0x8080808080030100ULL,
    0x8080808080800302ULL, 0x8080808080030200ULL, 0x8080808080030201ULL, 0x8080808003020100ULL,
    0x8080808080808004ULL, 0x8080808080800400ULL, 0x8080808080800401ULL, 0x8080808080040100ULL,
    0x8080808080800402ULL, 0x8080808080040200ULL, 0x8080808080040201ULL, 0x8080808004020100ULL,
    0x8080808080800403ULL, 0x8080808080040300ULL, 0x8080808080040301ULL, 0x8080808004030100ULL,
    0x8080808080040302ULL, 0x8080808004030200ULL, 0x8080808004030201ULL, 0x8080800403020100ULL,
    0x8080808080808005ULL, 0x8080808080800500ULL, 0x8080808080800501ULL, 0x8080808080050100ULL,
    0x8080808080800502ULL, 0x8080808080050200ULL, 0x8080808080050201ULL, 0x8080808005020100ULL,
    0x8080808080800503ULL, 0x8080808080050300ULL, 0x8080808080050301ULL, 0x8080808005030100ULL,
    0x8080808080050302ULL, 0x8080808005030200ULL, 0x8080808005030201ULL, 0x8080800503020100ULL,
    0x8080808080800504ULL, 0x8080808080050400ULL, 0x8080808080050401ULL, 0x8080808005040100ULL,
    0x8080808080050402ULL, 0x8080808005040200ULL, 0x8080808005040201ULL, 0x8080800504020100ULL,
    0x8080808080050403ULL, 0x8080808005040300ULL, 0x8080808005040301ULL, 0x8080800504030100ULL,
    0x8080808005040302ULL, 0x8080800504030200ULL, 0x8080800504030201ULL, 0x8080050403020100ULL,
    0x8080808080808006ULL, 0x8080808080800600ULL, 0x8080808080800601ULL, 0x8080808080060100ULL,
    0x8080808080800602ULL, 0x8080808080060200ULL, 0x8080808080060201ULL, 0x8080808006020100ULL,
    0x8080808080800603ULL, 0x8080808080060300ULL, 0x8080808080060301ULL, 0x8080808006030100ULL,
    0x8080808080060302ULL, 0x8080808006030200ULL, 0x8080808006030201ULL, 0x8080800603020100ULL,
    0x8080808080800604ULL, 0x8080808080060400ULL, 0x8080808080060401ULL, 0x8080808006040100ULL,
    0x8080808080060402ULL, 0x8080808006040200ULL, 0x8080808006040201ULL, 0x8080800604020100ULL,
    0x8080808080060403ULL, 0x8080808006040300ULL, 0x8080808006040301ULL, 0x8080800604030100ULL,
    0x8080808006040302ULL, 0x8080800604030200ULL, 0x8080800604030201ULL, 0x8080060403020100ULL,
    0x8080808080800605ULL, 0x8080808080060500ULL, 0x8080808080060501ULL, 0x8080808006050100ULL,
    0x8080808080060502ULL, 0x8080808006050200ULL, 0x8080808006050201ULL, 0x8080800605020100ULL,
    0x8080808080060503ULL, 0x8080808006050300ULL, 0x8080808006050301ULL, 0x8080800605030100ULL,
    0x8080808006050302ULL, 0x8080800605030200ULL, 0x8080800605030201ULL, 0x8080060503020100ULL,
    0x8080808080060504ULL, 0x8080808006050400ULL, 0x8080808006050401ULL, 0x8080800605040100ULL,
    0x8080808006050402ULL, 0x8080800605040200ULL, 0x8080800605040201ULL, 0x8080060504020100ULL,
    0x8080808006050403ULL, 0x8080800605040300ULL, 0x8080800605040301ULL, 0x8080060504030100ULL,
    0x8080800605040302ULL, 0x8080060504030200ULL, 0x8080060504030201ULL, 0x8006050403020100ULL,
    0x8080808080808007ULL, 0x8080808080800700ULL, 0x8080808080800701ULL, 0x8080808080070100ULL,
    0x8080808080800702ULL, 0x8080808080070200ULL, 0x8080808080070201ULL, 0x8080808007020100ULL,
    0x8080808080800703ULL, 0x8080808080070300ULL, 0x8080808080070301ULL, 0x8080808007030100ULL,
    0x8080808080070302ULL, 0x8080808007030200ULL, 0x8080808007030201ULL, 0x8080800703020100ULL,
    0x8080808080800704ULL, 0x8080808080070400ULL, 0x8080808080070401ULL, 0x8080808007040100ULL,
    0x8080808080070402ULL, 0x8080808007040200ULL, 0x8080808007040201ULL, 0x8080800704020100ULL,
    0x8080808080070403ULL, 0x8080808007040300ULL, 0x8080808007040301ULL, 0x8080800704030100ULL,
    0x8080808007040302ULL, 0x8080800704030200ULL, 0x8080800704030201ULL, 0x8080070403020100ULL,
    0x8080808080800705ULL, 0x8080808080070500ULL, 0x8080808080070501ULL, 0x8080808007050100ULL,
    0x8080808080070502ULL, 0x8080808007050200ULL, 0x8080808007050201ULL, 0x8080800705020100ULL,
    0x8080808080070503ULL, 0x8080808007050300ULL, 0x8080808007050301ULL, 0x8080800705030100ULL,
    0x8080808007050302ULL, 0x8080800705030200ULL, 0x8080800705030201ULL, 0x8080070503020100ULL,
    0x8080808080070504ULL, 0x8080808007050400ULL, 0x8080808007050401ULL, 0x8080800705040100ULL,
    0x8080808007050402ULL, 0x8080800705040200ULL, 0x8080800705040201ULL, 0x8080070504020100ULL,
    0x8080808007050403ULL, 0x8080800705040300ULL, 0x8080800705040301ULL, 0x8080070504030100ULL,
    0x8080800705040302ULL, 0x8080070504030200ULL, 0x8080070504030201ULL, 0x8007050403020100ULL,
    0x8080808080800706ULL, 0x8080808080070600ULL, 0x8080808080070601ULL, 0x8080808007060100ULL,
    0x8080808080070602ULL, 0x8080808007060200ULL, 0x8080808007060201ULL, 0x8080800706020100ULL,
    0x8080808080070603ULL, 0x8080808007060300ULL, 0x8080808007060301ULL, 0x8080800706030100ULL,
    0x8080808007060302ULL, 0x8080800706030200ULL, 0x8080800706030201ULL, 0x8080070603020100ULL,
    0x8080808080070604ULL, 0x8080808007060400ULL, 0x8080808007060401ULL, 0x8080800706040100ULL,
    0x8080808007060402ULL, 0x8080800706040200ULL, 0x8080800706040201ULL, 0x8080070604020100ULL,
    0x8080808007060403ULL, 0x8080800706040300ULL, 0x8080800706040301ULL, 0x8080070604030100ULL,
    0x8080800706040302ULL, 0x8080070604030200ULL, 0x8080070604030201ULL, 0x8007060403020100ULL,
    0x8080808080070605ULL, 0x8080808007060500ULL, 0x8080808007060501ULL, 0x8080800706050100ULL,
    0x8080808007060502ULL, 0x8080800706050200ULL, 0x8080800706050201ULL, 0x8080070605020100ULL,
    0x8080808007060503ULL, 0x8080800706050300ULL, 0x8080800706050301ULL, 0x8080070605030100ULL,
    0x8080800706050302ULL, 0x8080070605030200ULL, 0x8080070605030201ULL, 0x8007060503020100ULL,
    0x8080808007060504ULL, 0x8080800706050400ULL, 0x8080800706050401ULL, 0x8080070605040100ULL,
    0x8080800706050402ULL, 0x8080070605040200ULL, 0x8080070605040201ULL, 0x8007060504020100ULL,
    0x8080800706050403ULL, 0x8080070605040300ULL, 0x8080070605040301ULL, 0x8007060504030100ULL,
    0x8080070605040302ULL, 0x8007060504030200ULL, 0x8007060504030201ULL, 0x0706050403020100ULL,
};

/// The bytes of the 32 in `lanes` that `keep` marks, packed to `output`; returns how many. Writes 32
/// bytes past `output` at most.
__attribute__((target("avx2,popcnt")))
static inline size_t ks_pack32(__m256i lanes, uint32_t keep, uint8_t *output) {
    if (keep == 0xFFFFFFFFu) {
        _mm256_storeu_si256((__m256i *)output, lanes);
        return 32;
    }
    // The shuffle stays within each 16-byte lane: each half of a lane indexes its own eight bytes
    // (0x80 + 8 still zeroes).
    const __m256i indices = _mm256_set_epi64x(
        (long long)(ks_pack_indices[keep >> 24] + 0x0808080808080808ULL), (long long)ks_pack_indices[keep >> 16 & 0xFF],
        (long long)(ks_pack_indices[keep >> 8 & 0xFF] + 0x0808080808080808ULL), (long long)ks_pack_indices[keep & 0xFF]);
    const __m256i packed = _mm256_shuffle_epi8(lanes, indices);
    const __m128i low = _mm256_castsi256_si128(packed), high = _mm256_extracti128_si256(packed, 1);
    size_t out = 0;
    _mm_storel_epi64((__m128i *)output, low);
    out += (size_t)__builtin_popcount(keep & 0xFF);
    _mm_storel_epi64((__m128i *)(output + out), _mm_srli_si128(low, 8));
    out += (size_t)__builtin_popcount(keep >> 8 & 0xFF);
    _mm_storel_epi64((__m128i *)(output + out), high);
    out += (size_t)__builtin_popcount(keep >> 16 & 0xFF);
    _mm_storel_epi64((__m128i *)(output + out), _mm_srli_si128(high, 8));
    return out + (size_t)__builtin_popcount(keep >> 24);
}

__attribute__((target("avx2,popcnt")))
static inline size_t ks_pack_avx2(const uint8_t *window, uint64_t keep, uint8_t *output) {
    const size_t first = ks_pack32(_mm256_loadu_si256((const __m256i *)window), (uint32_t)keep, output);
    return first + ks_pack32(_mm256_loadu_si256((const __m256i *)(window + 32)), (uint32_t)(keep >> 32), output + first);
}

// MARK: - Unescaping

/// The masks of a window the unescaping reads.
typedef struct {
    uint64_t quotes, backslashes, slashes;
} ks_escape_masks;

typedef ks_escape_masks (*ks_escape_masks_of)(const uint8_t *window);

/// The loop of ks_unescape_windows_avx512 (see CByteMask.h), written once for every instruction set:
/// inlined into each entry point below with that set's masks and packing.
__attribute__((always_inline))
static inline size_t ks_unescape_windows(const uint8_t *input, size_t index, size_t end, uint8_t *output,
                                         size_t *written, ks_escape_masks_of masks_of, ks_pack_of pack) {
    size_t out = *written;
    while (end - index >= 80) {
        const ks_escape_masks masks = masks_of(input + index);
        // Nothing carried in: each window starts outside an escape.
        uint64_t no_carry = 0;
        const uint64_t escaped = ks_escaped(masks.backslashes, &no_carry);
        const uint64_t escapeStarts = masks.backslashes & ~escaped;
        const uint64_t plainEscapes = escaped & (masks.quotes | masks.backslashes | masks.slashes);
        // Stop at the closing quote, or at an escape to decode (`\n`, `\u...`).
        const uint64_t stops = (masks.quotes & ~escaped) | ((escaped & ~plainEscapes) >> 1);
        unsigned limit = stops ? (unsigned)__builtin_ctzll(stops) : 64;
        // An escape whose second byte is the next window's first (readable: see the 80).
        int carried = -1;
        if (limit == 64 && (escapeStarts >> 63)) {
            const uint8_t second = input[index + 64];
            if (second == '"' || second == '\\' || second == '/') {
                carried = second;
            } else {
                limit = 63;
            }
        }
        out += pack(input + index, (limit == 64 ? ~0ULL : (1ULL << limit) - 1) & ~escapeStarts, output + out);
        index += limit;
        if (carried >= 0) {
            output[out++] = (uint8_t)carried;
            index += 1;
        } else if (limit < 64) {
            break;
        }
    }
    *written = out;
    return index;
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
static inline ks_escape_masks ks_escape_masks_avx512(const uint8_t *window) {
    const __m512i bytes = _mm512_loadu_si512((const void *)window);
    return (ks_escape_masks){_mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('"')),
                             _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('\\')),
                             _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('/'))};
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
size_t ks_unescape_windows_avx512(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written) {
    return ks_unescape_windows(input, index, end, output, written, ks_escape_masks_avx512, ks_pack_compress);
}

/// The 64 bits of two 32-byte compares with `needle`.
#define KS_MASK256(low, high, needle)                                              \
    ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8((low), (needle))) \
     | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8((high), (needle))) << 32)

__attribute__((target("avx2,popcnt")))
static inline ks_escape_masks ks_escape_masks_avx2(const uint8_t *window) {
    const __m256i low = _mm256_loadu_si256((const __m256i *)window);
    const __m256i high = _mm256_loadu_si256((const __m256i *)(window + 32));
    return (ks_escape_masks){KS_MASK256(low, high, _mm256_set1_epi8('"')), KS_MASK256(low, high, _mm256_set1_epi8('\\')),
                             KS_MASK256(low, high, _mm256_set1_epi8('/'))};
}

__attribute__((target("avx2,popcnt")))
size_t ks_unescape_windows_avx2(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written) {
    return ks_unescape_windows(input, index, end, output, written, ks_escape_masks_avx2, ks_pack_avx2);
}

// MARK: - The record copy

/// The masks of a window the record copy reads first: all a window inside one string needs.
typedef struct {
    uint64_t quotes, backslashes, newlines;
} ks_string_masks;

/// The masks it reads for any other window.
typedef struct {
    uint64_t opens, closes, blanks;
} ks_token_masks;

/// What one instruction set gives the record copy besides its packing: a window's masks, and the
/// prefix XOR of a mask.
typedef ks_string_masks (*ks_string_masks_of)(const uint8_t *window);
typedef ks_token_masks (*ks_token_masks_of)(const uint8_t *window);
typedef uint64_t (*ks_prefix_xor_of)(uint64_t mask);

/// Copies one record's nested part a window at a time (see ks_copy_windows_avx512); returns where it
/// stopped, with `*at_close` set when that is before the close that returns to `floor`. Written once
/// for every instruction set: inlined into each entry point below with that set's operations.
__attribute__((always_inline))
static inline size_t ks_copy_record_windows(const uint8_t *base, size_t index, size_t limit, int64_t floor,
                                            ks_record_copy *copy, uint8_t *output, size_t capacity, size_t *out_count,
                                            int *at_close, ks_string_masks_of string_masks, ks_token_masks_of token_masks,
                                            ks_prefix_xor_of prefix_xor, ks_pack_of pack) {
    uint64_t escape_carry = copy->escape_carry, string_carry = copy->in_string;
    int64_t depth = copy->depth;
    size_t out = *out_count;
    *at_close = 0;
    while (limit > index && limit - index >= 64) {
        // A window writes at most its own 64 bytes.
        if (out + 64 > capacity) {
            copy->full = 1;
            break;
        }
        const uint8_t *window = base + index;
        const ks_string_masks strings = string_masks(window);
        uint64_t next_escape_carry = escape_carry;
        const uint64_t escaped = ks_escaped(strings.backslashes, &next_escape_carry);
        const uint64_t quotes = strings.quotes & ~escaped;
        if (string_carry && !(quotes | strings.newlines)) {
            // Inside one string throughout: kept whole.
            out += pack(window, ~0ULL, output + out);
            escape_carry = next_escape_carry;
            index += 64;
            continue;
        }
        // The bytes inside strings: the prefix XOR of the quotes.
        const uint64_t inside = prefix_xor(quotes) ^ string_carry;
        const uint64_t next_string_carry = (uint64_t)((int64_t)inside >> 63);
        if ((strings.backslashes & ~inside) || (strings.newlines & inside)) break;
        const ks_token_masks tokens = token_masks(window);
        const uint64_t opens = tokens.opens & ~inside;
        const uint64_t closes = tokens.closes & ~inside;
        uint64_t taken = ~0ULL;
        if (closes && __builtin_popcountll(closes) >= depth - floor) {
            int64_t level = depth;
            uint64_t brackets = opens | closes;
            while (brackets) {
                const unsigned bit = (unsigned)__builtin_ctzll(brackets);
                if ((opens >> bit) & 1) {
                    level += 1;
                } else if (level - 1 <= floor) {
                    taken = (1ULL << bit) - 1;
                    break;
                } else {
                    level -= 1;
                }
                brackets &= brackets - 1;
            }
        }
        out += pack(window, ~((tokens.blanks | strings.newlines) & ~inside) & taken, output + out);
        if ((opens | closes) & taken) {
            depth += __builtin_popcountll(opens & taken) - __builtin_popcountll(closes & taken);
        }
        const uint64_t lines = strings.newlines & taken;
        if (lines) {
            copy->newlines += __builtin_popcountll(lines);
            copy->last_newline = (int64_t)(index + 63 - (size_t)__builtin_clzll(lines));
        }
        if (taken != ~0ULL) {
            // Before a close, outside any string and any escape.
            index += (size_t)__builtin_popcountll(taken);
            string_carry = 0;
            escape_carry = 0;
            *at_close = 1;
            break;
        }
        escape_carry = next_escape_carry;
        string_carry = next_string_carry;
        index += 64;
    }
    copy->depth = depth;
    copy->in_string = string_carry;
    copy->escape_carry = escape_carry;
    *out_count = out;
    return index;
}

/// The records of a list one after another (see ks_copy_windows_avx512), with one instruction
/// set's operations.
__attribute__((always_inline))
static inline size_t ks_copy_records(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                                     uint8_t *output, size_t capacity, size_t *written, ks_string_masks_of string_masks,
                                     ks_token_masks_of token_masks, ks_prefix_xor_of prefix_xor, ks_pack_of pack) {
    size_t out = 0;
    copy->full = 0;
    copy->ended = 0;
    copy->begun = 0;
    copy->begun_output_start = -1;
    for (;;) {
        const int64_t record_end = copy->record_start + copy->maximum_record;
        const size_t limit = record_end < (int64_t)end ? (size_t)(record_end < 0 ? 0 : record_end) : end;
        int at_close = 0;
        index = ks_copy_record_windows(base, index, limit, floor, copy, output, capacity, &out, &at_close,
                                       string_masks, token_masks, prefix_xor, pack);
        // Records one after another: the close, the separator and the next record's `{` are
        // taken here too, while the next record opens with `{` in this block and there is room.
        if (!at_close || !copy->continues) break;
        if (copy->begun == copy->begun_capacity || out + 66 > capacity) {
            copy->full = 1;
            break;
        }
        output[out++] = base[index];
        output[out++] = '\n';
        index += 1;
        copy->depth -= 1;
        copy->in_record = 0;
        copy->ended += 1;
        if ((int64_t)out >= copy->stop_after) break;
        while (index < end) {
            const uint8_t byte = base[index];
            if (byte == '\n') {
                copy->newlines += 1;
                copy->last_newline = (int64_t)index;
            } else if (byte != ' ' && byte != '\t' && byte != '\r' && byte != ',') {
                break;
            }
            index += 1;
        }
        if (index == end || base[index] != '{') break;
        copy->begun_lines[copy->begun] = copy->line + copy->newlines;
        copy->begun += 1;
        copy->begun_output_start = (int64_t)out;
        copy->record_start = (int64_t)index;
        copy->in_record = 1;
        copy->depth += 1;
        output[out++] = '{';
        index += 1;
    }
    *written = out;
    return index;
}

// AVX-512BW: one compare per mask; each run of kept bytes shifted down with a load masked to the
// run (it reads nothing past it) and a store masked to its length.

__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
static inline ks_string_masks ks_string_masks_avx512(const uint8_t *window) {
    const __m512i bytes = _mm512_loadu_si512((const void *)window);
    return (ks_string_masks){_mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('"')),
                             _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('\\')),
                             _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('\n'))};
}

__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
static inline ks_token_masks ks_token_masks_avx512(const uint8_t *window) {
    const __m512i bytes = _mm512_loadu_si512((const void *)window);
    // `{` and `[` differ only in bit 0x20, as do `}` and `]`: one compare each after setting it.
    const __m512i folded = _mm512_or_si512(bytes, _mm512_set1_epi8(0x20));
    return (ks_token_masks){_mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8('{')),
                            _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8('}')),
                            _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(' '))
                                | _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('\t'))
                                | _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('\r'))};
}

/// A carry-less multiply by all ones.
__attribute__((target("pclmul,sse2")))
static inline uint64_t ks_prefix_xor(uint64_t mask) {
    return (uint64_t)_mm_cvtsi128_si64(
        _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)mask), _mm_set1_epi8((char)0xFF), 0));
}

__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
static inline size_t ks_pack_avx512(const uint8_t *window, uint64_t keep, uint8_t *output) {
    if (keep == ~0ULL) {
        _mm512_storeu_si512((void *)output, _mm512_loadu_si512((const void *)window));
        return 64;
    }
    size_t out = 0;
    while (keep) {
        const unsigned first = (unsigned)_tzcnt_u64(keep);
        const unsigned length = (unsigned)_tzcnt_u64(~(keep >> first));
        const __mmask64 run = length == 64 ? ~0ULL : (1ULL << length) - 1;
        _mm512_mask_storeu_epi8((void *)(output + out), run, _mm512_maskz_loadu_epi8(run, (const void *)(window + first)));
        out += length;
        keep = first + length == 64 ? 0 : keep & (~0ULL << (first + length));
    }
    return out;
}

__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
size_t ks_copy_windows_avx512(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                              uint8_t *output, size_t capacity, size_t *written) {
    return ks_copy_records(base, index, end, floor, copy, output, capacity, written, ks_string_masks_avx512,
                           ks_token_masks_avx512, ks_prefix_xor, ks_pack_avx512);
}

// AVX2: two compares and two movemasks per mask; the kept bytes packed by a byte shuffle.

__attribute__((target("avx2,popcnt,bmi,pclmul")))
static inline ks_string_masks ks_string_masks_avx2(const uint8_t *window) {
    const __m256i low = _mm256_loadu_si256((const __m256i *)window);
    const __m256i high = _mm256_loadu_si256((const __m256i *)(window + 32));
    return (ks_string_masks){KS_MASK256(low, high, _mm256_set1_epi8('"')), KS_MASK256(low, high, _mm256_set1_epi8('\\')),
                             KS_MASK256(low, high, _mm256_set1_epi8('\n'))};
}

__attribute__((target("avx2,popcnt,bmi,pclmul")))
static inline ks_token_masks ks_token_masks_avx2(const uint8_t *window) {
    const __m256i low = _mm256_loadu_si256((const __m256i *)window);
    const __m256i high = _mm256_loadu_si256((const __m256i *)(window + 32));
    const __m256i bit20 = _mm256_set1_epi8(0x20);
    const __m256i folded_low = _mm256_or_si256(low, bit20), folded_high = _mm256_or_si256(high, bit20);
    const __m256i space = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t'), carriage = _mm256_set1_epi8('\r');
    const __m256i blanks_low = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(low, space), _mm256_cmpeq_epi8(low, tab)),
                                               _mm256_cmpeq_epi8(low, carriage));
    const __m256i blanks_high = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(high, space), _mm256_cmpeq_epi8(high, tab)),
                                                _mm256_cmpeq_epi8(high, carriage));
    return (ks_token_masks){KS_MASK256(folded_low, folded_high, _mm256_set1_epi8('{')),
                            KS_MASK256(folded_low, folded_high, _mm256_set1_epi8('}')),
                            (uint64_t)(uint32_t)_mm256_movemask_epi8(blanks_low)
                                | (uint64_t)(uint32_t)_mm256_movemask_epi8(blanks_high) << 32};
}

#undef KS_MASK256

__attribute__((target("avx2,popcnt,bmi,pclmul")))
size_t ks_copy_windows_avx2(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                            uint8_t *output, size_t capacity, size_t *written) {
    return ks_copy_records(base, index, end, floor, copy, output, capacity, written, ks_string_masks_avx2,
                           ks_token_masks_avx2, ks_prefix_xor, ks_pack_avx2);
}
#else
int ks_has_avx2(void) { return 0; }
int ks_has_avx512_vbmi2(void) { return 0; }
int ks_has_avx512_bw(void) { return 0; }
#endif
