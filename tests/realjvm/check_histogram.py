#!/usr/bin/env python3
"""check_histogram.py - compare heapscope's class histogram with the JVM's own.

For every corpus program (tests/corpus/*.java) and every JVM configuration
(JDK 17 default, JDK 17 -XX:-UseCompressedOops, and for each JDK >= 21 found
under /usr/lib/jvm its default plus -XX:+UseCompactObjectHeaders when the VM
accepts it) the harness:

  1. compiles the corpus with that JDK's javac (--release <feature>),
  2. starts the program and waits for its "READY <pid>" line,
  3. runs jcmd GC.class_histogram once to warm up the attach machinery, then
     GC.class_histogram (before), GC.heap_dump, GC.class_histogram (after),
  4. ends the program (newline on stdin, then kill), and
  5. runs `heapscope histogram DUMP --json` and `heapscope summary DUMP --json`.

A class is compared when its JVM instance count and byte total are the same
before and after the dump (it is "stable"); then heapscope's figures, summed by
Java-style class name, must equal the JVM's, also summed by name. Classes that
heapscope lists in "excluded" are reported as skipped. Classes heapscope counts
but the JVM lists neither before nor after are mismatches ("extra").

On the first configuration the program is also dumped with -gz=1 between the
two histograms: that dump must match the JVM like the plain one, and heapscope
must give exactly the same histogram for the .hprof.gz and for a copy that
Python's gzip module decompressed.

Exit status: 0 when everything matched, 1 on any mismatch or failure, 2 on a
usage or setup error, 77 (CTest's skip code) when no JDK 17 is installed and
no --jdk was given.
"""

import argparse
import gzip
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "tests" / "corpus"
JVM_ROOT = Path("/usr/lib/jvm")
DEFAULT_JDK17 = JVM_ROOT / "java-17-openjdk-amd64"

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_SETUP = 2
EXIT_SKIP = 77  # CTest SKIP_RETURN_CODE

# Subprocess time limits, in seconds. Heap dumps of the corpus take well under
# a second; the limits only exist so a hung JVM or heapscope cannot hang CTest.
COMPILE_TIMEOUT = 300
READY_TIMEOUT = 60
JCMD_TIMEOUT = 180
HEAPSCOPE_TIMEOUT = 600
EXIT_GRACE = 10

# Fewer distinct compared classes than this in one configuration means the harness
# compared almost nothing (for example every class was unstable), which must
# not pass silently.
DEFAULT_MIN_COMPARED = 50

# A program's histogram must report at least this many threads in `summary`.
MIN_THREADS = {"ThreadsAndLoaders": 7}

SUMMARY_KEYS = ("objects", "classes", "gc_roots", "threads", "shallow_bytes")

PRIMITIVE_DESCRIPTORS = {
    "Z": "boolean", "B": "byte", "C": "char", "S": "short",
    "I": "int", "J": "long", "F": "float", "D": "double",
}

# " 123:   4567   89012  [Ljava.lang.String; (java.base@17.0.2)"
HISTOGRAM_ROW = re.compile(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)(?:\s+\(.*\))?\s*$")
HISTOGRAM_TOTAL = re.compile(r"^Total\s+(\d+)\s+(\d+)\s*$")


class HarnessError(Exception):
    """A step failed for a reason other than a histogram mismatch."""


@dataclass
class Jdk:
    home: Path
    feature: int
    label: str

    def tool(self, name):
        return str(self.home / "bin" / name)


@dataclass
class Config:
    label: str
    jdk: Jdk
    flags: list
    with_gz: bool = False


@dataclass
class Mismatch:
    program: str
    dump: str
    name: str
    jvm: tuple  # (instances, bytes)
    heapscope: tuple

    def describe(self):
        jvm_i, jvm_b = self.jvm
        hs_i, hs_b = self.heapscope
        text = (f"{self.program}{self.dump}: {self.name}: "
                f"JVM {jvm_i} inst / {jvm_b} B, heapscope {hs_i} inst / {hs_b} B")
        if jvm_i == hs_i and jvm_i > 0 and jvm_b % jvm_i == 0 and hs_b % hs_i == 0:
            text += f"  (per instance: JVM {jvm_b // jvm_i}, heapscope {hs_b // hs_i})"
        elif jvm_i == 0:
            text += "  (extra: not in either JVM histogram)"
        return text


