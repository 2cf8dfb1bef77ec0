#!/usr/bin/env bash
# Reproduces the figures of docs/BENCHMARKS.md on this machine.
#   scripts/bench.sh [describe|create|million|engine|all]
# Each part starts its own server on loopback, with the durable (bolt) store
# in a temporary directory, and the load tool (deskplane-load bench) beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
work=$(mktemp -d)
bin=$work/deskplane
load=$work/deskplane-load
go build -o "$bin" ./cmd/deskplane
go build -o "$load" ./cmd/deskplane-load
export DESKPLANE_ADMIN_TOKEN=bench
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# serve NAME ARGS… starts a server and waits for /health; sets $endpoint and $pid.
serve() {
  local name=$1; shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  endpoint="http://127.0.0.1:$port"
  "$bin" -addr "127.0.0.1:$port" -data-dir "$work/$name" -log-level error -quota-workspaces 2000000 "$@" >"$work/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do curl -sf "$endpoint/health" >/dev/null && return; sleep 0.05; done
  echo "server $name did not start"; cat "$work/$name.out"; exit 1
}

rss() { grep -E 'VmRSS|VmHWM' "/proc/$1/status" | tr -s ' ' | tr '\n' ' '; echo; }

if [[ $part == describe || $part == all ]]; then
  echo "## DescribeWorkspaces, page of 25, account of 10,000, SigV4 verified, vs baseline"
  serve describe -timing instant
  "$load" bench -endpoint "$endpoint" -preload 10000 -preload-c 8 -mix DescribeWorkspaces -c 16 -d 20s -baseline
  kill "$pid"
fi

if [[ $part == create || $part == all ]]; then
  echo "## CreateWorkspaces, 25 a call, durable when acknowledged (fast profile)"
  serve create
  "$load" bench -endpoint "$endpoint" -prepare -mix CreateWorkspaces -c 64 -d 20s
  kill "$pid"
fi

if [[ $part == million || $part == all ]]; then
  echo "## 1,000,000 WorkSpaces across 100 accounts"
  "$load" bench -gen-credentials 100 >"$work/creds"
  echo "### p99 with 1,000 stored (10 accounts of 100, so that pages are full 25s as below)"
  serve small -credentials "$work/creds" -timing instant
  "$load" bench -endpoint "$endpoint" -credentials "$work/creds" -accounts 10 -preload 100 -preload-c 16 -mix DescribeWorkspaces -c 16 -d 20s
  kill "$pid"
  echo "### preload 1,000,000"
  serve million -credentials "$work/creds" -timing instant
  "$load" bench -endpoint "$endpoint" -credentials "$work/creds" -preload 10000 -preload-c 32 -mix DescribeWorkspaces -c 16 -d 5s
  echo "memory after preload: $(rss "$pid")"
  du -sh "$work/million"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "### restart on the same data"
  t0=$(date +%s.%N)
  serve million -credentials "$work/creds" -timing instant
  t1=$(date +%s.%N)
  echo "start-up (until /health answers): $(python3 -c "print(round($t1-$t0,3))") s"
  "$load" bench -endpoint "$endpoint" -credentials "$work/creds" -mix DescribeWorkspaces -c 16 -d 20s
  echo "memory under load: $(rss "$pid")"
  kill "$pid"
fi

if [[ $part == engine || $part == all ]]; then
  echo "## lifecycle engine: 100,000 pending WorkSpaces to AVAILABLE"
  go test -run xxx -bench 'Lateness100k' -benchtime 1x -timeout 10m ./internal/lifecycle/
  go test -run xxx -bench 'EngineTick' -benchtime 50x ./internal/lifecycle/
  echo "## hot paths"
  go test -run xxx -bench . -benchtime 2000x ./internal/awsjson/ ./internal/sigv4/
  go test -run xxx -bench 'BenchmarkStore' -benchtime 1s ./internal/memory/ ./internal/bolt/
fi
