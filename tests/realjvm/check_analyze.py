#!/usr/bin/env python3
"""check_analyze.py - check `heapscope analyze`'s leak suspects on programs with planted leaks.

tests/corpus/leaks/ holds seven programs. Six plant one leak of a known kind
that dominates their heap (at least 40% of it; direct buffers: 64 MiB of
native memory beside a small heap); the seventh, HealthyService, spreads
about 40 MB over twenty structures of about 5% each and must give no suspect
(docs/REPORT.md: a suspect retains at least 10% of the reachable heap). For
JDK 17 and every JDK >= 21 under /usr/lib/jvm, with default flags plus a
fixed -Xmx256m, the harness:

  1. compiles the programs with that JDK's javac (--release <feature>),
  2. starts each one, waits for "READY <pid>", runs jcmd GC.heap_dump,
  3. ends the program (newline on stdin, then kill), and
  4. runs `heapscope analyze DUMP -o OUT --format json` and checks
     OUT/report.json against the program's expectation (EXPECTATIONS below):
     the schema keys, and suspect #1's category, paths, retained share and
     category details, or for HealthyService no suspect at the threshold.

A failure names the program and the JVM, lists every unmet expectation and
shows the top three suspects (rank, category, class, retained %, title).

Exit status: 0 when every report met its expectation, 1 otherwise (or on a
harness error), 2 on a usage or setup error, 77 (CTest's skip code) when no
JDK 17 is installed and no --jdk was given.
"""

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_histogram as ch  # noqa: E402  (the JVM, jcmd and subprocess helpers)

LEAKS_DIR = ch.CORPUS_DIR / "leaks"
THRESHOLD_PERCENT = 10.0  # heapscope analyze's default --threshold
HEAP_FLAGS = ["-Xmx256m"]  # every program; its heap stays far below
MIB = 1 << 20
SCHEMA = "heapscope-report"
TOP_SHOWN = 3  # suspects shown with a failure

# Constants of the corpus programs (each file states its own).
SESSIONS_FIELD = "SESSIONS"              # StaticCacheLeak.SessionRegistry.SESSIONS
LISTENERS = 200_000                      # ListenerLeak.LISTENERS
LISTENERS_FIELD = "listeners"            # ListenerLeak.EventBus.listeners
DIRECT_BUFFERS = 64                      # DirectBufferLeak.BUFFERS
DIRECT_NATIVE_BYTES = DIRECT_BUFFERS * MIB  # BUFFERS x BUFFER_BYTES; views own nothing
FINALIZABLE = 50_000                     # FinalizerBacklog.OBJECTS
# The first finalize() blocks, the other OBJECTS - 1 wait in the queue (the
# program checks that through the JVM's pending-finalization count).
FINALIZER_PENDING = (45_000, FINALIZABLE)
PLUGIN_LOADER = "ClassLoaderLeak$PluginLoader"
POOL_THREAD = re.compile(r"^pool-\d+-thread-\d+$")


# --------------------------------------------------------------------------
# Expectations


def names(word, text):
    """Whether `word` is a whole name in `text` ('X.SESSIONS', 'SESSIONS')."""
    return isinstance(text, str) and re.search(rf"(?<![\w$]){re.escape(word)}(?![\w$])", text) is not None


def path_fields(suspect):
    paths = suspect.get("paths")
    if not isinstance(paths, list):
        return []
    return [step.get("field") for path in paths if isinstance(path, list)
            for step in path if isinstance(step, dict) and step.get("field") is not None]


def details(suspect):
    value = suspect.get("details")
    return value if isinstance(value, dict) else {}


# Each check takes (suspect #1, the whole report) and returns a list of problems.

def field_named(word, details_key=None):
    def check(suspect, report):
        if details_key and names(word, details(suspect).get(details_key)):
            return []
        if any(names(word, f) for f in path_fields(suspect)):
            return []
        where = f"neither details.{details_key} ({details(suspect).get(details_key)!r}) nor" if details_key else "no"
        return [f"{where} a path step's field names {word!r}; path fields: "
                f"{sorted({str(f) for f in path_fields(suspect)})}"]
    check.rule = f"field {word}"
    return check


