#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer:
#
#     scripts/sanitizers.sh address|thread [swift test options, e.g. --filter Pipeline]
#
# Each sanitizer builds into its own scratch path (.build-asan, .build-tsan). Tests run one at a time:
# a sanitizer makes everything two to ten times slower, and a test's time limit is counted from the
# moment it is scheduled, so running them all at once on two cores only measures the queue.
#
# LeakSanitizer is off: Swift keeps an enum's case in the spare bits of its payload's pointer, which
# LeakSanitizer cannot follow, so every live indirect or multi-payload enum (a parsed rule condition,
# swift-argument-parser's option keys at exit) reads as a leak. Use valgrind for leaks instead.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
    address) scratch=.build-asan; export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} ;;
    thread) scratch=.build-tsan ;;
    *) echo "usage: scripts/sanitizers.sh address|thread [swift test options]" >&2; exit 64 ;;
esac
sanitizer=$1
shift
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --no-parallel "$@"
