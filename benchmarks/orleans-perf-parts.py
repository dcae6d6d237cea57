#!/usr/bin/env python3
"""The samples of a perf profile of the Orleans benchmark's timed window, by named part of the cluster's batch path.

DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 chrt -r 10 perf record -k CLOCK_MONOTONIC -F 2999 -g -o P.data -- \
  dotnet BENCH/AlertEngine.Benchmarks.dll orleans 500000 10000 1 1 incremental warmup=4 > run.out 2> run.err
perf script -i P.data -F comm,tid,time,ip,sym,dso > P.txt
python3 benchmarks/orleans-perf-parts.py P.txt $(grep '^timed window' run.err | sed 's/.*: //') CPU_US_PER_ACTIVITY
(the single node's window: grep '^single-node timed window'.) Each sample goes to the first part (in the order below)
that any frame of its stack names, so a GC pause goes to the code that allocated when it started; the last column is
the share whose leaf is in libcoreclr (GC work and allocation helpers: coreclr has no symbols here)."""
import collections, re, sys

PARTS = [
    ('client: encode batch', ['ActivityBatchCodec::Encode', 'AlertEngineClient::ProcessAsync']),
    ('silo: decode batch (incl. its Parallel.For workers)', ['ActivityBatchCodec', 'System.Threading.Tasks.Parallel']),
    ('partitions: duplicate check', ['CheckDuplicates', 'DuplicateFilter']),
    ('persist: engine encode (bases, segments, deltas, input record)', ['PartitionStateCodec', 'EnginePartitionGrain::Compact', 'PartitionStateDelta', 'CoordinatorStateDelta', 'BatchInput::Encode', 'AlertPipeline::SaveCheckpoint']),
    ('persist: storage provider, copier, storage serializer', ['MemoryGrainStorage', 'StateStorageBridge', 'IMemoryStorageGrain', 'MemoryStorageGrain', 'DeepCopy', 'Copier_', 'GrainStorageSerializer', 'StateLogStore']),
    ('partitions: evaluation', ['EnginePartition::Evaluate', 'EnginePartition::Observe', 'EnginePartition::Pass']),
    ('silo: routing', ['PartitionRouter', 'EngineDefinition']),
    ('coordinator phases (plan, admit, apply, outputs)', ['AlertPipeline::', 'PartitionOutputCodec', 'AdmittedActivities', 'DuplicateQueries', 'EngineCoordinatorGrain']),
    ('orleans: messaging, wire serialization', ['Orleans.Runtime.Messaging', 'Orleans.Networking', 'Orleans.Serialization', 'Codec_', 'MessageSerializer', 'OutsideRuntimeClient']),
    ('orleans: scheduler, activation, invoke', ['Orleans.']),
    ('benchmark harness', ['ClusterThroughput']),
    ('thread pool: idle workers spinning, waking', ['LowLevelLifoSemaphore', 'PortableThreadPool', 'ThreadPoolWorkQueue::Dispatch']),
]


def short(frame):
    frame = re.sub(r'\[(OptimizedTier1|Optimized|Tier0|Tier1|QuickJitted|OptimizedTier1OSR|PreJIT)\]', '', frame)
    m = re.search(r'([\w`<>.+|]+::[\w<>`.|]+)\(', frame)
    if m:
        return m.group(1)
    m = re.search(r'^[0-9a-f]+ (.*?) \(([^()]*)\)\s*$', frame)
    return m.group(1) + ' (' + m.group(2).split('/')[-1] + ')' if m else frame[:80]


def part(comm, frames):
    if comm.startswith('.NET BGC'):
        return 'GC: background gen2 thread'
    if comm.startswith('.NET Tiered') or (frames and 'libclrjit' in frames[0]):
        return 'JIT / tiering'
    names = [short(f) for f in frames]
    for name, patterns in PARTS:
        if any(p in n for n in names for p in patterns):
            return name
    return 'other (kernel, libc, unattributed runtime)'


def samples(path, a, b):
    header, frames = None, []
    for line in open(path, errors='replace'):
        if not line.strip():
            if header:
                yield header, frames
            header, frames = None, []
        elif line[0] not in ' \t':
            m = re.match(r'(.*?)\s+\d+\s+(\d+\.\d+):', line)
            header = (m.group(1), float(m.group(2))) if m and a <= float(m.group(2)) <= b else None
        elif header:
            frames.append(line.strip())
    if header:
        yield header, frames


path, a, b = sys.argv[1], float(sys.argv[2]) / 1e9, float(sys.argv[3]) / 1e9
us = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
counts, core, total = collections.Counter(), collections.Counter(), 0
for (comm, _), frames in samples(path, a, b):
    total += 1
    p = part(comm, frames)
    counts[p] += 1
    core[p] += bool(frames) and 'libcoreclr' in frames[0]
print(f'{total} samples in the window')
print('| part | share | µs per activity | of which leaf in libcoreclr |')
print('|---|---:|---:|---:|')
for p, v in counts.most_common():
    print(f'| {p} | {100 * v / total:.1f} % | {us * v / total:.2f} | {100 * core[p] / total:.1f} % |')
