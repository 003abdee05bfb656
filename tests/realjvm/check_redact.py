#!/usr/bin/env python3
"""check_redact.py - check `heapscope scan`, `redact` and dump encryption on real dumps with planted secrets.

tests/corpus/secrets/PlantedSecrets.java plants, from a seeded Random,
secrets of every scan rule (AWS key id and secret key, JWT, bearer token,
PEM private keys, password assignments, JSON passwords, passwords in URLs,
Luhn-valid card numbers, mod-97-valid IBANs, e-mail addresses), each only
inside its matching context, in seven kinds of holders (Latin-1 String,
UTF-16 String, char[], byte[], a record's field, an ArrayList element, a
HashMap value), and writes a manifest of the values. For JDK 17 and every
JDK >= 21 under /usr/lib/jvm (default flags) the harness dumps it with
jcmd GC.heap_dump, plain and -gz=1, and checks:

  - sanity, before heapscope: every planted value is in the dump, once, in
    the encoding of its holder (ASCII; UTF-16 for UTF-16 Strings and char[]),
    and the UTF-16 Strings are little-endian, the char[] big-endian;
  - scan IN --json: every planted rule counted at least as often as planted,
    no planted value in the output (its examples are masked);
  - redact IN OUT --mode secrets|strings|all, each with a plain output, a .gz
    output and the .gz dump as input: exit 0; no planted value left in OUT in
    ASCII or UTF-16; scan OUT finds no planted rule (secrets) or nothing at
    all (strings, all); histogram --json and dominators --json --top 50 of
    OUT equal those of IN;
  - redact --mode all --keep-thread-names keeps the parked thread's name;
  - when heapscope has `keygen`: redact --encrypt and `encrypt` write files
    without a planted value in the clear that `histogram --key-file` reads
    as IN, and one flipped byte fails with an "authentication" error.

Exit status: 0 when everything held, 1 on a failure, 2 on a usage or setup
error, 77 (CTest's skip code) when no JDK 17 is installed and no --jdk was
given.
"""

import gzip
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_histogram as ch  # noqa: E402  (the JVM and subprocess helpers)

SOURCE = ch.CORPUS_DIR / "secrets" / "PlantedSecrets.java"
PROGRAM = "PlantedSecrets"
DEFAULT_SEED = 20240917

RULES = ("aws-access-key-id", "aws-secret-access-key", "jwt", "bearer-token", "pem-private-key",
         "password-assignment", "password-json", "password-url", "credit-card", "iban", "email")
HOLDERS = ("latin1-string", "utf16-string", "char-array", "byte-array", "record-field",
           "arraylist-element", "hashmap-value")
HOLDER_ENCODING = {"utf16-string": "utf16le", "char-array": "utf16be"}  # others: ascii
MODES = ("secrets", "strings", "all")

# Keys of histogram/dominators JSON that may name the file rather than the
# heap (dropped at the top level before IN and OUT are compared). Neither
# command prints any of them today; they are listed so that a later
# "path"/"file size"/"elapsed time" key does not fail the comparison.
IGNORED_KEYS = ("path", "dump", "file", "file_size", "file_bytes", "elapsed_ms", "elapsed_seconds")

HPROF_MAGIC = b"JAVA PROFILE "
GZIP_MAGIC = b"\x1f\x8b"


# --------------------------------------------------------------------------
# Byte search


def utf16_core(text):
    """The bytes every UTF-16 copy of ASCII `text` contains, LE or BE.

    UTF-16LE "ab" is 61 00 62 00, UTF-16BE 00 61 00 62: both hold 61 00 62,
    so a byte search cannot tell the two orders apart; this finds either."""
    return text.encode("utf-16-le")[:-1]


def encoded(text, encoding):
    return text.encode({"ascii": "ascii", "utf16le": "utf-16-le", "utf16be": "utf-16-be"}[encoding])


def spans(secret):
    """Every span of a planted secret that must not survive redaction."""
    return [secret["value"], *secret.get("also", [])]


