#!/usr/bin/env bash
# A bounded soak run of `mxcp serve` (tests/Mxcp.IntegrationTests/Soak): concurrent SQL and Python calls, reloads,
# cancellations, results over the limit and SIGTERM at the end. Prints calls, errors and audit records lost (goal 0)
# and writes them to artifacts/soak/report.txt. Usage: scripts/soak.sh [seconds, default 120]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/artifacts/soak"
export MXCP_SOAK_SECONDS="${1:-120}" MXCP_SOAK_REPORT="$root/artifacts/soak/report.txt"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/tests/Mxcp.IntegrationTests" >/dev/null
status=0
dotnet test "$root/tests/Mxcp.IntegrationTests" --no-build --filter "FullyQualifiedName~Mxcp.IntegrationTests.Soak" || status=$?
cat "$MXCP_SOAK_REPORT" 2>/dev/null || echo "no report written"
exit "$status"
