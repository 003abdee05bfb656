#!/usr/bin/env bash
# demo.sh - dump a small leaking Java service and look at it with heapscope.
#
# Compiles demo/LeakyService.java with JDK 17, runs it so it writes its own
# heap dump to build/demo/demo.hprof, then prints `heapscope summary` and the
# top 15 classes of `heapscope histogram`. Runs scripts/setup.sh first (which
# installs dependencies and builds; set SKIP_SETUP=1 to skip it).
#
# Environment: JAVA_HOME (default /usr/lib/jvm/java-17-openjdk-amd64),
# HEAPSCOPE (default build/heapscope), REQUESTS (default 20000).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
java_home="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
heapscope="${HEAPSCOPE:-$repo/build/heapscope}"
requests="${REQUESTS:-20000}"
out_dir="$repo/build/demo"
dump="$out_dir/demo.hprof"

if [[ -z "${SKIP_SETUP:-}" ]]; then
  bash "$repo/scripts/setup.sh"
fi
if [[ ! -x "$heapscope" ]]; then
  echo "demo.sh: $heapscope not found; build it first (scripts/setup.sh)" >&2
  exit 1
fi
for tool in java javac; do
  if [[ ! -x "$java_home/bin/$tool" ]]; then
    echo "demo.sh: $java_home/bin/$tool not found; set JAVA_HOME to a JDK 17+" >&2
    exit 1
  fi
done

mkdir -p "$out_dir/classes"
rm -f "$dump"  # HotSpotDiagnosticMXBean.dumpHeap refuses to overwrite

echo "== compiling demo/LeakyService.java with $java_home"
"$java_home/bin/javac" --release 17 -d "$out_dir/classes" "$repo/demo/LeakyService.java"

echo "== running LeakyService ($requests requests); it dumps its own heap"
timeout 300 "$java_home/bin/java" -Xmx512m -cp "$out_dir/classes" LeakyService "$dump" "$requests"

echo
echo "== $heapscope summary $dump"
"$heapscope" summary "$dump"

echo
echo "== $heapscope histogram $dump --top 15"
"$heapscope" histogram "$dump" --top 15

echo
echo "== $heapscope dominators $dump --top 10"
"$heapscope" dominators "$dump" --top 10

echo
echo "== $heapscope analyze $dump -o $out_dir/report"
"$heapscope" analyze "$dump" -o "$out_dir/report"
echo "open $out_dir/report/report.html in a browser for the full report"