@dataclass
class ConfigResult:
    config: Config
    compared: int = 0  # (program, class) pairs
    compared_names: set = field(default_factory=set)  # distinct class names
    matched: int = 0
    unstable: int = 0
    mismatches: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # name -> reason
    failures: list = field(default_factory=list)  # harness-level errors
    notes: list = field(default_factory=list)

    def ok(self, min_compared):
        return not self.mismatches and not self.failures and len(self.compared_names) >= min_compared


# --------------------------------------------------------------------------
# Subprocess helpers


def child_env():
    env = dict(os.environ)
    # Options injected through the environment would change the JVM's layout
    # choices behind the configuration's back.
    for var in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"):
        env.pop(var, None)
    return env


def run(cmd, timeout, what):
    """Runs cmd to completion; returns stdout. Raises HarnessError on failure."""
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, env=child_env())
    except subprocess.TimeoutExpired:
        raise HarnessError(f"{what}: timed out after {timeout}s: {' '.join(cmd)}")
    except OSError as e:
        raise HarnessError(f"{what}: cannot run {cmd[0]}: {e}")
    if proc.returncode != 0:
        raise HarnessError(f"{what}: exit status {proc.returncode}: {' '.join(cmd)}\n"
                           f"{tail(proc.stderr)}{tail(proc.stdout)}")
    return proc.stdout.decode("utf-8", "replace")


def tail(data, lines=15):
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    rows = text.strip().splitlines()
    if not rows:
        return ""
    return "".join(f"    | {row}\n" for row in rows[-lines:])