def accumulates_in(*classes):
    def check(suspect, report):
        point = suspect.get("accumulation_point")
        got = point.get("class") if isinstance(point, dict) else None
        if got in classes:
            return []
        return [f"accumulation_point class is {got!r}, expected one of {list(classes)} "
                f"(accumulation_point: {json.dumps(point, sort_keys=True)[:200]})"]
    check.rule = "accumulation point"
    return check


def counts_about(expected, tolerance):
    """instances, accumulation_point.elements or details.elements within tolerance of expected."""
    def check(suspect, report):
        point = suspect.get("accumulation_point")
        candidates = {
            "instances": suspect.get("instances"),
            "accumulation_point.elements": point.get("elements") if isinstance(point, dict) else None,
            "details.elements": details(suspect).get("elements"),
        }
        low, high = expected * (1 - tolerance), expected * (1 + tolerance)
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high
               for v in candidates.values()):
            return []
        return [f"no element count near {expected} (within {tolerance:.0%}): "
                + ", ".join(f"{k} {v!r}" for k, v in candidates.items())]
    check.rule = "element count"
    return check


def detail_is(key, expected):
    def check(suspect, report):
        got = details(suspect).get(key)
        return [] if got == expected and type(got) is type(expected) else [
            f"details.{key} is {got!r}, expected {expected!r}"]
    check.rule = f"details.{key}"
    return check


def detail_matches(key, pattern):
    def check(suspect, report):
        got = details(suspect).get(key)
        return [] if isinstance(got, str) and pattern.search(got) else [
            f"details.{key} is {got!r}, expected a match of /{pattern.pattern}/"]
    check.rule = f"details.{key}"
    return check


def detail_between(key, low, high):
    def check(suspect, report):
        got = details(suspect).get(key)
        if isinstance(got, int) and not isinstance(got, bool) and low <= got <= high:
            return []
        return [f"details.{key} is {got!r}, expected {low} to {high}"]
    check.rule = f"details.{key}"
    return check


def report_value_is(section, key, expected):
    """A report-level figure, such as direct_buffers.native_bytes."""
    def check(suspect, report):
        block = report.get(section)
        got = block.get(key) if isinstance(block, dict) else None
        return [] if got == expected else [f"{section}.{key} is {got!r}, expected {expected!r}"]
    check.rule = f"{section}.{key}"
    return check


@dataclass
class Expectation:
    category: object  # str: suspect #1's category; None: no suspect at the threshold
    min_percent: object = None  # float: suspect #1 retains at least this % of the heap
    checks: tuple = ()
    flags: tuple = ()  # JVM flags besides HEAP_FLAGS


EXPECTATIONS = {
    "StaticCacheLeak": Expectation(
        "static-field", 40.0,
        (field_named(SESSIONS_FIELD, "field"),
         accumulates_in("java.util.HashMap", "java.util.HashMap$Node[]"))),
    "ThreadLocalLeak": Expectation(
        # Four threads of 10 MiB each: every one about a quarter of the heap.
        "thread-local", 15.0,
        (detail_matches("thread", POOL_THREAD),)),
    "ClassLoaderLeak": Expectation(
        "classloader", 40.0,
        (detail_is("loader_class", PLUGIN_LOADER),)),
    "ListenerLeak": Expectation(
        "collection", 40.0,
        (accumulates_in("java.util.ArrayList", "java.lang.Object[]"),
         counts_about(LISTENERS, 0.02),
         field_named(LISTENERS_FIELD))),
    "DirectBufferLeak": Expectation(
        # Native memory: its share of the Java heap means nothing, so no min_percent.
        "direct-buffer", None,
        (detail_is("native_bytes", DIRECT_NATIVE_BYTES),
         detail_is("buffers", DIRECT_BUFFERS),
         report_value_is("direct_buffers", "native_bytes", DIRECT_NATIVE_BYTES)),
        ("-XX:MaxDirectMemorySize=256m",)),
    "FinalizerBacklog": Expectation(
        "finalizer", THRESHOLD_PERCENT,
        (detail_between("pending", *FINALIZER_PENDING),)),
    "HealthyService": Expectation(None),
}


