using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace AlertEngine;

/// <summary>
/// A grain's state as a base snapshot plus deltas, each in its own record of the engine's grain storage (named
/// <c>{kind}.base.{batch}.{guid}</c> and <c>{kind}.delta.{batch}.{guid}</c>, so a record is written once and never
/// overwritten), listed by a <see cref="StateLogManifest"/> that the grain keeps in its head record. A batch writes
/// one record (a delta, or a new base when <see cref="ShouldCompact"/>) and then the head: a failure between the two
/// leaves an unreferenced record behind (never read; the head still lists the previous ones), nothing else. Records a
/// compaction replaced are deleted after the head is written. Not thread-safe (one grain's turn at a time).
/// </summary>
internal sealed class StateLogStore(IGrainStorage storage, GrainId grain, string kind)
{
    /// <summary>Reads the records the manifest lists: the base (null when none) and the deltas in order.</summary>
    /// <exception cref="InvalidDataException">A listed record is missing.</exception>
    public async Task<(byte[]? Base, byte[][] Deltas)> ReadAsync(StateLogManifest manifest)
    {
        var deltas = new byte[manifest.Deltas.Length][];
        var reads = new Task<byte[]>[deltas.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = ReadRecordAsync(manifest.Deltas[i]);
        }

        var baseBytes = manifest.Base is { } name ? await ReadRecordAsync(name) : null;
        for (var i = 0; i < reads.Length; i++)
        {
            deltas[i] = await reads[i];
        }

        return (baseBytes, deltas);
    }

    /// <summary>Whether the next batch should write a base snapshot rather than a delta of
    /// <paramref name="deltaBytes"/>: no base yet, <paramref name="maxDeltas"/> deltas already, or the deltas would
    /// outgrow <paramref name="fraction"/> of the base (so a restart reads at most about 1 + fraction times the state).</summary>
    public static bool ShouldCompact(StateLogManifest manifest, long deltaBytes, int maxDeltas, double fraction) =>
        manifest.Base is null
        || manifest.Deltas.Length >= maxDeltas
        || manifest.DeltaBytes + deltaBytes > manifest.BaseBytes * fraction;

    /// <summary>Writes <paramref name="bytes"/> as a new base (dropping the deltas) or as a new delta; returns the
    /// manifest that lists it, for the grain to persist in its head record.</summary>
    public async Task<StateLogManifest> AppendAsync(StateLogManifest manifest, long batchNumber, byte[] bytes, bool isBase)
    {
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}.{(isBase ? "base" : "delta")}.{batchNumber}.{Guid.NewGuid():N}");
        var state = new RecordState { State = new StateRecord { Bytes = bytes } };
        await storage.WriteStateAsync(name, grain, state);
        if (isBase)
        {
            return new StateLogManifest { Base = name, BaseETag = state.ETag, BaseBytes = bytes.Length, BaseBatch = batchNumber };
        }

        return new StateLogManifest
        {
            Base = manifest.Base,
            BaseETag = manifest.BaseETag,
            BaseBytes = manifest.BaseBytes,
            Deltas = [.. manifest.Deltas, name],
            DeltaETags = [.. manifest.DeltaETags, state.ETag],
            DeltaBytes = manifest.DeltaBytes + bytes.Length,
            BaseBatch = manifest.BaseBatch,
            Inputs = manifest.Inputs,
        };
    }

    /// <summary>The manifest with another grain's record <paramref name="input"/> appended to its inputs (nothing is
    /// written: the record is that grain's).</summary>
    public static StateLogManifest WithInput(StateLogManifest manifest, string input) => new()
    {
        Base = manifest.Base,
        BaseETag = manifest.BaseETag,
        BaseBytes = manifest.BaseBytes,
        Deltas = manifest.Deltas,
        DeltaETags = manifest.DeltaETags,
        DeltaBytes = manifest.DeltaBytes,
        BaseBatch = manifest.BaseBatch,
        Inputs = [.. manifest.Inputs, input],
    };

    /// <summary>Writes a record of its own (named <c>{kind}.{batch}.{guid}</c>, never overwritten) that no manifest of
    /// this store lists; returns its name and ETag (for <see cref="DeleteAsync"/>).</summary>
    public async Task<(string Name, string? ETag)> WriteRecordAsync(long batchNumber, byte[] bytes, byte[]? payload)
    {
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}.{batchNumber}.{Guid.NewGuid():N}");
        var state = new RecordState { State = new StateRecord { Bytes = bytes, Payload = payload } };
        await storage.WriteStateAsync(name, grain, state);
        return (name, state.ETag);
    }

    /// <summary>Reads the records named, in order.</summary>
    /// <exception cref="InvalidDataException">A record is missing.</exception>
    public async Task<StateRecord[]> ReadRecordsAsync(string[] names)
    {
        var reads = new Task<StateRecord>[names.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = ReadWholeRecordAsync(names[i]);
        }

        var records = new StateRecord[names.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            records[i] = await reads[i];
        }

        return records;
    }

    /// <summary>Deletes a record written by <see cref="WriteRecordAsync"/>.</summary>
    public Task DeleteAsync(string name, string? etag) => ClearAsync(name, etag);

    /// <summary>Deletes the records of <paramref name="previous"/> that <paramref name="current"/> no longer lists
    /// (after a compaction, once the head lists <paramref name="current"/>).</summary>
    public async Task DeleteReplacedAsync(StateLogManifest previous, StateLogManifest current)
    {
        if (previous.Base is { } name && name != current.Base)
        {
            await ClearAsync(name, previous.BaseETag);
        }

        for (var i = 0; i < previous.Deltas.Length; i++)
        {
            if (Array.IndexOf(current.Deltas, previous.Deltas[i]) < 0)
            {
                await ClearAsync(previous.Deltas[i], previous.DeltaETags[i]);
            }
        }
    }

    private async Task<byte[]> ReadRecordAsync(string name) => (await ReadWholeRecordAsync(name)).Bytes;

    private async Task<StateRecord> ReadWholeRecordAsync(string name)
    {
        var state = new RecordState();
        await storage.ReadStateAsync(name, grain, state);
        return state.RecordExists && (StateRecord?)state.State is { } record
            ? record
            : throw new InvalidDataException($"The state record '{name}' of grain {grain} is missing from grain storage.");
    }

    private Task ClearAsync(string name, string? etag) =>
        storage.ClearStateAsync(name, grain, new RecordState { ETag = etag, RecordExists = true, State = new StateRecord() });

    private sealed class RecordState : IGrainState<StateRecord>
    {
        private StateRecord? _state = new();

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public StateRecord State
        {
            get => _state!;
            set => _state = value;
        }

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
