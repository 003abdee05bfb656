#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - builds the libFuzzer targets with clang-14 in
# build-fuzz/ (or $FUZZ_BUILD_DIR), writes the seed corpus and runs each
# fuzzer (the dump reader, encrypted dumps, the secret scanner, JVM
# performance data, dump completeness, the pipeline's S3 answers, store
# URLs and dump metadata) for its share of SECONDS
# (default 60 in all). Exits non-zero when a fuzzer finds a crash; the input
# that caused it is left in build-fuzz/artifacts/.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
fuzzers=(dump_reader_fuzzer decrypt_fuzzer secret_scan_fuzzer perf_data_fuzzer dump_completeness_fuzzer
         pipeline_input_fuzzer)

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEAPSCOPE_FUZZ=ON -DHEAPSCOPE_TESTS=OFF >/dev/null
ninja -C "$build" "${fuzzers[@]}" make_seeds

seeds="$build/seeds"
artifacts="$build/artifacts"
rm -rf "$seeds"
mkdir -p "$seeds" "$artifacts"
"$build/fuzz/make_seeds" "$seeds"

# The time is split evenly, so the whole run still takes SECONDS.
share=$(( seconds / ${#fuzzers[@]} ))
(( share > 0 )) || share=1
for fuzzer in "${fuzzers[@]}"; do
  # Kept between runs, so each run starts where the last stopped; the
  # reader's corpus keeps its old name.
  corpus="$build/corpus"
  [[ $fuzzer == dump_reader_fuzzer ]] || corpus="$build/corpus-${fuzzer%_fuzzer}"
  mkdir -p "$corpus"
  # -max_len: enough for several segments (or chunks); -rss_limit_mb: a
  # length field must never size an allocation, so growing past this is a
  # finding too.
  "$build/fuzz/$fuzzer" \
    -max_total_time="$share" -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$seeds"
done
