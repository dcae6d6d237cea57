using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>Decides whether a handle that <see cref="HandleIndex"/> found under a key's hash holds that key (the
/// index stores no keys). A struct, so that the call is inlined into the lookup.</summary>
internal interface IHandleMatch
{
    /// <summary>Whether handle <paramref name="handle"/> holds the key looked up.</summary>
    bool Matches(int handle);
}

/// <summary>
/// The anomaly model's lookup from a key's hash to its handle: open addressing with linear probing over 8-byte entries
/// (the key's 32-bit hash and its handle + 1; 0 is empty), at most three quarters full. It holds no keys: the caller's
/// <see cref="IHandleMatch"/> compares the key with the one stored by handle. Single-threaded.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> On issue 16's workload (20,000 keys, each observed every few hours, so nothing of a key is in the
/// cache when it comes back) the model's observation waited for three memory accesses one after another: the key
/// table's 24-byte slot (1.5 MB at 20,000 keys), then the stored key string and the key's state (their misses
/// overlapped), then the arithmetic. This table is 256 KB at 20,000 keys (6 times smaller), so its line is far more
/// often still in the cache, and the key is compared with a copy of its characters inside the key's own state record
/// (<c>BaselineModel.KeyRecord</c>), whose lines are asked for anyway: one memory access less on the chain. Measured
/// in benchmarks/results/end-to-end.md, 2026-12-05 anomaly-path-16.</para>
/// <para><b>Hash.</b> The key tables' own fast hash (<see cref="KeyHash"/>), seeded per process; an add that finds a
/// probe run longer than <see cref="MaxProbe"/> entries (keys crafted to collide) makes the caller switch the index to
/// .NET's randomized string hash for good (<see cref="Reset"/> with <c>randomized: true</c>), as
/// <see cref="KeyTable{TValue}"/> does. Hashes and entries never decide an order: the model's key order is its handles'.</para>
/// </remarks>
internal sealed class HandleIndex
{
    /// <summary>A probe run longer than this, on an add, asks for the randomized hash. Higher than the key table's 128:
    /// this table runs up to three quarters full, where linear probing of random hashes already reaches displacements
    /// of 60–160 (simulated: 24,000 random keys in 32,768 entries, 194,000 in 262,144); keys crafted to collide make runs
    /// of thousands.</summary>
    internal const int MaxProbe = 1024;

    private const int MinimumEntries = 16;

    private ulong[] _entries = new ulong[MinimumEntries];
    private int _mask = MinimumEntries - 1;
    private int _count;

    /// <summary>The number of handles in the index.</summary>
    public int Count => _count;

    // 0: the own hash; 1: .NET's randomized string hash; 2 (tests): every key hashes to 0.
    private int _hashMode;

    /// <summary>Whether keys are hashed with .NET's randomized string hash (after a flood of collisions).</summary>
    public bool Randomized => _hashMode == 1;

    /// <summary>The number of entries (a power of two; for tests).</summary>
    internal int EntryCount => _entries.Length;

    /// <summary>The hash of a key as this index uses it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Hash(string key) => _hashMode == 0 ? KeyHash.Mix(key, 0) : _hashMode == 1 ? string.GetHashCode(key.AsSpan()) : 0;

    /// <summary>The handle of the key with hash <paramref name="hash"/> that <paramref name="match"/> accepts, or −1.
    /// <paramref name="match"/> is asked only about handles stored under the same 32-bit hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find<TMatch>(int hash, ref TMatch match)
        where TMatch : struct, IHandleMatch
    {
        var mask = _mask;
        ref var entries = ref MemoryMarshal.GetArrayDataReference(_entries);
        var i = hash & mask;
        var want = (ulong)(uint)hash;
        while (true)
        {
            var e = Unsafe.Add(ref entries, i);
            if (e == 0)
            {
                return -1;
            }

            if ((e >> 32) == want)
            {
                var h = (int)(uint)e - 1;
                if (match.Matches(h))
                {
                    return h;
                }
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Adds <paramref name="handle"/> under <paramref name="hash"/> (the caller knows its key is not in the
    /// index). Returns false when its probe run was longer than <see cref="MaxProbe"/>: the caller should switch to the
    /// randomized hash (<see cref="Reset"/>) and add every handle again; the handle is in the index either way.</summary>
    public bool Add(int hash, int handle)
    {
        if ((_count + 1) * 4L > _entries.Length * 3L)
        {
            Resize(_entries.Length * 2);
        }

        _count++;
        return Place(_entries, _mask, ((ulong)(uint)hash << 32) | (uint)(handle + 1)) <= MaxProbe;
    }

    /// <summary>Grows the index so that <paramref name="count"/> handles in all fit without another resize (a restore
    /// knows its key count: one allocation instead of a doubling from 16).</summary>
    public void EnsureCapacity(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var needed = (count * 4L + 2) / 3;
        if (needed > _entries.Length)
        {
            Resize((int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(needed, 1 << 30)));
        }
    }

    /// <summary>Removes <paramref name="handle"/>, stored under <paramref name="hash"/>; the entries after it in its
    /// probe run move back (no tombstones). Returns whether it was there.</summary>
    public bool Remove(int hash, int handle)
    {
        var entries = _entries;
        var mask = _mask;
        var wanted = ((ulong)(uint)hash << 32) | (uint)(handle + 1);
        var i = hash & mask;
        while (entries[i] != wanted)
        {
            if (entries[i] == 0)
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        var gap = i;
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            var e = entries[j];
            if (e == 0)
            {
                break;
            }

            // The entry may move back into the gap unless its home lies cyclically in (gap, j].
            var home = (int)(e >> 32) & mask;
            if (((j - home) & mask) >= ((j - gap) & mask))
            {
                entries[gap] = e;
                gap = j;
            }
        }

        entries[gap] = 0;
        _count--;
        return true;
    }

    /// <summary>Removes every handle; with <paramref name="randomized"/> keys are hashed with .NET's randomized string
    /// hash from now on (the caller adds its handles again with their new hashes).</summary>
    public void Reset(bool randomized)
    {
        Array.Clear(_entries);
        _count = 0;
        if (randomized)
        {
            _hashMode = 1;
        }
    }

    /// <summary>Tests: removes every handle and hashes every key to 0 from now on (the caller adds its handles again).</summary>
    internal void ResetColliding()
    {
        Reset(randomized: false);
        _hashMode = 2;
    }

    private void Resize(int length)
    {
        var old = _entries;
        var entries = new ulong[length];
        var mask = length - 1;
        foreach (var e in old)
        {
            if (e != 0)
            {
                Place(entries, mask, e);
            }
        }

        _entries = entries;
        _mask = mask;
    }

    /// <summary>Puts an entry in the first empty slot from its home; returns how far from home.</summary>
    private static int Place(ulong[] entries, int mask, ulong entry)
    {
        var home = (int)(entry >> 32) & mask;
        var i = home;
        while (entries[i] != 0)
        {
            i = (i + 1) & mask;
        }

        entries[i] = entry;
        return (i - home) & mask;
    }
}
