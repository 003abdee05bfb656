#!/usr/bin/env python3
"""Checks `heapscope agent` (the capture agent, the real binary) against real
JVMs: it must notice pressure through the performance counters alone, dump
once, pick up OutOfMemoryError dumps, hold back when the breaker says so,
never signal a process that is not a JVM, and ship every dump exactly once,
redacted, compressed and encrypted, with its metadata, even across a kill -9.

Scenarios (each its own agent, store and state folder):
  pressure   tests/corpus/agent/SlowFill.java fills -Xmx64m to 92% and holds:
             exactly one dump (the cooldown holds while the pressure lasts),
             shipped complete and encrypted, decrypting to a dump `summary`
             and `histogram` read, with its metadata; the plaintext deleted;
             /metrics counts it. On JDK 17 and every newer JDK found.
  manual     `heapscope agent dump PID` on a JVM under no pressure.
  oom        OomNow.java with -XX:+HeapDumpOnOutOfMemoryError into a watched
             folder: picked up, shipped complete.
  oom-armed  OomNow.java with no dump flags: the agent turns them on through
             attach, into the JVM's own folder; its OutOfMemoryError dump is
             shipped.
  breaker    SlowFill again with too little free space for a dump: no dump
             is attempted, and the decision says free_space.
  not-a-jvm  `sleep` with a copy of a real JVM's performance data under its
             pid, under "pressure": discovered, but never signalled (alive
             afterwards), the dump refused.
  kill-9     the agent is killed while shipping (ship_rate slows it); after a
             restart the dump is shipped exactly once and not taken again.

Exit status: 0 when everything held, 1 on a failure, 2 on a usage or setup
error, 77 when no JDK 17 is installed and no --jdk was given.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_histogram as ch  # noqa: E402  (the JVM and subprocess helpers)

SOURCES = [ch.CORPUS_DIR / "agent" / "SlowFill.java", ch.CORPUS_DIR / "agent" / "OomNow.java"]
WAIT = 90  # seconds for anything the agent should do


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_metrics(text):
    """{(name, frozenset(labels)): value} from Prometheus text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            raise ch.HarnessError(f"not a Prometheus sample line: {line!r}")
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def metric(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and want <= set(l))


