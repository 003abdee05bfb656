#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - builds the libFuzzer targets with clang-14 in
# build-fuzz/, writes the seed corpus and fuzzes the dump reader for SECONDS
# (default 60). Exits non-zero when the fuzzer finds a crash; the input that
# caused it is left in build-fuzz/artifacts/.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEAPSCOPE_FUZZ=ON -DHEAPSCOPE_TESTS=OFF >/dev/null
ninja -C "$build" dump_reader_fuzzer make_seeds

seeds="$build/seeds"
corpus="$build/corpus"    # kept between runs, so each run starts where the last stopped
artifacts="$build/artifacts"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
"$build/fuzz/make_seeds" "$seeds"

# -max_len: enough for several segments; -rss_limit_mb: a length field must
# never size an allocation, so growing past this is a finding too.
"$build/fuzz/dump_reader_fuzzer" \
  -max_total_time="$seconds" -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$corpus" "$seeds"
