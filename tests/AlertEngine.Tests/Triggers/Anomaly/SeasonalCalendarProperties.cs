using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The seasonal calendar's week table and walk against the slot computed from the local time.</summary>
public class SeasonalCalendarProperties
{
    private static readonly TimeSpan[] Buckets =
    [
        TimeSpan.FromHours(1), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(7), TimeSpan.FromHours(7), TimeSpan.FromHours(5),
        TimeSpan.FromDays(1), TimeSpan.FromDays(3), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(90),
    ];

    private static readonly TimeZoneInfo[] Zones =
    [
        TimeZoneInfo.Utc,
        TimeZoneInfo.CreateCustomTimeZone("plus-0530", TimeSpan.FromMinutes(330), "plus-0530", "plus-0530"),
        TimeZoneInfo.CreateCustomTimeZone("minus-14", TimeSpan.FromHours(-14), "minus-14", "minus-14"),
        TimeZoneInfo.CreateCustomTimeZone("plus-14", TimeSpan.FromHours(14), "plus-14", "plus-14"),
        TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"),
        TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"),
    ];

    /// <summary>A bucket index anywhere a bucket of that width can be (event times are never before year 1): near zero,
    /// near the end of time, or ordinary dates.</summary>
    private static Gen<long> AnyBucket(long bucketTicks)
    {
        var last = DateTime.MaxValue.Ticks / bucketTicks;
        return Gen.Frequency(
            (2, Gen.Choose(0, 400).Select(x => (long)x)),
            (2, Gen.Choose(0, 400).Select(x => last - x)),
            (6, Gen.Choose(0, int.MaxValue).Select(x => (long)(x / (double)int.MaxValue * last))));
    }

    /// <summary>
    /// <see cref="SeasonalCalendar.SlotOf"/> (the week table where it applies) equals the slot of the bucket's local
    /// midpoint (<see cref="SeasonalCalendar.ComputeSlot"/>), and a walk from any bucket gives, bucket after bucket, the
    /// same slots as <see cref="SeasonalCalendar.SlotOf"/>: for bucket widths that divide a week and that do not, fixed
    /// offsets up to ±14 h and zones with daylight saving time, up to the first and last buckets of time.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property The_week_table_and_the_walk_give_the_slot_of_the_local_midpoint() =>
        Prop.ForAll(
            (from bucket in Gen.Elements(Buckets)
             from zone in Gen.Elements(Zones)
             from first in AnyBucket(bucket.Ticks)
             from length in Gen.Choose(1, 400)
             select (bucket, zone, first, length)).ToArbitrary(),
            input =>
            {
                var (bucket, zone, first, length) = input;
                var calendar = new SeasonalCalendar(bucket.Ticks, zone);
                var last = Math.Min(first + length - 1, DateTime.MaxValue.Ticks / bucket.Ticks);
                var walk = calendar.Walk(first, last);
                for (var q = first; q <= last; q++)
                {
                    Assert.Equal(calendar.ComputeSlot(q), calendar.SlotOf(q));
                    Assert.Equal(calendar.SlotOf(q), walk.Slot);
                    walk.Next();
                }
            });
}
