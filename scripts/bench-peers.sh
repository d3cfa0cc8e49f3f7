#!/usr/bin/env bash
# KubeSift against what its users reach for without it, on the same file in the same run:
#
#     scripts/bench-peers.sh [--size-mb 512] [--dir /tmp/kubesift-bench-peers] [--runs 3]
#
# Rows, each a separate process timed by GNU time (wall seconds, peak RSS), best of --runs:
#   decompress-only      bsdcat FILE.gz > /dev/null (libarchive, the baseline every ratio is of; to
#                        /dev/null as the issue measured it: writing 512 MB to a file adds 0.1–0.3 s)
#   kubesift, no rules   analyze --no-builtin-rules --format json
#   kubesift, catalog    analyze (every built-in rule) --format json
#   kubesift, +reports   analyze with every report format (html, md, csv, json)
#   duckdb, 5 predicates one query over read_ndjson_objects(FILE.gz) with five detection predicates
#   duckdb, per user     GROUP BY user.username
#   zcat | jq            the same five predicates
# The corpus is kubesift-bench's seeded synthetic audit log (gzip -6). DuckDB comes from PyPI into a
# virtual environment under the scratch directory; jq, bsdcat and GNU time from Debian
# (`apt-get install -y jq libarchive-tools time`).
set -euo pipefail

