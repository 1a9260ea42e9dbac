#!/usr/bin/env bash
# Compares two mxcp servers on one CPU core: server CPU per call, in many short alternating windows.
#
#   bench/ab.sh [--rounds N] [--seconds S] [--concurrency C] [--tool NAME] [--arguments JSON] [--expect TEXT] \
#               --a 'VAR=value ... /path/to/mxcp' --b 'VAR=value ... /path/to/mxcp'
#
# Both servers run at once (stateless, read-only, on the bench project that bench/run.sh made in
# artifacts/bench/work/project), pinned to the second CPU; wrk, on the first, loads A for S seconds (default 2), then B,
# N times (default 30), after 40 s of warm-up each so that the runtime has stopped compiling. The CPU each server used
# in its window is read from /proc. A slow spell of a shared machine hits both sides of a round alike, so the ratio
# B/A per round is far steadier than two separate runs. Prints the medians and the ratio's quartiles.
# --expect: text every good answer contains (default "result"); a window with a bad answer stops the script.
#
# Example, audit on against off in one build:
#   bench/ab.sh --a 'MXCP_AUDIT_ENABLED=0 artifacts/bench/bin/mxcp/mxcp' --b 'MXCP_AUDIT_ENABLED=1 artifacts/bench/bin/mxcp/mxcp'
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=30 seconds=2 concurrency=8 tool=select_one arguments='{}' expect='"result"' a="" b=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --arguments) arguments=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench/ab.sh: unknown option '$1' (bench/ab.sh --help lists the options)" >&2; exit 2 ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "bench/ab.sh: --a and --b are required" >&2; exit 2; }
project="$root/artifacts/bench/work/project"
[ -f "$project/mxcp-site.yml" ] || { echo "bench/ab.sh: $project is missing; bench/run.sh --quick makes it" >&2; exit 1; }
for tool_needed in wrk taskset python3; do
  command -v "$tool_needed" >/dev/null 2>&1 || { echo "bench/ab.sh needs '$tool_needed' on PATH" >&2; exit 1; }
done

work=$(mktemp -d)
pid_a="" pid_b=""
cleanup() {
  for pid in $pid_a $pid_b; do kill "$pid" 2>/dev/null || true; done
  # A server that has not stopped within 10 s of SIGTERM is killed.
  for pid in $pid_a $pid_b; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

printf 'Content-Type: application/json\nAccept: application/json, text/event-stream\nMCP-Protocol-Version: 2025-11-25\n\n{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}' \
  "$tool" "$arguments" > "$work/request.txt"
export BENCH_REQUEST="$work/request.txt" BENCH_EXPECT="$expect" BENCH_CONCURRENCY="$concurrency"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start SIDE SPEC: the spec's leading VAR=value words become the server's environment, the rest is the executable.
start() {
  local side=$1 port
  local -a words environment=()
  read -r -a words <<< "$2"
  while [ ${#words[@]} -gt 1 ] && [[ ${words[0]} == *=* ]]; do environment+=("${words[0]}"); words=("${words[@]:1}"); done
  # The server starts in the project folder: a relative path is taken from where the script was called.
  if [[ ${words[0]} == */* ]]; then words[0]=$(realpath -- "${words[0]}"); fi
  port=$(free_port)
  (cd "$project" && exec env "${environment[@]}" taskset -c 1 "${words[@]}" serve --port "$port" --host 127.0.0.1 --readonly --stateless) \
    > "$work/$side.log" 2>&1 &
  echo "$! $port"
}

read -r pid_a port_a < <(start a "$a")
read -r pid_b port_b < <(start b "$b")
for side in a b; do
  if [ $side = a ]; then pid=$pid_a; else pid=$pid_b; fi
  for _ in $(seq 300); do grep -q Listening "$work/$side.log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  grep -q Listening "$work/$side.log" || { echo "bench/ab.sh: server $side did not start:" >&2; cat "$work/$side.log" >&2; exit 1; }
done

load() { taskset -c 0 wrk -t1 -c"$concurrency" -d"$2"s -s "$root/bench/wrk/mcp-post.lua" "http://127.0.0.1:$1/mcp" 2>&1; }
calls() { grep -oE '[0-9]+ requests in' | grep -oE '^[0-9]+' || echo 0; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

for warm in 20 20; do load "$port_a" "$warm" > /dev/null; load "$port_b" "$warm" > /dev/null; done
for round in $(seq "$rounds"); do
  for side in a b; do
    if [ $side = a ]; then pid=$pid_a port=$port_a; else pid=$pid_b port=$port_b; fi
    before=$(cpu_ticks "$pid")
    output=$(load "$port" "$seconds")
    after=$(cpu_ticks "$pid")
    if grep -qE '"(status|body)":[1-9]' <<< "$output"; then echo "bench/ab.sh: server $side gave bad answers:" >&2; echo "$output" >&2; exit 1; fi
    echo "$round $side $(calls <<< "$output") $((after - before))"
  done
done > "$work/windows.txt"

python3 - "$work/windows.txt" "$(getconf CLK_TCK)" "$seconds" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
tick_us, seconds = 1e6 / int(sys.argv[2]), float(sys.argv[3])
side = {s: [(int(n), int(t)) for _, x, n, t in rows if x == s and int(n) > 0] for s in "ab"}
per_call = {s: [t * tick_us / n for n, t in side[s]] for s in "ab"}
ratios = [b / a for a, b in zip(per_call["a"], per_call["b"])]
for s in "ab":
    calls = sum(n for n, _ in side[s])
    print(f"{s.upper()}: server CPU per call median {statistics.median(per_call[s]):.1f} us, {calls / len(side[s]) / seconds:.0f} calls/s")
q = statistics.quantiles(ratios, n=4)
total = lambda s: sum(t for _, t in side[s]) / sum(n for n, _ in side[s])
print(f"B/A CPU per call: median {statistics.median(ratios):.3f} (quartiles {q[0]:.3f}-{q[2]:.3f}, {len(ratios)} rounds), all windows together {total('b') / total('a'):.3f}")
PY