def percent(suspect):
    value = suspect.get("retained_percent")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_report(program, report):
    """The problems of one report.json (a parsed dict) against the program's
    expectation; empty when it meets it."""
    expectation = EXPECTATIONS[program]
    if not isinstance(report, dict):
        return [f"report.json is a {type(report).__name__}, not an object"]
    problems = []
    if "schema" not in report:
        problems.append("no 'schema' key")
    elif report["schema"] != SCHEMA:
        problems.append(f"schema is {report['schema']!r}, expected {SCHEMA!r}")
    if "schema_version" not in report:
        problems.append("no 'schema_version' key")
    elif not isinstance(report["schema_version"], int) or isinstance(report["schema_version"], bool):
        problems.append(f"schema_version is {report['schema_version']!r}, expected an integer")
    suspects = report.get("suspects")
    if not isinstance(suspects, list) or not all(isinstance(s, dict) for s in suspects):
        problems.append(f"'suspects' is not an array of objects: {suspects!r:.200}")
        return problems
    ranks = [s.get("rank") for s in suspects]
    if ranks != list(range(1, len(suspects) + 1)):
        problems.append(f"suspect ranks are {ranks}, expected 1..{len(suspects)} in order")

    if expectation.category is None:
        over = [s for s in suspects if percent(s) is None or percent(s) >= THRESHOLD_PERCENT]
        for s in over:
            share = (f"retains {percent(s)}% of the heap" if percent(s) is not None
                     else f"has no numeric retained_percent ({s.get('retained_percent')!r})")
            problems.append(f"suspect #{s.get('rank')} ({s.get('category')}, {s.get('class')}) {share}; this "
                            f"program has no structure at or above the {THRESHOLD_PERCENT:g}% threshold")
        return problems

    if not suspects:
        problems.append(f"no suspects; expected suspect #1 of category {expectation.category!r}")
        return problems
    top = suspects[0]
    if top.get("category") != expectation.category:
        problems.append(f"suspect #1 has category {top.get('category')!r}, expected {expectation.category!r}")
        return problems  # its details follow another category's rules
    paths = top.get("paths")
    if not isinstance(paths, list) or not any(isinstance(p, list) and p for p in paths):
        problems.append(f"suspect #1 has no path from a GC root: paths {paths!r:.200}")
    if expectation.min_percent is not None:
        got = percent(top)
        if got is None:
            problems.append(f"suspect #1 has no numeric retained_percent: {top.get('retained_percent')!r}")
        elif got < expectation.min_percent:
            problems.append(f"suspect #1 retains {got}% of the heap, expected at least "
                            f"{expectation.min_percent:g}%")
    for check in expectation.checks:
        problems.extend(check(top, report))
    return problems


def describe_suspects(report, limit=TOP_SHOWN):
    """The top suspects, one line each, for a failure message."""
    suspects = report.get("suspects") if isinstance(report, dict) else None
    if not isinstance(suspects, list) or not suspects:
        return ["(no suspects)"]
    lines = []
    for s in suspects[:limit]:
        if not isinstance(s, dict):
            lines.append(f"{s!r:.120}")
            continue
        pct = percent(s)
        pct_text = f"{pct:6.2f}%" if pct is not None else f"{s.get('retained_percent')!r}"
        lines.append(f"#{s.get('rank')} {str(s.get('category')):13} {str(s.get('class')):40} {pct_text}  "
                     f"{s.get('title')!r}")
    first = suspects[0]
    if isinstance(first, dict):
        lines.append(f"#1 details: {json.dumps(first.get('details'), sort_keys=True)[:300]}")
        point = first.get("accumulation_point")
        lines.append(f"#1 accumulation_point: {json.dumps(point, sort_keys=True)[:300]}")
        paths = first.get("paths")
        if isinstance(paths, list) and paths and isinstance(paths[0], list):
            # A step's field is how the step before it refers to it.
            text = ""
            for i, step in enumerate(st for st in paths[0] if isinstance(st, dict)):
                via = step.get("field")
                text += (f"[{via}] " if via else "") if i == 0 else (f" -{via}-> " if via else " -> ")
                text += str(step.get("class"))
            lines.append(f"#1 first of {len(paths)} paths: {text[:400]}")
    if len(suspects) > limit:
        lines.append(f"... {len(suspects) - limit} more")
    return lines


