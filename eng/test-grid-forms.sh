#!/usr/bin/env bash
# The grid cores' three forms (Vector512, Vector256, scalar) must give the same bits. On a host with AVX-512 the
# normal test run exercises only the widest form's dispatch and the AVX2 branches of the 256-bit helpers; this runs
# the grid test classes again (Debug, already built by `dotnet test`) with the wider instruction sets switched off,
# each with GRID_EXPECT_FORM so that a run meant to test a form cannot silently test another (GridLikelihoodProperties).
# The pinned digests in GridEvidenceProperties then prove each form's bits equal.
set -uo pipefail
cd "$(dirname "$0")/.."
avx2=Scalar
grep -qw avx2 /proc/cpuinfo && avx2=Vector256
status=0
run() { # ENV_ASSIGNMENT EXPECTED_FORM
  local out
  out=$(env "$1" GRID_EXPECT_FORM="$2" dotnet run --project tests/AlertEngine.Tests --no-build -- -class '*Grid*' 2>&1)
  local rc=$?
  printf '%s (%s): %s\n' "$1" "$2" "$(printf '%s\n' "$out" | grep -E 'Total:|failed:|succeeded:' | tr -s ' ' | tr '\n' ' ')"
  if [ "$rc" -ne 0 ]; then printf '%s\n' "$out" | tail -n 40; status=1; fi
}
run DOTNET_EnableAVX512=0 "$avx2"
run DOTNET_EnableAVX2=0 Scalar
run DOTNET_EnableHWIntrinsic=0 Scalar
exit $status
