#!/usr/bin/env bash
# Reproduces the figures of docs/BENCHMARKS.md on this machine.
#
#   scripts/bench.sh [PART…]      PART: describe describe-pg create create-pg engine million micro all
#
#   describe     DescribeWorkspaces, first page of 25 of an account of 10,000, SigV4 verified, bolt
#                store. The client is wrk (Debian's package): `deskplane-load wrk` signs one request
#                and writes the wrk script that repeats it, and captures deskplane's answer; a
#                baseline server (`deskplane-load baseline -answer`) then serves exactly those
#                bytes. wrk runs against deskplane and the baseline in interleaved pairs; each
#                pair gives a ratio deskplane / baseline (requests per second).
#   describe-pg  the same on PostgreSQL (a fresh schema, dropped afterwards)
#   create       CreateWorkspaces, 25 a call, bolt (durable when acknowledged), with the load tool
#                (deskplane-load bench), BENCH_CLIENTS concurrent clients, a fresh server each run
#   create-pg    the same on PostgreSQL, one node, then two nodes on one schema with the clients
#                split between them; with the database's commits and rollbacks during each run
#   engine       lifecycle lateness of launches through the server (BenchmarkLaunchLateness in
#                internal/lifecycle: real WorkSpaces created with the SDK, launched by the engine)
#   million      1,000,000 WorkSpaces in 100 accounts: peak memory (VmHWM) and its parts (RssAnon =
#                heap and other anonymous memory, RssFile = the mapped bolt file; Go heap from
#                GODEBUG=gctrace=1), start-up on that data, DescribeWorkspaces p99 vs 1,000 stored
#   micro        the in-process benchmarks (engine tick, hot paths, stores)
#   all          every part above but micro
#
# Environment (default):
#   BENCH_RUNS (3)            runs per figure (pairs for describe); the summary gives the median
#   BENCH_DURATION (20s)      length of each measured run
#   BENCH_CLIENTS (16 64)     concurrencies of create and create-pg
#   BENCH_WRK_THREADS (2), BENCH_WRK_CONNS (16)   wrk's threads and connections
#   BENCH_PRELOAD (10000)     WorkSpaces in the describe account
#   BENCH_MILLION_ACCOUNTS (100), BENCH_MILLION_PER_ACCOUNT (10000)
#   BENCH_LAUNCHES (100000)   WorkSpaces launched by the engine benchmark
#   BENCH_PG (postgres://postgres@127.0.0.1:5432/test?sslmode=disable)   a PostgreSQL 15 database
#   BENCH_OUT (a new /tmp/deskplane-bench.XXXXXX)   kept: every run's output, runs.tsv, summary.txt
#
# Every run prints the machine's load around it: /proc/loadavg before and after, and how busy
# the machine's CPUs were during the run (/proc/stat, all processes, this benchmark's included).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-20s}
CLIENTS=${BENCH_CLIENTS:-16 64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
WRK_CONNS=${BENCH_WRK_CONNS:-16}
PRELOAD=${BENCH_PRELOAD:-10000}
MILLION_ACCOUNTS=${BENCH_MILLION_ACCOUNTS:-100}
MILLION_PER_ACCOUNT=${BENCH_MILLION_PER_ACCOUNT:-10000}
LAUNCHES=${BENCH_LAUNCHES:-100000}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
out=${BENCH_OUT:-$(mktemp -d /tmp/deskplane-bench.XXXXXX)}
mkdir -p "$out"

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(all)
for p in "${parts[@]}"; do
  case $p in
    describe | describe-pg | create | create-pg | engine | million | micro | all) ;;
    *) echo "unknown part $p: want describe, describe-pg, create, create-pg, engine, million, micro or all" >&2; exit 2 ;;
  esac
done
want() {
  local p
  for p in "${parts[@]}"; do
    [[ $p == "$1" || ($p == all && $1 != micro) ]] && return 0
  done
  return 1
}

