#!/usr/bin/env bash
# bench/query.sh [BENCHMARK FLAGS...] - the query-latency benchmark (not a
# test): in-process time of each graph query (top dominators, children of
# the largest retainer, paths to GC roots, retained histogram) on the
# reopened index of bench/data/big.hprof, as medians of 5 repetitions.
# The index reopen is excluded from the timings and reported on stderr.
# Builds nothing: build heapscope_query_bench first (needs libbenchmark-dev).
#
# Environment:
#   HEAPSCOPE_QUERY_BENCH      the binary (default build/bench/heapscope_query_bench)
#   HEAPSCOPE_BENCH_DUMP       the dump (default bench/data/big.hprof; made
#                              with bench/make_dump.sh if missing)
#   HEAPSCOPE_BENCH_INDEX_DIR  where the index lives (default: beside the dump);
#                              built and written there first if none is valid
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${HEAPSCOPE_QUERY_BENCH:-build/bench/heapscope_query_bench}"
dump="${HEAPSCOPE_BENCH_DUMP:-bench/data/big.hprof}"
if [ ! -x "$bench" ]; then
  echo "query.sh: $bench not found: build the heapscope_query_bench target (needs libbenchmark-dev)" >&2
  exit 2
fi
# make_dump.sh writes big.hprof (and its gz twin) into a directory.
if [ ! -f "$dump" ] && [ "$(basename "$dump")" = big.hprof ]; then
  bash bench/make_dump.sh "$(dirname "$dump")"
fi
export HEAPSCOPE_BENCH_DUMP="$dump"
exec "$bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
