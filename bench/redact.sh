#!/usr/bin/env bash
# bench/redact.sh [OUTDIR] [RUNS=3] - the sensitive-data benchmark (not a
# test): `scan` and `redact` (each mode, to a file and to /dev/null, and to
# .gz) of bench/data/big.hprof, with `cat DUMP` (the read floor) and
# `dd DUMP OUT` (the read+write floor) timed in the same run. Wall time and
# peak RSS from /usr/bin/time -v, medians of RUNS, MB/s of the dump's size.
# Writes to a file are at the mercy of the VM's dirty-page throttling, so
# each file write is preceded by `sync` and the dd floor is timed the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/data}"
runs="${2:-3}"
heapscope="${HEAPSCOPE:-build/heapscope}"
dump="$out/big.hprof"
[ -f "$dump" ] || bash bench/make_dump.sh "$out"
work="$(mktemp -d -p "$out")"
trap 'rm -rf "$work"' EXIT
size=$(stat -c %s "$dump")

measure() {  # measure LABEL COMMAND... -> "LABEL wall_s rss_mib" for each run
  local label=$1; shift
  for _ in $(seq "$runs"); do
    rm -f "$work"/out*; sync
    /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || { echo "$label FAILED"; cat "$work/time.txt" >&2; return; }
    wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
    echo "$label $wall $((rss / 1024))"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat "$dump" >/dev/null
labels=(cat dd-copy scan redact-secrets redact-strings redact-all redact-secrets-null redact-strings-null
        redact-all-null redact-strings-gz)
results=$(
  measure "cat" cat "$dump"
  measure "dd-copy" dd if="$dump" of="$work/out.hprof" bs=4M
  measure "scan" "$heapscope" scan "$dump"
  for mode in secrets strings all; do
    measure "redact-$mode" "$heapscope" redact "$dump" "$work/out.hprof" --mode "$mode"
    measure "redact-$mode-null" "$heapscope" redact "$dump" - --mode "$mode"
  done
  measure "redact-strings-gz" "$heapscope" redact "$dump" "$work/out.hprof.gz" --mode strings
)
printf "%-22s %9s %9s %13s\n" "command" "median s" "MB/s" "peak RSS MiB"
for label in "${labels[@]}"; do
  w=$(echo "$results" | awk -v l="$label" '$1==l {print $2}' | median)
  r=$(echo "$results" | awk -v l="$label" '$1==l {print $3}' | median)
  mbs=$(awk -v s="$size" -v w="$w" 'BEGIN { if (w > 0) printf "%.0f", s / 1e6 / w; else print "-" }')
  printf "%-22s %9s %9s %13s\n" "$label" "$w" "$mbs" "$r"
done
echo "dump: $size bytes; MB/s = dump bytes / wall time (gz: uncompressed)"
