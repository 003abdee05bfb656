#!/usr/bin/env bash
# run_sample_test.sh JSON OUT_HTML OUT_PNG: renders the report template with
# JSON (render_sample.py) and checks the page in headless Chromium
# (check_report.mjs), which saves a screenshot to OUT_PNG. Exits 77 (CTest:
# skipped) when Chromium, node or the Node packages are missing. PYTHON may
# name the Python interpreter.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 3 ]; then
  echo "usage: run_sample_test.sh JSON OUT_HTML OUT_PNG" >&2
  exit 2
fi
chromium=${HEAPSCOPE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "skipped: $chromium is missing (apt-get install chromium)"; exit 77; }
command -v node >/dev/null || { echo "skipped: node is missing (apt-get install nodejs)"; exit 77; }
[ -d "$here/node_modules/playwright-core" ] ||
  { echo "skipped: tests/browser/node_modules/playwright-core is missing (npm ci --prefix tests/browser)"; exit 77; }
mkdir -p "$(dirname "$2")" "$(dirname "$3")"
"${PYTHON:-python3}" "$here/render_sample.py" "$here/../../src/report/assets/report_template.html" "$1" "$2"
exec node "$here/check_report.mjs" "$2" "$3"
