#!/bin/bash
# Like replay-side-by-side.sh, but each build is a command, so that a native (AOT) executable can run against a
# `dotnet DLL` build: two or more replay commands side by side, --threads 1 and 2, alternating within each round, wall
# and user/sys seconds (/usr/bin/time), on /tmp/uniform1m.jsonl and /tmp/uniform4m.jsonl (e2e-generate uniform N FILE
# POLICIES) with /tmp/e2e-policies.json; then a replay of an empty activity file (start-up); every output compared
# with the first build's --threads 1.
# Usage: benchmarks/replay-side-by-side-exe.sh ROUNDS_4M ROUNDS_1M ROUNDS_EMPTY COMMAND_1 COMMAND_2 [COMMAND_3 ...]
#   e.g. benchmarks/replay-side-by-side-exe.sh 2 3 5 \
#          "dotnet samples/AlertEngine.Replay/bin/Release/net10.0/alertengine-replay.dll" /tmp/aot-replay/alertengine-replay
# Outputs go to /tmp/replay-sbsx-*; set OUT=DIR/prefix to keep them apart from another run's (e.g. OUT=/tmp/mine/sbsx).
OUT=${OUT:-/tmp/replay-sbsx}
R4=$1; R1=$2; RE=$3; shift 3
BUILDS=("$@")
P=/tmp/e2e-policies.json
EMPTY=$(mktemp); trap 'rm -f "$EMPTY"' EXIT
echo "start $(date -u +%H:%M:%S) $(uptime)"
for i in "${!BUILDS[@]}"; do echo "b$i: ${BUILDS[$i]}"; done
for input in 1m 4m; do
  rounds=$R1; [ $input = 4m ] && rounds=$R4
  for r in $(seq 1 $rounds); do
    for i in "${!BUILDS[@]}"; do
      for t in 1 2; do
        /usr/bin/time -f "$input b$i t$t r$r: %e wall %U user %S sys" ${BUILDS[$i]} --policies $P --activities /tmp/uniform$input.jsonl --threads $t > $OUT-$input-b$i-$t.jsonl 2>$OUT-err.txt
        tail -1 $OUT-err.txt
      done
    done
    echo "  load: $(uptime | sed 's/.*load/load/')"
  done
  if [ "$rounds" -gt 0 ]; then
    for i in "${!BUILDS[@]}"; do for t in 1 2; do cmp $OUT-$input-b0-1.jsonl $OUT-$input-b$i-$t.jsonl && echo "$input b$i t$t identical to b0 t1"; done; done
  fi
done
for r in $(seq 1 $RE); do
  for i in "${!BUILDS[@]}"; do
    for t in 1 2; do
      /usr/bin/time -f "empty b$i t$t r$r: %e wall %U user %S sys" ${BUILDS[$i]} --policies $P --activities "$EMPTY" --threads $t > /dev/null 2>$OUT-err.txt
      tail -1 $OUT-err.txt
    done
  done
done
echo "end $(date -u +%H:%M:%S) $(uptime)"
