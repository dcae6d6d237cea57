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

    // A fixed-offset zone repeats its slots every week: when the bucket divides a week, the slot of bucket q is
    // _week[q mod _week.Length] for every bucket in [_tableFrom, _tableTo] (where neither the midpoint nor its local time
    // is clamped), the same value ComputeSlot gives (SeasonalCalendarProperties), without the divisions. Null otherwise.
    private const int MaxWeekTable = 1 << 14;
    private readonly byte[]? _week;
    private readonly long _tableFrom;
    private readonly long _tableTo;

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
        const long week = 7 * TimeSpan.TicksPerDay;
        if (_fixedOffset && week % bucketTicks == 0 && week / bucketTicks <= MaxWeekTable)
        {
            var period = (int)(week / bucketTicks);
            var margin = Math.Abs(_offsetTicks) + bucketTicks;
            _tableFrom = (margin / bucketTicks) + 1;
            _tableTo = (DateTime.MaxValue.Ticks - margin) / bucketTicks;
            _week = new byte[period];
            for (var r = 0; r < period; r++)
            {
                // The first bucket at or after _tableFrom with q mod period = r.
                _week[r] = (byte)ComputeSlot(_tableFrom + ((r - (_tableFrom % period) + period) % period));
            }
        }
    }

    /// <summary>The number of slots: 48 for hourly buckets.</summary>
    public int SlotCount { get; }

    /// <summary>The slot of a bucket, classified by the local time of the bucket's midpoint.</summary>
    public int SlotOf(long bucket)
    {
        if (_week is { } week && bucket >= _tableFrom && bucket <= _tableTo)
        {
            return week[(int)(bucket % week.Length)];
        }

        return ComputeSlot(bucket);
    }

    /// <summary>The slots of the buckets <paramref name="first"/> to <paramref name="last"/>, one after the other
    /// (<see cref="SlotWalk.Slot"/>, then <see cref="SlotWalk.Next"/>): one division for the whole run when the week
    /// table covers it.</summary>
    public SlotWalk Walk(long first, long last) => new(this, first, _week is not null && first >= _tableFrom && last <= _tableTo);

    /// <summary>The slot of a bucket from its local time (<see cref="SlotOf"/> without the week table).</summary>
    internal int ComputeSlot(long bucket)
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

    /// <summary>Walks the slots of consecutive buckets (see <see cref="Walk"/>).</summary>
    internal struct SlotWalk
    {
        private readonly SeasonalCalendar _calendar;
        private readonly byte[]? _week;
        private long _bucket;
        private int _position;

        public SlotWalk(SeasonalCalendar calendar, long first, bool table)
        {
            _calendar = calendar;
            _bucket = first;
            if (table)
            {
                _week = calendar._week!;
                _position = (int)(first % _week.Length);
                Slot = _week[_position];
            }
            else
            {
                Slot = calendar.SlotOf(first);
            }
        }

        /// <summary>The current bucket's slot.</summary>
        public int Slot { get; private set; }

        /// <summary>Moves to the next bucket.</summary>
        public void Next()
        {
            _bucket++;
            if (_week is { } week)
            {
                if (++_position == week.Length)
                {
                    _position = 0;
                }

                Slot = week[_position];
            }
            else
            {
                Slot = _calendar.SlotOf(_bucket);
            }
        }
    }
}
