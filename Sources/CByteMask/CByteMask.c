// The header's inline functions are the SSE2 masks; this file holds what needs a CPU check first.
#include "CByteMask.h"

#if defined(__x86_64__)
#include <immintrin.h>

int ks_has_avx512_vbmi2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw");
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
size_t ks_unescape_windows_avx512(const uint8_t *input, size_t index, size_t end, uint8_t *output, size_t *written) {
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), slash = _mm512_set1_epi8('/');
    const uint64_t even = 0x5555555555555555ULL;
    size_t out = *written;
    while (end - index >= 80) {
        const __m512i bytes = _mm512_loadu_si512((const void *)(input + index));
        const uint64_t quotes = _mm512_cmpeq_epi8_mask(bytes, quote);
        const uint64_t backslashes = _mm512_cmpeq_epi8_mask(bytes, backslash);
        const uint64_t slashes = _mm512_cmpeq_epi8_mask(bytes, slash);
        // The bytes an escape covers (JSONWindow.escaped, nothing carried in: each window starts
        // outside an escape).
        const uint64_t follows = backslashes << 1;
        const uint64_t oddRunStarts = backslashes & ~even & ~follows;
        const uint64_t escaped = (even ^ ((oddRunStarts + backslashes) << 1)) & follows;
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
#endif
