#!/usr/bin/env python3
"""Samples of a perf profile inside the timed regions of e2e-engine (E2E_MARK=1), by leaf symbol and by caller chain.

perf record -k CLOCK_MONOTONIC -F 2999 -g -o P.data -- env E2E_MARK=1 DOTNET_PerfMapEnabled=1 dotnet ...e2e-engine ... 2> marks.txt
perf script -i P.data -F time,ip,sym,dso | python3 benchmarks/perf-window.py marks.txt STAGE
(Stopwatch.GetTimestamp() is CLOCK_MONOTONIC in nanoseconds on Linux; perf's times are seconds on the same clock.)"""
import collections, re, sys

marks, stage = sys.argv[1], sys.argv[2]
windows = []
for line in open(marks):
    p = line.split()
    if len(p) == 4 and p[0] == 'e2e-mark' and p[1] == stage:
        windows.append((int(p[2]) / 1e9, int(p[3]) / 1e9))
leaf, chains, total = collections.Counter(), collections.Counter(), 0


def short(frame):
    frame = re.sub(r'\[(OptimizedTier1|Optimized|Tier0|Tier1|QuickJitted|OptimizedTier1OSR)\]', '', frame)
    m = re.search(r'([\w`<>.+]+::[\w<>`.|]+)\(', frame)
    return m.group(1) if m else frame.strip()[:70]


def flush(t, frames):
    global total
    if t is None or not frames or not any(a <= t <= b for a, b in windows):
        return
    total += 1
    leaf[short(frames[0])] += 1
    chains[' <- '.join(short(f) for f in frames[:3])] += 1


t, frames = None, []
for line in sys.stdin:
    if not line.strip():
        flush(t, frames)
        t, frames = None, []
    elif line[0] not in ' \t':
        m = re.search(r'(\d+\.\d+):', line)
        t = float(m.group(1)) if m else None
    else:
        frames.append(line.strip().split(' ', 1)[-1])
flush(t, frames)
print(f'{len(windows)} windows of {stage}, {total} samples')
for k, v in leaf.most_common(25):
    print(f'{v:6d} {100 * v / max(total, 1):5.1f}%  {k}')
print('--- leaf <- caller <- caller')
for k, v in chains.most_common(25):
    print(f'{v:6d} {100 * v / max(total, 1):5.1f}%  {k}')