class JavaProgram:
    """A running corpus program; use as a context manager so it always ends."""

    def __init__(self, config, classes_dir, name, log_path):
        self.cmd = [config.jdk.tool("java"), *config.flags, "-cp", str(classes_dir), name]
        self.name = name
        self.log_path = log_path
        self.proc = None
        self.pid = None

    def __enter__(self):
        self.log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, env=child_env())
        except OSError as e:
            self.log.close()
            raise HarnessError(f"cannot start {self.name}: {e}")
        return self

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Reads stdout until "READY <pid>"; returns the pid."""
        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while True:
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    match = re.match(rb"^READY (\d+)\s*$", line)
                    if match:
                        self.pid = int(match.group(1))
                        return self.pid
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(f"{self.name}: no READY line within {timeout}s"
                                       f"{self.stderr_tail()}")
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    self.proc.wait(timeout=EXIT_GRACE)
                    raise HarnessError(f"{self.name}: exited with status {self.proc.returncode} "
                                       f"before READY{self.stderr_tail()}")
                buffer += chunk

    def stderr_tail(self):
        self.log.flush()
        try:
            text = Path(self.log_path).read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n  stderr:\n" + tail(text) if text.strip() else ""

    def __exit__(self, exc_type, exc, traceback):
        try:
            # After a failure the program may be wedged: kill it at once.
            if exc_type is None and self.proc.poll() is None:
                try:
                    self.proc.stdin.write(b"\n")
                    self.proc.stdin.close()
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=EXIT_GRACE)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
        return False


# --------------------------------------------------------------------------
# JDKs and configurations


def jdk_feature(home):
    """The feature release (17, 25, ...) of the JDK at home, or None."""
    release = home / "release"
    text = ""
    if release.is_file():
        text = release.read_text("utf-8", "replace")
        match = re.search(r'^JAVA_VERSION="([^"]+)"', text, re.M)
        if match:
            text = match.group(1)
    if not text:
        try:
            proc = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True,
                                  timeout=60, env=child_env())
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = re.search(r'version "([^"]+)"', proc.stderr.decode("utf-8", "replace"))
        if not match:
            return None
        text = match.group(1)
    parts = text.split(".")
    try:
        return int(parts[1]) if parts[0] == "1" else int(parts[0].split("-")[0])
    except (ValueError, IndexError):
        return None


def is_jdk(home):
    return all((home / "bin" / tool).is_file() for tool in ("java", "javac", "jcmd"))


def make_jdk(home, taken_labels):
    home = Path(home).resolve()
    if not is_jdk(home):
        raise HarnessError(f"{home} is not a JDK: bin/java, bin/javac and bin/jcmd are required")
    feature = jdk_feature(home)
    if feature is None:
        raise HarnessError(f"cannot tell the Java version of {home}")
    label = f"jdk{feature}"
    if label in taken_labels:
        label = f"jdk{feature}-{home.name}"
    taken_labels.add(label)
    return Jdk(home, feature, label)


def discover_jdks():
    """JDK 17 plus every JDK >= 21 under /usr/lib/jvm, each once."""
    labels = set()
    jdks = []
    seen = set()
    if is_jdk(DEFAULT_JDK17):
        jdk = make_jdk(DEFAULT_JDK17, labels)
        jdks.append(jdk)
        seen.add(jdk.home)
    if JVM_ROOT.is_dir():
        for entry in sorted(JVM_ROOT.iterdir()):
            home = entry.resolve()
            if home in seen or not is_jdk(home):
                continue
            seen.add(home)
            feature = jdk_feature(home)
            if feature is not None and feature >= 21:
                jdks.append(make_jdk(home, labels))
    return jdks


def select_jdks(homes):
    """The JDKs a harness tests: the ones at `homes` (its --jdk options), else
    discover_jdks(). Returns (jdks, None), or ([], exit status) after saying
    why on stderr: EXIT_SKIP when no JDK 17 is installed, EXIT_SETUP when a
    --jdk is no JDK."""
    try:
        if homes:
            labels = set()
            return [make_jdk(home, labels) for home in homes], None
        jdks = discover_jdks()
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return [], EXIT_SETUP
    if not jdks or jdks[0].feature != 17:
        print(f"skipped: no JDK 17 at {DEFAULT_JDK17} (use --jdk)", file=sys.stderr)
        return [], EXIT_SKIP
    return jdks, None


def vm_accepts(jdk, flags):
    try:
        proc = subprocess.run([jdk.tool("java"), *flags, "-version"], capture_output=True,
                              timeout=60, env=child_env())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def configs_for(jdk):
    configs = [Config(jdk.label, jdk, [])]
    if jdk.feature < 21:
        configs.append(Config(f"{jdk.label}-nocoops", jdk, ["-XX:-UseCompressedOops"]))
    if jdk.feature >= 24:
        # Product flag from JDK 25; experimental in JDK 24.
        for flags in (["-XX:+UseCompactObjectHeaders"],
                      ["-XX:+UnlockExperimentalVMOptions", "-XX:+UseCompactObjectHeaders"]):
            if vm_accepts(jdk, flags):
                configs.append(Config(f"{jdk.label}-coh", jdk, flags))
                break
    return configs


# --------------------------------------------------------------------------
# Histograms


def java_class_name(jvm_name):
    """'[[I' -> 'int[][]', '[Ljava.lang.String;' -> 'java.lang.String[]'."""
    dims = len(jvm_name) - len(jvm_name.lstrip("["))
    if dims == 0:
        return jvm_name
    element = jvm_name[dims:]
    if element in PRIMITIVE_DESCRIPTORS:
        base = PRIMITIVE_DESCRIPTORS[element]
    elif element.startswith("L") and element.endswith(";"):
        base = element[1:-1]
    else:
        base = element  # unexpected; keep it visible rather than guess
    return base + "[]" * dims


def parse_jvm_histogram(text, what):
    """Parses jcmd GC.class_histogram output into {java name: (instances, bytes)}."""
    classes = {}
    rows = 0
    total = None
    for line in text.splitlines():
        match = HISTOGRAM_ROW.match(line)
        if match:
            rows += 1
            name = java_class_name(match.group(3))
            instances, size = classes.get(name, (0, 0))
            classes[name] = (instances + int(match.group(1)), size + int(match.group(2)))
            continue
        match = HISTOGRAM_TOTAL.match(line)
        if match:
            total = (int(match.group(1)), int(match.group(2)))
    if rows == 0 or total is None:
        raise HarnessError(f"{what}: no class histogram in jcmd output:\n{tail(text)}")
    summed = (sum(v[0] for v in classes.values()), sum(v[1] for v in classes.values()))
    if summed != total:
        raise HarnessError(f"{what}: histogram rows sum to {summed}, Total line says {total}")
    return classes


def parse_heapscope_histogram(text, what):
    """Returns ({name: (instances, shallow_bytes)}, {name: reason})."""
    try:
        doc = json.loads(text)
        classes = {}
        for entry in doc["classes"]:
            name = entry["name"]
            instances, size = classes.get(name, (0, 0))
            classes[name] = (instances + int(entry["instances"]), size + int(entry["shallow_bytes"]))
        excluded = {e["name"]: str(e.get("reason", "")) for e in doc.get("excluded", [])}
    except (ValueError, KeyError, TypeError) as e:
        raise HarnessError(f"{what}: unexpected heapscope JSON ({e}):\n{tail(text)}")
    return classes, excluded


def compare(program, dump_label, before, after, heapscope, excluded, result):
    for name in sorted(set(before) | set(after) | set(heapscope)):
        jvm_before = before.get(name)
        jvm_after = after.get(name)
        if name in excluded:
            if jvm_before or jvm_after:
                result.skipped.setdefault(name, excluded[name])
            continue
        if jvm_before != jvm_after:
            result.unstable += 1
            continue
        hs = heapscope.get(name, (0, 0))
        if jvm_before is None:
            if hs[0] != 0 or hs[1] != 0:
                result.mismatches.append(Mismatch(program, dump_label, name, (0, 0), hs))
            continue
        result.compared += 1
        result.compared_names.add(name)
        if hs == jvm_before:
            result.matched += 1
        else:
            result.mismatches.append(Mismatch(program, dump_label, name, jvm_before, hs))


# --------------------------------------------------------------------------
# One program under one configuration


def jcmd(config, pid, *args):
    return run([config.jdk.tool("jcmd"), str(pid), *args], JCMD_TIMEOUT,
               f"jcmd {' '.join(args)} ({config.label})")


def heap_dump(config, pid, path, *options):
    out = jcmd(config, pid, "GC.heap_dump", *options, str(path))
    if "Heap dump file created" not in out or not path.is_file() or path.stat().st_size == 0:
        raise HarnessError(f"GC.heap_dump {path.name} ({config.label}) did not write a dump:\n{tail(out)}")


def heapscope_json(heapscope, command, dump, what):
    return run([heapscope, command, str(dump), "--json"], HEAPSCOPE_TIMEOUT, what)


def check_summary(heapscope, program, dump, histogram_total, work, result):
    what = f"heapscope summary {dump.name} ({result.config.label}/{program})"
    text = heapscope_json(heapscope, "summary", dump, what)
    (work / "summary.json").write_text(text)
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise HarnessError(f"{what}: output is not JSON ({e}):\n{tail(text)}")
    missing = [key for key in SUMMARY_KEYS if key not in doc]
    if missing:
        raise HarnessError(f"{what}: missing keys {missing}")
    if int(doc["objects"]) <= 0 or int(doc["classes"]) <= 0 or int(doc["gc_roots"]) <= 0:
        raise HarnessError(f"{what}: objects {doc['objects']}, classes {doc['classes']}, "
                           f"gc_roots {doc['gc_roots']}; all must be positive")
    # Two commands over one dump must agree on the heap's total size.
    if histogram_total is not None and int(doc["shallow_bytes"]) != histogram_total:
        raise HarnessError(f"{what}: shallow_bytes {doc['shallow_bytes']} differs from the histogram's "
                           f"total_shallow_bytes {histogram_total}")
    wanted_threads = MIN_THREADS.get(program, 1)
    if int(doc["threads"]) < wanted_threads:
        raise HarnessError(f"{what}: threads {doc['threads']}, expected at least {wanted_threads}")


def check_program(config, classes_dir, program, heapscope, work, result):
    work.mkdir(parents=True, exist_ok=True)
    plain = work / "dump.hprof"
    compressed = work / "dump.hprof.gz"
    for stale in (plain, compressed):
        if stale.exists():
            stale.unlink()
    with JavaProgram(config, classes_dir, program, work / "java-stderr.txt") as java:
        pid = java.wait_ready()
        jcmd(config, pid, "GC.class_histogram")  # warm-up: starts the attach listener
        before_text = jcmd(config, pid, "GC.class_histogram")
        heap_dump(config, pid, plain)
        if config.with_gz:
            heap_dump(config, pid, compressed, "-gz=1")
        after_text = jcmd(config, pid, "GC.class_histogram")
    (work / "jvm-before.txt").write_text(before_text)
    (work / "jvm-after.txt").write_text(after_text)
    where = f"{config.label}/{program}"
    before = parse_jvm_histogram(before_text, f"histogram before ({where})")
    after = parse_jvm_histogram(after_text, f"histogram after ({where})")

    text = heapscope_json(heapscope, "histogram", plain, f"heapscope histogram ({where})")
    (work / "heapscope.json").write_text(text)
    hs_classes, excluded = parse_heapscope_histogram(text, f"heapscope histogram ({where})")
    compare(program, "", before, after, hs_classes, excluded, result)
    try:
        check_summary(heapscope, program, plain, json.loads(text).get("total_shallow_bytes"), work, result)
    except HarnessError as e:
        result.failures.append(f"{program}: {e}")

    if config.with_gz:
        text_gz = heapscope_json(heapscope, "histogram", compressed, f"heapscope histogram gz ({where})")
        (work / "heapscope-gz.json").write_text(text_gz)
        gz_classes, gz_excluded = parse_heapscope_histogram(text_gz, f"heapscope histogram gz ({where})")
        compare(program, " [gz]", before, after, gz_classes, gz_excluded, result)
        # The same bytes through Python's decompressor must give the same answer.
        inflated = work / "dump-gunzipped.hprof"
        with gzip.open(compressed, "rb") as src, open(inflated, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        text_inflated = heapscope_json(heapscope, "histogram", inflated,
                                       f"heapscope histogram gunzipped ({where})")
        inflated_result = parse_heapscope_histogram(text_inflated, f"heapscope gunzipped ({where})")
        if inflated_result != (gz_classes, gz_excluded):
            diff = sorted(n for n in set(gz_classes) | set(inflated_result[0])
                          if gz_classes.get(n) != inflated_result[0].get(n))
            raise HarnessError(f"{where}: heapscope histogram of {compressed.name} differs from the "
                               f"same dump decompressed by Python in {len(diff)} classes: "
                               + ", ".join(f"{n} {gz_classes.get(n)} vs {inflated_result[0].get(n)}"
                                           for n in diff[:10]))
        result.notes.append(f"{program}: .hprof.gz ({compressed.stat().st_size} B) read the same as "
                            f"its decompressed copy ({inflated.stat().st_size} B)")
        inflated.unlink()


# --------------------------------------------------------------------------
# Self-test of the parsing helpers (no JVM needed)


def self_test():
    cases = {
        "[B": "byte[]", "[[I": "int[][]", "[Z": "boolean[]", "[[[J": "long[][][]",
        "[Ljava.lang.String;": "java.lang.String[]", "[[Ljava.lang.String;": "java.lang.String[][]",
        "java.util.HashMap$Node": "java.util.HashMap$Node",
        "[Ljava.util.HashMap$Node;": "java.util.HashMap$Node[]",
        "Foo$$Lambda/0x0000000800c01000": "Foo$$Lambda/0x0000000800c01000",
    }
    for jvm, java in cases.items():
        got = java_class_name(jvm)
        assert got == java, f"java_class_name({jvm!r}) = {got!r}, expected {java!r}"
    sample = """12345:
 num     #instances         #bytes  class name (module)
