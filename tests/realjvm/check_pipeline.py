#!/usr/bin/env python3
"""Checks the pipeline end to end with real components: `heapscope submit`,
`agent dump`, `worker`, `jobs` and `results` against real dumps, in two
set-ups that must behave the same:

  fleet     a throwaway PostgreSQL 15 cluster (started here, in a temp
            folder) as the catalog, npm's s3rver as the S3-compatible store,
            three worker processes;
  embedded  a SQLite file and a local folder, one worker process with three
            threads.

The scenario, in each:
  1. a big dump (~150 MB of heap) is submitted and a lone worker claims it;
     that worker is killed with -9 in the middle of the analysis;
  2. 30 small real dumps (tests/corpus/pipeline/GrowingService.java, three
     services) and one garbage file are submitted; the workers start;
  3. every real dump must end with exactly one result (one "done" line in
     all the workers' logs together, one row in `results`), the big one on
     attempt 2 by another worker once the killed worker's lease ran out; the
     garbage job is dead-lettered with its error after 3 attempts; each
     recorded report is in the store; the workers' /metrics pass
     `promtool check metrics` and count what happened; SIGTERM stops them
     with status 0;
  4. SIGTERM to a worker in the middle of a job: it finishes the job in its
     drain time while another worker waits, and exits 0;
  5. the capture agent dumps a JVM with a planted static-map leak
     (tests/corpus/leaks/StaticCacheLeak.java) into the same store and
     catalog; a worker analyzes it; `results` shows the static-field suspect.

Exit status: 0 when everything held, 1 on a failure, 2 on a usage or setup
error, 77 when no JDK 17 is installed and no --jdk was given.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_histogram as ch  # noqa: E402  (the JVM and subprocess helpers)
from check_agent import free_port, parse_metrics, metric, program  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SOURCES = [ch.CORPUS_DIR / "pipeline" / "GrowingService.java", ch.CORPUS_DIR / "leaks" / "StaticCacheLeak.java"]
SERVICES = ["checkout", "search", "billing"]
SMALL_DUMPS = 30
WAIT = 300  # seconds for the queue to drain
LEASE = "3"


def as_nobody_when_root():
    """PostgreSQL refuses to run as root: its processes become nobody."""
    if os.geteuid() != 0:
        return None

    def drop():
        os.setgid(65534)
        os.setgroups([])
        os.setuid(65534)
    return drop


class Postgres:
    """A throwaway PostgreSQL cluster in `folder`, on a free port."""

    def __init__(self, folder):
        bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
                      or "/usr/lib/postgresql/15/bin")
        if not (bindir / "postgres").exists():
            found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
            if not found:
                raise ch.HarnessError("no PostgreSQL server installed (postgresql-15)")
            bindir = found[-1].parent
        self.bindir, self.folder, self.port = bindir, folder, free_port()
        folder.mkdir(parents=True)
        if os.geteuid() == 0:
            os.chown(folder, 65534, 65534)
        data = folder / "data"
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "heapscope", "--auth=trust", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, preexec_fn=as_nobody_when_root())
        self.log = open(folder / "postgres.log", "ab")
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(folder), "-c",
             "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
             "full_page_writes=off", "-c", "max_connections=100"],
            stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=as_nobody_when_root())
        deadline = time.monotonic() + 30
        while subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                             capture_output=True).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ch.HarnessError(f"PostgreSQL did not start: {(folder / 'postgres.log').read_text()[-800:]}")
            time.sleep(0.1)

    def new_database(self, name):
        subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "heapscope",
                        name], check=True, capture_output=True)
        return f"postgresql://heapscope@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)  # immediate shutdown: the cluster is thrown away
        self.proc.wait(timeout=30)
        self.log.close()


class S3Server:
    """npm's s3rver (tests/s3) with a bucket "dumps", on a free port."""

    def __init__(self, folder):
        script = REPO / "tests" / "s3" / "node_modules" / "s3rver" / "bin" / "s3rver.js"
        if not script.exists() or not shutil.which("node"):
            raise ch.HarnessError(f"no s3rver at {script} (scripts/setup.sh installs it)")
        folder.mkdir(parents=True)
        self.port = free_port()
        self.log = open(folder / "s3rver.log", "ab")
        # Node 20 lacks the DES cipher s3rver's listing tokens use unless
        # the legacy provider is on.
        self.proc = subprocess.Popen(["node", "--openssl-legacy-provider", str(script), "-d", str(folder / "data"),
                                      "-a", "127.0.0.1", "-p", str(self.port), "--configure-bucket", "dumps",
                                      "--silent"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise ch.HarnessError("s3rver did not start")
                time.sleep(0.1)

    def url(self, prefix):
        return f"s3://dumps/{prefix}?endpoint=http://127.0.0.1:{self.port}&addressing=path&region=us-east-1"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


class Setup:
    """Where one mode keeps its dumps and results, and how to reach them."""

    def __init__(self, binary, key, store, catalog, env):
        self.binary, self.key, self.store, self.catalog, self.env = binary, key, store, catalog, env

    def where(self):
        return ["--store", self.store, "--catalog", self.catalog]

    def heapscope(self, *args, timeout=ch.HEAPSCOPE_TIMEOUT):
        r = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout, env=self.env)
        if r.returncode != 0:
            raise ch.HarnessError(f"heapscope {' '.join(args[:2])}: exit {r.returncode}: {r.stderr[-1500:]}")
        return r.stdout

    def submit(self, dump, service, *flags):
        return self.heapscope("submit", str(dump), "--service", service, "--key-file", str(self.key), *flags,
                              *self.where()).strip()

    def jobs(self):
        return json.loads(self.heapscope("jobs", "--json", "--limit", "1000", *self.where()))

    def results(self, service):
        return json.loads(self.heapscope("results", "--service", service, "--json", "--limit", "1000",
                                         *self.where()))["results"]


class Worker:
    def __init__(self, setup, work, name, concurrency=1, lease=LEASE, extra=()):
        self.name, self.port = name, free_port()
        self.log_path = work / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [setup.binary, "worker", *setup.where(), "--key-file", str(setup.key), "--name", name, "--concurrency",
             str(concurrency), "--lease", lease, "--poll", "0.2", "--retry-min", "0.2", "--threads", "1",
             "--scratch-dir", str(work / f"scratch-{name}"), "--metrics-listen", f"127.0.0.1:{self.port}",
             *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=setup.env)

    def text(self):
        return self.log_path.read_text(errors="replace")

    def metrics_text(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            return r.read().decode()

    def wait_for(self, needle, timeout=60):
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ch.HarnessError(f"worker {self.name} never logged {needle!r}: {self.text()[-1500:]}")
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.log.close()
        return code

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def garbage_dump(path):
    """An HPROF header followed by a record that claims more bytes than follow."""
    path.write_bytes(b"JAVA PROFILE 1.0.2\0" + (8).to_bytes(4, "big") + (0).to_bytes(8, "big") +
                     bytes([0x01]) + (0).to_bytes(4, "big") + (1 << 30).to_bytes(4, "big") + b"garbage" * 100)


def wait_drained(setup, workers):
    deadline = time.monotonic() + WAIT
    while True:
        counts = setup.jobs()["counts"]
        if counts["queued"] == 0 and counts["running"] == 0:
            return counts
        for w in workers:
            if w.proc.poll() is not None:
                raise ch.HarnessError(f"worker {w.name} exited {w.proc.returncode}: {w.text()[-1500:]}")
        if time.monotonic() > deadline:
            raise ch.HarnessError(f"the queue did not drain in {WAIT}s: {counts}")
        time.sleep(0.5)


def promtool_problems(text, label):
    if not shutil.which("promtool"):
        return [f"{label}: promtool not installed (prometheus package)"]
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    # Lint findings (naming advice) go to stdout with status 3 in some
    # versions; a malformed exposition fails with status 1.
    if r.returncode == 1 or "error" in (r.stdout + r.stderr).lower():
        return [f"{label}: promtool check metrics: {r.stdout}{r.stderr}"]
    return []


def check_crash_and_poison(setup, jdk, classes, work):
    problems = []
    dumps, big = work / "dumps", work / "big"
    dumps.mkdir()
    big.mkdir()
    ch.run([jdk.tool("java"), "-Xmx512m", "-cp", str(classes), "GrowingService", str(dumps), str(SMALL_DUMPS),
            "400", "512"], 120, "GrowingService (small dumps)")
    ch.run([jdk.tool("java"), "-Xmx1g", "-cp", str(classes), "GrowingService", str(big), "1", "150000", "1024"],
           120, "GrowingService (big dump)")

    # 1. A lone worker claims the big dump and dies in the middle of it.
    big_id = setup.submit(big / "dump-01.hprof", "batch")
    victim = Worker(setup, work, "victim")
    try:
        victim.wait_for(f"dump {big_id}")
        time.sleep(0.3)
    finally:
        victim.kill()
    running = [j for j in setup.jobs()["jobs"] if j["dump_id"] == big_id]
    if not running or running[0]["state"] != "running" or running[0]["worker"] != "victim":
        problems.append(f"the big job was not left running by the killed worker: {running}")

    # 2. The rest, and the workers.
    ids = {big_id: "batch"}
    for i, dump in enumerate(sorted(dumps.glob("dump-*.hprof"))):
        service = SERVICES[i % len(SERVICES)]
        ids[setup.submit(dump, service)] = service
    garbage = work / "garbage.hprof"
    garbage_dump(garbage)
    garbage_id = setup.submit(garbage, "garbage", "--as-is", "--max-attempts", "3")
    if len(ids) != SMALL_DUMPS + 1:
        return problems + [f"submit printed {len(ids)} distinct ids for {SMALL_DUMPS + 1} dumps"]
    if setup.embedded:
        workers = [Worker(setup, work, "pool", concurrency=3)]
    else:
        workers = [Worker(setup, work, f"w{i}") for i in (1, 2, 3)]
    try:
        counts = wait_drained(setup, workers)
        metrics = {}
        for w in workers:
            text = w.metrics_text()
            (work / f"{w.name}.metrics").write_text(text)
            problems += promtool_problems(text, f"{w.name} /metrics")
            metrics[w.name] = parse_metrics(text)
    finally:
        codes = {w.name: w.stop() for w in workers}
    for name, code in codes.items():
        if code != 0:
            problems.append(f"worker {name} exited {code} on SIGTERM")

    # 3. Exactly once.
    if counts["succeeded"] != SMALL_DUMPS + 1 or counts["dead"] != 1:
        problems.append(f"counts {counts}: expected {SMALL_DUMPS + 1} succeeded and 1 dead")
    jobs = {j["dump_id"]: j for j in setup.jobs()["jobs"]}
    g = jobs.get(garbage_id, {})
    if g.get("state") != "dead" or g.get("attempt") != 3 or "HEAP_DUMP" not in g.get("error", "") and \
            "byte" not in g.get("error", ""):
        problems.append(f"the garbage job is not dead after 3 attempts with a dump error: {g}")
    b = jobs.get(big_id, {})
    if b.get("state") != "succeeded" or b.get("attempt") != 2:
        problems.append(f"the big job: expected succeeded on attempt 2 after the kill, got {b}")
    logs = "".join(w.text() for w in workers)
    done = Counter()
    for line in logs.splitlines():
        if ": done in " in line:
            done[line.split("job ", 1)[1].split(":", 1)[0]] += 1
    job_ids = {str(j["id"]) for d, j in jobs.items() if d in ids}
    twice = {k: v for k, v in done.items() if v != 1}
    if twice or set(done) != job_ids:
        problems.append(f"'done' lines per job: {dict(done)} (expected each of {len(job_ids)} jobs once)")
    seen = Counter()
    for service in set(ids.values()):
        for r in setup.results(service):
            seen[r["dump_id"]] += 1
            if ids.get(r["dump_id"]) != service:
                problems.append(f"result for {r['dump_id']} under service {service}")
            if r["dump_id"] == big_id and r["worker"] == "victim":
                problems.append("the big dump's result is the killed worker's")
            if not setup.object_exists(r["result_location"] + "report.json"):
                problems.append(f"{r['result_location']}report.json is not in the store")
    if set(seen) != set(ids) or any(v != 1 for v in seen.values()):
        problems.append(f"results per dump: {dict(seen)}")
    # The leak grows in every service: its latest result's top suspect is the
    # static map, and the trend found it in the service's earlier dumps,
    # bigger each time (which earlier results exist when a dump is analyzed
    # depends on the workers' timing, so any result may show it).
    for service in SERVICES:
        rs = setup.results(service)
        top = rs[-1]["suspects"][0] if rs and rs[-1]["suspects"] else {}
        if top.get("kind") != "static-field" or "Registry.ENTRIES" not in top.get("title", ""):
            problems.append(f"{service}: newest result's top suspect {top}")
        trends = [(r.get("summary") or {}).get("trend", {}).get("suspects", [{}])[0] for r in rs if r["suspects"]]
        if not any(t.get("seen_before", 0) >= 1 and t.get("growing_dumps_in_a_row", 0) >= 1 and
                   (t.get("change_bytes") or 0) > 0 for t in trends):
            problems.append(f"{service}: no result's trend saw the leak grow: {trends[-3:]}")
    total = lambda name: sum(metric(m, name) for m in metrics.values())  # noqa: E731
    if total("heapscope_worker_jobs_succeeded_total") != SMALL_DUMPS + 1:
        problems.append(f"metrics: succeeded {total('heapscope_worker_jobs_succeeded_total')}")
    if total("heapscope_worker_jobs_dead_lettered_total") != 1:
        problems.append(f"metrics: dead-lettered {total('heapscope_worker_jobs_dead_lettered_total')}")
    if total("heapscope_worker_leases_expired_total") != 1:
        problems.append(f"metrics: leases expired {total('heapscope_worker_leases_expired_total')}")
    if total("heapscope_worker_jobs_failed_total") != 2:
        problems.append(f"metrics: failed attempts {total('heapscope_worker_jobs_failed_total')} (expected 2)")
    if total("heapscope_worker_analysis_duration_seconds_count") != SMALL_DUMPS + 1:
        problems.append("metrics: analysis duration histogram count")
    return problems


def check_drain(setup, work):
    """SIGTERM in the middle of a job: the worker finishes it within the
    drain timeout, its heartbeats going on meanwhile, so a second worker
    with a short poll never takes it over (the lease is only 0.3 s)."""
    dump_id = setup.submit(work / "big" / "dump-01.hprof", "drain", "--max-attempts", "1")
    a = Worker(setup, work, "drainer", lease="0.3", extra=["--drain-timeout", "60"])
    try:
        a.wait_for(f"dump {dump_id}")
    finally:
        a.proc.send_signal(signal.SIGTERM)
    b = Worker(setup, work, "thief", lease="0.3")
    try:
        code = a.proc.wait(timeout=120)
        a.log.close()
        time.sleep(1)
    finally:
        b.stop()
    job = [j for j in setup.jobs()["jobs"] if j["dump_id"] == dump_id]
    if code != 0 or not job or job[0]["state"] != "succeeded" or job[0]["worker"] != "drainer":
        return [f"drain: exit {code}, job {job}: {a.text()[-600:]}"]
    return []


def check_agent_to_result(setup, jdk, classes, work):
    agent_work = work / "agent"
    agent_work.mkdir()
    with program(jdk, classes, "StaticCacheLeak", flags=["-Xmx256m"]) as jvm:
        pid = jvm.wait_ready()
        dump_id = setup.heapscope(
            "agent", "dump", str(pid), "--store", setup.store, "--catalog", setup.catalog, "--key-file",
            str(setup.key), "--state-dir", str(agent_work / "state"), "--dump-dir", str(agent_work / "dumps"),
            "--service", "sessions", "--free-space-margin", "10MiB").strip()
    worker = Worker(setup, work, "agent-worker")
    try:
        wait_drained(setup, [worker])
    finally:
        worker.stop()
    rs = setup.results("sessions")
    if len(rs) != 1 or rs[0]["dump_id"] != dump_id:
        return [f"results for the agent's dump {dump_id}: {rs}"]
    top = rs[0]["suspects"][0] if rs[0]["suspects"] else {}
    if top.get("kind") != "static-field" or "SESSIONS" not in top.get("title", "") + top.get("signature", ""):
        return [f"the agent's dump: top suspect {top}"]
    return []


def run_mode(binary, jdk, classes, work, key, mode):
    env = dict(os.environ)
    servers = []
    try:
        if mode == "fleet":
            pg = Postgres(work / "postgres")
            servers.append(pg)
            s3 = S3Server(work / "s3")
            servers.append(s3)
            env.update(AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER")
            setup = Setup(binary, key, s3.url("heapscope"), pg.new_database("pipeline"), env)
            # s3rver keeps object K of bucket B as <data>/B/K._S3rver_object.
            setup.object_exists = lambda k: (work / "s3" / "data" / "dumps" / "heapscope" /
                                             (k + "._S3rver_object")).is_file()
        else:
            setup = Setup(binary, key, str(work / "store"), f"sqlite://{work / 'catalog.db'}", env)
            setup.object_exists = lambda k: (work / "store" / k).is_file()
        setup.embedded = mode == "embedded"
        problems = check_crash_and_poison(setup, jdk, classes, work)
        problems += check_agent_to_result(setup, jdk, classes, work)
        problems += check_drain(setup, work)
        return problems
    finally:
        for s in reversed(servers):
            s.stop()


def self_test():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        garbage_dump(Path(d) / "g")
        data = (Path(d) / "g").read_bytes()
        assert data.startswith(b"JAVA PROFILE 1.0.2\0") and len(data) > 700
    print("self-test ok")
    return 0


def main(argv):
    args = ch.harness_parser(__doc__, "keep stores, logs and dumps under DIR/<mode>/",
                             "run only modes whose label contains LABEL (fleet, embedded)",
                             "test the harness's own helpers, run no JVM").parse_args(argv)
    if args.self_test:
        return self_test()
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    root, cleanup = ch.work_dir(args.keep, "heapscope-pipeline-")
    os.chmod(root, 0o755)  # PostgreSQL runs as nobody when we are root
    try:
        key = root / "key.hex"
        if not key.exists():
            ch.run([str(binary), "keygen", str(key)], ch.HEAPSCOPE_TIMEOUT, "keygen")
        jdk = jdks[0]
        classes = root / "classes"
        ch.compile_corpus(jdk, SOURCES, classes)
        checks = []
        for mode in ("fleet", "embedded"):
            if args.config and not any(part in mode for part in args.config):
                continue
            work = root / mode
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            os.chmod(work, 0o755)
            checks.append((mode, lambda m=mode, w=work: run_mode(str(binary), jdk, classes, w, key, m)))
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
