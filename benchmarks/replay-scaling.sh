#!/bin/bash
# How close `--threads 2` comes to what this host can give two processes at once, measured in the same rounds.
#
# The host's ceiling: two independent `--threads 1` replays, each of one half of the file, run at once and pinned one
# per core (taskset -c 0 / -c 1), against the whole file replayed on one thread by the same executable. No program
# that splits the work in two can do better on this host than two programs that share nothing (apart from the
# partitioned engine's own coordination, the halves are the perfect split), so
#   ceiling  = t1 / halves        (t1: whole file, --threads 1; halves: wall time until both halves are done)
#   speedup  = t1 / t2            (t2: whole file, --threads 2)
#   fraction = speedup / ceiling = halves / t2   (1.0: --threads 2 is as fast as the host allows)
# Each round runs, for every build in turn (alternating the order of the builds from round to round): t1, t2, the two
# halves at once; the load average (`uptime`) is printed each round. Every output of the whole file is compared with the
# first build's first --threads 1 output (`cmp`, stdout; the summary on stderr too).
#
# Usage: benchmarks/replay-scaling.sh ROUNDS EXECUTABLE_1 [EXECUTABLE_2 ...]
#   e.g. benchmarks/replay-scaling.sh 6 /tmp/aot-base/alertengine-replay /tmp/aot-branch/alertengine-replay
#   An executable may be a command ("dotnet path/alertengine-replay.dll"); native (PublishAot) builds are the intended
#   case: a JIT build's tiering on a second core blurs both the ceiling and t2.
# Environment: FILE (default /tmp/uniform1m.jsonl, from `e2e-generate uniform 1000000 FILE POLICIES`), POLICIES
#   (/tmp/e2e-policies.json), HALF_A/HALF_B (default /tmp/half-a.jsonl, /tmp/half-b.jsonl: made from FILE's first and
#   second half of its lines if missing), OUT (directory for outputs, default /tmp/replay-scaling), RT=1 to run every
#   measured process under `chrt -r 10`.
set -u
ROUNDS=$1; shift
BUILDS=("$@")
FILE=${FILE:-/tmp/uniform1m.jsonl}
P=${POLICIES:-/tmp/e2e-policies.json}
HA=${HALF_A:-/tmp/half-a.jsonl}
HB=${HALF_B:-/tmp/half-b.jsonl}
OUT=${OUT:-/tmp/replay-scaling}
RTC=""; [ "${RT:-0}" = 1 ] && RTC="chrt -r 10"
mkdir -p "$OUT"
if [ ! -s "$HA" ] || [ ! -s "$HB" ]; then
  n=$(wc -l < "$FILE"); h=$((n / 2))
  head -n $h "$FILE" > "$HA"; tail -n +$((h + 1)) "$FILE" > "$HB"
fi

now() { echo "$EPOCHREALTIME"; }
secs() { echo "$2 - $1" | bc -l; }

echo "start $(date -u +%H:%M:%S) $(uptime)"
for i in "${!BUILDS[@]}"; do echo "b$i: ${BUILDS[$i]}"; done
echo "file: $FILE; halves: $HA $HB; policies: $P"
printf '%-5s %-3s %7s %7s %7s %7s %7s %8s  %s\n' round b t1 t2 halves t1/t2 ceiling fraction load
for r in $(seq 1 "$ROUNDS"); do
  order=("${!BUILDS[@]}")
  if [ $((r % 2)) = 0 ]; then order=($(printf '%s\n' "${!BUILDS[@]}" | sort -rn)); fi
  for i in "${order[@]}"; do
    X=${BUILDS[$i]}
    s=$(now); $RTC $X --policies "$P" --activities "$FILE" --threads 1 > "$OUT/b$i-t1.jsonl" 2> "$OUT/b$i-t1.err"; e=$(now)
    t1=$(secs "$s" "$e")
    s=$(now); $RTC $X --policies "$P" --activities "$FILE" --threads 2 > "$OUT/b$i-t2.jsonl" 2> "$OUT/b$i-t2.err"; e=$(now)
    t2=$(secs "$s" "$e")
    s=$(now)
    $RTC taskset -c 0 $X --policies "$P" --activities "$HA" --threads 1 > /dev/null 2>&1 &
    $RTC taskset -c 1 $X --policies "$P" --activities "$HB" --threads 1 > /dev/null 2>&1 &
    wait; e=$(now)
    halves=$(secs "$s" "$e")
    sp=$(echo "$t1 / $t2" | bc -l); ce=$(echo "$t1 / $halves" | bc -l); fr=$(echo "$halves / $t2" | bc -l)
    printf '%-5s b%-2s %7.3f %7.3f %7.3f %7.2f %7.2f %8.2f  %s\n' "r$r" "$i" "$t1" "$t2" "$halves" "$sp" "$ce" "$fr" \
      "$(uptime | sed 's/.*load average: //')"
    if [ ! -f "$OUT/ref.jsonl" ]; then cp "$OUT/b$i-t1.jsonl" "$OUT/ref.jsonl"; cp "$OUT/b$i-t1.err" "$OUT/ref.err"; fi
    for t in 1 2; do
      cmp -s "$OUT/ref.jsonl" "$OUT/b$i-t$t.jsonl" && cmp -s "$OUT/ref.err" "$OUT/b$i-t$t.err" \
        || echo "  DIFFERENT OUTPUT: b$i t$t r$r"
    done
  done
done
rm -f "$OUT/ref.jsonl" "$OUT/ref.err"
echo "end $(date -u +%H:%M:%S) $(uptime)"