work=$(mktemp -d)
bin=$work/deskplane
load=$work/deskplane-load
export DESKPLANE_ADMIN_TOKEN=bench
pids=()
schemas=()
psql_pg() { PGOPTIONS="-c client_min_messages=warning" psql "$PG" -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
  local p s
  for p in "${pids[@]:-}"; do if [[ -n $p ]]; then kill "$p" 2>/dev/null || true; fi; done
  for p in "${pids[@]:-}"; do if [[ -n $p ]]; then wait "$p" 2>/dev/null || true; fi; done
  for s in "${schemas[@]:-}"; do if [[ -n $s ]]; then psql_pg "DROP SCHEMA IF EXISTS $s CASCADE" || true; fi; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- the machine and its load ---------------------------------------------------------

machine() {
  local cpu mem
  cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "machine: $(nproc) CPUs ($cpu), $mem, Linux $(uname -r), $(go version | awk '{print $3}')"
  echo "code:    $(git rev-parse --short HEAD) $(git log -1 --format=%s | cut -c1-80)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
}

# cpu_now prints busy, total and steal jiffies of all CPUs (/proc/stat).
cpu_now() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6, $9 }' /proc/stat; }
# load_begin and load_end bracket a run; load_end prints the load and sets $load_note.
load_begin() {
  la0=$(cut -d' ' -f1-3 /proc/loadavg)
  read -r busy0 total0 steal0 < <(cpu_now)
}
load_end() {
  local la1 busy1 total1 steal1 dt
  la1=$(cut -d' ' -f1-3 /proc/loadavg)
  read -r busy1 total1 steal1 < <(cpu_now)
  dt=$((total1 - total0))
  ((dt > 0)) || dt=1
  load_note="load $la0 -> $la1, CPU $((100 * (busy1 - busy0) / dt))% busy (steal $((100 * (steal1 - steal0) / dt))%)"
  echo "machine load: loadavg (1/5/15 min) $la0 before, $la1 after; all $(nproc) CPUs $((100 * (busy1 - busy0) / dt))% busy during the run, $((100 * (steal1 - steal0) / dt))% stolen"
}

# --- figures --------------------------------------------------------------------------

