#!/usr/bin/env bash
# Packs every src/ project into artifacts/packages, then builds and runs the Quickstart sample against those
# packages — from a local folder feed, with no project reference and outside the repository (so none of its
# Directory.*.props apply) — and checks that it prints an alert. Proves that the packages work on their own.
#
# Usage: eng/test-packages.sh [--no-build]
#   --no-build   pack what an earlier `dotnet build -c Release` produced (CI builds the solution first).
# Exit code: 0 when the packages were made and the packaged Quickstart printed an alert; non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build_flag=()
if [ "${1:-}" = "--no-build" ]; then
  build_flag=(--no-build)
fi

# The entry names of a zip file (a .nupkg), one per line.
list_zip() {
  if command -v unzip > /dev/null; then
    unzip -Z1 "$1"
  else
    python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
  fi
}

feed="$root/artifacts/packages"
rm -rf "$feed"
mkdir -p "$feed"

echo "== pack"
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release "${build_flag[@]}" -o "$feed" -v quiet -clp:NoSummary
done

version=$(dotnet msbuild src/AlertEngine/AlertEngine.csproj -getProperty:Version)
expected=(AlertEngine AlertEngine.Extensions.DependencyInjection AlertEngine.Testing AlertEngine.Notifications.Smtp AlertEngine.Storage.Sqlite AlertEngine.AspNetCore AlertEngine.Orleans)
for id in "${expected[@]}"; do
  for ext in nupkg snupkg; do
    if [ ! -f "$feed/$id.$version.$ext" ]; then
      echo "missing package: $id.$version.$ext"
      exit 1
    fi
  done
  # Every package carries its readme and its XML docs.
  listing=$(list_zip "$feed/$id.$version.nupkg")
  for entry in README.md "lib/net10.0/$id.dll" "lib/net10.0/$id.xml"; do
    if ! grep -qxF "$entry" <<< "$listing"; then
      echo "$id.$version.nupkg has no $entry"
      exit 1
    fi
  done
done
ls -1 "$feed"

echo "== Quickstart against the packages ($version)"
work=$(mktemp -d "${TMPDIR:-/tmp}/alertengine-packaged.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp samples/AlertEngine.Quickstart/Program.cs "$work/"
# Versions of the sample's own dependencies: the repository's central versions.
extensions_version=$(sed -n 's/.*PackageVersion Include="Microsoft.Extensions.DependencyInjection" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
cat > "$work/Quickstart.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="AlertEngine.Extensions.DependencyInjection" Version="$version" />
    <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="$extensions_version" />
  </ItemGroup>
</Project>
EOF
# The local feed first, then the repository's own package source(s) for everything else. A private packages
# folder, so that a package of the same version restored earlier (from an older build) is never used.
sources=$(sed -n 's/.*<add key="\([^"]*\)" value="\([^"]*\)".*/    <add key="\1" value="\2" \/>/p' nuget.config)
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
$sources
  </packageSources>
</configuration>
EOF

(cd "$work" && dotnet build -c Release -v quiet -clp:NoSummary)
output=$(cd "$work" && dotnet run -c Release --no-build)
echo "$output"
# The Quickstart prints one line per alert: "{alertId}: {policyName} ({severity}), ..."
if ! grep -q '^forwarding-rule:a1: ' <<< "$output"; then
  echo "the packaged Quickstart printed no alert"
  exit 1
fi
# It must have used the packages, not a project reference.
if ! grep -q "AlertEngine.Extensions.DependencyInjection/$version" "$work/obj/project.assets.json"; then
  echo "the packaged Quickstart did not restore AlertEngine.Extensions.DependencyInjection $version"
  exit 1
fi
echo "packages OK"