size_mb=512
runs=3
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${TMPDIR:-/tmp}/kubesift-bench-peers
while [[ $# -gt 0 ]]; do
    case $1 in
        --size-mb) size_mb=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: scripts/bench-peers.sh [--size-mb N] [--dir DIR] [--runs N]" >&2; exit 64 ;;
    esac
done
for tool in jq bsdcat /usr/bin/time gzip; do
    command -v "$tool" > /dev/null || { echo "bench-peers: $tool is missing (apt-get install -y jq libarchive-tools time)" >&2; exit 69; }
done
mkdir -p "$dir"

echo "building kubesift and kubesift-bench (release)…" >&2
# SWIFT_SCRATCH_PATH picks the build directory (the default is SwiftPM's own .build).
scratch=(--scratch-path "${SWIFT_SCRATCH_PATH:-$root/.build}")
(cd "$root" && swift build -c release "${scratch[@]}" --product kubesift > /dev/null \
    && swift build -c release "${scratch[@]}" --product kubesift-bench > /dev/null)
bin=$(cd "$root" && swift build -c release "${scratch[@]}" --show-bin-path)
gz=$("$bin/kubesift-bench" --corpus-only --size-mb "$size_mb" --dir "$dir")
uncompressed=$(stat -c %s "${gz%.gz}")
events=$(wc -l < "${gz%.gz}")

if [[ ! -x $dir/venv/bin/python ]]; then
    echo "installing duckdb from PyPI into $dir/venv…" >&2
    python3 -m venv "$dir/venv"
    "$dir/venv/bin/pip" install --quiet duckdb
fi
duckdb_version=$("$dir/venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')

# The five predicates, written once per tool: a privileged container in a created pod, exec or attach,
# the anonymous user, listing or watching secrets, a ClusterRoleBinding created.
read -r -d '' duckdb_five <<'SQL' || true
SELECT count(*) FROM read_ndjson_objects('FILE') AS t(j)
WHERE (j->>'$.objectRef.resource' = 'pods' AND j->>'$.verb' = 'create'
       AND json_extract_string(j, '$.requestObject.spec') LIKE '%"privileged":true%')
   OR j->>'$.objectRef.subresource' IN ('exec', 'attach')
   OR j->>'$.user.username' = 'system:anonymous'
   OR (j->>'$.objectRef.resource' = 'secrets' AND j->>'$.verb' IN ('list', 'watch'))
   OR (j->>'$.objectRef.resource' = 'clusterrolebindings' AND j->>'$.verb' = 'create')
SQL
read -r -d '' duckdb_users <<'SQL' || true
SELECT j->>'$.user.username' AS username, count(*) FROM read_ndjson_objects('FILE') AS t(j) GROUP BY 1
SQL
read -r -d '' jq_five <<'JQ' || true
select((.objectRef.resource == "pods" and .verb == "create"
        and ([.requestObject.spec.containers[]?.securityContext.privileged?] | any))
       or (.objectRef.subresource == "exec" or .objectRef.subresource == "attach")
       or .user.username == "system:anonymous"
       or (.objectRef.resource == "secrets" and (.verb == "list" or .verb == "watch"))
       or (.objectRef.resource == "clusterrolebindings" and .verb == "create")) | .auditID
JQ

# One function per row; GNU time runs each in a fresh bash, so the functions and their inputs are exported.
report="$dir/report"
export gz bin report dir duckdb_five duckdb_users jq_five
row_decompress() { bsdcat "$gz" > /dev/null; }
row_no_rules() { "$bin/kubesift" analyze "$gz" --no-builtin-rules --format json -o "$report" --force --quiet; }
row_catalog() { "$bin/kubesift" analyze "$gz" --format json -o "$report" --force --quiet; }
row_reports() { "$bin/kubesift" analyze "$gz" -o "$report" --force --quiet; }
row_duckdb_five() { "$dir/venv/bin/python" -c 'import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall())' "${duckdb_five//FILE/$gz}"; }
row_duckdb_users() { "$dir/venv/bin/python" -c 'import duckdb, sys; print(len(duckdb.sql(sys.argv[1]).fetchall()))' "${duckdb_users//FILE/$gz}"; }
row_jq() { gzip -dc "$gz" | jq -c "$jq_five" | wc -l; }
export -f row_decompress row_no_rules row_catalog row_reports row_duckdb_five row_duckdb_users row_jq

# Runs a row --runs times; prints "SECONDS PEAK_KB" of the fastest run (its stdout goes to $dir/ROW.out).
measure() {
    local row=$1 best="" best_kb="" seconds kb
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$dir/$row.time" bash -c "$row" > "$dir/$row.out"
        read -r seconds kb < "$dir/$row.time"
        if [[ -z $best ]] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$seconds; best_kb=$kb
        fi
    done
    echo "$best $best_kb"
}

rows=(
    row_decompress "decompress-only (bsdcat)"
    row_no_rules "kubesift, no rules"
    row_catalog "kubesift, full catalog"
    row_reports "kubesift, catalog + all reports"
    row_duckdb_five "duckdb $duckdb_version, 5 predicates"
    row_duckdb_users "duckdb $duckdb_version, per user"
    row_jq "zcat | jq, 5 predicates"
)

printf 'bench-peers · %s cores · %s MB of audit JSON (%s events), %s MB gzip · best of %s\n' \
    "$(nproc)" "$((uncompressed / 1000000))" "$events" "$(($(stat -c %s "$gz") / 1000000))" "$runs"
printf '%-36s %9s %10s %12s %9s  %s\n' row seconds MB/s events/s "peak RSS" "time / decompress-only"
baseline=""
for ((i = 0; i < ${#rows[@]}; i += 2)); do
    read -r seconds kb <<< "$(measure "${rows[i]}")"
    [[ -z $baseline ]] && baseline=$seconds
    awk -v n="${rows[i + 1]}" -v s="$seconds" -v kb="$kb" -v u="$uncompressed" -v e="$events" -v b="$baseline" \
        'BEGIN { printf "%-36s %8.2fs %10.0f %12.0f %6.0f MB  %.2f×\n", n, s, u / s / 1e6, e / s, kb / 1024, s / b }'
done
# The predicates must agree: the same matches in DuckDB and jq (KubeSift's rules see more than these five).
echo "matches: duckdb $(tr -dc '0-9' < "$dir/row_duckdb_five.out"), jq $(tr -dc '0-9' < "$dir/row_jq.out")"
