using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class NotificationRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AlertPolicy Policy(int? dailyLimit = null) => new()
    {
        Id = "fwd",
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Aggregation = new AggregationSettings(AggregationMode.None),
        Notification = new NotificationSettings(true, ["soc@contoso.com"], dailyLimit),
    };

    private static Activity Rule(string id, int seconds = 0, string user = "alice@contoso.com") =>
        new(id, T0.AddSeconds(seconds), "New-InboxRule") { UserId = user };

    [Fact]
    public async Task Without_a_registered_notifier_notifications_are_logged()
    {
        var logs = new ListLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0));
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAlertEngine>().ProcessAsync(Rule("a1"), Ct);
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
        await dispatcher.WhenIdleAsync(Ct);

        Assert.Equal(["LoggingAlertNotifier"], dispatcher.Notifiers);
        var line = Assert.Single(logs.Messages, m => m.Category == typeof(LoggingAlertNotifier).FullName);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("Forwarding rule created (fwd) alert fwd:a1", line.Message, StringComparison.Ordinal);
        Assert.Contains("soc@contoso.com", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_notifier_replaces_the_logging_default_whatever_the_order()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy(dailyLimit: 1));
            o.Notifications.TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        });
        services.AddAlertNotifier<CollectingNotifier>();
        services.AddAlertNotifier<CollectingNotifier>();
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IAlertEngine>();
        await engine.ProcessAsync(Rule("a1"), Ct);
        await engine.ProcessAsync(Rule("a2", 60), Ct);
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
        await dispatcher.WhenIdleAsync(Ct);

        Assert.Equal(["CollectingNotifier"], dispatcher.Notifiers);
        var notifier = Assert.IsType<CollectingNotifier>(Assert.Single(provider.GetServices<IAlertNotifier>()));
        Assert.Equal(["fwd:a1#1"], notifier.Received.Select(n => n.Id));
        Assert.Equal(2, await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct) is { } all ? all.Count : -1);
    }

    [Fact]
    public async Task Silences_and_suppression_are_recorded_on_the_stored_alert()
    {
        var time = new FakeTimeProvider(T0);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        services.AddAlertNotifier<CollectingNotifier>();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
        dispatcher.AddSilence(new Silence { Id = "vacation", Matchers = [new("user", "bob@contoso.com")], StartsAt = T0, EndsAt = T0.AddDays(7) });
        dispatcher.SetSuppressed("fwd:a2", true);

        await engine.ProcessAsync(Rule("a1", 0, "bob@contoso.com"), Ct);
        await engine.ProcessAsync(Rule("a2", 1), Ct);
        await engine.ProcessAsync(Rule("a3", 2), Ct);
        await dispatcher.WhenIdleAsync(Ct);

        var store = provider.GetRequiredService<IAlertStore>();
        var silenced = await store.GetAsync("fwd:a1", Ct);
        var suppressed = await store.GetAsync("fwd:a2", Ct);
        var sent = await store.GetAsync("fwd:a3", Ct);
        Assert.Equal(["vacation"], silenced!.SilencedBy);
        Assert.True(suppressed!.NotificationsSuppressed);
        Assert.Empty(sent!.SilencedBy);
        Assert.False(sent.NotificationsSuppressed);
        var notifier = Assert.IsType<CollectingNotifier>(Assert.Single(provider.GetServices<IAlertNotifier>()));
        Assert.Equal(["fwd:a3#1"], notifier.Received.Select(n => n.Id));
    }

    [Fact]
    public async Task Detection_and_storage_do_not_wait_for_a_notifier_that_never_answers()
    {
        var blocked = new BlockingNotifier();
        var services = new ServiceCollection();
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy());
            o.Notifications.AttemptTimeout = Timeout.InfiniteTimeSpan;
        });
        services.AddSingleton<IAlertNotifier>(blocked);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        for (var i = 0; i < 10; i++)
        {
            Assert.Single(await engine.ProcessAsync(Rule("a" + i, i), Ct));
        }

        Assert.Equal(10, (await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct)).Count);
        Assert.Equal(10, provider.GetRequiredService<NotificationDispatcher>().PendingDeliveries);
    }

    [Fact]
    public async Task Invalid_notification_options_are_listed_with_the_other_problems()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy());
            o.Notifications.QueueCapacity = 0;
            o.Notifications.RetryDelay = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains("Notifications.QueueCapacity: must be at least 1", ex.Failures);
        Assert.Contains("Notifications.RetryDelay: must be greater than zero", ex.Failures);
    }

    [Fact]
    public async Task A_threshold_policy_with_early_warning_notifies_on_the_first_match_before_the_alert()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o => o.Policies.Add(new AlertPolicy
        {
            Id = "mass-delete",
            Name = "Mass deletion",
            Category = AlertCategory.InformationGovernance,
            Severity = AlertSeverity.High,
            Operations = ["FileDeleted"],
            Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User),
            Notification = new NotificationSettings(true, ["soc@contoso.com"]) { EarlyWarning = true },
        }));
        services.AddAlertNotifier<CollectingNotifier>();
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IAlertEngine>();
        for (var i = 0; i < 3; i++)
        {
            await engine.ProcessAsync(new Activity("d" + i, T0.AddSeconds(i), "FileDeleted") { UserId = "alice@contoso.com" }, Ct);
        }

        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
        await dispatcher.WhenIdleAsync(Ct);

        var notifier = Assert.IsType<CollectingNotifier>(Assert.Single(provider.GetServices<IAlertNotifier>()));
        Assert.Equal([NotificationKind.EarlyWarning, NotificationKind.AlertCreated], notifier.Received.Select(n => n.Kind));
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

    private sealed class BlockingNotifier : IAlertNotifier
    {
        public async ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken) =>
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ConcurrentBag<(string Category, LogLevel Level, string Message)> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, Messages);

        public void Dispose()
        {
        }

        private sealed class ListLogger(string category, ConcurrentBag<(string, LogLevel, string)> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Add((category, logLevel, formatter(state, exception)));
        }
    }
}
