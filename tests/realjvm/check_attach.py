#!/usr/bin/env python3
"""Checks `heapscope attach` (the HotSpot attach protocol, no JDK tools)
against real JVMs.

For JDK 17 and, when installed, a newer JDK, it runs a corpus program
(tests/corpus/leaks/HealthyService.java) and asserts, through
`heapscope attach PID ...` only:
  - VM.version names the JVM's own feature release;
  - GC.heap_dump FILE writes a complete dump (heapscope reads it: the same
    class count as `summary` of a dump jcmd took), and -gz=1 too;
  - a second GC.heap_dump to the same file is refused in the text ("File
    exists") although the code is 0, which is why callers read the text;
  - an unknown command gives a non-zero exit.
Also `heapscope jvms --json` (performance data, no attach) lists the
program with its main class and the old generation's capacity jstat shows.
And once: a process that is not a JVM (`sleep`) is refused without being
signalled, and is still alive afterwards.

Exit status: 0 when everything held, 1 on a failure, 2 on a usage or setup
error, 77 (CTest's skip code) when no JDK 17 is installed and no --jdk was
given.
"""

import json
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_histogram as ch  # noqa: E402  (the JVM and subprocess helpers)

SOURCE = ch.CORPUS_DIR / "leaks" / "HealthyService.java"
PROGRAM = "HealthyService"


def attach(binary, pid, *command):
    return subprocess.run([binary, "attach", str(pid), *command], capture_output=True, text=True,
                          timeout=ch.HEAPSCOPE_TIMEOUT)


def classes_of(binary, dump):
    text = ch.run([binary, "summary", str(dump), "--json"], ch.HEAPSCOPE_TIMEOUT, f"summary of {dump}")
    return json.loads(text)["classes"]


def run_config(jdk, binary, work):
    problems = []
    work.mkdir(parents=True, exist_ok=True)
    classes = work / "classes"
    ch.compile_corpus(jdk, [SOURCE], classes)
    config = ch.Config(jdk.label, jdk, [])
    with ch.JavaProgram(config, classes, PROGRAM, work / "program.log") as program:
        pid = program.wait_ready()
        problems += check_jvms(binary, jdk, pid)
        r = attach(binary, pid, "VM.version")
        if r.returncode != 0 or f"JDK {jdk.feature}." not in r.stdout:
            problems.append(f"VM.version: exit {r.returncode}, output {r.stdout[:200]!r} {r.stderr[:200]!r}")
        ours, theirs = work / "attach.hprof", work / "jcmd.hprof"
        r = attach(binary, pid, "GC.heap_dump", str(ours))
        if r.returncode != 0 or "Heap dump file created" not in r.stdout or not ours.exists():
            problems.append(f"GC.heap_dump: exit {r.returncode}, output {r.stdout[:300]!r} {r.stderr[:300]!r}")
        else:
            ch.jcmd(config, pid, "GC.heap_dump", str(theirs))
            if classes_of(binary, ours) != classes_of(binary, theirs):
                problems.append("the attach dump and jcmd's dump differ in their class count")
        gz = work / "attach.hprof.gz"
        r = attach(binary, pid, "GC.heap_dump", "-gz=1", str(gz))
        if r.returncode != 0 or not gz.exists() or classes_of(binary, gz) <= 0:
            problems.append(f"GC.heap_dump -gz=1: exit {r.returncode}, output {r.stdout[:300]!r} {r.stderr[:300]!r}")
        r = attach(binary, pid, "GC.heap_dump", str(ours))
        if r.returncode != 0 or "File exists" not in r.stdout:
            problems.append(f"second dump to one file: expected code 0 and 'File exists', got exit "
                            f"{r.returncode}, {r.stdout[:200]!r}")
        r = attach(binary, pid, "No.such_command")
        if r.returncode == 0:
            problems.append("an unknown command exited 0")
    return problems


def check_jvms(binary, jdk, pid):
    listed = json.loads(ch.run([binary, "jvms", "--json"], ch.HEAPSCOPE_TIMEOUT, "jvms"))["jvms"]
    mine = [j for j in listed if j["pid"] == pid]
    if len(mine) != 1:
        return [f"jvms lists pid {pid} {len(mine)} times (of {len(listed)} JVMs)"]
    j = mine[0]
    problems = []
    if not j["command"].startswith(PROGRAM):
        problems.append(f"jvms: command {j['command']!r}, expected {PROGRAM}")
    # jstat reads the same counters: its OC column is the old generation's
    # capacity in KB (G1's 8-byte pad shows as a fraction).
    header, values = ch.run([jdk.tool("jstat"), "-gc", str(pid)], ch.JCMD_TIMEOUT, "jstat -gc").split("\n")[:2]
    oc = float(dict(zip(header.split(), values.split()))["OC"]) * 1024
    if abs(oc - j["old_capacity"]) > 1024:
        problems.append(f"jvms: old capacity {j['old_capacity']}, jstat OC {oc:.0f} bytes")
    if not 0 <= j["heap_used"] <= j["heap_capacity"] or j["old_capacity"] <= 0:
        problems.append(f"jvms: implausible figures {j}")
    return problems


def check_not_a_jvm(binary):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        r = attach(binary, sleeper.pid, "VM.version")
        problems = []
        if r.returncode == 0 or "SIGQUIT" not in r.stderr:
            problems.append(f"attach to `sleep` exited {r.returncode}: {r.stderr[:200]!r}")
        if sleeper.poll() is not None:
            problems.append("attach killed a process that is not a JVM")
        return problems
    finally:
        sleeper.kill()
        sleeper.wait()


def main(argv):
    args = ch.harness_parser(__doc__, "keep the dumps under DIR/<jvm>/",
                             "run only JVMs whose label contains LABEL (repeatable)",
                             "not used by this harness").parse_args(argv)
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    if args.config:
        jdks = [j for j in jdks if any(part in j.label for part in args.config)]
    root, cleanup = ch.work_dir(args.keep, "heapscope-attach-")
    try:
        failed = ch.run_checks([(j.label, lambda j=j: run_config(j, str(binary), root / j.label)) for j in jdks] +
                               [("not-a-jvm", lambda: check_not_a_jvm(str(binary)))])
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    return ch.EXIT_FAIL if failed else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
