#!/usr/bin/env bash
# The native (AOT) build of the replay against the replay tests: publishes samples/AlertEngine.Replay with
# -p:PublishAot=true into a temporary folder, then runs tests/AlertEngine.Replay.Tests with ALERTENGINE_REPLAY_EXE set
# to the native executable, so that every test that runs the replay runs that executable out of process (the golden
# outputs, exit codes, stdin, --state, --sort, Sigma, CSV exports; the --silos tests are skipped, and the remaining
# ones check that it refuses --silos). Needs clang (or Debian's clang-14) and zlib1g-dev.
# Usage: eng/test-native-replay.sh [--no-build]   (--no-build: tests/AlertEngine.Replay.Tests is already built)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
dotnet publish samples/AlertEngine.Replay -c Release -p:PublishAot=true -o "$out"
echo "native replay published in $(($(date +%s) - start)) s: $(du -h "$out/alertengine-replay" | cut -f1)"
ALERTENGINE_REPLAY_EXE="$out/alertengine-replay" dotnet run --project tests/AlertEngine.Replay.Tests "$@"
