#!/usr/bin/env bash
# bench/pipeline.sh [OUTDIR] [RUNS=3] - the pipeline's benchmark (not a test):
# 100 small real dumps (tests/corpus/pipeline/GrowingService, 3-6 MB each)
# submitted once (redacted, gzipped, encrypted), then analyzed by
#   1 worker process, and 2 worker processes at once,
# each with --threads 1 (one core a worker), on two catalogs: the embedded
# SQLite file and a throwaway PostgreSQL 15 cluster; the store is a local
# folder both times, so what differs is the queue. Every run starts from a
# copy of the submitted state. Reported, medians of RUNS: wall time until
# the queue is empty, jobs per second, the 2-worker speed-up, the workers'
# own figure for the queue (claim + complete per job, from their exit
# line), and peak RSS of one worker (/usr/bin/time -v). `cat` of all dumps
# is timed in the same run as the read floor.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/data}"
runs="${2:-3}"
heapscope="$(realpath "${HEAPSCOPE:-build/heapscope}")"
java_home="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
dumps_n="${DUMPS:-100}"
mkdir -p "$out"
work="$(mktemp -d -p "$(realpath "$out")")"
chmod 755 "$work"
pg_pid=""
cleanup() {
  [ -n "$pg_pid" ] && kill -QUIT "$pg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$java_home/bin/javac" -d "$work/classes" tests/corpus/pipeline/GrowingService.java
mkdir "$work/dumps"
"$java_home/bin/java" -Xmx512m -cp "$work/classes" GrowingService "$work/dumps" "$dumps_n" 100 512 >/dev/null
"$heapscope" keygen "$work/key.hex" >/dev/null 2>&1
echo "== $dumps_n dumps, $(du -sm "$work/dumps" | cut -f1) MB; cat floor:"
/usr/bin/time -f "   cat %e s" cat "$work"/dumps/*.hprof >/dev/null

# PostgreSQL as nobody when we are root (it refuses root).
bindir="$(pg_config --bindir)"
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(setpriv --reuid=65534 --regid=65534 --clear-groups)
mkdir "$work/pg"
[ "$(id -u)" -eq 0 ] && chown 65534:65534 "$work/pg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/initdb" -D "$work/pg/data" -U heapscope --auth=trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$bindir/postgres" -D "$work/pg/data" -p "$port" -k "$work/pg" -c listen_addresses=127.0.0.1 \
  >"$work/pg/log" 2>&1 &
pg_pid=$!
until "$bindir/pg_isready" -h 127.0.0.1 -p "$port" >/dev/null 2>&1; do sleep 0.1; done
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U heapscope submitted
pg="postgresql://heapscope@127.0.0.1:$port"

# Submitted once per catalog; each run starts from a copy.
submit_all() {  # CATALOG STORE
  local i=0
  for d in "$work"/dumps/*.hprof; do
    "$heapscope" submit "$d" --service "svc-$((i % 4))" --key-file "$work/key.hex" \
      --store "$2" --catalog "$1" >/dev/null 2>&1
    i=$((i + 1))
  done
}
submit_all "sqlite://$work/submitted.db" "$work/store-sqlite"
submit_all "$pg/submitted" "$work/store-pg"

run_once() {  # BACKEND WORKERS N -> "wall queue_ms rss_kb"
  local backend=$1 workers=$2 n=$3 catalog store
  store="$work/run-store"
  rm -rf "$store"
  cp -r "$work/store-$backend" "$store"
  if [ "$backend" = sqlite ]; then
    rm -f "$work/run.db"*
    cp "$work/submitted.db" "$work/run.db"
    catalog="sqlite://$work/run.db"
  else
    "$bindir/dropdb" -h 127.0.0.1 -p "$port" -U heapscope --if-exists "run$n"
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U heapscope -T submitted "run$n"
    catalog="$pg/run$n"
  fi
  local start end pids=()
  start=$(date +%s.%N)
  for w in $(seq "$workers"); do
    /usr/bin/time -v -o "$work/time$w" "$heapscope" worker --exit-when-idle --threads 1 --poll 0.05 \
      --name "w$w" --key-file "$work/key.hex" --store "$store" --catalog "$catalog" \
      --scratch-dir "$work/scratch$w" 2>"$work/worker$w.log" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  end=$(date +%s.%N)
  local queue_ms rss
  queue_ms=$(grep -ho "took [0-9.]* ms a job" "$work"/worker*.log | awk '{s += $2; n++} END {print s / n}')
  rss=$(awk '/Maximum resident/ {print $6}' "$work/time1")
  rm -f "$work"/worker*.log
  echo "$(echo "$end - $start" | bc) $queue_ms $rss"
}

for backend in sqlite pg; do
  declare -A wall=()
  for workers in 1 2; do
    : >"$work/r"
    for r in $(seq "$runs"); do run_once "$backend" "$workers" "$r" >>"$work/r"; done
    w=$(cut -d' ' -f1 "$work/r" | median)
    q=$(cut -d' ' -f2 "$work/r" | median)
    m=$(cut -d' ' -f3 "$work/r" | median)
    wall[$workers]=$w
    awk -v b="$backend" -v k="$workers" -v w="$w" -v q="$q" -v m="$m" -v n="$dumps_n" 'BEGIN {
      printf "%-6s %d worker(s): %6.2f s, %6.2f dumps/s, queue %.2f ms a job, peak RSS %.0f MiB (one worker)\n",
             b, k, w, n / w, q, m / 1024 }'
  done
  awk -v a="${wall[1]}" -v b="${wall[2]}" -v k="$backend" 'BEGIN { printf "%-6s speed-up with 2 workers: %.2fx\n", k, a / b }'
  unset wall
done