def occurrences(data, text):
    """(ASCII count, UTF-16 count of either byte order) of text in data."""
    return data.count(text.encode("ascii")), data.count(utf16_core(text))


def leftovers(data, manifest):
    """Planted spans still in data, as 'holder/rule value (ascii|utf16)'."""
    found = []
    for secret in manifest["secrets"]:
        for span in spans(secret):
            ascii_n, utf16_n = occurrences(data, span)
            if ascii_n or utf16_n:
                kinds = "+".join(k for k, n in (("ascii", ascii_n), ("utf16", utf16_n)) if n)
                found.append(f"{secret['holder']}/{secret['rule']} {short(span)} ({kinds})")
    return found


def fresh(path):
    """Removes path and an index heapscope built beside it (DUMP.hsidx) on an earlier --keep run."""
    path = Path(path)
    if path.exists():
        path.unlink()
    shutil.rmtree(path.parent / (path.name + ".hsidx"), ignore_errors=True)


def read_dump(path):
    data = Path(path).read_bytes()
    if data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    return data


def short(span, limit=32):
    return repr(span if len(span) <= limit else span[:limit] + "...")


def describe(found, limit=6):
    more = f" ... and {len(found) - limit} more" if len(found) > limit else ""
    return f"{len(found)}: " + "; ".join(found[:limit]) + more


# --------------------------------------------------------------------------
# Manifest


def luhn_ok(number):
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) >= 13 and total % 10 == 0


def iban_ok(iban):
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


VALUE_FORMS = {
    "aws-access-key-id": lambda v: re.fullmatch(r"AKIA[A-Z2-7]{16}", v),
    "aws-secret-access-key": lambda v: re.fullmatch(r"[A-Za-z0-9+/]{40}", v),
    "jwt": lambda v: re.fullmatch(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", v),
    "bearer-token": lambda v: re.fullmatch(r"[\w.~+/-]{20,}", v) and not v.startswith("eyJ"),
    "pem-private-key": lambda v: re.fullmatch(r"[A-Za-z0-9+/]{40}", v),
    "credit-card": lambda v: re.fullmatch(r"\d{16}|\d{4}( \d{4}){3}|\d{4}(-\d{4}){3}", v) and luhn_ok(v),
    "iban": iban_ok,
    "email": lambda v: re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v),
}


def check_manifest(manifest):
    """Problems with the manifest itself: shape, coverage, value formats."""
    problems = []
    secrets = manifest.get("secrets")
    if not isinstance(secrets, list) or not secrets:
        return ["manifest has no secrets list"]
    if not manifest.get("thread_name", "").startswith("heapscope-keep-thread"):
        problems.append(f"manifest thread_name {manifest.get('thread_name')!r} lacks heapscope-keep-thread")
    seen = set()
    values = Counter()
    for s in secrets:
        rule, holder, value = s.get("rule"), s.get("holder"), s.get("value", "")
        if rule not in RULES or holder not in HOLDERS:
            problems.append(f"unknown rule or holder: {s}")
            continue
        if s.get("encoding") != HOLDER_ENCODING.get(holder, "ascii"):
            problems.append(f"{holder}/{rule}: encoding {s.get('encoding')!r}")
        seen.add((rule, holder))
        for span in spans(s):
            values[span] += 1
            if len(span) < 8 or not span.isascii():
                problems.append(f"{holder}/{rule}: span {short(span)} is not >= 8 ASCII characters")
        form = VALUE_FORMS.get(rule)
        if form and not form(value):
            problems.append(f"{holder}/{rule}: value {value!r} does not have the rule's form")
    missing = [f"{h}/{r}" for r in RULES for h in HOLDERS if (r, h) not in seen]
    if missing:
        problems.append(f"rule/holder pairs never planted: {', '.join(missing)}")
    repeated = [v for v, n in values.items() if n > 1]
    if repeated:
        problems.append(f"values planted more than once: {repeated[:5]}")
    return problems


def planted_counts(manifest):
    return Counter(s["rule"] for s in manifest["secrets"])


# --------------------------------------------------------------------------
# Checks on dumps and heapscope output