# record MEASURE VALUE TARGET NOTE: one run's figure. VALUE "-" marks a failed run
# (left out of the median). TARGET is "ge N", "lt N" or "-".
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$out/runs.tsv"
  echo "figure: $1 = $2   [$4]"
}
# kv KEY LINE: the value of KEY=value in a summary line.
kv() { grep -oE "(^| )$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# summary prints the table of figures (runs, median, target, status) and writes it as
# Markdown to summary.md, with every run's note (machine load) below.
summary() {
  [[ -s $out/runs.tsv ]] || return 0
  echo
  echo "## Summary (medians of the runs; every run is in $out/runs.tsv)"
  machine
  python3 - "$out/runs.tsv" "$out/summary.md" <<'PY' | tee "$out/summary.txt"
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
order, runs = [], {}
for m, v, t, note in rows:
    if m not in runs:
        order.append(m)
        runs[m] = (t, [])
    runs[m][1].append((v, note))
def num(v):
    try:
        return float(v)
    except ValueError:
        return None
table = []
for m in order:
    t, vs = runs[m]
    ok = [num(v) for v, _ in vs if num(v) is not None]
    med = statistics.median(ok) if ok else None
    status = "-"
    if t != "-" and med is not None:
        op, lim = t.split()
        met = med >= float(lim) if op == "ge" else med < float(lim)
        status = "met" if met else "NOT met"
    if len(ok) < len(vs):
        status += " (%d of %d runs failed)" % (len(vs) - len(ok), len(vs))
    target = t.replace("ge ", ">= ").replace("lt ", "< ")
    table.append((m, [v for v, _ in vs], "-" if med is None else ("%.3f" % med).rstrip("0").rstrip("."), target, status))
w = max(len(r[0]) for r in table)
print("%-*s  %-30s %-10s %-10s %s" % (w, "measure", "runs", "median", "target", "status"))
for m, vs, med, target, status in table:
    print("%-*s  %-30s %-10s %-10s %s" % (w, m, " ".join(vs), med, target, status))
n = max(len(r[1]) for r in table)
with open(sys.argv[2], "w") as f:
    f.write("| measure | " + " | ".join("run %d" % (i + 1) for i in range(n)) + " | median | target | status |\n")
    f.write("| --- " * (n + 4) + "|\n")
    for m, vs, med, target, status in table:
        f.write("| %s | %s | **%s** | %s | %s |\n" % (m, " | ".join(vs + [""] * (n - len(vs))), med, target, status))
    f.write("\nEvery run:\n\n")
    for m, v, t, note in rows:
        f.write("* %s: %s (%s)\n" % (m, v, note))
PY
}

# --- servers --------------------------------------------------------------------------

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL
  local _
  for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done
  return 1
}
# serve NAME ARGS… starts a server on a free port with its data directory in $work/NAME and
# waits for /health; sets $endpoint and $pid. $serve_godebug, if set, is its GODEBUG.
serve() {
  local name=$1 port
  shift
  port=$(free_port)
  endpoint="http://127.0.0.1:$port"
  GODEBUG=${serve_godebug:-} "$bin" -addr "127.0.0.1:$port" -data-dir "$work/$name" -log-level error \
    -quota-workspaces 2000000 "$@" >>"$out/server-$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "$endpoint/health" && return 0
  echo "server $name did not start:"
  cat "$out/server-$name.log"
  exit 1
}
stop() { # PID… : stop servers and wait until they are gone
  local p
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
# new_schema: a fresh PostgreSQL schema, dropped at exit; sets $dsn to use it.
new_schema() {
  local s="deskplane_bench_$$_${#schemas[@]}"
  psql_pg "CREATE SCHEMA $s"
  schemas+=("$s")
  schema=$s
  if [[ $PG == *\?* ]]; then dsn="$PG&search_path=$s"; else dsn="$PG?search_path=$s"; fi
}
drop_schema() { psql_pg "DROP SCHEMA IF EXISTS $1 CASCADE"; }
pg_xacts() { psql_pg "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()"; }

# --- describe: wrk, deskplane vs the same bytes --------------------------------------

wrk_run() { # NAME URL LUA: one wrk run; sets $wrk_line
  local log="$out/wrk-$1.txt"
  echo "### wrk -t $WRK_THREADS -c $WRK_CONNS -d $DURATION against $1"
  load_begin
  wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "$DURATION" --latency -s "$3" "$2/" >"$log" 2>&1 || true
  load_end
  grep -E 'Requests/sec|^ +99%|Non-2xx|Socket errors' "$log" || true
  wrk_line=$(grep '^wrk-summary:' "$log" || echo "wrk-summary: failed")
  echo "$wrk_line"
}

describe_part() { # LABEL TARGET SERVER-ARGS…
  local label=$1 target=$2 base_pid base_url i d b ratio
  shift 2
  command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
  echo
  echo "## DescribeWorkspaces ($label): page of 25 of $PRELOAD, SigV4 verified, wrk: deskplane vs the same bytes"
  serve "describe-$label" -timing instant "$@"
  local server=$pid
  echo "### preload $PRELOAD WorkSpaces, then 5 s of the load tool to warm up"
  "$load" bench -endpoint "$endpoint" -preload "$PRELOAD" -preload-c 8 -mix DescribeWorkspaces -c 16 -d 5s | grep -E 'preloaded|summary'
  "$load" wrk -endpoint "$endpoint" -lua "$out/describe-$label.lua" -answer "$out/describe-$label.http"
  base_url="http://127.0.0.1:$(free_port)"
  "$load" baseline -addr "${base_url#http://}" -answer "$out/describe-$label.http" >"$out/baseline-$label.log" 2>&1 &
  base_pid=$!
  pids+=("$base_pid")
  wait_http "$base_url/" || { echo "baseline did not start"; cat "$out/baseline-$label.log"; exit 1; }
  cat "$out/baseline-$label.log"
  echo "### warm-up: 3 s of wrk on each"
  wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d 3s -s "$out/describe-$label.lua" "$endpoint/" >/dev/null
  wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d 3s -s "$out/describe-$label.lua" "$base_url/" >/dev/null
  for i in $(seq 1 "$RUNS"); do
    echo "### pair $i of $RUNS"
    # A fresh signature for every pair keeps each far inside the server's 15-minute window.
    "$load" wrk -endpoint "$endpoint" -lua "$out/describe-$label.lua" -answer "$out/describe-$label-$i.http"
    wrk_run "describe-$label-$i-deskplane" "$endpoint" "$out/describe-$label.lua"
    d=$wrk_line
    local dload=$load_note
    wrk_run "describe-$label-$i-baseline" "$base_url" "$out/describe-$label.lua"
    b=$wrk_line
    if [[ $(kv errors_status "$d") == 0 && $(kv errors_other "$d") == 0 && $(kv errors_status "$b") == 0 &&
      $(kv errors_other "$b") == 0 && -n $(kv rps "$d") && -n $(kv rps "$b") ]]; then
      ratio=$(awk -v d="$(kv rps "$d")" -v b="$(kv rps "$b")" 'BEGIN { printf "%.3f", d / b }')
      record "describe $label: deskplane / baseline (wrk)" "$ratio" "ge $target" "pair $i; $dload"
      record "describe $label: deskplane req/s" "$(kv rps "$d")" - "p99 $(kv p99_ms "$d") ms; $dload"
      record "describe $label: deskplane p99 ms" "$(kv p99_ms "$d")" - "$dload"
      record "describe $label: baseline req/s" "$(kv rps "$b")" - "p99 $(kv p99_ms "$b") ms; $load_note"
    else
      echo "pair $i failed: an error or no figure (see $out/wrk-describe-$label-$i-*.txt)"
      record "describe $label: deskplane / baseline (wrk)" - "ge $target" "pair $i failed"
    fi
  done
  stop "$base_pid" "$server"
}

# --- create: the load tool ------------------------------------------------------------

create_run() { # LABEL CLIENTS NODES RUN SERVER-ARGS…
  local label=$1 c=$2 nodes=$3 run=$4 eps="" n x0 x1 line log srv=()
  shift 4
  local measure="create $label c=$c"
  ((nodes == 1)) || measure="create $label $nodes nodes c=$c"
  local name="create-$label-$nodes-$c-$run"
  for n in $(seq 1 "$nodes"); do
    serve "$name-$n" -node-name "bench-$n" "$@"
    srv+=("$pid")
    eps="${eps:+$eps,}$endpoint"
  done
  # Register the directory first, so that the measured run only finds it.
  "$load" bench -endpoint "${eps%%,*}" -prepare -mix DescribeWorkspaces -c 1 -n 1 >/dev/null
  [[ $label != pg ]] || x0=$(pg_xacts)
  log="$out/$name.txt"
  echo "### $measure, run $run of $RUNS: deskplane-load bench -endpoint $eps -prepare -mix CreateWorkspaces -c $c -d $DURATION"
  load_begin
  "$load" bench -endpoint "$eps" -prepare -mix CreateWorkspaces -c "$c" -d "$DURATION" >"$log" 2>&1 || true
  load_end
  local note=$load_note
  stop "${srv[@]}"
  grep -E '^(throughput|latency|created|errors|  [A-Za-z])' "$log" || true
  line=$(grep '^summary:' "$log" || echo "summary: failed")
  if [[ $label == pg ]]; then
    sleep 1 # the servers' backends report their counters as they exit
    x1=$(pg_xacts)
    local commits=$((${x1%|*} - ${x0%|*})) rollbacks=$((${x1#*|} - ${x0#*|}))
    echo "database test during the run: $commits commits, $rollbacks rollbacks"
    if ((commits > 0)); then
      record "$measure: rollbacks % of commits" "$(awk -v r="$rollbacks" -v c="$commits" 'BEGIN { printf "%.2f", 100 * r / c }')" "lt 5" "$rollbacks rollbacks, $commits commits"
    fi
  fi
  local wps p99 target=- p99target=-
  wps=$(kv workspaces_per_s "$line")
  p99=$(kv p99_ms "$line")
  if [[ $label == pg ]]; then target="ge 3000" p99target="lt 250"; elif ((c == 64)); then target="ge 12000"; fi
  if [[ -n $wps && $(kv errors "$line") == 0 ]]; then
    record "$measure: WorkSpaces/s" "$wps" "$target" "p99 $p99 ms; $note"
    record "$measure: p99 ms" "$p99" "$p99target" "$note"
  else
    echo "run failed or had errors: $line (see $log)"
    record "$measure: WorkSpaces/s" - "$target" "errors: $line"
  fi
  rm -rf "$work/$name"-*
}

# --- million: memory -------------------------------------------------------------------

# mem_sample PID FILE: every second, VmRSS, RssAnon, RssFile (kB) while PID lives.
mem_sample() {
  while kill -0 "$1" 2>/dev/null; do
    awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s ", $2 } END { print "" }' "/proc/$1/status" >>"$2" 2>/dev/null || true
    sleep 1
  done
}
mem_report() { # PID SAMPLES GCLOG LABEL VmHWM-TARGET
  local hwm peak heap
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$1/status")
  echo "memory ($4): VmHWM $hwm kB; now: $(grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$1/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
  peak=$(awk 'NF == 3 { if ($1 > r) { r = $1; a = $2; f = $3 } if ($2 > ma) ma = $2; if ($3 > mf) mf = $3 }
    END { print r + 0, a + 0, f + 0, ma + 0, mf + 0 }' "$2")
  read -r p_rss p_anon p_file m_anon m_file <<<"$peak"
  echo "sampled every second: peak VmRSS $p_rss kB = RssAnon $p_anon + RssFile $p_file kB; highest RssAnon $m_anon kB, highest RssFile $m_file kB"
  # gctrace: "gc N @t s P%: …, A->B->C MB, D MB goal, …": A is the heap when a GC started.
  heap=$(grep -oE '[0-9]+->[0-9]+->[0-9]+ MB' "$3" | awk -F'->| ' '{ if ($1 > m) m = $1; last = $3 } END { print m + 0, last + 0 }')
  echo "Go heap (gctrace): peak ${heap% *} MB at the start of a GC, ${heap#* } MB live after the last"
  record "million ($4): VmHWM kB" "$hwm" "$5" "peak sampled VmRSS $p_rss kB = RssAnon $p_anon + RssFile $p_file"
  record "million ($4): RssAnon kB, highest" "$m_anon" - "sampled every second"
  record "million ($4): RssFile kB, highest" "$m_file" - "sampled every second"
  record "million ($4): Go heap peak MB (gctrace)" "${heap% *}" - "live after the last GC: ${heap#* } MB"
}

# --- the parts -------------------------------------------------------------------------

machine | tee "$out/machine.txt"
echo "runs: $RUNS of $DURATION; output kept in $out"
go build -o "$bin" ./cmd/deskplane
go build -o "$load" ./cmd/deskplane-load

if want describe; then
  describe_part bolt 0.60
fi

if want describe-pg; then
  new_schema
  describe_part pg 0.35 -postgres "$dsn"
  drop_schema "$schema"
fi

if want create; then
  echo
  echo "## CreateWorkspaces ×25, bolt, durable when acknowledged (fast profile), a fresh server each run"
  for c in $CLIENTS; do
    for i in $(seq 1 "$RUNS"); do create_run bolt "$c" 1 "$i"; done
  done
fi

if want create-pg; then
  echo
  echo "## CreateWorkspaces ×25, PostgreSQL (fast profile), a fresh schema each run"
  for nodes in 1 2; do
    for c in $CLIENTS; do
      for i in $(seq 1 "$RUNS"); do
        new_schema
        create_run pg "$c" "$nodes" "$i" -postgres "$dsn"
        drop_schema "$schema"
      done
    done
  done
fi

if want engine; then
  echo
  echo "## Lifecycle lateness through the server: $LAUNCHES launches (BenchmarkLaunchLateness)"
  # (grep reads the whole list: grep -q would end the pipe early, and pipefail would count that)
  if go test -list 'BenchmarkLaunchLateness' ./internal/lifecycle/ 2>&1 | grep -c '^BenchmarkLaunchLateness$' >/dev/null; then
    go test -c -o "$work/lifecycle.test" ./internal/lifecycle/
    for i in $(seq 1 "$RUNS"); do
      log="$out/engine-$i.txt"
      echo "### run $i of $RUNS: DESKPLANE_BENCH_LAUNCHES=$LAUNCHES go test -run '^\$' -bench LaunchLateness -benchtime 1x ./internal/lifecycle/"
      load_begin
      (cd internal/lifecycle && DESKPLANE_BENCH_LAUNCHES=$LAUNCHES "$work/lifecycle.test" -test.run '^$' \
        -test.bench LaunchLateness -test.benchtime 1x -test.timeout 30m -test.v) >"$log" 2>&1 || true
      load_end
      grep -E '^Benchmark|launches:|load' "$log" || true
      for mode in spread burst; do
        p99=$(awk -v m="BenchmarkLaunchLateness/$mode" 'index($1, m) == 1 { for (i = 2; i < NF; i++) if ($(i + 1) == "p99-late-ms") print $i }' "$log")
        if [[ $mode == spread ]]; then target="lt 100"; else target="lt 1000"; fi
        record "engine: $LAUNCHES launches, $mode, p99 lateness ms" "${p99:--}" "$target" "$load_note"
      done
    done
  else
    echo "BenchmarkLaunchLateness is not in internal/lifecycle on this commit: nothing measured"
  fi
fi

if want million; then
  total=$((MILLION_ACCOUNTS * MILLION_PER_ACCOUNT))
  echo
  echo "## $total WorkSpaces across $MILLION_ACCOUNTS accounts (bolt, instant profile)"
  "$load" bench -gen-credentials "$MILLION_ACCOUNTS" >"$work/creds"
  echo "### DescribeWorkspaces p99 with 1,000 stored (10 accounts of 100: full pages of 25 as below)"
  serve small -credentials "$work/creds" -timing instant
  "$load" bench -endpoint "$endpoint" -credentials "$work/creds" -accounts 10 -preload 100 -preload-c 16 -mix DescribeWorkspaces -c 16 -d 5s | grep -E 'preloaded|summary'
  for i in $(seq 1 "$RUNS"); do
    load_begin
    line=$("$load" bench -endpoint "$endpoint" -credentials "$work/creds" -accounts 10 -mix DescribeWorkspaces -c 16 -d "$DURATION" | grep '^summary:')
    load_end
    echo "$line"
    record "million: describe p99 ms, 1,000 stored" "$(kv p99_ms "$line")" - "$(kv rps "$line") req/s; $load_note"
  done
  stop "$pid"
  echo "### preload $total (the server's memory sampled every second)"
  serve_godebug=gctrace=1 serve million -credentials "$work/creds" -timing instant
  : >"$out/million-mem.txt"
  mem_sample "$pid" "$out/million-mem.txt" &
  load_begin
  "$load" bench -endpoint "$endpoint" -credentials "$work/creds" -preload "$MILLION_PER_ACCOUNT" -preload-c 32 -mix DescribeWorkspaces -c 16 -d 5s | grep -E 'preloaded|summary'
  load_end
  mem_report "$pid" "$out/million-mem.txt" "$out/server-million.log" "after preload" "lt 1572864"
  echo "data on disk: $(du -sh "$work/million" | cut -f1)"
  stop "$pid"
  mv "$out/server-million.log" "$out/server-million-preload.log"
  echo "### restart on the same data"
  : >"$out/million-mem2.txt"
  t0=$(date +%s.%N)
  serve_godebug=gctrace=1 serve million -credentials "$work/creds" -timing instant
  t1=$(date +%s.%N)
  mem_sample "$pid" "$out/million-mem2.txt" &
  record "million: start-up s (until /health answers)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "lt 5" ""
  for i in $(seq 1 "$RUNS"); do
    load_begin
    line=$("$load" bench -endpoint "$endpoint" -credentials "$work/creds" -mix DescribeWorkspaces -c 16 -d "$DURATION" | grep '^summary:')
    load_end
    echo "$line"
    record "million: describe p99 ms, $total stored" "$(kv p99_ms "$line")" - "$(kv rps "$line") req/s; $load_note"
  done
  mem_report "$pid" "$out/million-mem2.txt" "$out/server-million.log" "after restart and reads" -
  stop "$pid"
fi

if want micro; then
  echo
  echo "## in-process benchmarks"
  load_begin
  go test -run '^$' -bench 'Lateness100k' -benchtime 1x -timeout 10m ./internal/lifecycle/
  go test -run '^$' -bench 'EngineTick' -benchtime 50x ./internal/lifecycle/
  go test -run '^$' -bench . -benchtime 2000x ./internal/awsjson/ ./internal/sigv4/
  go test -run '^$' -bench 'BenchmarkStore' -benchtime 1s ./internal/memory/ ./internal/bolt/
  load_end
fi

summary
