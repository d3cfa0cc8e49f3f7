#!/usr/bin/env bash
# Takes the README's picture of the HTML report: the top of reports/report.html (cover, contents,
# executive summary and its charts), laid out 1280 px wide and scaled to 0.7, in headless Chromium,
# written to docs/report.png.
#   scripts/screenshot-report.sh [REPORT.html] [OUT.png]
# Needs python3 and Chromium (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/headless-report.py screenshot "${1:-reports/report.html}" "${2:-docs/report.png}" 1280 2480 0.7
