#!/usr/bin/env bash
# Regenerates src/*/PublicAPI.Unshipped.txt from the RS0016 diagnostics of a build.
#
# Every public symbol of a package must be listed in PublicAPI.Shipped.txt (released) or PublicAPI.Unshipped.txt
# (not released yet); Microsoft.CodeAnalysis.PublicApiAnalyzers reports RS0016 for a public symbol that is in
# neither and RS0017 for a listed symbol that is gone. This script empties each Unshipped.txt, builds the src/
# projects with warnings not treated as errors, and writes every symbol that RS0016 reports back into the
# project's Unshipped.txt (sorted ordinally, as the analyzer's code fix does). Then it builds again normally and
# fails if any public API diagnostic remains (RS0017 for a Shipped.txt entry that is gone needs a human: see
# CONTRIBUTING.md).
#
# Usage: eng/update-public-api.sh [project-dir ...]   (default: every project under src/)
# Review the diff of PublicAPI.Unshipped.txt before committing: it is the public API change.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ "$#" -gt 0 ]; then
  projects=("$@")
else
  projects=()
  for dir in src/*/; do
    [ -f "$dir/PublicAPI.Shipped.txt" ] && projects+=("${dir%/}")
  done
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

for dir in "${projects[@]}"; do
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done

# A build in which RS0016 stays a warning, so that projects depending on a project with new API still compile
# and report theirs. Each project compiles again (its emptied Unshipped.txt is a compiler input).
for dir in "${projects[@]}"; do
  echo "building $dir (public API diagnostics as warnings)"
  dotnet build "$dir" -c Release -p:TreatWarningsAsErrors=false -clp:NoSummary >> "$log" 2>&1 || true
done

for dir in "${projects[@]}"; do
  name=$(basename "$dir")
  out="$dir/PublicAPI.Unshipped.txt"
  # Lines look like: path/File.cs(1,2): warning RS0016: Symbol 'X' is not part of the declared public API (url) [path/Name.csproj]
  symbols=$(grep -E "RS0016: Symbol '.*' is not part of the declared public API.*[/\\]$name\.csproj\]" "$log" \
    | sed -E "s/.*RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/" \
    | LC_ALL=C sort -u || true)
  {
    printf '#nullable enable\n'
    [ -n "$symbols" ] && printf '%s\n' "$symbols"
  } > "$out"
  echo "$out: $(printf '%s' "$symbols" | grep -c '' || true) symbols"
done

echo "verifying with a normal build"
failed=0
for dir in "${projects[@]}"; do
  if ! dotnet build "$dir" -c Release -clp:NoSummary > "$log" 2>&1; then
    grep -E "error (RS00[0-9]+|CS[0-9]+)" "$log" | sort -u | head -n 50
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "the build still fails: see the errors above"
  exit 1
fi
echo "public API files are up to date"
