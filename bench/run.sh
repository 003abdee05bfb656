#!/usr/bin/env bash
# Time heapscope against `cat` (and `gzip -dc` for the gzip twin) on the
# benchmark dumps made by bench/make_dump.sh.
#
# Usage: bench/run.sh [OUTDIR] [RUNS]     (defaults: bench/data, 5)
#
# Environment:
#   HEAPSCOPE      heapscope binary (default build/heapscope, relative to the
#                  current directory if it exists there, else to the repo root)
#   BENCH_TIMEOUT  seconds before a single command is killed (default 600)
#   RESULTS        report file (default bench/results/latest.md)
#
# For each dump (plain, then gz) it warms the page cache, checks once that each
# heapscope command prints JSON, then runs every command RUNS times,
# round-robin so that machine noise is spread over all commands. Each run is
# under /usr/bin/time -v, which gives the peak RSS; the wall time is taken
# around it with bash's microsecond clock. The report gives medians.
#
# Units: MB = 10^6 bytes (so MB/s and GB/s are decimal); RSS in MiB.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

outdir=${1:-$here/data}
runs=${2:-5}
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "run.sh: RUNS must be a positive integer, got '$runs'" >&2
  exit 2
fi
timeout_s=${BENCH_TIMEOUT:-600}
results=${RESULTS:-$here/results/latest.md}