def check_planting(data, manifest):
    """The dump holds every planted span exactly once, in its holder's encoding."""
    problems = []
    for s in manifest["secrets"]:
        encoding = s["encoding"]
        for span in spans(s):
            ascii_n, utf16_n = occurrences(data, span)
            expected = (1, 0) if encoding == "ascii" else (0, 1)
            if (ascii_n, utf16_n) != expected:
                problems.append(f"{s['holder']}/{s['rule']} {short(span)}: {ascii_n} ASCII and {utf16_n} UTF-16 "
                                f"copies, expected {expected[0]} and {expected[1]}")
            elif encoding != "ascii" and encoded(span, encoding) not in data:
                problems.append(f"{s['holder']}/{s['rule']} {short(span)}: not found as {encoding}")
    # Byte order, shown by the non-ASCII prefixes (ASCII text alone can't show
    # it). The prefixes' String constants are UTF-16LE copies of their own.
    per_holder = Counter(s["holder"] for s in manifest["secrets"])
    for key, holder, right, wrong in (("utf16_prefix", "utf16-string", "utf16le", "utf16be"),
                                      ("char_array_prefix", "char-array", "utf16be", None)):
        prefix = manifest.get(key)
        if not prefix:
            problems.append(f"manifest has no {key}")
            continue
        n_right = data.count(encoded(prefix, right))
        n_wrong = data.count(encoded(prefix, wrong)) if wrong else 0
        if n_right < per_holder[holder] or n_wrong:
            problems.append(f"{holder} prefix {prefix!r}: {n_right} copies as {right}"
                            + (f", {n_wrong} as {wrong}" if wrong else "")
                            + f"; expected at least {per_holder[holder]} as {right}"
                            + (f" and none as {wrong}" if wrong else ""))
    thread = manifest.get("thread_name", "")
    if thread and data.count(thread.encode("ascii")) != 1:
        problems.append(f"thread name {thread!r} found {data.count(thread.encode('ascii'))} times, expected once")
    return problems


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        raise ch.HarnessError(f"{what}: output is not JSON ({e}):\n{ch.tail(text)}")


def scan_counts(doc):
    counts = Counter()
    for entry in doc["rules"]:
        counts[entry["rule"]] += int(entry["count"])
    return counts


def leaked_in_output(doc, manifest):
    """Planted spans anywhere in a scan output, naming where: example or elsewhere."""
    found = []
    examples = {e.get("rule"): e.get("example") or "" for e in doc.get("rules", [])}
    whole = json.dumps(doc, ensure_ascii=False)
    for s in manifest["secrets"]:
        for span in spans(s):
            if span not in whole:
                continue
            where = [f"example of {rule}" for rule, ex in examples.items() if span in ex] or ["outside the examples"]
            found.append(f"{s['holder']}/{s['rule']} {short(span)} in {', '.join(where)}")
    return found


def check_scan_in(doc, manifest):
    counts = scan_counts(doc)
    problems = [f"rule {rule}: count {counts[rule]}, planted {n}"
                for rule, n in sorted(planted_counts(manifest).items()) if counts[rule] < n]
    leaked = leaked_in_output(doc, manifest)
    if leaked:
        problems.append(f"planted values in the scan output: {describe(leaked)}")
    return problems


def check_scan_out(doc, manifest, mode):
    counts = scan_counts(doc)
    rules = sorted(set(planted_counts(manifest))) if mode == "secrets" else sorted(counts)
    left = {rule: counts[rule] for rule in rules if counts[rule]}
    problems = []
    if left:
        examples = {e["rule"]: e.get("example") for e in doc["rules"]}
        problems.append(("planted rules" if mode == "secrets" else "rules") + " still found: "
                        + ", ".join(f"{r} {n} (e.g. {examples.get(r)!r})" for r, n in left.items()))
    leaked = leaked_in_output(doc, manifest)
    if leaked:
        problems.append(f"planted values in the scan output: {describe(leaked)}")
    return problems


def comparable(doc):
    if isinstance(doc, dict):
        return {k: v for k, v in doc.items() if k not in IGNORED_KEYS}
    return doc