-------------------------------------------------------
   1:            10            400  [B (java.base@17.0.2)
   2:             3             72  Plugin
   3:             2             48  Plugin
   4:             1             16  Foo$$Lambda$3/0x00007fbfac001a20
Total            16            536
"""
    parsed = parse_jvm_histogram(sample, "self-test")
    assert parsed == {"byte[]": (10, 400), "Plugin": (5, 120),
                      "Foo$$Lambda$3/0x00007fbfac001a20": (1, 16)}, parsed
    try:
        parse_jvm_histogram(sample.replace("Total            16", "Total            17"), "self-test")
        raise AssertionError("a wrong Total line was accepted")
    except HarnessError:
        pass
    classes, excluded = parse_heapscope_histogram(json.dumps({
        "classes": [{"name": "A", "instances": 1, "shallow_bytes": 16},
                    {"name": "A", "instances": 2, "shallow_bytes": 32}],
        "excluded": [{"name": "java.lang.Class", "reason": "r"}]}), "self-test")
    assert classes == {"A": (3, 48)} and excluded == {"java.lang.Class": "r"}
    result = ConfigResult(Config("x", None, []))
    compare("P", "", {"A": (3, 48), "B": (1, 16), "C": (2, 32)}, {"A": (3, 48), "B": (2, 32), "C": (2, 32)},
            {"A": (3, 48), "C": (2, 40), "D": (1, 24)}, {}, result)
    assert (result.compared, result.matched, result.unstable) == (2, 1, 1), result
    assert [(m.name, m.jvm, m.heapscope) for m in result.mismatches] == [
        ("C", (2, 32), (2, 40)), ("D", (0, 0), (1, 24))], result.mismatches
    print("self-test passed")
    return EXIT_OK


# --------------------------------------------------------------------------
# Driver


def compile_corpus(jdk, sources, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    run([jdk.tool("javac"), "--release", str(jdk.feature), "-encoding", "UTF-8", "-d", str(out_dir),
         *map(str, sources)], COMPILE_TIMEOUT, f"javac ({jdk.label})")


def print_result(result, min_compared, out):
    config = result.config
    status = "PASS" if result.ok(min_compared) else "FAIL"
    flags = " ".join(config.flags) or "default flags"
    print(f"\n=== {config.label} ({config.jdk.home}, {flags}): {status}", file=out)
    print(f"    compared {result.compared} (program, class) pairs over {len(result.compared_names)} "
          f"distinct classes, matched {result.matched}, "
          f"mismatched {len(result.mismatches)}, skipped {len(result.skipped)}, "
          f"unstable (not compared) {result.unstable}", file=out)
    if len(result.compared_names) < min_compared:
        print(f"    too few distinct classes compared: {len(result.compared_names)} < {min_compared}",
              file=out)
    for failure in result.failures:
        print(f"    ERROR {failure}", file=out)
    # One line per class when every program saw the same figures; the same JDK
    # class usually appears in every program.
    by_name = {}
    for mismatch in result.mismatches:
        by_name.setdefault(mismatch.name, []).append(mismatch)
    for name in sorted(by_name):
        group = by_name[name]
        if len({(m.jvm, m.heapscope) for m in group}) == 1:
            first = group[0]
            where = ", ".join(m.program + m.dump for m in group)
            merged = Mismatch(f"[{where}]", "", name, first.jvm, first.heapscope)
            print(f"    MISMATCH {merged.describe()}", file=out)
        else:
            for mismatch in group:
                print(f"    MISMATCH {mismatch.describe()}", file=out)
    plus_named = sum(1 for m in result.mismatches if m.jvm == (0, 0) and "+0x" in m.name)
    if plus_named:
        print(f"    hint: {plus_named} extra classes are hidden classes named 'X+0x...'; the dump holds "
              "HotSpot's internal name, and jcmd prints Klass::external_name, which writes '/0x...'",
              file=out)
    for name, reason in sorted(result.skipped.items()):
        print(f"    skipped {name}: {reason}", file=out)
    for note in result.notes:
        print(f"    note: {note}", file=out)


def json_report(results, min_compared):
    return {
        "configurations": [
            {
                "label": r.config.label,
                "jdk": str(r.config.jdk.home),
                "flags": r.config.flags,
                "ok": r.ok(min_compared),
                "compared": r.compared,
                "compared_distinct": len(r.compared_names),
                "matched": r.matched,
                "unstable": r.unstable,
                "skipped": r.skipped,
                "failures": r.failures,
                "mismatches": [
                    {"program": m.program + m.dump, "name": m.name,
                     "jvm": {"instances": m.jvm[0], "bytes": m.jvm[1]},
                     "heapscope": {"instances": m.heapscope[0], "bytes": m.heapscope[1]}}
                    for m in r.mismatches
                ],
            }
            for r in results
        ]
    }


BROWSER_DIR = REPO_ROOT / "tests" / "browser"


def browser_check(script, html, screenshot):
    """Opens a page heapscope wrote in headless Chromium with a check of
    tests/browser (check_report.mjs, check_trend_page.mjs).

    Returns a list of problems; None when the browser stack (chromium, node,
    tests/browser/node_modules) is not installed."""
    if not (Path("/usr/bin/chromium").exists() and (BROWSER_DIR / "node_modules" / "playwright-core").is_dir()):
        return None
    try:
        done = subprocess.run(["node", str(BROWSER_DIR / script), str(html), str(screenshot)],
                              capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"browser check could not run: {e}"]
    if done.returncode != 0:
        return [f"browser check of {html} failed (exit {done.returncode}):\n{tail(done.stdout + done.stderr)}"]
    return []


def run_checks(checks):
    """Runs (label, check) pairs, where check() returns a list of problems
    (a HarnessError counts as one); prints "[label] ok" or "FAIL" with each
    problem. Returns True when any check failed."""
    failed = False
    for label, check in checks:
        try:
            problems = check()
        except HarnessError as e:
            problems = [f"ERROR {e}"]
        failed = failed or bool(problems)
        print(f"[{label}] " + ("ok" if not problems else "FAIL"))
        for p in problems:
            print(f"    - {p}")
        sys.stdout.flush()
    return failed


def harness_parser(doc, keep_help, config_help, self_test_help):
    """The options every real-JVM harness takes (--heapscope, --jdk, --config,
    --keep, --self-test); a harness adds its own to the parser returned."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heapscope", default=str(REPO_ROOT / "build" / "heapscope"),
                        help="heapscope binary (default: build/heapscope)")
    parser.add_argument("--jdk", action="append", default=[],
                        help="JDK home to test (repeatable); default: JDK 17 and every JDK >= 21 "
                             "under /usr/lib/jvm")
    parser.add_argument("--config", action="append", default=[], metavar="LABEL", help=config_help)
    parser.add_argument("--keep", metavar="DIR", help=keep_help)
    parser.add_argument("--self-test", action="store_true", help=self_test_help)
    return parser


