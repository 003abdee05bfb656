#!/usr/bin/env bash
# Create the benchmark heap dumps: OUTDIR/big.hprof (plain) and
# OUTDIR/big.hprof.gz (the same live heap, written with jcmd -gz=1), plus
# OUTDIR/big.class_histogram.txt (jcmd GC.class_histogram of that heap).
#
# Usage: bench/make_dump.sh [OUTDIR]      (default OUTDIR: bench/data)
#
# Environment:
#   JAVA_HOME       JDK to use (default /usr/lib/jvm/java-17-openjdk-amd64)
#   BIGHEAP_XMX     heap limit for the fixture JVM (default 6g)
#   BIGHEAP_ARGS    arguments for BigHeap: "ENTRIES DISTINCT_EVERY" (default: its own)
#   FORCE=1         re-create the dumps even if both exist
#
# Idempotent: if both dumps exist it does nothing. A dump that is missing is
# written under a temporary name and renamed when jcmd succeeds, so a partial
# file is never mistaken for a finished one.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
outdir=${1:-$here/data}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

plain=$outdir/big.hprof
gz=$outdir/big.hprof.gz

if [[ ${FORCE:-0} == 1 ]]; then
  rm -f "$plain" "$gz"
fi
if [[ -s $plain && -s $gz ]]; then
  echo "make_dump: both dumps exist in $outdir, nothing to do"
  ls -l "$plain" "$gz"
  exit 0
fi

JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
for tool in javac java jcmd; do
  if [[ ! -x $JAVA_HOME/bin/$tool ]]; then
    echo "make_dump: $JAVA_HOME/bin/$tool not found (set JAVA_HOME to a JDK >= 17)" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bigheap.XXXXXX")
java_pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [[ -n $java_pid ]] && kill -0 "$java_pid" 2>/dev/null; then
    kill "$java_pid" 2>/dev/null || true
    wait "$java_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  rm -f "$plain.tmp" "$gz.tmp"
}
trap cleanup EXIT

t0=$SECONDS
echo "make_dump: compiling BigHeap.java"
"$JAVA_HOME/bin/javac" -d "$work/classes" "$here/BigHeap.java"

# stdin comes from a FIFO that this script holds open on fd 3; closing fd 3
# gives the program EOF, which makes it exit.
mkfifo "$work/stdin"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -Xmx"${BIGHEAP_XMX:-6g}" -Xms"${BIGHEAP_XMX:-6g}" \
  -cp "$work/classes" BigHeap ${BIGHEAP_ARGS:-} \
  <"$work/stdin" >"$work/out.log" 2>&1 &
java_pid=$!
exec 3>"$work/stdin"

echo "make_dump: started BigHeap (pid $java_pid), waiting for READY"
until grep -qx READY "$work/out.log" 2>/dev/null; do
  if ! kill -0 "$java_pid" 2>/dev/null; then
    echo "make_dump: BigHeap exited before READY:" >&2
    cat "$work/out.log" >&2
    exit 1
  fi
  sleep 1
done
t_ready=$SECONDS
grep -v '^READY$' "$work/out.log" | sed 's/^/  BigHeap: /'
echo "make_dump: heap built in $((t_ready - t0)) s"

# jcmd refuses to overwrite, and resolves relative paths in the target JVM's
# working directory; both paths here are absolute and fresh.
dump() { # dump FINAL [jcmd options...]
  local final=$1; shift
  if [[ -s $final ]]; then
    echo "make_dump: $final exists, keeping it"
    return
  fi
  rm -f "$final.tmp"
  local t=$SECONDS
  echo "make_dump: jcmd GC.heap_dump $* -> $final"
  local msg
  msg=$("$JAVA_HOME/bin/jcmd" "$java_pid" GC.heap_dump "$@" "$final.tmp" 2>&1) || {
    echo "$msg" >&2; exit 1; }
  echo "$msg" | sed 's/^/  jcmd: /'
  if [[ ! -s $final.tmp ]]; then
    echo "make_dump: jcmd did not write $final.tmp" >&2
    exit 1
  fi
  mv "$final.tmp" "$final"
  echo "make_dump: wrote $final ($(stat -c %s "$final") bytes) in $((SECONDS - t)) s"
}
dump "$plain"
dump "$gz" -gz=1

# The JVM's own live-object histogram, as a reference for checking what
# heapscope reports (counts can differ by a few objects created by jcmd).
"$JAVA_HOME/bin/jcmd" "$java_pid" GC.class_histogram >"$outdir/big.class_histogram.txt"
echo "make_dump: JVM class histogram -> $outdir/big.class_histogram.txt"
sed -n '4,8p' "$outdir/big.class_histogram.txt" | sed 's/^/  /'
tail -n 1 "$outdir/big.class_histogram.txt" | sed 's/^/  /'

# EOF on stdin ends the program.
exec 3>&-
wait "$java_pid" || true
java_pid=""
echo "make_dump: done in $((SECONDS - t0)) s"
ls -l "$plain" "$gz"
