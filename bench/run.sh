#!/usr/bin/env bash
# Benchmarks Mxcp against the physical limit and its peers, side by side, in one run.
#
#   bench/run.sh [--quick] [--servers mxcp,bare-sdk,...] [--workloads lookup,trivial,...] [--before PATH]
#
# --before PATH: the mxcp executable of a Release publish of an earlier commit, measured as server mxcp-before in the
# same windows (a before/after report in one run).
#
# Builds everything in Release, installs what the run needs (wrk from Debian, the TypeScript peer's npm packages and
# MCP Toolbox into bench/.cache/), then runs the harness (bench/Mxcp.Benchmarks.Harness), which writes
# bench/results/<date>.md and .json. --quick: about 5 minutes with short windows; without it: under 30 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/bench/.cache"
bin="$root/artifacts/bench/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
toolbox_version=1.12.0
started=$(date +%s)

say() { echo "$(date +%H:%M:%S) $*"; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# Options are checked before anything is built: a mistyped one must not start a half-hour run.
expect_value=""
for argument in "$@"; do
  if [ -n "$expect_value" ]; then
    case "$argument" in --*) echo "bench/run.sh: $expect_value needs a value" >&2; exit 2 ;; esac
    expect_value=""
    continue
  fi
  case "$argument" in
    -h | --help) usage; exit 0 ;;
    --quick) ;;
    --servers | --workloads | --before) expect_value="$argument" ;;
    *) echo "bench/run.sh: unknown option '$argument' (bench/run.sh --help lists the options)" >&2; exit 2 ;;
  esac
done
if [ -n "$expect_value" ]; then
  echo "bench/run.sh: $expect_value needs a value" >&2
  exit 2
fi
need() { command -v "$1" >/dev/null 2>&1 || { echo "bench/run.sh needs '$1' on PATH ($2)" >&2; exit 1; }; }

need dotnet "the .NET 10 SDK"
need npm "Node.js and npm"
need node "Node.js"
need python3 "Python 3 for the Python tool"

if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    sudo apt-get install -y wrk >/dev/null 2>&1 || { sudo apt-get update >/dev/null && sudo apt-get install -y wrk >/dev/null; }
  fi
fi
need wrk "Debian package wrk"
command -v taskset >/dev/null 2>&1 || say "taskset not found: servers and load generators will not be pinned to separate CPUs"

say "building in Release"
publish() { dotnet publish "$root/$1" -c Release -o "$bin/$2" --nologo -v quiet </dev/null; }
publish src/Mxcp.Cli/Mxcp.Cli.csproj mxcp
publish bench/Mxcp.Benchmarks.BareSdkServer/Mxcp.Benchmarks.BareSdkServer.csproj bare-sdk
publish bench/Mxcp.Benchmarks.RawKestrel/Mxcp.Benchmarks.RawKestrel.csproj raw-kestrel
publish bench/Mxcp.Benchmarks.Harness/Mxcp.Benchmarks.Harness.csproj harness

# The TypeScript peer: its package.json and lock file pin the SDK and DuckDB versions. npm install (not npm ci, which
# refuses a lock file that lacks other platforms' optional DuckDB binaries) installs exactly the locked versions.
ts="$cache/ts-server"
mkdir -p "$ts"
cp "$root/bench/ts-server/server.mjs" "$ts/"
if ! cmp -s "$root/bench/ts-server/package-lock.json" "$ts/package-lock.json" || [ ! -d "$ts/node_modules" ]; then
  say "installing the TypeScript peer's npm packages into $ts"
  cp "$root/bench/ts-server/package.json" "$root/bench/ts-server/package-lock.json" "$ts/"
  (cd "$ts" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

# MCP Toolbox for Databases: a Go binary published on npm, one package per platform.
case "$(uname -m)" in
  x86_64) toolbox_platform=linux-x64 ;;
  aarch64 | arm64) toolbox_platform=linux-arm64 ;;
  *) toolbox_platform="" ;;
esac
toolbox_dir="$cache/toolbox"
if [ -n "$toolbox_platform" ] && { [ ! -x "$toolbox_dir/toolbox" ] || ! grep -qsx "$toolbox_version" "$toolbox_dir/version"; }; then
  say "fetching MCP Toolbox $toolbox_version ($toolbox_platform) into $toolbox_dir"
  fetch=$(mktemp -d)
  if (cd "$fetch" && npm pack "@toolbox-sdk/server-$toolbox_platform@$toolbox_version" --silent >/dev/null 2>&1 && tar -xzf ./*.tgz package/bin/toolbox); then
    mkdir -p "$toolbox_dir"
    mv -f "$fetch/package/bin/toolbox" "$toolbox_dir/toolbox"
    chmod +x "$toolbox_dir/toolbox"
    echo "$toolbox_version" >"$toolbox_dir/version"
  else
    say "could not fetch MCP Toolbox; the report will show it as not started"
  fi
  rm -rf "$fetch"
fi

say "build and installs took $(($(date +%s) - started)) s; running the benchmark"
"$bin/harness/Mxcp.Benchmarks.Harness" run --repo "$root" "$@"
say "bench/run.sh finished in $(($(date +%s) - started)) s"