def heapscope_binary(path):
    """The binary as an absolute Path (a bare "heapscope" would be looked
    up on PATH), or None after saying why it can't be run."""
    binary = Path(path).resolve()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"error: heapscope binary not found or not executable: {binary}", file=sys.stderr)
        return None
    return binary


def harness_setup(args):
    """The binary and the JDKs a harness runs: (binary, jdks, None), or
    (None, None, exit status) after saying what is missing."""
    binary = heapscope_binary(args.heapscope)
    if binary is None:
        return None, None, EXIT_SETUP
    jdks, status = select_jdks(args.jdk)
    if status is not None:
        return None, None, status
    return binary, jdks, None


def parse_args(argv):
    parser = harness_parser(__doc__, "keep dumps, JVM histograms and heapscope output under DIR",
                            "run only configurations whose label contains LABEL (repeatable)",
                            "check the histogram parsers and the comparison, then exit")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this corpus program (repeatable, or comma-separated)")
    parser.add_argument("--min-compared", type=int, default=DEFAULT_MIN_COMPARED,
                        help="fail a configuration that compares fewer classes (default %(default)s)")
    parser.add_argument("--json-report", metavar="FILE", help="also write the results as JSON")
    return parser.parse_args(argv)


def work_dir(keep, prefix):
    """The folder dumps go to: --keep DIR (kept), else a temporary one.

    Returns (path, cleanup) where cleanup is None for a kept folder."""
    if keep:
        root = Path(keep).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return root, None
    cleanup = tempfile.TemporaryDirectory(prefix=prefix)
    return Path(cleanup.name), cleanup


