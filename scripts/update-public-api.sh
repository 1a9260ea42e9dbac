#!/usr/bin/env bash
# Rewrites src/*/PublicAPI.Unshipped.txt of every shipped library from what the compiler sees, after a change to the
# public API (see CONTRIBUTING.md). Creates the two PublicAPI files of a library that has none yet (a new package).
#
#   scripts/update-public-api.sh            # all shipped libraries
#   scripts/update-public-api.sh Runtime    # only src/Mxcp.Runtime (names as in src/Mxcp.<Name>)
#
# How: every Unshipped file is emptied, the libraries are built with MxcpPublicApiUpdate=true (Directory.Build.targets
# then reports the public-API rules as warnings instead of errors), and each RS0016 warning ("Symbol '<line>' is not
# part of the declared public API") becomes one line of its project's Unshipped file. Shipped files are never
# touched: a shipped member that was removed or changed is reported (RS0017) and the script fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

projects=()
if [ "$#" -gt 0 ]; then
  for name in "$@"; do projects+=("src/Mxcp.$name/Mxcp.$name.csproj"); done
else
  for project in src/*/*.csproj; do
    # The rule in Directory.Build.targets decides which projects are shipped libraries.
    if [ "$(dotnet msbuild "$project" -getProperty:MxcpPublicApi)" = "true" ]; then projects+=("$project"); fi
  done
fi

work="$root/artifacts/public-api"
rm -rf "$work"
mkdir -p "$work"
entries=""
for project in "${projects[@]}"; do
  [ -f "$project" ] || { echo "error: $project does not exist" >&2; exit 2; }
  dir=$(dirname "$project")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' >"$dir/PublicAPI.Shipped.txt"
  # Rewriting the file also makes it newer than the assembly, so the compiler runs again and reports every symbol.
  printf '#nullable enable\n' >"$dir/PublicAPI.Unshipped.txt"
  entries+="${entries:+, }\"$project\""
done

# One build of all of them (a solution filter), so that a library several others reference is compiled once.
printf '{ "solution": { "path": "%s", "projects": [ %s ] } }\n' "$root/Mxcp.slnx" "$entries" >"$work/libraries.slnf"
if ! dotnet build "$work/libraries.slnf" -c Debug -p:MxcpPublicApiUpdate=true -tl:off -v:q -nologo \
  '-clp:NoSummary;ForceNoAlign' >"$work/build.log" 2>&1; then
  grep -E ': error ' "$work/build.log" | sort -u >&2 || cat "$work/build.log" >&2
  echo "error: the build failed for a reason other than the public API files (above)" >&2
  exit 1
fi

# "<file>(l,c): warning RS0016: Symbol '<api line>' is not part of the declared public API (<help>) [<project>]"
grep -E 'warning RS0016: ' "$work/build.log" | sed -E \
  -e "s/^.*warning RS0016: Symbol '(.*)' is not part of the declared public API .* \[([^]]+)\][[:space:]]*$/\2\t\1/" |
  LC_ALL=C sort -u >"$work/symbols.tsv"

for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  full="$root/$project"
  {
    printf '#nullable enable\n'
    awk -F '\t' -v p="$full" '$1 == p { print $2 }' "$work/symbols.tsv"
  } >"$dir/PublicAPI.Unshipped.txt"
  echo "$dir/PublicAPI.Unshipped.txt: $(($(wc -l <"$dir/PublicAPI.Unshipped.txt") - 1)) lines"
done

# Anything else the analyzer reports needs a person: a shipped member removed (RS0017), an API design rule
# (RS0026/RS0027 optional parameters, RS0022 constructors), oblivious nullability (RS0041), an invalid file (RS0024).
others=$(grep -E 'warning RS00[0-9][0-9]: ' "$work/build.log" | grep -v 'warning RS0016: ' | sed -E 's/ \(https?:[^)]*\)//' | sort -u || true)
if [ -n "$others" ]; then
  echo "$others" >&2
  echo "error: the public API files were rewritten, but the warnings above need a change by hand" >&2
  exit 1
fi
