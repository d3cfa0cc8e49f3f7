#!/usr/bin/env bash
# Builds the libFuzzer binary and runs one fuzz target for a set time:
#
#     scripts/fuzz.sh TARGET SECONDS      # TARGET: json | event | chunk | envelope | archive | sigma | policy
#
# Seeds come from Fuzz/corpus/TARGET (kept small, in the repository); what the fuzzer adds goes to a
# working corpus under the scratch path, never into the repository. A crash, trap, leak, timeout
# (10 s per input) or out-of-memory (2 GB) stops the run: its input is written under
# SCRATCH/fuzz-crashes/TARGET/ and the script exits non-zero. Keep each fixed crash as a regression
# test in Fuzz/regressions/TARGET/ (replayed by the test suite through `kubesift-fuzz TARGET FILE`).
#
# SCRATCH is $KUBESIFT_FUZZ_SCRATCH, or .build-fuzz in the repository. Needs the libFuzzer that the
# Linux toolchains from swift.org ship (lib/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-*.a).
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh json|event|chunk|envelope|archive|sigma|policy SECONDS" >&2
    exit 64
fi
target=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${KUBESIFT_FUZZ_SCRATCH:-$root/.build-fuzz}
if [[ ! -d $root/Fuzz/corpus/$target ]]; then
    echo "fuzz.sh: no target '$target' (Fuzz/corpus has: $(ls "$root/Fuzz/corpus" | tr '\n' ' '))" >&2
    exit 64
fi

# Every Swift module is instrumented for coverage (what -sanitize=fuzzer adds) and AddressSanitizer.
# SwiftPM gives every executable its own main, so libFuzzer is linked without its main, and
# -DFUZZING makes kubesift-fuzz's main call LLVMFuzzerRunDriver instead of replaying files.
libfuzzer=$(ls "$(dirname "$(command -v swiftc)")"/../lib/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a)
swift build --package-path "$root" --scratch-path "$scratch" -c release --product kubesift-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xswiftc -DFUZZING -Xlinker "$libfuzzer" -Xlinker -lstdc++ >&2
binary=$scratch/release/kubesift-fuzz

corpus=$scratch/fuzz-corpus/$target
crashes=$scratch/fuzz-crashes/$target
mkdir -p "$corpus" "$crashes"
# The Swift runtime's backtracer would wait on a crashing process; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
export KUBESIFT_FUZZ_TARGET=$target
# No leak check: LeakSanitizer cannot follow the pointers Swift keeps in an enum's spare bits, so a
# rule set kept for the whole run (the policy target's catalog) reads as leaked at exit. Memory
# that grows per input still stops the run at -rss_limit_mb.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
exec "$binary" "$corpus" "$root/Fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
    -artifact_prefix="$crashes/" -print_final_stats=1
