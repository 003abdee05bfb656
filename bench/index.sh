#!/usr/bin/env bash
# bench/index.sh [OUTDIR] [RUNS=3] - the graph-analysis benchmark (not a
# test): full index build of bench/data/big.hprof (parse, model, graph,
# dominators, retained sizes, written as mapped columns), reopen of the
# valid index, queries on it, and `analyze` end to end with the index
# reopened and rebuilt; wall time and peak RSS from
# /usr/bin/time -v, medians of RUNS, with `cat DUMP` timed in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/data}"
runs="${2:-3}"
heapscope="${HEAPSCOPE:-build/heapscope}"
dump="$out/big.hprof"
[ -f "$dump" ] || bash bench/make_dump.sh "$out"
index_dir="$(mktemp -d)"
trap 'rm -rf "$index_dir"' EXIT

measure() {  # measure LABEL COMMAND... -> "LABEL wall_s rss_mib" for each run
  local label=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -v "$@" >/dev/null 2>/tmp/bench_index_time.txt || { echo "$label FAILED"; return; }
    wall=$(grep "Elapsed (wall clock)" /tmp/bench_index_time.txt | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep "Maximum resident set size" /tmp/bench_index_time.txt | awk '{print $NF}')
    echo "$label $wall $((rss / 1024))"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat "$dump" >/dev/null
results=$(
  measure "cat" cat "$dump"
  measure "index-build" "$heapscope" index "$dump" --index-dir "$index_dir" --force
  measure "index-reopen" "$heapscope" index "$dump" --index-dir "$index_dir"
  measure "dominators-top-10" "$heapscope" dominators "$dump" --index-dir "$index_dir" --top 10
  measure "dominators-of-largest" "$heapscope" dominators "$dump" --index-dir "$index_dir" --roots --top 10
  measure "histogram-retained" "$heapscope" histogram "$dump" --index-dir "$index_dir" --retained --top 10
  measure "analyze-reopened" "$heapscope" analyze "$dump" --index-dir "$index_dir" -o "$index_dir/report"
  measure "analyze-cold" "$heapscope" analyze "$dump" --index-dir "$index_dir" --rebuild-index -o "$index_dir/report"
)
printf "%-24s %10s %12s\n" "command (incl. reopen)" "median s" "peak RSS MiB"
for label in cat index-build index-reopen dominators-top-10 dominators-of-largest histogram-retained \
             analyze-reopened analyze-cold; do
  w=$(echo "$results" | awk -v l="$label" '$1==l {print $2}' | median)
  r=$(echo "$results" | awk -v l="$label" '$1==l {print $3}' | median)
  printf "%-24s %10s %12s\n" "$label" "$w" "$r"
done
echo "index size: $(du -sh --exclude=report "$index_dir" | cut -f1); dump: $(du -h "$dump" | cut -f1)"
echo "report.html: $(du -h "$index_dir/report/report.html" | cut -f1); report.json: $(du -h "$index_dir/report/report.json" | cut -f1)"
