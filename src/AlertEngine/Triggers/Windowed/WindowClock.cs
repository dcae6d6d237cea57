namespace AlertEngine;

/// <summary>
/// The event-time clock of a windowed trigger core: the watermark (newest time seen over all keys), lateness, time
/// slots (ticks truncated to the resolution) and when idle keys may be swept. Shared by <see cref="DistinctCounter{TItem}"/>,
/// <see cref="SlidingWindowSum{TItem}"/> and <see cref="SpikeCounter{TItem}"/>. Single-threaded.
/// </summary>
internal sealed class WindowClock
{
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks;
    private readonly long _lateness;
    private readonly long _sweepInterval;
    private long _sweptThrough = long.MinValue;
    private long _addsAtSweep;
    private long _lastTicks = long.MinValue;
    private long _lastSlot;

    /// <param name="window">The window.</param>
    /// <param name="windows">How many windows back a key's state reaches (1, or 2 for spike).</param>
    /// <param name="resolution">The time resolution.</param>
    /// <param name="lateness">The allowed lateness.</param>
    public WindowClock(TimeSpan window, int windows, TimeSpan resolution, TimeSpan lateness)
    {
        Resolution = resolution.Ticks;
        _lateness = lateness.Ticks;
        var allSlots = (MaxTicks / Resolution) + 2;
        var windowSlots = (window.Ticks / Resolution) + (window.Ticks % Resolution == 0 ? 0 : 1);
        WindowSlots = Math.Min(windowSlots, allSlots);
        SpanSlots = Math.Min(WindowSlots * windows, allSlots);
        _sweepInterval = Math.Max(1, (SpanSlots + Math.Min((_lateness / Resolution) + 1, allSlots)) / 2);
    }

    /// <summary>The resolution in ticks.</summary>
    public long Resolution { get; }

    /// <summary>The window in slots: ceil(window / resolution).</summary>
    public long WindowSlots { get; }

    /// <summary>How many slots back a key's state reaches.</summary>
    public long SpanSlots { get; }

    /// <summary>The newest time seen, in ticks; <see cref="long.MinValue"/> before the first.</summary>
    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Keys whose newest slot is at or before this can be evicted.</summary>
    public long EvictThrough { get; private set; } = long.MinValue;

    /// <summary>The number of accepted items (for sweep amortization).</summary>
    public long Adds { get; private set; }

    /// <summary>Accepts an item's time: false when it is late; otherwise its slot, and whether a sweep is due.</summary>
    public bool TryAccept(long ticks, out long slot, out bool sweepDue)
    {
        sweepDue = false;
        if (Watermark != long.MinValue && ticks < Watermark - _lateness)
        {
            slot = 0;
            return false;
        }

        Adds++;

        // Audit times repeat (whole seconds, many activities per second): reuse the last division.
        if (ticks != _lastTicks)
        {
            _lastTicks = ticks;
            _lastSlot = ticks / Resolution;
        }

        slot = _lastSlot;
        if (ticks > Watermark)
        {
            sweepDue = Advance(ticks);
        }

        return true;
    }

    /// <summary>Moves the watermark to a newer time; returns whether a sweep is due.</summary>
    public bool Advance(long ticks)
    {
        if (ticks <= Watermark)
        {
            return false;
        }

        Watermark = ticks;
        var lateBefore = ticks - _lateness;
        if (lateBefore < 0)
        {
            return false;
        }

        EvictThrough = (lateBefore / Resolution) - SpanSlots;
        if (_sweptThrough == long.MinValue)
        {
            _sweptThrough = EvictThrough;
            return false;
        }

        return EvictThrough - _sweptThrough >= _sweepInterval;
    }

    /// <summary>At the key cap: whether a sweep may free room and is affordable (at most once per keys / 16 items).</summary>
    public bool SweepMayFreeRoom(int keys) => EvictThrough > _sweptThrough && Adds - _addsAtSweep >= keys / 16;

    /// <summary>Records that a sweep ran.</summary>
    public void Swept()
    {
        _sweptThrough = EvictThrough;
        _addsAtSweep = Adds;
    }

    /// <summary>Sets the watermark when state is restored.</summary>
    /// <exception cref="InvalidDataException">The watermark is not a time.</exception>
    public void Restore(long watermark)
    {
        if (watermark != long.MinValue && (watermark < 0 || watermark > MaxTicks))
        {
            throw new InvalidDataException("Corrupt checkpoint: a trigger's watermark is not a time.");
        }

        Watermark = long.MinValue;
        EvictThrough = long.MinValue;
        _sweptThrough = long.MinValue;
        if (watermark != long.MinValue)
        {
            _ = Advance(watermark);
        }
    }
}
