#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, M failed".
# Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Types).
set -uo pipefail
root=$(cd "$(dirname "$0")" && pwd)
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet test "$root/Mxcp.slnx" --logger "trx" --results-directory "$results" "$@" \
  | grep -vE '^\s*(Skipped |\[xUnit\.net [0-9:.]+\].*\[SKIP\])'
status=${PIPESTATUS[0]}

passed=0
failed=0
shopt -s nullglob
trx=("$results"/*.trx)
for file in "${trx[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
# A build failure produces no test results: count it as a failure, never as a pass.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
