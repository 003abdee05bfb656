#!/usr/bin/env python3
"""check_trend.py - check `heapscope trend` and `heapscope diff` on real dumps whose ids moved.

tests/corpus/trend/TrendService.java dumps its own heap three times, a
second apart, with a full GC before each dump (so object addresses move).
In "leak" mode one collection (OrderLog.ORDERS) gains 40,000 orders before
every dump while the other collections are rebuilt to the same size; in
"stable" mode nothing grows. For JDK 17 and every JDK >= 21 under
/usr/lib/jvm (default flags) the harness asserts:

  - trend, given the dumps out of order, orders them by their timestamps;
  - in leak mode exactly one accumulation point grows, the one reached
    through the static field ORDERS, with 40,000 / 80,000 / 120,000
    elements and a positive rate; the Order class grows too;
  - in stable mode nothing (no accumulation point, no class) is flagged;
  - diff of a dump against itself changes nothing.

Exit status: 0 when everything held, 1 on a failure, 2 on a usage or setup
error, 77 (CTest's skip code) when no JDK 17 is installed and no --jdk was
given.
"""

import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_histogram as ch  # noqa: E402  (the JVM and subprocess helpers)

SOURCE = ch.CORPUS_DIR / "trend" / "TrendService.java"
STEP = 40_000  # orders added before each dump in leak mode
RUN_TIMEOUT = 180


def check_leak(report):
    problems = []
    paths = [Path(d["path"]).name for d in report["dumps"]]
    if paths != ["dump-1.hprof", "dump-2.hprof", "dump-3.hprof"]:
        problems.append(f"dumps not ordered by timestamp: {paths}")
    points = [g for g in report["growing"] if g["kind"] == "accumulation-point"]
    if len(points) != 1:
        problems.append(f"expected exactly 1 growing accumulation point, got {len(points)}: "
                        f"{[p['signature'] for p in points]}")
    else:
        p = points[0]
        if "ORDERS" not in p["signature"] or "OrderLog" not in p["signature"]:
            problems.append(f"the growing point is not OrderLog.ORDERS: {p['signature']}")
        elements = [s["instances"] if s else None for s in p["series"]]
        if elements != [STEP, 2 * STEP, 3 * STEP]:
            problems.append(f"ORDERS elements per dump {elements}, expected {[STEP, 2 * STEP, 3 * STEP]}")
        if not p["rate_bytes_per_hour"] > 0:
            problems.append(f"rate_bytes_per_hour {p['rate_bytes_per_hour']} is not positive")
    classes = {g["signature"] for g in report["growing"] if g["kind"] == "class"}
    if "TrendService$Order" not in classes:
        problems.append(f"class TrendService$Order not flagged as growing: {sorted(classes)}")
    return problems


def check_baseline(report):
    """analyze dump-3 --baseline dump-1: ORDERS is #1 and grew by 2 steps of orders."""
    suspects = report.get("suspects") or []
    if not suspects or "ORDERS" not in suspects[0]["title"]:
        return [f"suspect #1 is not ORDERS: {[s['title'] for s in suspects[:3]]}"]
    g = suspects[0].get("growth") or {}
    problems = []
    if not g.get("matched"):
        problems.append(f"ORDERS not matched in the baseline: {g}")
    elif (g.get("instances_before"), g.get("instances_after")) != (STEP, 3 * STEP) or not g.get("retained_delta", 0) > 0:
        problems.append(f"ORDERS growth {g}, expected {STEP} -> {3 * STEP} elements and more bytes")
    for s in suspects[1:]:
        other = s.get("growth") or {}
        if other.get("matched") and other.get("retained_delta", 0) != 0:
            problems.append(f"a stable structure grew since the baseline: {s['title']} {other}")
    return problems


def check_stable(report):
    if report["growing"]:
        return [f"stable heap, yet flagged as growing: {[g['signature'] for g in report['growing']]}"]
    return []


def check_self_diff(report):
    changed = [c["name"] for c in report["classes"]
               if (c["instances_before"], c["shallow_before"], c["retained_before"]) !=
               (c["instances_after"], c["shallow_after"], c["retained_after"])]
    problems = [f"diff of a dump against itself changed {changed[:5]}"] if changed else []
    if not report["classes"]:
        problems.append("diff --all of a dump against itself listed no class")
    return problems


