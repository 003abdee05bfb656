#!/usr/bin/env python3
"""check_retained.py - check heapscope's retained sizes against sizes known by construction.

tests/corpus/RetainedShapes.java builds four structures, each held by one
static field of its own holder class and made of classes nothing else uses:
a HashMap subclass of records, a linked chain, a complete binary tree and a
ring behind one root object. The retained size of each is therefore a sum of
byte totals the JVM itself reports in GC.class_histogram (see EXPECTED_* and
expected_sizes()). For every JVM configuration (the same ones as
check_histogram.py: JDK 17 default and without compressed oops, every
JDK >= 21 under /usr/lib/jvm with default flags and compact object headers)
the harness:

  1. compiles RetainedShapes.java (--release <feature>),
  2. starts it, waits for "READY <pid>", runs a warm-up GC.class_histogram,
     then GC.class_histogram, GC.heap_dump, GC.class_histogram,
  3. ends the program, and
  4. runs `heapscope histogram DUMP --retained --json` (also with
     --weak-refs=exclude and with --keep-unreachable, which must not change
     these structures) and `heapscope dominators DUMP --top 50 --json`.

It asserts, to the byte: the per-class retained size of each structure's
classes (the chain's node class retains the whole chain, counted once), and
that the top 50 dominators include the map, the ring's root, the chain's head
and the tree's root with their expected retained sizes.

Exit status: 0 when everything matched, 1 on any mismatch or failure, 2 on a
usage or setup error, 77 (CTest's skip code) when no JDK 17 is installed and
no --jdk was given.
"""

import json
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_histogram as ch  # noqa: E402  (the JVM, jcmd and histogram helpers)

PROGRAM = "RetainedShapes"
SOURCE = ch.CORPUS_DIR / f"{PROGRAM}.java"
P = PROGRAM + "$"

# Constants of RetainedShapes.java; the JVM's instance counts must agree,
# which catches an edit of the program that the sums below do not follow.
MAP_ENTRIES = 20_000
CHAIN_LENGTH = 30_000
TREE_NODES = 2 ** 17 - 1
EXPECTED_INSTANCES = {
    P + "RecordMap": 1,
    P + "MapKey": MAP_ENTRIES,
    P + "MapRecord": MAP_ENTRIES,
    P + "MapDetail": MAP_ENTRIES,
    P + "MapKey[]": 1,  # TableProbe.SAME_SIZE_AS_TABLE: as long as the map's table
    P + "ChainNode": CHAIN_LENGTH,
    P + "TreeNode": TREE_NODES,
    P + "CycleRoot": 1,
    P + "CycleNode": CHAIN_LENGTH,
}
HASHMAP_NODE = "java.util.HashMap$Node"

TOP = 50
HISTOGRAM_VARIANTS = ([], ["--weak-refs=exclude"], ["--keep-unreachable"])


class Outcome:
    def __init__(self, label):
        self.label = label
        self.problems = []
        self.checked = 0
        self.notes = []

    def expect(self, what, got, expected):
        self.checked += 1
        if got != expected:
            self.problems.append(f"{what}: heapscope {got}, expected {expected}")


# --------------------------------------------------------------------------
# Expected sizes from the JVM's histogram


