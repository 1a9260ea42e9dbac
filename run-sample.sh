#!/usr/bin/env bash
# Publishes mxcp, creates the sample's DuckDB data, and serves samples/sales.
# Arguments go to `mxcp serve` (default: Streamable HTTP on http://localhost:8000/mcp; try --transport stdio).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish "$root/src/Mxcp.Cli/Mxcp.Cli.csproj" -c Release -o "$root/artifacts/mxcp" --nologo -v quiet >&2 </dev/null
mxcp="$root/artifacts/mxcp/mxcp"
cd "$root/samples/sales"
"$mxcp" query --file sql/setup.sql >&2 </dev/null
"$mxcp" list >&2 </dev/null
exec "$mxcp" serve "$@"
