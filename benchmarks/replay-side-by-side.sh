#!/bin/bash
# Two builds of the replay side by side ("main" and "mine": directories holding alertengine-replay.dll), --threads 1
# and 2, alternating rounds, wall and user/sys seconds (/usr/bin/time), on /tmp/uniform1m.jsonl and /tmp/uniform4m.jsonl
# (e2e-generate uniform N FILE POLICIES) with /tmp/e2e-policies.json; every output compared with main's --threads 1.
# Usage: benchmarks/replay-side-by-side.sh MAIN_DIR MINE_DIR [ROUNDS_4M] [ROUNDS_1M] [PREFIX]   (PREFIX: e.g. "chrt -r 10"
# on a loaded machine)
MAIN=$1; MINE=$2; R4=${3:-2}; R1=${4:-3}; PREFIX=${5:-}
P=/tmp/e2e-policies.json
echo "start $(date -u +%H:%M:%S) $(uptime)"
for input in 1m 4m; do
  rounds=$R1; [ $input = 4m ] && rounds=$R4
  for r in $(seq 1 $rounds); do
    for build in main mine; do
      dir=$MAIN; [ $build = mine ] && dir=$MINE
      for t in 1 2; do
        /usr/bin/time -f "$input $build t$t r$r: %e wall %U user %S sys" $PREFIX dotnet $dir/alertengine-replay.dll --policies $P --activities /tmp/uniform$input.jsonl --threads $t > /tmp/replay-sbs-$input-$build-$t.jsonl 2>/tmp/replay-sbs-err.txt
        tail -1 /tmp/replay-sbs-err.txt
      done
    done
    echo "  load: $(uptime | sed 's/.*load/load/')"
  done
  for build in main mine; do for t in 1 2; do cmp /tmp/replay-sbs-$input-main-1.jsonl /tmp/replay-sbs-$input-$build-$t.jsonl && echo "$input $build t$t identical to main t1"; done; done
done
echo "end $(date -u +%H:%M:%S) $(uptime)"
