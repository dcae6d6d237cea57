using System.Reactive.Linq;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

public class NotifyObservableTests
{
    [Fact]
    public async Task Changes_pass_through_with_their_notification_state_and_are_notified()
    {
        var time = new FakeTimeProvider(Utc(2026, 3, 1, 12));
        var notifier = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([notifier], null, time);
        dispatcher.SetSuppressed("p1:b", true);
        var policy = Policy();

        var changes = await new[] { Created(policy, "a", Utc(2026, 3, 1, 9)), Created(policy, "b", Utc(2026, 3, 1, 10)) }
            .ToObservable()
            .Notify(dispatcher, [policy])
            .ToList();
        await dispatcher.WhenIdleAsync(TestContext.Current.CancellationToken);

        Assert.Equal([false, true], changes.Select(c => c.Alert.NotificationsSuppressed));
        Assert.Equal(["p1:a#1"], notifier.Delivered.Select(n => n.Id));
    }

    [Fact]
    public async Task A_change_of_an_unknown_policy_ends_the_stream_with_an_error()
    {
        await using var dispatcher = new NotificationDispatcher([], null, new FakeTimeProvider());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Observable.Return(Created(Policy("other"), "a", Utc(2026, 3, 1, 9))).Notify(dispatcher, [Policy()]));
        Assert.Contains("'other'", error.Message, StringComparison.Ordinal);
    }
}
