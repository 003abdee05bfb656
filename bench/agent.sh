#!/usr/bin/env bash
# bench/agent.sh [OUTDIR] [RUNS=3] - the capture agent's benchmark (not a
# test), two parts:
#  1. Watching: 10 idle JVMs (tests/corpus/agent/SlowFill at 30% of 64 MiB)
#     and `heapscope agent --interval 1s` for 60 s after a 5 s warm-up: the
#     agent's CPU (utime+stime from /proc/<pid>/stat) as a share of one core,
#     and its peak RSS (VmHWM).
#  2. Trigger to shipped: bench/BigHeap with BIGHEAP_ENTRIES entries (a heap
#     of about 1 GB live), `jcmd PID GC.heap_dump FILE` alone against
#     `heapscope agent dump PID` (the same dump by the JVM, then redacted,
#     gzipped and encrypted into a local store), medians of RUNS, wall time
#     and peak RSS from /usr/bin/time -v; `cat` of the JVM's dump timed in
#     the same run as the read floor.
# PART=watch or PART=ship runs one part only.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/data}"
runs="${2:-3}"
heapscope="$(realpath "${HEAPSCOPE:-build/heapscope}")"
java_home="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
entries="${BIGHEAP_ENTRIES:-6500000}"
mkdir -p "$out"
work="$(mktemp -d -p "$(realpath "$out")")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
"$java_home/bin/javac" -d "$work/classes" tests/corpus/agent/SlowFill.java bench/BigHeap.java
"$heapscope" keygen "$work/key.hex" >/dev/null 2>&1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

part="${PART:-all}"
if [ "$part" != ship ]; then
echo "== watching 10 JVMs at a 1 s interval"
list=""
for i in $(seq 10); do
  "$java_home/bin/java" -Xmx64m -cp "$work/classes" SlowFill 0.3 >"$work/jvm$i.log" 2>&1 &
  pids+=($!)
  list="$list${list:+,}$!"
done
sleep 5
"$heapscope" agent --interval 1s --pids "$list" --store "$work/store" --state-dir "$work/state" \
  --dump-dir "$work/dumps" --key-file "$work/key.hex" --metrics-listen "" 2>"$work/agent.log" &
agent=$!
pids+=($agent)
ticks() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
sleep 5
t0=$(ticks)
sleep 60
t1=$(ticks)
hz=$(getconf CLK_TCK)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$agent/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")
watched=$(grep -c "watching" "$work/agent.log" || true)
kill -TERM "$agent"; wait "$agent" || true
awk -v t="$((t1 - t0))" -v hz="$hz" -v hwm="$hwm" -v rss="$rss" -v n="$watched" 'BEGIN {
  printf "JVMs watched %d; CPU %.3f%% of one core over 60 s; peak RSS %.1f MiB (now %.1f MiB)\n",
         n, 100 * t / hz / 60, hwm / 1024, rss / 1024 }'
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
fi
[ "$part" = watch ] && exit 0

echo "== trigger to shipped, BigHeap $entries entries"
mkfifo "$work/hold"
"$java_home/bin/java" -Xmx4g -XX:+UseParallelGC -cp "$work/classes" BigHeap "$entries" <"$work/hold" >"$work/big.log" 2>&1 &
big=$!
pids+=($big)
exec 3>"$work/hold"  # keeps BigHeap's stdin open
for _ in $(seq 120); do grep -q READY "$work/big.log" && break; sleep 1; done
timed() {  # timed COMMAND... -> "wall_s rss_mib"
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; return 1; }
  wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  echo "$wall $(( $(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}') / 1024 ))"
}
: >"$work/jcmd.txt"; : >"$work/agent.txt"; : >"$work/cat.txt"; : >"$work/agent_dump.txt"; : >"$work/agent_ship.txt"
for _ in $(seq "$runs"); do
  rm -f "$work/jcmd.hprof"; sync
  timed "$java_home/bin/jcmd" "$big" GC.heap_dump "$work/jcmd.hprof" >>"$work/jcmd.txt"
  timed cat "$work/jcmd.hprof" >>"$work/cat.txt"
  size=$(stat -c %s "$work/jcmd.hprof")
  rm -f "$work/jcmd.hprof"; rm -rf "$work/store" "$work/state" "$work/dumps"; sync
  timed "$heapscope" agent dump "$big" --store "$work/store" --state-dir "$work/state" --dump-dir "$work/dumps" \
    --key-file "$work/key.hex" --metrics-listen "" >>"$work/agent.txt"
  # The agent's log (in time.txt): how long the JVM wrote, how long the ship took.
  grep -o "written in [0-9.]* s" "$work/time.txt" | awk '{print $3}' >>"$work/agent_dump.txt"
  grep -o "stored in [0-9.]* s" "$work/time.txt" | awk '{print $3}' >>"$work/agent_ship.txt"
done
stored=$(find "$work/store" -name 'dump.hprof.gz.hsc' -printf '%s\n')
j=$(awk '{print $1}' "$work/jcmd.txt" | median); a=$(awk '{print $1}' "$work/agent.txt" | median)
c=$(awk '{print $1}' "$work/cat.txt" | median); arss=$(awk '{print $2}' "$work/agent.txt" | median)
awk -v j="$j" -v a="$a" -v c="$c" -v s="$size" -v st="$stored" -v r="$arss" 'BEGIN {
  printf "dump %.0f MB; cat %.2f s; jcmd GC.heap_dump %.2f s (%.0f MB/s); agent dump (dump + ship) %.2f s, peak RSS %d MiB; ratio %.2f; shipped %.1f MB\n",
         s / 1e6, c, j, s / 1e6 / j, a, r, a / j, st / 1e6 }'
echo "agent's own log, medians: the JVM's dump $(median <"$work/agent_dump.txt") s, the ship $(median <"$work/agent_ship.txt") s"
echo "runs: jcmd $(awk '{printf "%s ", $1}' "$work/jcmd.txt")| agent $(awk '{printf "%s ", $1}' "$work/agent.txt")"
