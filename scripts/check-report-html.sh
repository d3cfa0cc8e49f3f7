#!/usr/bin/env bash
# Opens an HTML report (default: reports/report.html) in headless Chromium and fails on any console
# error, uncaught exception, Content-Security-Policy violation or network request other than the
# file itself; also checks that the page's script ran and that it prints to PDF.
#   scripts/check-report-html.sh [REPORT.html]
# Needs python3 and Chromium (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/headless-report.py check "${1:-reports/report.html}"
