#!/usr/bin/env bash
# Installs every build and test dependency (Debian 12, as root or with sudo)
# and builds heapscope in build/ (RelWithDebInfo). Idempotent: a second run
# installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config git python3 time
  libcli11-dev libfmt-dev nlohmann-json3-dev libabsl-dev
  libdeflate-dev libisal-dev libtbb-dev libxxhash-dev libvectorscan-dev libre2-dev libssl-dev libcpp-httplib-dev
  libcurl4-openssl-dev libsqlite3-dev libpq-dev
  postgresql-15 python3-botocore prometheus
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  openjdk-17-jdk-headless
  chromium nodejs
)
# npm comes with NodeSource's nodejs (which conflicts with Debian's npm
# package); Debian's own nodejs needs Debian's npm.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser test's Node packages (tests/browser: playwright-core, which
# drives the chromium above and downloads no browser). npm ci again only when
# package-lock.json changed.
if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
  echo "setup: npm ci in tests/browser"
  npm ci --prefix tests/browser --no-audit --no-fund >/dev/null
  touch tests/browser/node_modules
fi

# The S3 store's test server (tests/s3: s3rver, a local S3-compatible
# server in Node). npm ci again only when package-lock.json changed.
if [ ! -d tests/s3/node_modules ] || [ tests/s3/package-lock.json -nt tests/s3/node_modules ]; then
  echo "setup: npm ci in tests/s3"
  npm ci --prefix tests/s3 --no-audit --no-fund >/dev/null
  touch tests/s3/node_modules
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