class Agent:
    """A running `heapscope agent` with its own store, state and dump folders."""

    def __init__(self, binary, work, key, *flags, env=None):
        self.work = work
        self.store, self.state, self.dumps = work / "store", work / "state", work / "dumps"
        self.port = free_port()
        self.log_path = work / "agent.log"
        self.cmd = [binary, "agent", "--interval", "200ms", "--store", str(self.store), "--state-dir",
                    str(self.state), "--dump-dir", str(self.dumps), "--key-file", str(key),
                    "--metrics-listen", f"127.0.0.1:{self.port}", *flags]
        if "--free-space-margin" not in flags:
            self.cmd += ["--free-space-margin", "10MiB"]
        self.env = dict(os.environ, **(env or {}))
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ch.HarnessError(f"the agent exited {self.proc.returncode}: {self.log_text()[-800:]}")
            try:
                self.metrics()
                return self
            except OSError:
                time.sleep(0.1)
        raise ch.HarnessError("the agent's /metrics never answered")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            return parse_metrics(r.read().decode())

    def shipped(self):
        return sorted(p.parent for p in (self.store / "dumps").glob("*/metadata.json"))

    def wait_for(self, what, predicate, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ch.HarnessError(f"the agent exited {self.proc.returncode} waiting for {what}: "
                                      f"{self.log_text()[-1500:]}")
            if predicate():
                return
            time.sleep(0.2)
        raise ch.HarnessError(f"no {what} within {timeout}s; agent log:\n{self.log_text()[-2500:]}")


def check_shipped(binary, key, folder, trigger, pid=None):
    """Problems with one shipped dump: metadata, encryption, readable dump."""
    problems = []
    meta = json.loads((folder / "metadata.json").read_text())
    data = folder / "dump.hprof.gz.hsc"
    if meta.get("trigger") not in trigger.split("|"):
        problems.append(f"{folder.name}: trigger {meta.get('trigger')!r}, expected {trigger!r}")
    if meta.get("complete") is not True:
        problems.append(f"{folder.name}: not complete: {meta.get('truncation')}")
    if pid is not None and meta.get("jvm", {}).get("pid") != pid:
        problems.append(f"{folder.name}: jvm.pid {meta.get('jvm', {}).get('pid')}, expected {pid}")
    for field in ("id", "host", "node", "shipped_at", "redaction", "dump"):
        if field not in meta:
            problems.append(f"{folder.name}: metadata lacks {field}")
    if meta.get("service") != "agent-test":
        problems.append(f"{folder.name}: service {meta.get('service')!r} (HEAPSCOPE_AGENT_SERVICE not applied)")
    if meta.get("redaction", {}).get("mode") != "strings":
        problems.append(f"{folder.name}: redaction {meta.get('redaction')}")
    if not data.is_file() or data.read_bytes()[:8] != b"HSCRYPT1":
        problems.append(f"{folder.name}: {data.name} missing or not encrypted")
        return problems
    summary = json.loads(ch.run([binary, "summary", "--json", "--key-file", str(key), str(data)],
                                ch.HEAPSCOPE_TIMEOUT, f"summary of {data}"))
    if summary.get("classes", 0) < 100 or summary.get("truncated"):
        problems.append(f"{folder.name}: the shipped dump reads as {summary}")
    if meta.get("dump", {}).get("hprof_bytes", 0) <= 0:
        problems.append(f"{folder.name}: hprof_bytes {meta.get('dump')}")
    return problems


def program(jdk, classes, name, *args, flags=()):
    config = ch.Config(jdk.label, jdk, list(flags))
    p = ch.JavaProgram(config, classes, name, classes.parent / f"{name}.log")
    p.cmd += list(args)
    return p


def leftover_dumps(agent):
    return [p for p in agent.dumps.rglob("*") if p.is_file()] if agent.dumps.exists() else []


def check_pressure(binary, jdk, classes, work, key):
    problems = []
    with program(jdk, classes, "SlowFill", "0.88", flags=["-Xmx64m"]) as jvm:
        pid = jvm.wait_ready()
        with Agent(binary, work, key, "--pids", str(pid), env={"HEAPSCOPE_AGENT_SERVICE": "agent-test"}) as agent:
            agent.wait_for("shipped dump", lambda: agent.shipped())
            # Pressure goes on: a second dump would come within a few readings.
            time.sleep(3)
            m = agent.metrics()
            shipped = agent.shipped()
            if len(shipped) != 1:
                problems.append(f"{len(shipped)} dumps shipped, expected exactly 1")
            problems += check_shipped(binary, key, shipped[0], "old_gen|heap", pid)
            if metric(m, "heapscope_agent_dumps_total") != 1:
                problems.append(f"dumps_total {metric(m, 'heapscope_agent_dumps_total')}, expected 1")
            if metric(m, "heapscope_agent_decisions_total", action="hold", reason="cooldown") < 5:
                problems.append("the cooldown held fewer than 5 readings after the dump")
            if metric(m, "heapscope_jvm_old_used_bytes", pid=str(pid)) <= 0:
                problems.append("no heapscope_jvm_old_used_bytes series for the JVM")
            if leftover_dumps(agent):
                problems.append(f"plaintext left after shipping: {leftover_dumps(agent)}")
            with urllib.request.urlopen(f"http://127.0.0.1:{agent.port}/healthz", timeout=5) as r:
                if r.status != 200:
                    problems.append(f"/healthz answered {r.status}")
            if agent.stop() != 0:
                problems.append(f"the agent exited {agent.proc.returncode} on SIGTERM")
    return problems


def check_manual(binary, jdk, classes, work, key):
    problems = []
    with program(jdk, classes, "SlowFill", "0.2", flags=["-Xmx64m"]) as jvm:
        pid = jvm.wait_ready()
        a = Agent(binary, work, key)
        r = subprocess.run([*a.cmd[:2], "dump", str(pid), *a.cmd[2:]], capture_output=True, text=True,
                           timeout=ch.HEAPSCOPE_TIMEOUT, env=dict(os.environ, HEAPSCOPE_AGENT_SERVICE="agent-test"))
        shipped = a.shipped()
        if r.returncode != 0 or len(shipped) != 1 or shipped[0].name != r.stdout.strip():
            return [f"agent dump: exit {r.returncode}, printed {r.stdout!r}, store holds {shipped}: {r.stderr[-800:]}"]
        problems += check_shipped(binary, key, shipped[0], "manual", pid)
    return problems


def run_oom(binary, jdk, classes, work, key, flags, agent_flags, where):
    with program(jdk, classes, "OomNow", "3000", flags=["-Xmx32m", *flags]) as jvm:
        jvm.proc.stdin.close()
        # The agent looks for new JVMs every 10 s: start it once this one is
        # visible, well before it runs out of memory.
        deadline = time.monotonic() + 10
        while not list(Path("/tmp").glob(f"hsperfdata_*/{jvm.proc.pid}")) and time.monotonic() < deadline:
            time.sleep(0.05)
        with Agent(binary, work, key, *agent_flags(jvm.proc.pid), "--old-threshold", "100%", "--heap-threshold",
                   "100%", "--gc-share", "0", env={"HEAPSCOPE_AGENT_SERVICE": "agent-test"}) as agent:
            agent.wait_for("shipped OutOfMemoryError dump", lambda: agent.shipped())
            problems = check_shipped(binary, key, agent.shipped()[0], "oom")
            meta = json.loads((agent.shipped()[0] / "metadata.json").read_text())
            if not re.match(r"java_pid\d+\.hprof$", meta.get("file", "")):
                problems.append(f"the OOM dump's file is {meta.get('file')!r}")
            left = [p for p in where(agent).rglob("*") if p.is_file()]
            if left:
                problems.append(f"plaintext left after shipping: {left}")
            time.sleep(1)
            if len(agent.shipped()) != 1:
                problems.append(f"{len(agent.shipped())} dumps shipped, expected 1")
            jvm.proc.wait(timeout=60)
    return problems


def check_oom(binary, jdk, classes, work, key):
    watched = work / "oom-dumps"
    watched.mkdir(parents=True)
    return run_oom(binary, jdk, classes, work, key,
                   ["-XX:+HeapDumpOnOutOfMemoryError", f"-XX:HeapDumpPath={watched}/"],
                   lambda pid: ["--watch-dirs", str(watched), "--pids", str(pid)], lambda a: watched)


def check_oom_armed(binary, jdk, classes, work, key):
    # The agent may watch the JVM only after it is up: it arms on sight.
    return run_oom(binary, jdk, classes, work, key, [], lambda pid: ["--pids", str(pid)], lambda a: a.dumps)


def check_breaker(binary, jdk, classes, work, key):
    problems = []
    with program(jdk, classes, "SlowFill", "0.88", flags=["-Xmx64m"]) as jvm:
        pid = jvm.wait_ready()
        with Agent(binary, work, key, "--pids", str(pid), "--free-space-margin", "1000TiB") as agent:
            agent.wait_for("a free_space decision",
                           lambda: metric(agent.metrics(), "heapscope_agent_decisions_total", reason="free_space") >= 3)
            m = agent.metrics()
            if metric(m, "heapscope_agent_dumps_total") != 0 or agent.shipped() or leftover_dumps(agent):
                problems.append("a dump was attempted although the breaker held")
            if "free_space" not in agent.log_text():
                problems.append("the log does not say why no dump was taken")
            agent.stop()
    return problems


def check_not_a_jvm(binary, jdk, classes, work, key):
    problems = []
    # A real JVM's counters, under pressure, copied under a sleeper's pid.
    with program(jdk, classes, "SlowFill", "0.88", flags=["-Xmx64m"]) as jvm:
        pid = jvm.wait_ready()
        user_dir = next(Path("/tmp").glob(f"hsperfdata_*/{pid}")).parent
        counters = (user_dir / str(pid)).read_bytes()
    sleeper = subprocess.Popen(["sleep", "120"])
    fake = user_dir / str(sleeper.pid)
    try:
        fake.write_bytes(counters)
        with Agent(binary, work, key, "--pids", str(sleeper.pid), "--samples", "1") as agent:
            agent.wait_for("a refused dump", lambda: metric(agent.metrics(), "heapscope_agent_dumps_total",
                                                            result="failed") >= 1)
            if sleeper.poll() is not None:
                problems.append("the agent killed a process that is not a JVM")
            if "SIGQUIT" not in agent.log_text():
                problems.append("the log does not say why the process was not signalled")
            if agent.shipped():
                problems.append("something was shipped for a process that is not a JVM")
            agent.stop()
        if sleeper.poll() is not None:
            problems.append("the sleeper died")
    finally:
        fake.unlink(missing_ok=True)
        sleeper.kill()
        sleeper.wait()
    return problems


def partial_in(store):
    return [p for p in store.rglob("*") if p.is_file() and "metadata.json" not in p.name
            and not p.name.startswith("dump.hprof")]


def check_kill9(binary, jdk, classes, work, key):
    problems = []
    with program(jdk, classes, "SlowFill", "0.88", flags=["-Xmx256m"]) as jvm:
        pid = jvm.wait_ready()
        env = {"HEAPSCOPE_AGENT_SERVICE": "agent-test"}
        with Agent(binary, work, key, "--pids", str(pid), "--ship-rate", "16MiB", env=env) as agent:
            agent.wait_for("shipping to begin", lambda: "shipping " in agent.log_text() and partial_in(agent.store))
            time.sleep(1)
            agent.proc.kill()
            agent.proc.wait()
            if agent.shipped():
                return ["the dump was shipped before the kill: make the ship slower"]
        with Agent(binary, work, key, "--pids", str(pid), env=env) as agent:
            agent.wait_for("the dump shipped after the restart", lambda: agent.shipped())
            time.sleep(2)
            m = agent.metrics()
            if len(agent.shipped()) != 1:
                problems.append(f"{len(agent.shipped())} dumps in the store after the restart, expected 1")
            problems += check_shipped(binary, key, agent.shipped()[0], "old_gen|heap", pid)
            if metric(m, "heapscope_agent_dumps_total") != 0:
                problems.append("the restarted agent dumped again: the cooldown did not survive the restart")
            if list((agent.state / "queue").glob("*.json")):
                problems.append("the queue is not empty after shipping")
            if leftover_dumps(agent):
                problems.append(f"plaintext left: {leftover_dumps(agent)}")
            agent.stop()
        # The killed ship's temporary stays (the store removes temporaries an
        # hour old) but is never an object.
        objects = sorted(str(p.relative_to(agent.store)) for p in agent.store.rglob("*")
                         if p.is_file() and ".partial~" not in p.parts)
        if len(objects) != 2:
            problems.append(f"the store holds {objects}, expected one dump and its metadata")
    return problems


def self_test():
    m = parse_metrics('# HELP x y\nx{a="1",b="q\\"z"} 2\nx{a="2"} 3\ny 1.5\n')
    assert metric(m, "x") == 5 and metric(m, "x", a="1") == 2 and metric(m, "y") == 1.5
    print("self-test ok")
    return ch.EXIT_OK


def main(argv):
    args = ch.harness_parser(__doc__, "keep stores, logs and dumps under DIR/<scenario>/",
                             "run only scenarios whose label contains LABEL (repeatable)",
                             "test the harness's own parsing, run no JVM").parse_args(argv)
    if args.self_test:
        return self_test()
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    root, cleanup = ch.work_dir(args.keep, "heapscope-agent-")
    try:
        key = root / "key.hex"
        if not key.exists():
            ch.run([str(binary), "keygen", str(key)], ch.HEAPSCOPE_TIMEOUT, "keygen")
        checks = []
        for i, jdk in enumerate(jdks):
            classes = root / jdk.label / "classes"
            ch.compile_corpus(jdk, SOURCES, classes)
            scenarios = [("pressure", check_pressure), ("manual", check_manual), ("oom", check_oom),
                         ("oom-armed", check_oom_armed)]
            if i == 0:
                scenarios += [("breaker", check_breaker), ("not-a-jvm", check_not_a_jvm), ("kill-9", check_kill9)]
            for name, check in scenarios:
                label = f"{jdk.label}/{name}"
                if args.config and not any(part in label for part in args.config):
                    continue
                work = root / jdk.label / name
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                checks.append((label, lambda c=check, j=jdk, w=work, k=classes: c(str(binary), j, k, w, key)))
        failed = ch.run_checks(checks)
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    return ch.EXIT_FAIL if failed else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
