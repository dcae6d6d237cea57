using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

/// <summary>The store and notifier of docs/extending.md do what the document says.</summary>
public class ExtendingExampleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AlertPolicy Forwarding = new()
    {
        Id = "forwarding-rule",
        Name = "Creation of forwarding/redirect rule",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule", "MailRedirect"],
        Notification = new NotificationSettings(true, ["soc@contoso.com"]),
    };

    private static Activity Redirect(string id, int seconds) => new(id, T0.AddSeconds(seconds), "MailRedirect") { UserId = "alice@contoso.com" };

    private static Alert NewAlert(string id, int minutes, string policyId = "p") => new()
    {
        Id = id,
        PolicyId = policyId,
        PolicyName = "Policy " + policyId,
        Severity = AlertSeverity.High,
        Category = AlertCategory.ThreatManagement,
        CreatedAt = T0.AddMinutes(minutes),
        FirstActivityAt = T0.AddMinutes(minutes),
        LastActivityAt = T0.AddMinutes(minutes),
        HitCount = 1,
        Users = ["alice@contoso.com"],
        Activities = [],
    };

    [Fact]
    public async Task The_example_store_keeps_management_fields_on_upsert_and_compares_before_it_sets_them()
    {
        var store = new DictionaryAlertStore();
        var alert = NewAlert("p:a1", 0);
        await store.UpsertAsync(alert, Ct);

        var investigating = alert with { Status = AlertStatus.Investigating };
        var set = await store.TryUpdateManagementAsync(alert, investigating, Ct);
        await store.UpsertAsync(alert with { HitCount = 5 }, Ct);
        var stale = await store.TryUpdateManagementAsync(alert, alert with { Status = AlertStatus.Dismissed }, Ct);
        var stored = await store.GetAsync("p:a1", Ct);

        Assert.NotNull(set);
        Assert.Null(stale);
        Assert.NotNull(stored);
        Assert.Equal((AlertStatus.Investigating, 5), (stored.Status, stored.HitCount));
    }

    [Fact]
    public async Task The_example_store_pages_in_alert_order_after_the_cursor()
    {
        var store = new DictionaryAlertStore();
        foreach (var (id, minutes, policy) in new[] { ("b:3", 3, "b"), ("a:1", 1, "a"), ("b:1", 1, "b"), ("a:2", 2, "a") })
        {
            await store.UpsertAsync(NewAlert(id, minutes, policy), Ct);
        }

        var first = await store.QueryAsync(AlertQuery.All with { Take = 2 }, Ct);
        var rest = await store.QueryAsync(AlertQuery.All with { After = AlertCursor.From(first[^1]) }, Ct);
        var ofB = await store.QueryAsync(AlertQuery.All with { PolicyId = "b" }, Ct);

        Assert.Equal(["a:1", "b:1"], first.Select(a => a.Id));
        Assert.Equal(["a:2", "b:3"], rest.Select(a => a.Id));
        Assert.Equal(["b:1", "b:3"], ofB.Select(a => a.Id));
    }

    [Fact]
    public async Task The_registered_engine_stores_alerts_in_the_example_store_and_posts_each_notification_to_the_webhook()
    {
        var hook = new RecordingHandler();
        var services = new ServiceCollection().AddAlertingWithWebhook(new HttpClient(hook), [Forwarding]);
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IAlertEngine>();
        await engine.ProcessAsync(Redirect("a1", 0), Ct);
        await engine.ProcessAsync(Redirect("a2", 600), Ct);
        await provider.GetRequiredService<NotificationDispatcher>().WhenIdleAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.IsType<DictionaryAlertStore>(provider.GetRequiredService<IAlertStore>());
        var alerts = await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct);
        Assert.Equal(["forwarding-rule:a1", "forwarding-rule:a2"], alerts.Select(a => a.Id));
        Assert.Equal(2, hook.Requests.Count);
        var (uri, key, body) = hook.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).First();
        Assert.Equal(new Uri("https://hooks.contoso.com/alerts"), uri);
        Assert.Equal("forwarding-rule:a1#1", key);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("forwarding-rule:a1", json.RootElement.GetProperty("alertId").GetString());
        Assert.Equal("soc@contoso.com", json.RootElement.GetProperty("recipients")[0].GetString());
    }

    [Fact]
    public async Task A_failing_webhook_ends_as_a_failed_delivery_that_can_be_resent()
    {
        var hook = new RecordingHandler { Status = HttpStatusCode.ServiceUnavailable };
        var services = new ServiceCollection().AddAlertingWithWebhook(new HttpClient(hook), [Forwarding]);
        services.Configure<AlertEngineServiceOptions>(o =>
        {
            o.Notifications.MaxRetryAttempts = 0;
        });
        await using var provider = services.BuildServiceProvider();
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();

        await provider.GetRequiredService<IAlertEngine>().ProcessAsync(Redirect("a1", 0), Ct);
        await dispatcher.WhenIdleAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var failed = Assert.Single(dispatcher.FailedDeliveries);
        hook.Status = HttpStatusCode.OK;
        var resent = await dispatcher.ResendAsync(failed.Id, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(DeliveryFailureReason.NotifierFailed, failed.Reason);
        Assert.Equal(1, resent);
        Assert.Empty(dispatcher.FailedDeliveries);
    }

    [Fact]
    public async Task Alert_management_works_over_the_example_store()
    {
        var services = new ServiceCollection().AddAlertingWithWebhook(new HttpClient(new RecordingHandler()), [Forwarding]);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAlertEngine>().ProcessAsync(Redirect("a1", 0), Ct);
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin@contoso.com"), new Claim(ClaimTypes.Role, "Organization Management")], "test"));

        var changed = await provider.GetRequiredService<AlertManager>().ChangeStatusAsync(admin, "forwarding-rule:a1", AlertStatus.Investigating, "looking", Ct);
        await provider.GetRequiredService<IAlertEngine>().ProcessAsync(Redirect("a2", 10), Ct);
        var stored = await provider.GetRequiredService<IAlertStore>().GetAsync("forwarding-rule:a1", Ct);

        Assert.True(changed.Succeeded, changed.ToString());
        Assert.NotNull(stored);
        Assert.Equal((AlertStatus.Investigating, 2), (stored.Status, stored.HitCount));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public ConcurrentQueue<(Uri? Uri, string Key, string Body)> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Status == HttpStatusCode.OK)
            {
                var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
                Requests.Enqueue((request.RequestUri, string.Join(",", request.Headers.GetValues("Idempotency-Key")), body));
            }

            return new HttpResponseMessage(Status);
        }
    }
}