def main(argv):
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    heapscope = heapscope_binary(args.heapscope)
    if heapscope is None:
        return EXIT_SETUP

    sources = sorted(CORPUS_DIR.glob("*.java"))
    wanted = {name for item in args.only for name in item.split(",") if name}
    if wanted:
        unknown = wanted - {s.stem for s in sources}
        if unknown:
            print(f"error: no corpus program named {', '.join(sorted(unknown))} in {CORPUS_DIR}",
                  file=sys.stderr)
            return EXIT_SETUP
    programs = [s.stem for s in sources if not wanted or s.stem in wanted]
    if not programs:
        print(f"error: no corpus programs in {CORPUS_DIR}", file=sys.stderr)
        return EXIT_SETUP

    jdks, status = select_jdks(args.jdk)
    if status is not None:
        return status
    configs = [c for jdk in jdks for c in configs_for(jdk)]
    if args.config:
        configs = [c for c in configs if any(part in c.label for part in args.config)]
        if not configs:
            print(f"error: no configuration matches {args.config}", file=sys.stderr)
            return EXIT_SETUP
    configs[0].with_gz = True

    print(f"heapscope: {heapscope}")
    print(f"programs: {', '.join(programs)}")
    print("configurations: " + ", ".join(f"{c.label} [{' '.join(c.flags) or 'default'}]"
                                         for c in configs))
    sys.stdout.flush()

    root, cleanup = work_dir(args.keep, "heapscope-realjvm-")

    results = []
    try:
        compiled = {}
        for config in configs:
            result = ConfigResult(config)
            results.append(result)
            try:
                if config.jdk.home not in compiled:
                    classes_dir = root / f"classes-{config.jdk.label}"
                    compile_corpus(config.jdk, [CORPUS_DIR / f"{p}.java" for p in programs], classes_dir)
                    compiled[config.jdk.home] = classes_dir
            except HarnessError as e:
                result.failures.append(str(e))
                continue
            for program in programs:
                started = time.monotonic()
                before = (result.compared, len(result.mismatches))
                try:
                    check_program(config, compiled[config.jdk.home], program, str(heapscope),
                                  root / config.label / program, result)
                    status = "ok"
                except HarnessError as e:
                    result.failures.append(f"{program}: {e}")
                    status = "ERROR"
                print(f"[{config.label}] {program}: {status}, compared {result.compared - before[0]}, "
                      f"mismatched {len(result.mismatches) - before[1]} "
                      f"({time.monotonic() - started:.1f}s)")
                sys.stdout.flush()
    finally:
        if cleanup is not None:
            cleanup.cleanup()

    for result in results:
        print_result(result, args.min_compared, sys.stdout)
    failed = [r.config.label for r in results if not r.ok(args.min_compared)]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all configurations passed'}")
    if args.keep:
        print(f"dumps and outputs kept in {root}")
    if args.json_report:
        Path(args.json_report).write_text(json.dumps(json_report(results, args.min_compared), indent=2))
    return EXIT_FAIL if failed else EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