def first_difference(a, b, path="$"):
    """A short description of the first place two parsed JSON values differ, or None."""
    if type(a) is not type(b):
        return f"{path}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'IN' if key in a else 'OUT'}"
            diff = first_difference(a[key], b[key], f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            diff = first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        if len(a) != len(b):
            return f"{path}: {len(a)} entries in IN, {len(b)} in OUT"
        return None
    return None if a == b else f"{path}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"


def ignored_present(*docs):
    return sorted({k for d in docs if isinstance(d, dict) for k in d if k in IGNORED_KEYS})


# --------------------------------------------------------------------------
# heapscope


class Heapscope:
    def __init__(self, binary):
        self.binary = str(binary)
        self.ignored = set()  # IGNORED_KEYS actually seen

    def run(self, *args, what=None):
        args = [str(a) for a in args]
        return ch.run([self.binary, *args], ch.HEAPSCOPE_TIMEOUT, what or f"heapscope {' '.join(args[:1])}")

    def json(self, *args, what):
        return parse_json(self.run(*args, what=what), what)

    def shape(self, dump, label, key_file=None):
        """histogram and dominators JSON of a dump, file-naming keys dropped."""
        extra = ["--key-file", key_file] if key_file else []
        hist = self.json("histogram", dump, "--json", *extra, what=f"heapscope histogram {label}")
        dom = self.json("dominators", dump, "--json", "--top", "50", *extra, what=f"heapscope dominators {label}")
        self.ignored.update(ignored_present(hist, dom))
        return comparable(hist), comparable(dom)

    def has(self, command):
        """Whether `heapscope --help` lists the subcommand (`heapscope X --help`
        exits 0 for an unknown X too: the top-level help)."""
        try:
            proc = subprocess.run([self.binary, "--help"], capture_output=True, timeout=60, env=ch.child_env())
        except (OSError, subprocess.TimeoutExpired):
            return False
        text = proc.stdout.decode("utf-8", "replace")
        return re.search(rf"^\s+{re.escape(command)}\s", text, re.M) is not None


def compare_shapes(reference, got):
    problems = []
    for name, a, b in (("histogram", reference[0], got[0]), ("dominators", reference[1], got[1])):
        diff = first_difference(a, b)
        if diff:
            problems.append(f"{name} --json differs from IN's at {diff}")
    return problems


def attempt(problems, label, check):
    """Runs check(), a list of problems; records them (or its error) under label."""
    try:
        found = check()
    except ch.HarnessError as e:
        found = [f"ERROR {e}"]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        found = [f"unexpected JSON shape ({type(e).__name__}: {e})"]
    problems.extend(f"{label}: {p}" for p in found)
    return not found


# --------------------------------------------------------------------------
# One JDK


def make_dumps(jdk, classes, work, seed):
    config = ch.Config(jdk.label, jdk, [])
    manifest_path = work / "manifest.json"
    plain, compressed = work / "dump.hprof", work / "dump.hprof.gz"
    for stale in (manifest_path, plain, compressed):
        fresh(stale)
    program = ch.JavaProgram(config, classes, PROGRAM, work / "java-stderr.txt")
    program.cmd += [str(manifest_path), str(seed)]
    with program as java:
        pid = java.wait_ready()
        ch.heap_dump(config, pid, plain)
        ch.heap_dump(config, pid, compressed, "-gz=1")
    try:
        manifest = json.loads(manifest_path.read_text("ascii"))
    except (OSError, ValueError) as e:
        raise ch.HarnessError(f"cannot read the manifest {manifest_path}: {e}")
    return plain, compressed, manifest


def check_redactions(hs, manifest, inputs, work, problems, notes):
    """redact in every mode, to plain and .gz outputs and from the .gz dump."""
    runs = 0
    for mode in MODES:
        for label, (src, reference), out in (
                ("plain", inputs["plain"], work / f"redact-{mode}.hprof"),
                (".gz out", inputs["plain"], work / f"redact-{mode}.hprof.gz"),
                ("gz in", inputs["gz"], work / f"redact-{mode}-from-gz.hprof")):
            where = f"redact --mode {mode} ({label})"
            runs += 1

            def check(src=src, reference=reference, out=out, where=where, mode=mode):
                fresh(out)
                hs.run("redact", src, out, "--mode", mode, what=f"heapscope {where}")
                raw = out.read_bytes() if out.is_file() else b""
                if not raw:
                    return [f"wrote no {out.name}"]
                if out.suffix == ".gz" and raw[:2] != GZIP_MAGIC:
                    return [f"{out.name} is not gzip-compressed"]
                try:
                    data = gzip.decompress(raw) if out.suffix == ".gz" else raw
                except (OSError, EOFError) as e:
                    return [f"{out.name} does not decompress: {e}"]
                found = []
                left = leftovers(data, manifest)
                if left:
                    found.append(f"planted values left in {out.name}: {describe(left)}")
                if mode == "all" and label == "plain" and manifest["thread_name"].encode() in data:
                    notes.append("redact --mode all (without --keep-thread-names) kept the thread name")
                doc = hs.json("scan", out, "--json", what=f"heapscope scan of {out.name}")
                found += [f"scan: {p}" for p in check_scan_out(doc, manifest, mode)]
                found += compare_shapes(reference, hs.shape(out, out.name))
                return found

            attempt(problems, where, check)
    return runs


def check_keep_threads(hs, manifest, plain, work):
    out = work / "redact-all-keep-threads.hprof"
    fresh(out)
    hs.run("redact", plain, out, "--mode", "all", "--keep-thread-names",
           what="heapscope redact --mode all --keep-thread-names")
    data = out.read_bytes()
    found = []
    if manifest["thread_name"].encode("ascii") not in data:
        found.append(f"thread name {manifest['thread_name']!r} not kept")
    left = leftovers(data, manifest)
    if left:
        found.append(f"planted values left: {describe(left)}")
    return found


def check_encryption(hs, manifest, plain, reference, work, problems, with_redact=True):
    """keygen, redact --encrypt, encrypt, and a tampered copy; each its own check."""
    key = work / "dump.key"

    def keygen():
        if key.exists():
            key.unlink()  # keygen never overwrites
        hs.run("keygen", key, what="heapscope keygen")
        return [] if key.is_file() and key.stat().st_size else [f"wrote no key file {key.name}"]

    if not attempt(problems, "keygen", keygen):
        return

    def clear_text(path):
        """Problems if path holds a planted value or an HPROF header in the clear."""
        data = path.read_bytes()
        found = []
        if data.startswith(HPROF_MAGIC) or data.startswith(GZIP_MAGIC):
            found.append(f"{path.name} starts like a plain {'HPROF' if data.startswith(HPROF_MAGIC) else 'gzip'} file")
        left = leftovers(data, manifest)
        if left:
            found.append(f"planted values in the clear in {path.name}: {describe(left)}")
        return found

    def index_leaks(path):
        """An index built beside an encrypted dump must not hold its secrets in the clear."""
        found = []
        for f in sorted(path.parent.glob(path.name + "?*")):
            for g in ([f] if f.is_file() else sorted(p for p in f.rglob("*") if p.is_file())):
                left = leftovers(g.read_bytes(), manifest)
                if left:
                    found.append(f"planted values in the clear in {g.relative_to(work)}: {describe(left)}")
        return found

    def redact_encrypt():
        sealed = work / "redacted.hsenc"
        fresh(sealed)
        hs.run("redact", plain, sealed, "--mode", "secrets", "--encrypt", "--key-file", key,
               what="heapscope redact --encrypt")
        return clear_text(sealed) + compare_shapes(reference, hs.shape(sealed, sealed.name, key))

    if with_redact:
        attempt(problems, "redact --mode secrets --encrypt", redact_encrypt)

    whole = work / "encrypted.hsenc"

    def encrypt():
        fresh(whole)
        hs.run("encrypt", plain, whole, "--key-file", key, what="heapscope encrypt")
        return clear_text(whole) + compare_shapes(reference, hs.shape(whole, whole.name, key)) + index_leaks(whole)

    if not attempt(problems, "encrypt", encrypt):
        return

    def tamper():
        # A copy (no index beside it) with one byte flipped in the middle.
        tampered = work / "tampered.hsenc"
        fresh(tampered)
        data = bytearray(whole.read_bytes())
        data[len(data) // 2] ^= 0xFF
        tampered.write_bytes(bytes(data))
        cmd = [hs.binary, "histogram", str(tampered), "--json", "--key-file", str(key)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=ch.HEAPSCOPE_TIMEOUT, env=ch.child_env())
        except subprocess.TimeoutExpired:
            return ["histogram of a tampered file timed out"]
        said = (proc.stderr + proc.stdout).decode("utf-8", "replace")
        if proc.returncode == 0:
            return ["histogram of the encrypted dump with one byte flipped exited 0"]
        if "authentication" not in said.lower():
            return [f"histogram of a tampered file exited {proc.returncode} without 'authentication':\n{ch.tail(said)}"]
        return []

    attempt(problems, "tampered encrypted dump", tamper)


def run_jdk(jdk, binary, work, seed):
    """Returns (problems, summary)."""
    work.mkdir(parents=True, exist_ok=True)
    classes = work / "classes"
    ch.compile_corpus(jdk, [SOURCE], classes)
    plain, compressed, manifest = make_dumps(jdk, classes, work, seed)
    problems = [f"manifest: {p}" for p in check_manifest(manifest)]
    if problems:
        return problems, "manifest unusable"
    plain_data, gz_data = plain.read_bytes(), read_dump(compressed)
    problems += [f"planting ({plain.name}): {p}" for p in check_planting(plain_data, manifest)]
    problems += [f"planting ({compressed.name}): {p}" for p in check_planting(gz_data, manifest)]
    if problems:
        return problems, "the dumps do not hold the planted values as planted; heapscope not run"

    hs = Heapscope(binary)
    has = {c: hs.has(c) for c in ("scan", "redact", "keygen")}
    missing = [c for c in ("scan", "redact") if not has[c]]
    if missing:
        problems.append(f"heapscope has no {' or '.join(missing)} command (`heapscope --help`): "
                        "those checks not run")
    notes = []
    inputs = {}
    for name, dump in (("plain", plain), ("gz", compressed)):
        def shape(dump=dump, name=name):
            inputs[name] = (dump, hs.shape(dump, dump.name))
            return []
        attempt(problems, f"histogram/dominators {dump.name}", shape)
        if has["scan"]:
            attempt(problems, f"scan {dump.name}",
                    lambda dump=dump: check_scan_in(hs.json("scan", dump, "--json",
                                                            what=f"heapscope scan {dump.name}"), manifest))
    if set(inputs) != {"plain", "gz"}:
        return problems, "heapscope could not read the dumps"

    runs = 0
    if has["scan"] and has["redact"]:
        runs = check_redactions(hs, manifest, inputs, work, problems, notes)
        attempt(problems, "redact --keep-thread-names", lambda: check_keep_threads(hs, manifest, plain, work))
    if has["keygen"]:
        encryption = "encryption checked"
        check_encryption(hs, manifest, plain, inputs["plain"][1], work, problems, has["redact"])
    else:
        encryption = "encryption skipped (heapscope has no keygen)"
        print(f"[{jdk.label}] note: heapscope has no keygen command; encryption checks skipped")
    counts = planted_counts(manifest)
    summary = (f"{len(counts)} rules, {sum(counts.values())} planted values in {len(HOLDERS)} holders; "
               f"dump {plain.stat().st_size / 1e6:.1f} MB, .gz {compressed.stat().st_size / 1e6:.1f} MB; "
               f"{runs} redactions ({', '.join(MODES)} x plain, .gz out, gz in)"
               + (", --keep-thread-names" if runs else "") + f", {encryption}")
    if hs.ignored:
        summary += f"; ignored keys in histogram/dominators: {', '.join(sorted(hs.ignored))}"
    for note in sorted(set(notes)):
        summary += f"\n    note: {note}"
    return problems, summary


# --------------------------------------------------------------------------
# Self-test (no JVM)


def self_test():
    assert luhn_ok("4111 1111 1111 1111") and luhn_ok("4111-1111-1111-1111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE88370400440532013000")
    assert utf16_core("ab") in "ab".encode("utf-16-le") and utf16_core("ab") in "ab".encode("utf-16-be")

    secrets = []
    examples = {
        "aws-access-key-id": "AKIAABCDEFGHIJKLMNOP", "aws-secret-access-key": "A" * 39 + "/",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "bearer-token": "tok" + "x" * 30,
        "pem-private-key": "MIIE" + "Q" * 36, "password-assignment": "pw", "password-json": "pj",
        "password-url": "pu", "credit-card": "4111 1111 1111 1111", "iban": "DE89370400440532013000",
        "email": "someone.x@example.net",
    }
    n = 0
    for holder in HOLDERS:
        for rule in RULES:
            n += 1
            value = examples[rule]
            if rule.startswith("password") or rule in ("bearer-token", "email"):
                value = f"v{n:03d}{value}{holder[:4]}"  # distinct per holder
            elif rule == "pem-private-key":
                value = value[:-3] + f"{n:03d}"
            else:
                value = None
            secrets.append({"rule": rule, "holder": holder, "encoding": HOLDER_ENCODING.get(holder, "ascii"),
                            "value": value})
    # Rules whose value must have a form get one distinct per holder.
    forms = {"aws-access-key-id": lambda i: "AKIA" + "ABCDEFGHIJKL" + "234567"[i % 6] + "AB" + "ABCDEFG"[i],
             "aws-secret-access-key": lambda i: "B" * 39 + "ABCDEFG"[i],
             "jwt": lambda i: f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig{i}",
             "credit-card": lambda i: ["4111111111111111", "5500 0000 0000 0004", "4012-8888-8888-1881",
                                       "5105105105105100", "4222222222222", "4111 1111 1111 1111",
                                       "5555-5555-5555-4444"][i],
             "iban": lambda i: ["DE89370400440532013000", "GB82WEST12345698765432", "DE44500105175407324931",
                                "FR1420041010050500013M02606", "NL91ABNA0417164300", "ES9121000418450200051332",
                                "IT60X0542811101000000123456"][i]}
    for s in secrets:
        if s["value"] is None:
            s["value"] = forms[s["rule"]](HOLDERS.index(s["holder"]))
    manifest = {"thread_name": "heapscope-keep-thread-x", "utf16_prefix": "# ключ € ", "char_array_prefix": "€ ¤ ",
                "secrets": secrets}
    problems = check_manifest(manifest)
    # "4222222222222" is 13 digits: not a 16-digit card form; the test values are otherwise fine.
    assert problems == ["record-field/credit-card: value '4222222222222' does not have the rule's form"], problems
    secrets[HOLDERS.index("record-field") * len(RULES) + RULES.index("credit-card")]["value"] = "4000056655665556"
    assert check_manifest(manifest) == []
    assert check_manifest({"thread_name": "x", "secrets": secrets[1:]})  # a pair missing, bad thread name

    # A fake dump holding every span once in its holder's encoding.
    parts = [b"JAVA PROFILE 1.0.2\0", manifest["thread_name"].encode()]
    for s in secrets:
        text = f"ctx={s['value']};"
        parts.append(encoded(text if s["encoding"] == "ascii" else "x" + text, s["encoding"]))
    parts += ([encoded(manifest["utf16_prefix"], "utf16le")] * len(RULES)
              + [encoded(manifest["char_array_prefix"], "utf16be")] * len(RULES))
    dump = b"\0".join(parts)
    assert check_planting(dump, manifest) == [], check_planting(dump, manifest)
    assert len(leftovers(dump, manifest)) == len(secrets)
    twice = dump + b"ctx=" + secrets[0]["value"].encode()
    assert any("2 ASCII" in p for p in check_planting(twice, manifest))
    as_utf16 = dump.replace(secrets[0]["value"].encode(), encoded(secrets[0]["value"], "utf16be"))
    assert any("0 ASCII and 1 UTF-16" in p for p in check_planting(as_utf16, manifest))
    masked = dump
    for s in secrets:
        for enc in ("ascii", "utf16le", "utf16be"):
            masked = masked.replace(encoded(s["value"], enc), encoded("*" * len(s["value"]), enc))
    assert leftovers(masked, manifest) == []

    counts = planted_counts(manifest)
    scan_in = {"rules": [{"rule": r, "count": n + 2, "classes": [], "example": "AKIA****", "example_path": []}
                         for r, n in counts.items()]}
    assert check_scan_in(scan_in, manifest) == []
    short = json.loads(json.dumps(scan_in))
    short["rules"][0]["count"] = 1
    assert check_scan_in(short, manifest) == [f"rule {RULES[0]}: count 1, planted 7"]
    leaky = json.loads(json.dumps(scan_in))
    leaky["rules"][1]["example"] = "x=" + secrets[1]["value"]
    assert "example of aws-secret-access-key" in check_scan_in(leaky, manifest)[0]
    other = {"rules": [{"rule": "email", "count": 0, "example": None}, {"rule": "custom", "count": 3}]}
    assert check_scan_out(other, manifest, "secrets") == []
    assert check_scan_out(other, manifest, "strings") and check_scan_out(other, manifest, "all")
    assert check_scan_out({"rules": []}, manifest, "all") == []
    assert check_scan_out({"rules": [{"rule": "iban", "count": 1, "example": "DE**"}]}, manifest, "secrets")

    hist = {"classes": [{"name": "A", "instances": 1}], "total_instances": 1, "path": "/x/in.hprof"}
    assert first_difference(comparable(hist), comparable(dict(hist, path="/y/out.hprof"))) is None
    assert ignored_present(hist) == ["path"]
    changed = json.loads(json.dumps(hist))
    changed["classes"][0]["instances"] = 2
    assert first_difference(comparable(hist), comparable(changed)) == "$.classes[0].instances: 1 vs 2"
    assert "entries" in first_difference({"a": [1]}, {"a": [1, 2]})
    assert first_difference({"a": 1}, {"b": 1}) == "$.a: only in IN"
    print("self-test passed")
    return ch.EXIT_OK


# --------------------------------------------------------------------------
# Driver


def main(argv):
    parser = ch.harness_parser(__doc__, "keep dumps, manifests and redacted outputs under DIR/<jvm>/",
                               "run only JVMs whose label contains LABEL (repeatable)",
                               "check the manifest, byte-search and JSON checks on hand-made data, then exit")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of PlantedSecrets' Random (default %(default)s)")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    binary, jdks, status = ch.harness_setup(args)
    if status is not None:
        return status
    if args.config:
        jdks = [j for j in jdks if any(part in j.label for part in args.config)]
        if not jdks:
            print(f"error: no JVM matches {args.config}", file=sys.stderr)
            return ch.EXIT_SETUP
    print(f"heapscope: {binary}")
    print(f"JVMs: {', '.join(f'{j.label} ({j.home})' for j in jdks)}; seed {args.seed}")
    sys.stdout.flush()
    root, cleanup = ch.work_dir(args.keep, "heapscope-redact-")
    failed = False
    try:
        for jdk in jdks:
            started = time.monotonic()
            try:
                problems, summary = run_jdk(jdk, binary, root / jdk.label, args.seed)
            except ch.HarnessError as e:
                problems, summary = [f"ERROR {e}"], "did not get to heapscope"
            failed = failed or bool(problems)
            print(f"[{jdk.label}] {'ok' if not problems else 'FAIL'} ({time.monotonic() - started:.1f}s): {summary}")
            for p in problems:
                print(f"    - {p}")
            sys.stdout.flush()
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    if args.keep:
        print(f"dumps and outputs kept in {root}")
    return ch.EXIT_FAIL if failed else ch.EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
