#!/usr/bin/env bash
# bench/trend.sh [OUTDIR] [RUNS=3] - the trend benchmark (not a test): three
# ~300 MB dumps a program takes of itself while one collection leaks
# (tests/corpus/trend/TrendService.java at scale 10: 0.2, 0.3 and 0.4 GB), then
#   - the index build of each dump (`heapscope index --force`), summed,
#   - `heapscope trend` over the three with every index rebuilt, and
#   - `heapscope trend` on the reused indexes,
# medians of RUNS with peak RSS (/usr/bin/time -v), `cat` of the three dumps
# alongside. Targets (issue 5): trend within 1.2x the summed index builds;
# under 2 s on reused indexes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/data/trend}"
runs="${2:-3}"
heapscope="${HEAPSCOPE:-build/heapscope}"
java_home="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
mkdir -p "$out"
if [ ! -f "$out/dump-3.hprof" ]; then
  "$java_home/bin/javac" -d "$out/classes" tests/corpus/trend/TrendService.java
  "$java_home/bin/java" -Xmx3g -cp "$out/classes" TrendService "$out" leak 10
fi
dumps=("$out/dump-3.hprof" "$out/dump-1.hprof" "$out/dump-2.hprof")
index_dir="$(mktemp -d)"
trap 'rm -rf "$index_dir"' EXIT

measure() {  # measure LABEL COMMAND... -> "LABEL wall_s rss_mib"
  local label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>/tmp/bench_trend_time.txt || { echo "$label FAILED"; return; }
  wall=$(grep "Elapsed (wall clock)" /tmp/bench_trend_time.txt | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep "Maximum resident set size" /tmp/bench_trend_time.txt | awk '{print $NF}')
  echo "$label $wall $((rss / 1024))"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat "${dumps[@]}" >/dev/null
results=$(
  for _ in $(seq "$runs"); do
    measure "cat" cat "${dumps[@]}"
    total=0
    for d in "${dumps[@]}"; do
      line=$(measure "index" "$heapscope" index "$d" --index-dir "$index_dir" --force)
      total=$(echo "$total $(echo "$line" | awk '{print $2}')" | awk '{print $1 + $2}')
    done
    echo "index-sum $total 0"
    measure "trend-rebuilt" "$heapscope" trend "${dumps[@]}" --index-dir "$index_dir" --rebuild-index --json
    measure "trend-reused" "$heapscope" trend "${dumps[@]}" --index-dir "$index_dir" --json
  done
)
printf "%-16s %10s %12s\n" "command" "median s" "peak RSS MiB"
for label in cat index-sum trend-rebuilt trend-reused; do
  w=$(echo "$results" | awk -v l="$label" '$1==l {print $2}' | median)
  r=$(echo "$results" | awk -v l="$label" '$1==l {print $3}' | median)
  printf "%-16s %10s %12s\n" "$label" "$w" "$r"
done
echo "dumps: $(du -ch "${dumps[@]}" | tail -1 | cut -f1) in all ($(ls -l "${dumps[@]}" | awk '{printf "%s ", $5}')bytes)"
