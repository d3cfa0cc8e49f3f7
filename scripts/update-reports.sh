#!/usr/bin/env bash
# Regenerates reports/ from samples/: the example report the README points at.
# The test ReportsAreCurrentTests fails when reports/ is stale; this is its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product kubesift >/dev/null
# A fixed generation time keeps the report byte-identical from run to run.
# Each cluster's directory names it (shop-prod, shop-eks, shop-gke, shop-aks).
SOURCE_DATE_EPOCH=1795305600 "$(swift build --show-bin-path)/kubesift" analyze samples --cluster-from-dir \
    --output-dir reports --progress never --quiet
echo "reports/ regenerated from samples/"
