namespace AlertEngine;

/// <summary>
/// Maps a bucket to its seasonal slot: hour of day (at most 24 slots a day, fewer for buckets longer than an hour)
/// × weekday/weekend (Saturday and Sunday), in a configured time zone. Buckets of one day have two slots (weekday,
/// weekend); buckets longer than a day have one.
/// </summary>
internal sealed class SeasonalCalendar
{
    private readonly long _bucketTicks;
    private readonly int _daySlots;
    private readonly bool _weekSplit;
    private readonly TimeZoneInfo _zone;
    private readonly bool _fixedOffset;
    private readonly long _offsetTicks;

    public SeasonalCalendar(long bucketTicks, TimeZoneInfo zone)
    {
        _bucketTicks = bucketTicks;
        _zone = zone;
        _fixedOffset = !zone.SupportsDaylightSavingTime;
        _offsetTicks = zone.BaseUtcOffset.Ticks;
        if (bucketTicks >= TimeSpan.TicksPerDay)
        {
            _daySlots = 1;
            _weekSplit = bucketTicks == TimeSpan.TicksPerDay;
        }
        else
        {
            var width = Math.Max(bucketTicks, TimeSpan.TicksPerHour);
            _daySlots = (int)Math.Min(24, (TimeSpan.TicksPerDay + width - 1) / width);
            _weekSplit = true;
        }

        SlotCount = _daySlots * (_weekSplit ? 2 : 1);
    }

    /// <summary>The number of slots: 48 for hourly buckets.</summary>
    public int SlotCount { get; }

    /// <summary>The slot of a bucket, classified by the local time of the bucket's midpoint.</summary>
    public int SlotOf(long bucket)
    {
        var midTicks = (bucket * _bucketTicks) + (_bucketTicks / 2);
        if (midTicks > DateTime.MaxValue.Ticks)
        {
            midTicks = DateTime.MaxValue.Ticks;
        }

        long localTicks;
        if (_fixedOffset)
        {
            localTicks = Math.Clamp(midTicks + _offsetTicks, 0, DateTime.MaxValue.Ticks);
        }
        else
        {
            localTicks = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(midTicks, DateTimeKind.Utc), _zone).Ticks;
        }

        var days = localTicks / TimeSpan.TicksPerDay;
        var hour = (int)((localTicks - (days * TimeSpan.TicksPerDay)) / TimeSpan.TicksPerHour);
        var daySlot = _daySlots == 1 ? 0 : hour * _daySlots / 24;
        if (!_weekSplit)
        {
            return daySlot;
        }

        // Day 0 (0001-01-01) is a Monday: day % 7 is 5 on Saturdays and 6 on Sundays.
        var weekend = days % 7 >= 5;
        return weekend ? _daySlots + daySlot : daySlot;
    }
}