HEAPSCOPE=${HEAPSCOPE:-build/heapscope}
if [[ $HEAPSCOPE == */* ]]; then
  if [[ $HEAPSCOPE != /* && ! -e $HEAPSCOPE && -e $root/$HEAPSCOPE ]]; then
    HEAPSCOPE=$root/$HEAPSCOPE
  fi
else
  HEAPSCOPE=$(command -v "$HEAPSCOPE" || echo "$HEAPSCOPE")
fi
[[ -e $HEAPSCOPE ]] && HEAPSCOPE=$(cd "$(dirname "$HEAPSCOPE")" && pwd)/$(basename "$HEAPSCOPE")

# --- prerequisites --------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
  echo "run.sh: /usr/bin/time missing, installing package 'time'"
  if [[ $(id -u) == 0 ]]; then
    { apt-get install -y time || { apt-get update && apt-get install -y time; }; } >/dev/null
  else
    sudo apt-get install -y time >/dev/null
  fi
  [[ -x /usr/bin/time ]] || { echo "run.sh: could not install GNU time" >&2; exit 1; }
fi

plain=$outdir/big.hprof
gz=$outdir/big.hprof.gz
if [[ ! -s $plain || ! -s $gz ]]; then
  echo "run.sh: dumps missing in $outdir, running make_dump.sh"
  "$here/make_dump.sh" "$outdir" || exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/heapscope-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
samples=$work/samples.tsv   # dump  label  wall_s  maxrss_kb  rc
: >"$samples"

heapscope_ok=1
heapscope_note=""
if [[ ! -x $HEAPSCOPE ]]; then
  heapscope_ok=0
  heapscope_note="not run: HEAPSCOPE=$HEAPSCOPE is not an executable file"
fi
# Time a private copy, so that a rebuild of HEAPSCOPE during the run cannot
# mix two binaries in one report.
heapscope_bin=$HEAPSCOPE
heapscope_sum=""
if [[ $heapscope_ok == 1 ]]; then
  heapscope_bin=$work/heapscope
  cp "$HEAPSCOPE" "$heapscope_bin"
  heapscope_sum=$(sha256sum "$heapscope_bin" | cut -c1-12)
fi
slurp=$(command -v hprof-slurp || true)

# --- helpers --------------------------------------------------------------

# run_one DUMPKIND LABEL CMD... : one timed run, stdout to /dev/null.
run_one() {
  local kind=$1 label=$2; shift 2
  local tf=$work/time.txt t0 t1 rc rss
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$tf" timeout "$timeout_s" "$@" >/dev/null 2>"$work/stderr.txt"
  rc=$?
  t1=$EPOCHREALTIME
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')" "${rss:-0}" "$rc" >>"$samples"
  if [[ $rc != 0 ]]; then
    echo "    $label: exit $rc; stderr tail:" >&2
    tail -n 5 "$work/stderr.txt" | sed 's/^/      /' >&2
  fi
  return "$rc"
}

# check_json LABEL CMD... : run once, require non-empty valid JSON on stdout.
check_json() {
  local label=$1; shift
  local out=$work/check.json
  local rc=0
  timeout "$timeout_s" "$@" >"$out" 2>"$work/stderr.txt" || rc=$?
  if [[ $rc != 0 ]]; then
    echo "exit status $rc ($(tail -n 1 "$work/stderr.txt" | cut -c1-120))"
    return 1
  fi
  if [[ ! -s $out ]]; then
    echo "printed nothing"
    return 1
  fi
  if command -v jq >/dev/null && ! jq -e . "$out" >/dev/null 2>&1; then
    echo "output is not valid JSON"
    return 1
  fi
  return 0
}

median() { # median of numbers on stdin
  sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print ""; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- the runs -------------------------------------------------------------

declare -A skip_note   # "kind/label" -> why the row has no numbers
declare -A size_of     # kind -> bytes on disk
declare -A raw_of      # kind -> uncompressed bytes
declare -a labels_plain labels_gz

bench_dump() {
  local kind=$1 dump=$2
  local -a labels=() cmds=()
  size_of[$kind]=$(stat -c %s "$dump")

  echo "== $kind: $dump ($(awk -v b="${size_of[$kind]}" 'BEGIN {printf "%.1f", b / 1e6}') MB)"
  echo "   warming page cache"
  cat "$dump" >/dev/null; cat "$dump" >/dev/null
  if [[ $kind == gz ]]; then
    raw_of[$kind]=$(gzip -dc "$dump" | wc -c)
    echo "   uncompressed size $(awk -v b="${raw_of[$kind]}" 'BEGIN {printf "%.1f", b / 1e6}') MB"
  else
    raw_of[$kind]=${size_of[$kind]}
  fi

  labels+=("cat"); cmds+=("cat $(printf %q "$dump")")
  if [[ $kind == gz ]]; then
    labels+=("gzip -dc"); cmds+=("gzip -dc $(printf %q "$dump")")
  fi
  local sub
  for sub in histogram summary; do
    local label="heapscope $sub --json"
    if [[ $heapscope_ok == 0 ]]; then
      skip_note[$kind/$label]=$heapscope_note
      labels+=("$label"); cmds+=("")
      continue
    fi
    local why
    if why=$(check_json "$label" "$heapscope_bin" "$sub" "$dump" --json); then
      labels+=("$label"); cmds+=("$(printf %q "$heapscope_bin") $sub $(printf %q "$dump") --json")
    else
      echo "   $label: $why; not timed"
      skip_note[$kind/$label]="not timed: $why"
      labels+=("$label"); cmds+=("")
    fi
  done
  if [[ -n $slurp ]]; then
    labels+=("hprof-slurp -i"); cmds+=("$(printf %q "$slurp") -i $(printf %q "$dump")")
  else
    skip_note[$kind/hprof-slurp -i]="absent: hprof-slurp is not on PATH"
    labels+=("hprof-slurp -i"); cmds+=("")
  fi

  local r i
  for ((r = 1; r <= runs; r++)); do
    echo "   run $r/$runs"
    for i in "${!labels[@]}"; do
      [[ -z ${cmds[$i]} ]] && continue
      # Stop timing a command after it fails once.
      if [[ -n ${skip_note[$kind/${labels[$i]}]:-} ]]; then continue; fi
      eval "run_one $kind \"\${labels[\$i]}\" ${cmds[$i]}" ||
        skip_note[$kind/${labels[$i]}]="failed: exit $? in run $r"
    done
  done

  if [[ $kind == gz ]]; then labels_gz=("${labels[@]}"); else labels_plain=("${labels[@]}"); fi
}

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench_dump plain "$plain"
bench_dump gz "$gz"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report -----------------------------------------------------------

stat_of() { # stat_of KIND LABEL wall|min|rss|n
  local kind=$1 label=$2 what=$3
  case $what in
    wall) awk -F'\t' -v k="$kind" -v l="$label" '$1 == k && $2 == l && $5 == 0 {print $3}' "$samples" | median ;;
    min)  awk -F'\t' -v k="$kind" -v l="$label" '$1 == k && $2 == l && $5 == 0 {print $3}' "$samples" | sort -g | head -n 1 ;;
    rss)  awk -F'\t' -v k="$kind" -v l="$label" '$1 == k && $2 == l && $5 == 0 {print $4}' "$samples" | median ;;
    n)    awk -F'\t' -v k="$kind" -v l="$label" '$1 == k && $2 == l && $5 == 0 {n++} END {print n + 0}' "$samples" ;;
  esac
}

declare -A med_wall min_wall med_rss nruns
for kind in plain gz; do
  if [[ $kind == plain ]]; then labels=("${labels_plain[@]}"); else labels=("${labels_gz[@]}"); fi
  for label in "${labels[@]}"; do
    med_wall[$kind/$label]=$(stat_of "$kind" "$label" wall)
    min_wall[$kind/$label]=$(stat_of "$kind" "$label" min)
    med_rss[$kind/$label]=$(stat_of "$kind" "$label" rss)
    nruns[$kind/$label]=$(stat_of "$kind" "$label" n)
  done
done

# Padded markdown table from tab-separated rows on stdin (first row = header).
md_table() {
  awk -F'\t' '
    { for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
      if (NF > nf) nf = NF }
    END {
      for (r = 1; r <= NR; r++) {
        line = "|"
        for (i = 1; i <= nf; i++) line = line sprintf(" %-*s |", w[i], c[r, i])
        print line
        if (r == 1) {
          line = "|"
          for (i = 1; i <= nf; i++) { d = ""; for (j = 0; j < w[i]; j++) d = d "-"; line = line " " d " |" }
          print line
        }
      }
    }'
}

fmt() { awk -v x="$1" -v f="$2" 'BEGIN {printf f, x}'; }

table_for() {
  local kind=$1 cat_w zlib_w label w rss
  local -a labels
  if [[ $kind == plain ]]; then labels=("${labels_plain[@]}"); else labels=("${labels_gz[@]}"); fi
  cat_w=${med_wall[$kind/cat]}
  zlib_w=${med_wall[$kind/gzip -dc]:-}
  {
    if [[ $kind == gz ]]; then
      printf 'command\truns\tmedian wall s\tmin wall s\tMB/s (file)\tMB/s (uncompressed)\tpeak RSS MiB\ttime vs cat\tspeed vs gzip -dc\n'
    else
      printf 'command\truns\tmedian wall s\tmin wall s\tMB/s\tpeak RSS MiB\ttime vs cat\n'
    fi
    for label in "${labels[@]}"; do
      w=${med_wall[$kind/$label]}
      local note=${skip_note[$kind/$label]:-}
      if [[ -z $w ]]; then
        if [[ $kind == gz ]]; then printf '%s\t0\t%s\t\t\t\t\t\t\n' "$label" "${note:-no data}"
        else printf '%s\t0\t%s\t\t\t\t\n' "$label" "${note:-no data}"; fi
        continue
      fi
      local n=${nruns[$kind/$label]}
      [[ -n $note ]] && n="$n ($note)"
      rss=$(awk -v k="${med_rss[$kind/$label]}" 'BEGIN {printf "%.1f", k / 1024}')
      local mbs rawmbs vscat vszlib
      mbs=$(awk -v b="${size_of[$kind]}" -v t="$w" 'BEGIN {printf "%.0f", b / 1e6 / t}')
      rawmbs=$(awk -v b="${raw_of[$kind]}" -v t="$w" 'BEGIN {printf "%.0f", b / 1e6 / t}')
      vscat=$(awk -v a="$w" -v c="$cat_w" 'BEGIN {if (c > 0) printf "%.2fx", a / c; else print "-"}')
      if [[ $kind == gz ]]; then
        vszlib=$(awk -v a="$w" -v z="$zlib_w" 'BEGIN {if (z > 0) printf "%.2fx", z / a; else print "-"}')
        printf '%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\t%s\t%s\n' "$label" "$n" "$w" "${min_wall[$kind/$label]}" "$mbs" "$rawmbs" "$rss" "$vscat" "$vszlib"
      else
        printf '%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\n' "$label" "$n" "$w" "${min_wall[$kind/$label]}" "$mbs" "$rss" "$vscat"
      fi
    done
  } | md_table
}

verdict() { # verdict CONDITION_AWK_EXPR -> PASS/FAIL
  awk "BEGIN {print ($1) ? \"PASS\" : \"FAIL\"}"
}

targets() {
  local h="heapscope histogram --json"
  local w=${med_wall[plain/$h]:-} wz=${med_wall[gz/$h]:-} zw=${med_wall[gz/gzip -dc]:-}
  # A command that failed in any run does not meet a target.
  [[ -n ${skip_note[plain/$h]:-} ]] && w=""
  [[ -n ${skip_note[gz/$h]:-} ]] && wz=""
  if [[ -n $w ]]; then
    local gbs mib
    gbs=$(awk -v b="${size_of[plain]}" -v t="$w" 'BEGIN {printf "%.2f", b / 1e9 / t}')
    mib=$(awk -v k="${med_rss[plain/$h]}" 'BEGIN {printf "%.0f", k / 1024}')
    echo "- plain histogram throughput >= 1.5 GB/s: $gbs GB/s — $(verdict "$gbs >= 1.5")"
    echo "- plain histogram peak RSS < 256 MiB: $mib MiB — $(verdict "$mib < 256")"
  else
    echo "- plain histogram: FAIL, ${skip_note[plain/$h]:-not run}"
  fi
  if [[ -n $wz && -n $zw ]]; then
    local sp
    sp=$(awk -v z="$zw" -v a="$wz" 'BEGIN {printf "%.2f", z / a}')
    echo "- gz histogram >= 2x single-thread zlib (gzip -dc): ${sp}x — $(verdict "$sp >= 2")"
  else
    echo "- gz histogram: FAIL, ${skip_note[gz/$h]:-not run}"
  fi
}

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
hs_version=""
[[ $heapscope_ok == 1 ]] && hs_version=$("$heapscope_bin" --version 2>/dev/null | head -n 1)
git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "no commit")

report=$(
  echo "# heapscope benchmark"
  echo
  echo "- date: $started"
  echo "- machine: $(nproc) cores ($cpu), $mem RAM; load average before $load_before, after $load_after"
  echo "- heapscope: $HEAPSCOPE${hs_version:+, $hs_version}${heapscope_sum:+, sha256 $heapscope_sum...}; repo at $git_rev"
  echo "- runs per command: $runs (medians shown; page cache warm)"
  echo "- units: MB = 10^6 bytes; RSS = \"Maximum resident set size\" from /usr/bin/time -v, in MiB"
  echo "- hprof-slurp: ${slurp:-absent (not on PATH)}"
  echo
  echo "## plain: $(basename "$plain"), $(fmt "${size_of[plain]}" '%.0f') bytes"
  echo
  table_for plain
  echo
  echo "## gz: $(basename "$gz"), $(fmt "${size_of[gz]}" '%.0f') bytes, $(fmt "${raw_of[gz]}" '%.0f') uncompressed"
  echo
  table_for gz
  echo
  echo "## targets"
  echo
  targets
)

echo
echo "$report"
mkdir -p "$(dirname "$results")"
echo "$report" >"$results"
echo
echo "run.sh: wrote $results"
