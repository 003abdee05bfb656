#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what it needs,
# builds, then runs
#   1. unit and real-JVM tests (CTest) on the release build,
#   2. the unit tests again under AddressSanitizer + UBSan,
#   3. the reader fuzzer for a bounded time (FUZZ_SECONDS, default 60).
# Ends with one line "N passed, N failed" counting the three stages.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

passed=0; failed=0
stage() {  # stage NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); echo "=== $name: ok"
  else failed=$((failed + 1)); echo "=== $name: FAILED"; fi
}

NPROC=$(nproc)
stage "tests (release)" ctest --test-dir build --output-on-failure -j "$NPROC"

asan() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHEAPSCOPE_SANITIZE=ON >/dev/null &&
    ninja -C build-asan heapscope heapscope_tests s3_sign_tool &&
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j "$NPROC" -LE slow
}
stage "tests (ASan+UBSan)" asan

if [ -x scripts/fuzz.sh ]; then
  stage "fuzz reader (${FUZZ_SECONDS:-60}s)" bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