def self_test():
    def point(sig, elements):
        return {"kind": "accumulation-point", "signature": sig, "rate_bytes_per_hour": 10.0,
                "series": [{"instances": e, "retained_bytes": e * 100} for e in elements]}
    dumps = [{"path": f"/x/dump-{i}.hprof"} for i in (1, 2, 3)]
    order = {"kind": "class", "signature": "TrendService$Order"}
    good = {"dumps": dumps, "growing": [point("static: class TrendService$OrderLog.static ORDERS -> "
                                              "java.util.ArrayList", [STEP, 2 * STEP, 3 * STEP]), order]}
    assert check_leak(good) == []
    assert check_leak(dict(good, dumps=list(reversed(dumps))))
    assert check_leak(dict(good, growing=[order]))
    assert check_leak(dict(good, growing=good["growing"] + [point("static: x", [1, 2, 3])]))
    assert check_leak(dict(good, growing=[point("static: other", [STEP, 2 * STEP, 3 * STEP]), order]))
    assert check_leak(dict(good, growing=[point("OrderLog ORDERS", [1, 2, 3]), order]))
    assert check_stable({"growing": []}) == [] and check_stable(good)
    grown = {"title": "static TrendService$OrderLog.ORDERS holds", "growth": {
        "matched": True, "instances_before": STEP, "instances_after": 3 * STEP, "retained_delta": 5}}
    flat = {"title": "static TrendService$Catalog.ITEMS holds", "growth": {"matched": True, "retained_delta": 0}}
    assert check_baseline({"suspects": [grown, flat]}) == []
    assert check_baseline({"suspects": [flat, grown]})
    assert check_baseline({"suspects": [dict(grown, growth={"matched": False})]})
    assert check_baseline({"suspects": [grown, dict(flat, growth={"matched": True, "retained_delta": 9})]})
    same = {"name": "A", "instances_before": 1, "instances_after": 1, "shallow_before": 8, "shallow_after": 8,
            "retained_before": 8, "retained_after": 8}
    assert check_self_diff({"classes": [same]}) == []
    assert check_self_diff({"classes": [dict(same, retained_after=9)]})
    assert check_self_diff({"classes": []})
    print("self-test passed")
    return ch.EXIT_OK


browser_done = [False]  # the trend page is opened in a browser once a run


def run_config(jdk, binary, work):
    classes = work / "classes"
    ch.compile_corpus(jdk, [SOURCE], classes)
    problems = []
    for mode in ("leak", "stable"):
        out = work / mode
        ch.run([jdk.tool("java"), "-Xmx256m", "-cp", str(classes), "TrendService", str(out), mode], RUN_TIMEOUT,
               f"TrendService {mode} ({jdk.label})")
        dumps = [str(out / f"dump-{i}.hprof") for i in (3, 1, 2)]  # out of order on purpose
        page = work / f"trend-{mode}.html"
        text = ch.run([binary, "trend", *dumps, "--json", "--html", str(page)], ch.HEAPSCOPE_TIMEOUT,
                      f"heapscope trend ({mode})")
        report = json.loads(text)
        found = check_leak(report) if mode == "leak" else check_stable(report)
        if mode == "leak" and not browser_done[0]:
            browser_done[0] = True
            shot = Path.cwd() / "trend_page.png"
            checked = ch.browser_check("check_trend_page.mjs", page, shot)
            print("browser check skipped: chromium or tests/browser/node_modules missing" if checked is None
                  else f"browser check of the trend page: {'passed' if not checked else 'FAILED'}; screenshot {shot}")
            found += checked or []
        problems += [f"{mode}: {p}" for p in found]
        if mode == "leak":
            text = ch.run([binary, "diff", dumps[1], dumps[1], "--all", "--top", "0", "--json"],
                          ch.HEAPSCOPE_TIMEOUT, "heapscope diff (self)")
            problems += [f"diff: {p}" for p in check_self_diff(json.loads(text))]
            report_dir = work / "baseline-report"
            ch.run([binary, "analyze", dumps[0], "--baseline", dumps[1], "-o", str(report_dir), "--format", "json"],
                   ch.HEAPSCOPE_TIMEOUT, "heapscope analyze --baseline")
            report = json.loads((report_dir / "report.json").read_text("utf-8"))
            problems += [f"analyze --baseline: {p}" for p in check_baseline(report)]
    return problems


def main(argv):
    args = ch.harness_parser(__doc__, "keep the dumps under DIR/<jvm>/",
                             "run only JVMs whose label contains LABEL (repeatable)",
                             "check the assertions on hand-made reports, then exit").parse_args(argv)
    if args.self_test:
        return self_test()
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    if args.config:
        jdks = [j for j in jdks if any(part in j.label for part in args.config)]
    root, cleanup = ch.work_dir(args.keep, "heapscope-trend-")
    try:
        failed = ch.run_checks([(j.label, lambda j=j: run_config(j, str(binary), root / j.label)) for j in jdks])
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    return ch.EXIT_FAIL if failed else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