def expectation_text(program):
    e = EXPECTATIONS[program]
    if e.category is None:
        return f"no suspect retaining >= {THRESHOLD_PERCENT:g}% of the heap"
    text = f"suspect #1 of category {e.category!r} with a path"
    if e.min_percent is not None:
        text += f", retaining >= {e.min_percent:g}%"
    rules = [c.rule for c in e.checks]
    return text + (", checks: " + ", ".join(rules) if rules else "")


# --------------------------------------------------------------------------
# One program under one JVM


def run_program(config, classes_dir, program, binary, work):
    """Dumps the program's heap and runs heapscope analyze; returns the parsed report."""
    work.mkdir(parents=True, exist_ok=True)
    dump = work / "dump.hprof"
    out = work / "report"
    for stale in (dump, out / "report.json"):
        if stale.exists():
            stale.unlink()
    flags = [*config.flags, *HEAP_FLAGS, *EXPECTATIONS[program].flags]
    program_config = ch.Config(config.label, config.jdk, flags)
    with ch.JavaProgram(program_config, classes_dir, program, work / "java-stderr.txt") as java:
        pid = java.wait_ready()
        ch.heap_dump(program_config, pid, dump)
    what = f"heapscope analyze ({config.label}/{program})"
    ch.run([binary, "analyze", str(dump), "-o", str(out), "--format", "json,html"], ch.HEAPSCOPE_TIMEOUT, what)
    path = out / "report.json"
    if not path.is_file():
        raise ch.HarnessError(f"{what}: wrote no {path}")
    text = path.read_text("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError as e:
        raise ch.HarnessError(f"{what}: report.json is not JSON ({e}):\n{ch.tail(text)}")


# --------------------------------------------------------------------------
# Self-test (no JVM)


def sample_suspect(rank, category, cls, pct, **extra):
    suspect = {
        "rank": rank, "category": category, "score": 90.0 - rank, "title": f"{cls} holds {pct}% of the heap",
        "class": cls, "object": "0x7f3a0010", "retained_bytes": int(pct * 400_000),
        "retained_percent": pct, "instances": 1, "accumulation_point": None,
        "paths": [[{"id": "0x7f3a0000", "class": "class Holder", "field": None},
                   {"id": "0x7f3a0010", "class": cls, "field": "value"}]],
        "root_kinds": ["static-field"], "details": {}, "description": "d", "advice": "a", "growth": None,
    }
    suspect.update(extra)
    return suspect


def sample_report(program):
    """A report that meets the program's expectation."""
    report = {"schema": SCHEMA, "schema_version": 1, "overview": {"reachable_bytes": 40_000_000},
              "direct_buffers": {"buffers": 0, "native_bytes": 0, "pending_cleaner_bytes": 0, "views": 0},
              "finalizer": {"pending": 0, "pending_retained_bytes": 0}}
    other = sample_suspect(2, "class-group", "java.lang.String", 10.5, object=None)
    if program == "StaticCacheLeak":
        top = sample_suspect(1, "static-field", "java.util.HashMap", 97.36,
                             details={"field": "StaticCacheLeak$SessionRegistry.SESSIONS"},
                             accumulation_point={"id": "0x1", "class": "java.util.HashMap$Node[]",
                                                 "retained_bytes": 1, "retained_percent": 97.3,
                                                 "elements": None, "capacity": 262144})
    elif program == "ThreadLocalLeak":
        top = sample_suspect(1, "thread-local", "java.lang.Thread", 24.27,
                             details={"thread": "pool-1-thread-3", "thread_local_class": "java.lang.ThreadLocal",
                                      "value_class": "java.util.ArrayList"})
        other = sample_suspect(2, "thread-local", "java.lang.Thread", 24.27,
                               details={"thread": "pool-1-thread-1"})
    elif program == "ClassLoaderLeak":
        top = sample_suspect(1, "classloader", PLUGIN_LOADER, 96.14,
                             details={"loader": "0x2", "loader_class": PLUGIN_LOADER, "classes_defined": 1})
    elif program == "ListenerLeak":
        top = sample_suspect(1, "collection", "java.util.ArrayList", 97.07, instances=LISTENERS,
                             details={"collection": "java.util.ArrayList", "elements": LISTENERS},
                             accumulation_point={"id": "0x3", "class": "java.util.ArrayList",
                                                 "retained_bytes": 1, "retained_percent": 97.0,
                                                 "elements": LISTENERS, "capacity": 240_091},
                             paths=[[{"id": "0x4", "class": "ListenerLeak$EventBus", "field": None},
                                     {"id": "0x3", "class": "java.util.ArrayList", "field": "listeners"}]])
    elif program == "DirectBufferLeak":
        top = sample_suspect(1, "direct-buffer", "java.nio.DirectByteBuffer", 5128.0, object=None,
                             instances=DIRECT_BUFFERS,
                             details={"buffers": DIRECT_BUFFERS, "native_bytes": DIRECT_NATIVE_BYTES,
                                      "pending_cleaner_bytes": 0})
        report["direct_buffers"] = {"buffers": DIRECT_BUFFERS, "native_bytes": DIRECT_NATIVE_BYTES,
                                    "pending_cleaner_bytes": 0, "views": 7}
    elif program == "FinalizerBacklog":
        top = sample_suspect(1, "finalizer", "java.lang.ref.Finalizer", 97.67,
                             details={"pending": FINALIZABLE - 1})
        report["finalizer"] = {"pending": FINALIZABLE - 1, "pending_retained_bytes": 52_000_000}
    elif program == "HealthyService":
        report["suspects"] = [sample_suspect(1, "big-object", "java.lang.String[]", 9.99),
                              sample_suspect(2, "class-group", "java.lang.String", 7.5, object=None)]
        return report
    else:
        raise AssertionError(f"no sample for {program}")
    report["suspects"] = [top, other]
    return report


def mutated(program, change):
    report = sample_report(program)
    change(report)
    return report


def top_of(report):
    return report["suspects"][0]


def set_top(**values):
    return lambda r: top_of(r).update(values)


def set_details(**values):
    return lambda r: top_of(r)["details"].update(values)


def set_point_class(cls):
    return lambda r: top_of(r)["accumulation_point"].update({"class": cls})


def rename_path_fields(old, new):
    def change(report):
        for path in top_of(report)["paths"]:
            for step in path:
                if step.get("field") == old:
                    step["field"] = new
    return change


# (program, what the mutation breaks, mutation): each must yield a problem.
COMMON_BREAKS = [
    ("no schema", lambda r: r.pop("schema")),
    ("wrong schema", lambda r: r.update(schema="other")),
    ("no schema_version", lambda r: r.pop("schema_version")),
    ("schema_version not an integer", lambda r: r.update(schema_version="1")),
    ("suspects not an array", lambda r: r.update(suspects={"rank": 1})),
    ("ranks out of order", lambda r: r["suspects"].reverse()),
]
LEAK_BREAKS = [
    ("no suspects", lambda r: r.update(suspects=[])),
    ("wrong category", set_top(category="big-object")),
    ("no paths", set_top(paths=[])),
    ("only empty paths", set_top(paths=[[]])),
    ("paths missing", lambda r: top_of(r).pop("paths")),
]
PROGRAM_BREAKS = [
    ("StaticCacheLeak", "small retained share", set_top(retained_percent=12.0)),
    ("StaticCacheLeak", "field not named", set_details(field="StaticCacheLeak$SessionRegistry.SESSIONS_BY_ID")),
    ("StaticCacheLeak", "no details", set_top(details=None)),
    ("StaticCacheLeak", "wrong accumulation point", set_point_class("java.util.ArrayList")),
    ("StaticCacheLeak", "no accumulation point", set_top(accumulation_point=None)),
    ("ThreadLocalLeak", "not a pool thread", set_details(thread="main")),
    ("ThreadLocalLeak", "no thread", lambda r: top_of(r)["details"].pop("thread")),
    ("ThreadLocalLeak", "small retained share", set_top(retained_percent=9.5)),
    ("ClassLoaderLeak", "wrong loader class", set_details(loader_class="java.net.URLClassLoader")),
    ("ClassLoaderLeak", "retained share missing", lambda r: top_of(r).pop("retained_percent")),
    ("ListenerLeak", "wrong accumulation point", set_point_class("ListenerLeak$Listener")),
    ("ListenerLeak", "wrong element count",
     lambda r: (top_of(r).update(instances=1), top_of(r)["details"].update(elements=100_000),
                top_of(r)["accumulation_point"].update(elements=None))),
    ("ListenerLeak", "list field not on a path", rename_path_fields("listeners", "elementData")),
    ("DirectBufferLeak", "views counted", set_details(native_bytes=DIRECT_NATIVE_BYTES + 3 * MIB)),
    ("DirectBufferLeak", "native bytes as a float", set_details(native_bytes=float(DIRECT_NATIVE_BYTES))),
    ("DirectBufferLeak", "views counted as buffers", set_details(buffers=DIRECT_BUFFERS + 7)),
    ("DirectBufferLeak", "report-level native bytes",
     lambda r: r["direct_buffers"].update(native_bytes=DIRECT_NATIVE_BYTES + MIB)),
    ("FinalizerBacklog", "too few pending", set_details(pending=30_000)),
    ("FinalizerBacklog", "too many pending", set_details(pending=2 * FINALIZABLE)),
    ("FinalizerBacklog", "pending missing", set_top(details={})),
    ("HealthyService", "a suspect at the threshold", lambda r: top_of(r).update(retained_percent=10.0)),
    ("HealthyService", "a second suspect over it",
     lambda r: r["suspects"].append(sample_suspect(3, "collection", "java.util.HashMap", 31.0))),
    ("HealthyService", "a suspect without a share", lambda r: top_of(r).pop("retained_percent")),
]


def self_test():
    for program in EXPECTATIONS:
        problems = check_report(program, sample_report(program))
        assert not problems, f"{program}: the sample report fails: {problems}"
        describe_suspects(sample_report(program))
    healthy_empty = sample_report("HealthyService")
    healthy_empty["suspects"] = []
    assert not check_report("HealthyService", healthy_empty)

    cases = [(program, what, change) for program in EXPECTATIONS for what, change in COMMON_BREAKS]
    cases += [(program, what, change) for program, e in EXPECTATIONS.items() if e.category is not None
              for what, change in LEAK_BREAKS]
    cases += PROGRAM_BREAKS
    for program, what, change in cases:
        report = mutated(program, change)
        problems = check_report(program, report)
        assert problems, f"{program}: '{what}' was not caught"
        describe_suspects(report)  # must cope with whatever the report holds
    # Every program-specific rule is exercised by at least one case above.
    broken = {program for program, _, _ in PROGRAM_BREAKS}
    assert broken == set(EXPECTATIONS), set(EXPECTATIONS) - broken
    # Malformed input is reported, not raised.
    for junk in ([], "x", {"schema": SCHEMA, "schema_version": 1, "suspects": [1, 2]},
                 {"schema": SCHEMA, "schema_version": 1, "suspects": [{"rank": 1, "category": "finalizer",
                                                                         "details": [], "paths": "x"}]}):
        for program in EXPECTATIONS:
            assert check_report(program, junk), (program, junk)
            describe_suspects(junk)
    assert names("SESSIONS", "A$B.SESSIONS") and names("SESSIONS", "SESSIONS")
    assert not names("SESSIONS", "SESSIONS_BY_ID") and not names("SESSIONS", "OLD$SESSIONS") and not names("x", None)
    print(f"self-test passed ({len(EXPECTATIONS)} sample reports, {len(cases)} broken ones caught)")
    return ch.EXIT_OK


# --------------------------------------------------------------------------
# Driver


def parse_args(argv):
    parser = ch.harness_parser(__doc__, "keep dumps and reports under DIR/<jvm>/<program>/",
                               "run only JVMs whose label (jdk17, jdk25, ...) contains LABEL (repeatable)",
                               "check the expectations against hand-made reports, then exit")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this program (repeatable, or comma-separated)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    binary = ch.heapscope_binary(args.heapscope)
    if binary is None:
        return ch.EXIT_SETUP
    wanted = {name for item in args.only for name in item.split(",") if name}
    unknown = wanted - set(EXPECTATIONS)
    if unknown:
        print(f"error: no program named {', '.join(sorted(unknown))}; known: {', '.join(EXPECTATIONS)}",
              file=sys.stderr)
        return ch.EXIT_SETUP
    missing = [p for p in EXPECTATIONS if not (LEAKS_DIR / f"{p}.java").is_file()]
    if missing:
        print(f"error: missing {', '.join(missing)} in {LEAKS_DIR}", file=sys.stderr)
        return ch.EXIT_SETUP
    programs = [p for p in EXPECTATIONS if not wanted or p in wanted]

    jdks, status = ch.select_jdks(args.jdk)
    if status is not None:
        return status
    configs = [ch.Config(jdk.label, jdk, []) for jdk in jdks]  # default flags only
    if args.config:
        configs = [c for c in configs if any(part in c.label for part in args.config)]
        if not configs:
            print(f"error: no JVM matches {args.config}", file=sys.stderr)
            return ch.EXIT_SETUP
    print(f"heapscope: {binary}")
    print(f"programs: {', '.join(programs)}")
    print(f"JVMs: {', '.join(f'{c.label} ({c.jdk.home})' for c in configs)}, flags {' '.join(HEAP_FLAGS)}")
    sys.stdout.flush()

    root, cleanup = ch.work_dir(args.keep, "heapscope-analyze-")
    failures = []  # (config label, program, [problem lines], report or None)
    runs = 0
    browser_done = False
    try:
        for config in configs:
            classes_dir = root / f"classes-{config.jdk.label}"
            try:
                ch.compile_corpus(config.jdk, [LEAKS_DIR / f"{p}.java" for p in programs], classes_dir)
            except ch.HarnessError as e:
                failures.append((config.label, "(compile)", [f"ERROR {e}"], None))
                print(f"[{config.label}] compile: ERROR")
                continue
            for program in programs:
                runs += 1
                started = time.monotonic()
                report = None
                try:
                    report = run_program(config, classes_dir, program, str(binary), root / config.label / program)
                    problems = check_report(program, report)
                    if not problems and not browser_done:
                        # Once per run: the real report.html in a browser; the
                        # screenshot is kept beside the test's working folder.
                        shot = Path.cwd() / f"analyze_report_{program}.png"
                        found = ch.browser_check("check_report.mjs", root / config.label / program / "report" / "report.html", shot)
                        browser_done = True
                        if found is None:
                            print("browser check skipped: chromium or tests/browser/node_modules missing")
                        else:
                            problems = found
                            if not found:
                                print(f"browser check passed on {program}'s report.html; screenshot {shot}")
                except ch.HarnessError as e:
                    problems = [f"ERROR {e}"]
                if problems:
                    failures.append((config.label, program, problems, report))
                    status_text = "FAIL"
                else:
                    top = report["suspects"][0] if report["suspects"] else None
                    status_text = ("ok: " + (f"#1 {top.get('category')} {top.get('class')} "
                                             f"{top.get('retained_percent')}%" if top else "no suspects")
                                   + f" of {len(report['suspects'])}")
                print(f"[{config.label}] {program}: {status_text} ({time.monotonic() - started:.1f}s)")
                sys.stdout.flush()
    finally:
        if cleanup is not None:
            cleanup.cleanup()

    for label, program, problems, report in failures:
        print(f"\n=== FAIL {program} on {label}")
        if program in EXPECTATIONS:
            print(f"    expected: {expectation_text(program)}")
        for problem in problems:
            print(f"    - {problem}")
        if report is not None:
            print("    top suspects:")
            for line in describe_suspects(report):
                print(f"      {line}")
    print(f"\n{len(failures)} of {runs} reports failed" if failures else f"\nall {runs} reports passed")
    if args.keep:
        print(f"dumps and reports kept in {root}")
    return ch.EXIT_FAIL if failures else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
