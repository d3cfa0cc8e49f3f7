#!/usr/bin/env bash
# Regenerates reports/ from samples/: the example report the README points at, in every format.
# The test ReportsAreCurrentTests fails when reports/ is stale; this is its fix.
#   scripts/update-reports.sh [SCRATCH_PATH]    (SwiftPM's --scratch-path; default .build)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=(${1:+--scratch-path "$1"})
swift build "${scratch[@]}" --product kubesift >/dev/null
# A fixed generation time keeps the report byte-identical from run to run. ReportsAreCurrentTests
# runs this exact command line (it is written into the report) in a copy of samples/.
# Each cluster's directory names it (shop-prod, shop-eks, shop-gke, shop-aks).
SOURCE_DATE_EPOCH=1795305600 "$(swift build "${scratch[@]}" --show-bin-path)/kubesift" analyze samples --cluster-from-dir \
    --output-dir reports --force --progress never --quiet
echo "reports/ regenerated from samples/"