def expected_sizes(jvm):
    """From {class: (instances, bytes)} of GC.class_histogram, returns
    (per-class retained bytes, {structure: (class of its top object, retained bytes)}).
    Raises HarnessError when the histogram does not show the program's
    structures as built."""
    for name, count in EXPECTED_INSTANCES.items():
        got = jvm.get(name, (0, 0))[0]
        if got != count:
            raise ch.HarnessError(f"JVM histogram: {name} has {got} instances, RetainedShapes builds {count}")
    node_instances, node_bytes = jvm.get(HASHMAP_NODE, (0, 0))
    if node_instances < MAP_ENTRIES or node_bytes % node_instances:
        raise ch.HarnessError(f"JVM histogram: {HASHMAP_NODE} {node_instances} inst / {node_bytes} B "
                              "gives no exact per-instance size")
    b = {name: jvm[name][1] for name in EXPECTED_INSTANCES}
    # Every HashMap$Node has the same size; the table is a reference array of
    # the probe's length, so it has the probe's size.
    map_total = (b[P + "RecordMap"] + b[P + "MapKey[]"] + MAP_ENTRIES * (node_bytes // node_instances)
                 + b[P + "MapKey"] + b[P + "MapRecord"] + b[P + "MapDetail"])
    cycle_total = b[P + "CycleRoot"] + b[P + "CycleNode"]
    per_class = {
        P + "RecordMap": map_total,
        P + "MapKey": b[P + "MapKey"],
        P + "MapRecord": b[P + "MapRecord"] + b[P + "MapDetail"],
        P + "MapDetail": b[P + "MapDetail"],
        # Not the probe's class MapKey[]: an array class is in no loader's
        # `classes` list, so in the dump's graph its class object is reached
        # only through the probe's class pseudo-edge, and the probe retains it.
        # A node retains the rest of the chain; counted once, at the head.
        P + "ChainNode": b[P + "ChainNode"],
        P + "TreeNode": b[P + "TreeNode"],
        P + "CycleRoot": cycle_total,
        # The ring's entry node dominates the rest of the ring.
        P + "CycleNode": b[P + "CycleNode"],
    }
    structures = {
        "map": (P + "RecordMap", map_total),
        "ring": (P + "CycleRoot", cycle_total),
        "chain head": (P + "ChainNode", b[P + "ChainNode"]),
        "tree root": (P + "TreeNode", b[P + "TreeNode"]),
    }
    return per_class, structures


# --------------------------------------------------------------------------
# Checks of heapscope's output


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        raise ch.HarnessError(f"{what}: output is not JSON ({e}):\n{ch.tail(text)}")


def check_histogram(text, what, per_class, jvm, outcome):
    """`histogram --retained --json`: rows summed by class name."""
    doc = parse_json(text, what)
    retained = {}
    shallow = {}
    try:
        for row in doc["classes"]:
            name = row["name"]
            if name not in per_class:
                continue
            if "retained_bytes" not in row:
                raise ch.HarnessError(f"{what}: class row without retained_bytes: {row}")
            retained[name] = retained.get(name, 0) + int(row["retained_bytes"])
            shallow[name] = shallow.get(name, 0) + int(row["shallow_bytes"])
    except (KeyError, TypeError, ValueError) as e:
        raise ch.HarnessError(f"{what}: unexpected histogram JSON ({e}):\n{ch.tail(text)}")
    for name, expected in sorted(per_class.items()):
        # A shallow mismatch is check_histogram.py's business, but it would
        # explain a retained one, so say so first.
        if shallow.get(name) != jvm[name][1]:
            outcome.problems.append(f"{what}: {name}: shallow bytes {shallow.get(name)}, JVM {jvm[name][1]} "
                                    "(retained sizes cannot match)")
        outcome.expect(f"{what}: retained bytes of class {name}", retained.get(name), expected)


def check_dominators(text, what, structures, outcome):
    """`dominators --top N --json`: each structure's top object must be listed
    with its expected retained size; for a class with many listed objects
    (chain and tree nodes dominate one another) the largest one is the top."""
    doc = parse_json(text, what)
    try:
        objects = [(str(o["id"]), str(o["class"]), int(o["shallow_bytes"]), int(o["retained_bytes"]))
                   for o in doc["objects"]]
    except (KeyError, TypeError, ValueError) as e:
        raise ch.HarnessError(f"{what}: unexpected dominators JSON ({e}):\n{ch.tail(text)}")
    outcome.expect(f"{what}: objects listed", len(objects), TOP)
    sizes = [o[3] for o in objects]
    if sizes != sorted(sizes, reverse=True):
        outcome.problems.append(f"{what}: objects are not sorted by retained bytes: {sizes}")
    if len({o[0] for o in objects}) != len(objects):
        outcome.problems.append(f"{what}: an object is listed twice")
    for label, (cls, expected) in structures.items():
        listed = [o for o in objects if o[1] == cls]
        if not listed:
            outcome.checked += 1
            outcome.problems.append(f"{what}: the {label} ({cls}, {expected} B retained) is not in the top "
                                    f"{TOP}; the smallest listed retains {sizes[-1] if sizes else '-'} B")
            continue
        outcome.expect(f"{what}: retained bytes of the {label} ({cls} {listed[0][0]})", listed[0][3], expected)


# --------------------------------------------------------------------------
# One configuration


def heapscope(binary, args, what):
    return ch.run([binary, *args], ch.HEAPSCOPE_TIMEOUT, what)


def check_config(config, classes_dir, binary, work, outcome):
    work.mkdir(parents=True, exist_ok=True)
    dump = work / "dump.hprof"
    if dump.exists():
        dump.unlink()
    with ch.JavaProgram(config, classes_dir, PROGRAM, work / "java-stderr.txt") as java:
        pid = java.wait_ready()
        ch.jcmd(config, pid, "GC.class_histogram")  # warm-up: starts the attach listener
        before_text = ch.jcmd(config, pid, "GC.class_histogram")
        ch.heap_dump(config, pid, dump)
        after_text = ch.jcmd(config, pid, "GC.class_histogram")
    (work / "jvm-before.txt").write_text(before_text)
    (work / "jvm-after.txt").write_text(after_text)
    before = ch.parse_jvm_histogram(before_text, f"histogram before ({config.label})")
    after = ch.parse_jvm_histogram(after_text, f"histogram after ({config.label})")
    unstable = [n for n in EXPECTED_INSTANCES if before.get(n) != after.get(n)]
    if unstable:
        raise ch.HarnessError(f"classes changed while the dump was written: {', '.join(unstable)}")
    per_class, structures = expected_sizes(before)
    outcome.notes.append("expected: " + ", ".join(f"{label} {size} B" for label, (_, size) in structures.items()))

    # Each command is checked even when another one failed.
    for variant in HISTOGRAM_VARIANTS:
        what = f"histogram --retained {' '.join(variant)}".strip()
        try:
            text = heapscope(binary, ["histogram", str(dump), "--retained", "--json", *variant], what)
            (work / f"histogram{''.join(variant).replace('=', '-')}.json").write_text(text)
            check_histogram(text, what, per_class, before, outcome)
        except ch.HarnessError as e:
            outcome.problems.append(f"ERROR {e}")

    what = f"dominators --top {TOP}"
    try:
        text = heapscope(binary, ["dominators", str(dump), "--top", str(TOP), "--json"], what)
        (work / "dominators.json").write_text(text)
        check_dominators(text, what, structures, outcome)
    except ch.HarnessError as e:
        outcome.problems.append(f"ERROR {e}")


# --------------------------------------------------------------------------
# Self-test (no JVM)


def self_test():
    jvm = {name: (count, count * 24) for name, count in EXPECTED_INSTANCES.items()}
    jvm[P + "MapKey[]"] = (1, 131088)
    jvm[HASHMAP_NODE] = (MAP_ENTRIES + 999, (MAP_ENTRIES + 999) * 32)
    per_class, structures = expected_sizes(jvm)
    map_total = 24 + 131088 + MAP_ENTRIES * 32 + 3 * MAP_ENTRIES * 24
    assert structures["map"] == (P + "RecordMap", map_total), structures
    assert per_class[P + "MapRecord"] == 2 * MAP_ENTRIES * 24, per_class
    assert per_class[P + "CycleRoot"] == 24 + CHAIN_LENGTH * 24, per_class

    rows = [{"name": n, "instances": jvm[n][0], "shallow_bytes": jvm[n][1], "retained_bytes": r}
            for n, r in per_class.items()]
    good = Outcome("self-test")
    check_histogram(json.dumps({"classes": rows}), "h", per_class, jvm, good)
    assert not good.problems and good.checked == len(per_class), good.problems
    rows[0] = dict(rows[0], retained_bytes=rows[0]["retained_bytes"] + 8)
    bad = Outcome("self-test")
    check_histogram(json.dumps({"classes": rows}), "h", per_class, jvm, bad)
    assert len(bad.problems) == 1, bad.problems

    objects = [{"id": f"0x{i:x}", "class": "java.lang.Object", "shallow_bytes": 16,
                "retained_bytes": 10 ** 7 - i} for i in range(TOP - 4)]
    objects += [{"id": f"0x{100 + i:x}", "class": cls, "shallow_bytes": 24, "retained_bytes": size}
                for i, (cls, size) in enumerate(structures.values())]
    objects.sort(key=lambda o: -o["retained_bytes"])
    good = Outcome("self-test")
    check_dominators(json.dumps({"objects": objects}), "d", structures, good)
    assert not good.problems, good.problems
    bad = Outcome("self-test")
    check_dominators(json.dumps({"objects": objects[:-1]}), "d", structures, bad)
    assert len(bad.problems) == 2, bad.problems  # one object short, and a structure missing
    try:
        expected_sizes(dict(jvm, **{P + "ChainNode": (CHAIN_LENGTH + 1, 0)}))
        raise AssertionError("a wrong instance count was accepted")
    except ch.HarnessError:
        pass
    print("self-test passed")
    return ch.EXIT_OK


# --------------------------------------------------------------------------
# Driver


def parse_args(argv):
    return ch.harness_parser(__doc__, "keep the dump, JVM histograms and heapscope output under DIR/<config>/",
                             "run only configurations whose label contains LABEL (repeatable)",
                             "check the expected-size sums and the output checks, then exit").parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    configs = [c for jdk in jdks for c in ch.configs_for(jdk)]
    if args.config:
        configs = [c for c in configs if any(part in c.label for part in args.config)]
        if not configs:
            print(f"error: no configuration matches {args.config}", file=sys.stderr)
            return ch.EXIT_SETUP
    print(f"heapscope: {binary}")
    print("configurations: " + ", ".join(f"{c.label} [{' '.join(c.flags) or 'default'}]" for c in configs))
    sys.stdout.flush()

    root, cleanup = ch.work_dir(args.keep, "heapscope-retained-")
    outcomes = []
    try:
        compiled = {}
        for config in configs:
            outcome = Outcome(config.label)
            outcomes.append(outcome)
            started = time.monotonic()
            try:
                if config.jdk.home not in compiled:
                    classes_dir = root / f"classes-{config.jdk.label}"
                    ch.compile_corpus(config.jdk, [SOURCE], classes_dir)
                    compiled[config.jdk.home] = classes_dir
                check_config(config, compiled[config.jdk.home], str(binary), root / config.label, outcome)
            except ch.HarnessError as e:
                outcome.problems.append(f"ERROR {e}")
            status = "PASS" if not outcome.problems else "FAIL"
            flags = " ".join(config.flags) or "default flags"
            print(f"\n=== {config.label} ({config.jdk.home}, {flags}): {status}, {outcome.checked} checks "
                  f"({time.monotonic() - started:.1f}s)")
            for note in outcome.notes:
                print(f"    {note}")
            for problem in outcome.problems:
                print(f"    MISMATCH {problem}" if not problem.startswith("ERROR") else f"    {problem}")
            sys.stdout.flush()
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    failed = [o.label for o in outcomes if o.problems]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all configurations passed'}")
    if args.keep:
        print(f"dumps and outputs kept in {root}")
    return ch.EXIT_FAIL if failed else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
