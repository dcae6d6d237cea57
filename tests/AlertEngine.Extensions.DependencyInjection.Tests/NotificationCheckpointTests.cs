using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Hashing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>The engine service saves the notification state with the engine checkpoint, as one stored value, and
/// restores both on start: daily limits, throttles and what was notified survive a restart.</summary>
public class NotificationCheckpointTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One alert per activity, at most one notification a day.</summary>
    private static AlertPolicy Rules() => new()
    {
        Id = "fwd",
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Aggregation = new AggregationSettings(AggregationMode.None),
        Notification = new NotificationSettings(true, ["soc@contoso.com"], DailyLimit: 1),
    };

    /// <summary>Detections join one alert per hour; at most one notification per hour.</summary>
    private static AlertPolicy Deletions() => new()
    {
        Id = "mass",
        Name = "Mass deletion",
        Category = AlertCategory.InformationGovernance,
        Severity = AlertSeverity.High,
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(10), TriggerScope.User),
        Aggregation = new(AggregationMode.Policy, TimeSpan.FromHours(1)),
        Notification = new NotificationSettings(true, ["soc@contoso.com"]) { Throttle = new NotificationThrottle(1, TimeSpan.FromHours(1)) },
    };

    private static Activity Rule(string id, TimeSpan at) => new(id, T0 + at, "New-InboxRule") { UserId = "alice@contoso.com" };

    private static Activity Deleted(string id, TimeSpan at) => new(id, T0 + at, "FileDeleted") { UserId = "bob@contoso.com" };

    private static ServiceProvider Build(IEngineStateStore state, CollectingNotifier notifier)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0.AddDays(2)));
        services.AddSingleton(state);
        services.AddSingleton<IAlertNotifier>(notifier);
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Rules());
            o.Policies.Add(Deletions());
            o.Notifications.NotifyOnUpdates = true;
        });
        return services.BuildServiceProvider();
    }

    private static async Task<List<string>> Run(IEngineStateStore state, params Activity[] activities)
    {
        var notifier = new CollectingNotifier();
        await using var provider = Build(state, notifier);
        var engine = provider.GetRequiredService<IAlertEngine>();
        foreach (var activity in activities)
        {
            await engine.ProcessAsync(activity, Ct);
        }

        await provider.GetRequiredService<NotificationDispatcher>().WhenIdleAsync(Ct);
        return [.. notifier.Received.Select(n => n.Id)];
    }

    private static readonly Activity[] BeforeRestart = [Rule("r1", TimeSpan.Zero), Deleted("d1", TimeSpan.FromMinutes(1)), Deleted("d2", TimeSpan.FromMinutes(2))];

    // The deletions join the alert opened before the restart (an update, within the hour's throttle); the rule comes
    // on the same day (daily limit reached); the last rule comes the next day (a new day's limit).
    private static readonly Activity[] AfterRestart = [Deleted("d3", TimeSpan.FromMinutes(5)), Deleted("d4", TimeSpan.FromMinutes(6)), Rule("r2", TimeSpan.FromHours(1)), Rule("r3", TimeSpan.FromDays(1))];

    [Fact]
    public async Task After_a_restart_the_daily_limit_is_still_honoured_and_an_already_notified_alert_is_not_notified_again()
    {
        var state = new InMemoryEngineStateStore();

        Assert.Equal(["fwd:r1#1", "mass:d2#1"], await Run(state, BeforeRestart));
        var after = await Run(state, AfterRestart);

        // fwd:r2 is the day's second alert of a policy limited to one; mass:d2's update is within its throttle; the
        // next day's alert is notified (the limit counts per day, it does not block everything).
        Assert.Equal(["fwd:r3#1"], after);
    }

    [Fact]
    public async Task A_checkpoint_without_notification_state_restores_the_engine_and_starts_the_limits_from_zero()
    {
        // What a checkpoint of an earlier version (the engine checkpoint alone) gives: the same engine state, but the
        // limits start over, so the same run notifies again. This is what the notification state prevents.
        var state = new InMemoryEngineStateStore();
        await Run(state, BeforeRestart);
        var engineOnly = ServiceCheckpoint.Read((await state.LoadAsync(Ct))!).Engine.ToArray();
        await state.SaveAsync(engineOnly, Ct);

        Assert.Equal(["mass:d2#2", "fwd:r2#1", "fwd:r3#1"], await Run(state, AfterRestart));
    }

    [Fact]
    public async Task Silences_and_suppression_survive_the_restart()
    {
        var state = new InMemoryEngineStateStore();
        var notifier = new CollectingNotifier();
        await using (var provider = Build(state, notifier))
        {
            var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
            dispatcher.AddSilence(new Silence
            {
                Id = "maintenance",
                Matchers = [new(SilenceMatcher.PolicyName, "fwd")],
                StartsAt = T0.AddDays(1),
                EndsAt = T0.AddDays(3),
            });
            dispatcher.SetSuppressed("mass:d2", true);
            await provider.GetRequiredService<IAlertEngine>().CheckpointAsync(Ct);
        }

        await using (var provider = Build(state, notifier))
        {
            _ = provider.GetRequiredService<IAlertEngine>();
            var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
            Assert.Equal("maintenance", Assert.Single(dispatcher.Silences).Id);
            Assert.Equal(["mass:d2"], dispatcher.CreateSnapshot().Alerts.Where(a => a.Suppressed == true).Select(a => a.AlertId));
        }
    }

    public static TheoryData<string> Damages => ["flipped", "truncated", "version", "foreign", "json", "silence", "count"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_corrupt_stored_value_is_InvalidDataException_when_read(string damage)
    {
        var good = ServiceCheckpoint.Write([1, 2, 3], Snapshot());
        var bad = damage switch
        {
            "flipped" => Flip(good, good.Length - 20),
            "truncated" => good[..^3],
            "version" => [.. good[..4], 2, 0, 0, 0, .. good[8..]],
            "foreign" => [.. "{\"x\":1}"u8],
            "json" => Resealed(ServiceCheckpoint.Write([1, 2, 3], null)[..^8], "{\"Version\":1,\"Alerts\":[{"u8),
            "silence" => ServiceCheckpoint.Write([1, 2, 3], Snapshot() with { Silences = [new Silence { Id = "s", Matchers = [], StartsAt = T0, EndsAt = T0 }] }),
            _ => ServiceCheckpoint.Write([1, 2, 3], Snapshot() with { DailyCounts = [new DailyNotificationCount("fwd", new DateOnly(2026, 3, 1), -1)] }),
        };

        Assert.Throws<InvalidDataException>(() => ServiceCheckpoint.Read(bad));
    }

    [Fact]
    public async Task A_corrupt_notification_section_refuses_the_start_before_the_engine_or_the_notifications_change()
    {
        var state = new InMemoryEngineStateStore();
        await Run(state, BeforeRestart);
        var stored = (await state.LoadAsync(Ct))!;
        var engine = ServiceCheckpoint.Read(stored).Engine.ToArray();
        // A checksum that matches, over a notification section that is not a notification state.
        var bad = Resealed(ServiceCheckpoint.Write(engine, null)[..^8], "[]"u8);

        using var pipeline = new AlertPipeline([Rules(), Deletions()]);
        using var dispatcher = new NotificationDispatcher([new CollectingNotifier()]);
        dispatcher.SetSuppressed("x:1", true);
        var before = System.Text.Json.JsonSerializer.Serialize(dispatcher.CreateSnapshot());

        var e = Assert.Throws<InvalidOperationException>(() => AlertEngineService.RestoreOnStart(pipeline, dispatcher, new FixedStore(bad), NullLogger.Instance));
        Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.Null(pipeline.Watermark);
        Assert.Equal(0, pipeline.Statistics.ActivitiesProcessed);
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(dispatcher.CreateSnapshot()));
    }

    private static NotificationStateSnapshot Snapshot() => new()
    {
        NewestEventTime = T0,
        Alerts = [new AlertNotificationState("fwd:r1", "fwd", 1, T0, null, [], 1)],
        DailyCounts = [new DailyNotificationCount("fwd", new DateOnly(2026, 3, 1), 1)],
    };

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x40;
        return copy;
    }

    /// <summary>A stored value without notification section and checksum, given <paramref name="section"/> as its
    /// notification section and a checksum that matches.</summary>
    private static byte[] Resealed(byte[] withoutChecksum, ReadOnlySpan<byte> section)
    {
        var bytes = new byte[withoutChecksum.Length + 4 + section.Length + 8];
        withoutChecksum.CopyTo(bytes, 0);
        bytes[withoutChecksum.Length - 1] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(withoutChecksum.Length), section.Length);
        section.CopyTo(bytes.AsSpan(withoutChecksum.Length + 4));
        var end = bytes.Length - 8;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(end), XxHash64.HashToUInt64(bytes.AsSpan(8, end - 8)));
        return bytes;
    }

    private sealed class FixedStore(byte[] bytes) : IEngineStateStore
    {
        public ValueTask SaveAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<byte[]?> LoadAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<byte[]?>(bytes);
    }

    private sealed class CollectingNotifier : IAlertNotifier
    {
        public ConcurrentQueue<AlertNotification> Received { get; } = new();

        public ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
        {
            Received.Enqueue(notification);
            return ValueTask.CompletedTask;
        }
    }
}
