// The header's inline functions are the SSE2 masks; this file holds what needs a CPU check first.
#include "CByteMask.h"

#if defined(__x86_64__)
#include <immintrin.h>

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

int ks_has_avx512_vbmi2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw");
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
size_t ks_unescape_windows_avx512(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written) {
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), slash = _mm512_set1_epi8('/');
    size_t out = *written;
    while (end - index >= 80) {
        const __m512i bytes = _mm512_loadu_si512((const void *)(input + index));
        const uint64_t quotes = _mm512_cmpeq_epi8_mask(bytes, quote);
        const uint64_t backslashes = _mm512_cmpeq_epi8_mask(bytes, backslash);
        const uint64_t slashes = _mm512_cmpeq_epi8_mask(bytes, slash);
        // Nothing carried in: each window starts outside an escape.
        uint64_t no_carry = 0;
        const uint64_t escaped = ks_escaped(backslashes, &no_carry);
        const uint64_t escapeStarts = backslashes & ~escaped;
        const uint64_t plainEscapes = escaped & (quotes | backslashes | slashes);
        // Stop at the closing quote, or at an escape to decode (`\n`, `\u...`).
        const uint64_t stops = (quotes & ~escaped) | ((escaped & ~plainEscapes) >> 1);
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
        const uint64_t keep = (limit == 64 ? ~0ULL : (1ULL << limit) - 1) & ~escapeStarts;
        // Compressed in a register, then stored whole: the compress-to-memory form is microcoded
        // (slow) on some CPUs.
        _mm512_storeu_si512((void *)(output + out), _mm512_maskz_compress_epi8(keep, bytes));
        out += (size_t)__builtin_popcountll(keep);
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

int ks_has_avx512_bw(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi")
        && __builtin_cpu_supports("pclmul");
}

/// Copies one record's nested part a window at a time (see ks_copy_windows_avx512); returns where it
/// stopped, with `*at_close` set when that is before the close that returns to `floor`.
__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
static inline size_t ks_copy_record_windows(const uint8_t *base, size_t index, size_t limit, int64_t floor,
                                            ks_record_copy *copy, uint8_t *output, size_t capacity, size_t *out_count,
                                            int *at_close) {
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), newline = _mm512_set1_epi8('\n');
    const __m512i bit20 = _mm512_set1_epi8(0x20), open = _mm512_set1_epi8('{'), close = _mm512_set1_epi8('}');
    const __m512i space = _mm512_set1_epi8(' '), tab = _mm512_set1_epi8('\t'), carriage = _mm512_set1_epi8('\r');
    const __m128i all_ones = _mm_set1_epi8((char)0xFF);
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
        const __m512i bytes = _mm512_loadu_si512((const void *)(base + index));
        const uint64_t backslashes = _mm512_cmpeq_epi8_mask(bytes, backslash);
        const uint64_t newlines = _mm512_cmpeq_epi8_mask(bytes, newline);
        uint64_t next_escape_carry = escape_carry;
        const uint64_t escaped = ks_escaped(backslashes, &next_escape_carry);
        const uint64_t quotes = _mm512_cmpeq_epi8_mask(bytes, quote) & ~escaped;
        if (string_carry && !(quotes | newlines)) {
            // Inside one string throughout: kept whole.
            _mm512_storeu_si512((void *)(output + out), bytes);
            out += 64;
            escape_carry = next_escape_carry;
            index += 64;
            continue;
        }
        // The bytes inside strings: the prefix XOR of the quotes, a carry-less multiply by all ones.
        const uint64_t inside =
            (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)quotes), all_ones, 0)) ^ string_carry;
        const uint64_t next_string_carry = (uint64_t)((int64_t)inside >> 63);
        if ((backslashes & ~inside) || (newlines & inside)) break;
        const __m512i folded = _mm512_or_si512(bytes, bit20);
        const uint64_t opens = _mm512_cmpeq_epi8_mask(folded, open) & ~inside;
        const uint64_t closes = _mm512_cmpeq_epi8_mask(folded, close) & ~inside;
        uint64_t taken = ~0ULL;
        if (closes && __builtin_popcountll(closes) >= depth - floor) {
            int64_t level = depth;
            uint64_t brackets = opens | closes;
            while (brackets) {
                const unsigned bit = (unsigned)_tzcnt_u64(brackets);
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
        const uint64_t blanks = _mm512_cmpeq_epi8_mask(bytes, space) | _mm512_cmpeq_epi8_mask(bytes, tab)
            | _mm512_cmpeq_epi8_mask(bytes, carriage);
        uint64_t kept = ~((blanks | newlines) & ~inside) & taken;
        // Each run of kept bytes, shifted down to where the output stands: a load masked to the run
        // (it reads nothing past it), stored masked to its length.
        while (kept) {
            const unsigned first = (unsigned)_tzcnt_u64(kept);
            const unsigned length = (unsigned)_tzcnt_u64(~(kept >> first));
            const __mmask64 run = length == 64 ? ~0ULL : (1ULL << length) - 1;
            _mm512_mask_storeu_epi8((void *)(output + out), run,
                                    _mm512_maskz_loadu_epi8(run, (const void *)(base + index + first)));
            out += length;
            kept = first + length == 64 ? 0 : kept & (~0ULL << (first + length));
        }
        if ((opens | closes) & taken) {
            depth += __builtin_popcountll(opens & taken) - __builtin_popcountll(closes & taken);
        }
        const uint64_t lines = newlines & taken;
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

__attribute__((target("avx512f,avx512bw,popcnt,bmi,pclmul")))
size_t ks_copy_windows_avx512(const uint8_t *base, size_t index, size_t end, int64_t floor, ks_record_copy *copy,
                              uint8_t *output, size_t capacity, size_t *written) {
    size_t out = 0;
    copy->full = 0;
    copy->ended = 0;
    copy->begun = 0;
    copy->begun_output_start = -1;
    for (;;) {
        const int64_t record_end = copy->record_start + copy->maximum_record;
        const size_t limit = record_end < (int64_t)end ? (size_t)(record_end < 0 ? 0 : record_end) : end;
        int at_close = 0;
        index = ks_copy_record_windows(base, index, limit, floor, copy, output, capacity, &out, &at_close);
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
#else
int ks_has_avx512_vbmi2(void) { return 0; }
int ks_has_avx512_bw(void) { return 0; }
#endif
