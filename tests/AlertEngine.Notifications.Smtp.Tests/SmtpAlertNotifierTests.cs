using System.Collections.Immutable;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpServer.Protocol;

namespace AlertEngine.Notifications.Smtp.Tests;

public class SmtpAlertNotifierTests
{
    /// <summary>Bounds every wait on SMTP I/O, so a broken test fails instead of hanging.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SmtpNotifierOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        TlsMode = SmtpTlsMode.None,
        From = "AlertEngine <alerts@contoso.com>",
        SubjectTemplate = "[{Severity}] {PolicyName}: {HitCount} hit(s)",
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Fast retries on the real clock: these tests do real network I/O.</summary>
    private static NotificationOptions Dispatch(int retries) => new()
    {
        MaxRetryAttempts = retries,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(40),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    private static AlertNotification Notification(string id = "mass-delete:a1#1", params string[] recipients) => new()
    {
        Id = id,
        Kind = NotificationKind.AlertCreated,
        AlertId = "mass-delete:a1",
        PolicyId = "mass-delete",
        PolicyName = "Mass file deletion",
        Description = "A user deleted <many> files",
        Severity = AlertSeverity.High,
        Category = AlertCategory.InformationGovernance,
        EventTime = T0,
        AlertCreatedAt = T0,
        Users = ["alice@contoso.com", "bob@contoso.com"],
        HitCount = 3,
        Operations = ["FileDeleted"],
        Activities =
        [
            new("a1", T0, "FileDeleted", "alice@contoso.com", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", "10.1.2.3"),
            new("a2", T0.AddSeconds(5), "FileDeleted", "bob@contoso.com", "https://contoso.sharepoint.com/sites/hr/plan.docx", null),
        ],
        Summary = "3 activities (FileDeleted) by alice@contoso.com, bob@contoso.com between 2026-03-01 09:00:00 and 2026-03-01 09:00:10 UTC",
        Recipients = recipients.Length == 0 ? ["soc@contoso.com", "ciso@contoso.com"] : [.. recipients],
    };

    [Fact]
    public void Every_attempt_of_one_delivery_gets_the_same_message_id_derived_from_the_idempotency_key()
    {
        var notifier = new SmtpAlertNotifier(Options(25));
        var notification = Notification() with { IdempotencyKey = "fwd:a1#2 (é)" };

        using var first = notifier.CreateMessage(notification);
        using var again = notifier.CreateMessage(notification);
        using var other = notifier.CreateMessage(notification with { IdempotencyKey = "fwd:a1#3" });

        Assert.Equal("fwd=3Aa1=232=20=28=C3=A9=29.alertengine@contoso.com", first.MessageId);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, other.MessageId);
    }

    [Fact]
    public async Task Emails_every_recipient_with_the_subject_template_and_the_alert_in_the_body()
    {
        await using var server = await SmtpTestServer.StartAsync();
        var notifier = new SmtpAlertNotifier(Options(server.Port));

        await notifier.NotifyAsync(Notification(), Ct).AsTask().WaitAsync(Bound, Ct);

        var mail = Assert.Single(server.Received);
        Assert.Equal(["soc@contoso.com", "ciso@contoso.com"], mail.EnvelopeTo);
        Assert.Equal(["soc@contoso.com", "ciso@contoso.com"], mail.Message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("alerts@contoso.com", mail.Message.From.Mailboxes.Single().Address);
        Assert.Equal("[High] Mass file deletion: 3 hit(s)", mail.Message.Subject);
        Assert.Equal("mass-delete:a1#1", mail.Message.Headers[SmtpAlertNotifier.NotificationIdHeader]);
        Assert.Equal("mass-delete:a1#1", mail.Message.Headers[SmtpAlertNotifier.IdempotencyKeyHeader]);
        Assert.Equal("mass-delete=3Aa1=231.alertengine@contoso.com", mail.Message.MessageId);

        var text = mail.Message.TextBody;
        Assert.Contains("New alert: Mass file deletion", text, StringComparison.Ordinal);
        Assert.Contains("Severity: High", text, StringComparison.Ordinal);
        Assert.Contains("Category: InformationGovernance", text, StringComparison.Ordinal);
        Assert.Contains("Users: alice@contoso.com, bob@contoso.com", text, StringComparison.Ordinal);
        Assert.Contains("Hit count: 3", text, StringComparison.Ordinal);
        Assert.Contains("Activities (first 2 of 3):", text, StringComparison.Ordinal);
        Assert.Contains("2026-03-01 09:00:00 UTC  FileDeleted  alice@contoso.com  https://contoso.sharepoint.com/sites/hr/payroll.xlsx  10.1.2.3", text, StringComparison.Ordinal);
        Assert.Contains("3 activities (FileDeleted) by alice@contoso.com, bob@contoso.com", text, StringComparison.Ordinal);

        var html = mail.Message.HtmlBody;
        Assert.Contains("A user deleted &lt;many&gt; files", html, StringComparison.Ordinal);
        Assert.Contains("<td>https://contoso.sharepoint.com/sites/hr/payroll.xlsx</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_recipient_is_skipped_and_the_others_are_emailed()
    {
        await using var server = await SmtpTestServer.StartAsync();
        var notifier = new SmtpAlertNotifier(Options(server.Port));

        await notifier.NotifyAsync(Notification(recipients: ["not an address", "soc@contoso.com"]), Ct).AsTask().WaitAsync(Bound, Ct);
        Assert.Equal(["soc@contoso.com"], Assert.Single(server.Received).EnvelopeTo);

        await Assert.ThrowsAsync<InvalidOperationException>(() => notifier.NotifyAsync(Notification(recipients: ["nope"]), Ct).AsTask());
    }

    [Fact]
    public async Task Authenticates_with_the_configured_credentials()
    {
        var seen = new List<string>();
        await using var server = await SmtpTestServer.StartAsync(authenticate: (user, password) =>
        {
            lock (seen)
            {
                seen.Add(user);
            }

            return user == "alerts" && password == "s3cret";
        });
        var good = Options(server.Port);
        good.UserName = "alerts";
        good.Password = "s3cret";
        var bad = Options(server.Port);
        bad.UserName = "alerts";
        bad.Password = "wrong";

        await new SmtpAlertNotifier(good).NotifyAsync(Notification(), Ct).AsTask().WaitAsync(Bound, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() => new SmtpAlertNotifier(bad).NotifyAsync(Notification(), Ct).AsTask().WaitAsync(Bound, Ct));

        Assert.Single(server.Received);
        Assert.NotEmpty(seen);
        Assert.All(seen, user => Assert.Equal("alerts", user));
    }

    [Fact]
    public async Task A_server_that_refuses_the_message_for_a_while_is_retried_until_it_accepts()
    {
        await using var server = await SmtpTestServer.StartAsync(respond: n => n <= 2
            ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "try again later")
            : SmtpResponse.Ok);
        await using var dispatcher = new NotificationDispatcher([new SmtpAlertNotifier(Options(server.Port))], Dispatch(retries: 3));

        dispatcher.Submit(Change(), Policy());
        await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Empty(dispatcher.FailedDeliveries);
        var mail = Assert.Single(server.Received);
        Assert.Equal("fwd:a1#1", mail.Message.Headers[SmtpAlertNotifier.NotificationIdHeader]);
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_gives_a_failed_delivery_that_is_resent_once_the_server_is_back()
    {
        var port = SmtpTestServer.FreePort();
        await using var dispatcher = new NotificationDispatcher([new SmtpAlertNotifier(Options(port))], Dispatch(retries: 2));

        using (var dropping = new DroppingServer(port))
        {
            dispatcher.Submit(Change(), Policy());
            await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);
            Assert.Equal(3, dropping.Connections);
        }

        var failed = Assert.Single(dispatcher.FailedDeliveries);
        Assert.Equal("fwd:a1#1@SmtpAlertNotifier", failed.Id);
        Assert.Equal(DeliveryFailureReason.NotifierFailed, failed.Reason);
        Assert.Equal(3, failed.Attempts);
        Assert.NotNull(failed.Error);

        await using var server = await SmtpTestServer.StartAsync(port);
        Assert.Equal(1, await dispatcher.ResendAsync(cancellationToken: Ct).WaitAsync(Bound, Ct));
        Assert.Empty(dispatcher.FailedDeliveries);
        Assert.Equal(["soc@contoso.com"], Assert.Single(server.Received).EnvelopeTo);
    }

    [Fact]
    public async Task A_server_that_refuses_connections_gives_a_failed_delivery_and_other_notifiers_still_deliver()
    {
        var port = SmtpTestServer.FreePort();
        var logged = new LoggingAlertNotifier();
        await using var dispatcher = new NotificationDispatcher([new SmtpAlertNotifier(Options(port)), logged], Dispatch(retries: 1));

        dispatcher.Submit(Change(), Policy());
        await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);

        var failed = Assert.Single(dispatcher.FailedDeliveries);
        Assert.Equal("SmtpAlertNotifier", failed.Notifier);
        Assert.Equal(2, failed.Attempts);
        Assert.Contains("SocketException", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_problem_listed()
    {
        var options = new SmtpNotifierOptions
        {
            Host = " ",
            Port = 0,
            From = "not an address",
            Password = "orphan",
            SubjectTemplate = "{Severity} {Nope} {",
            Timeout = TimeSpan.Zero,
        };

        var errors = options.Validate().Select(e => e.ToString()).ToList();
        Assert.Contains("Host: is required", errors);
        Assert.Contains("Port: must be between 1 and 65535", errors);
        Assert.Contains("From: 'not an address' is not an email address", errors);
        Assert.Contains("UserName: user name and password must be set together", errors);
        Assert.Contains(errors, e => e.StartsWith("SubjectTemplate: unknown placeholder {Nope}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("SubjectTemplate: '{' at position", StringComparison.Ordinal));
        Assert.Contains("Timeout: must be greater than zero", errors);

        var ex = Assert.Throws<ArgumentException>(() => new SmtpAlertNotifier(options));
        Assert.Contains("Port: must be between 1 and 65535", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Options(25).Validate());
    }

    [Fact]
    public void Subject_template_renders_placeholders_and_escaped_braces_on_one_line()
    {
        var options = Options(25);
        options.SubjectTemplate = "{{{Kind}}} {PolicyId} {AlertId} {Category} {Users}";
        var notifier = new SmtpAlertNotifier(options);
        using var message = notifier.CreateMessage(Notification() with { PolicyName = "two\nlines" });
        Assert.Equal("{New alert} mass-delete mass-delete:a1 InformationGovernance alice@contoso.com, bob@contoso.com", message.Subject);
    }

    [Fact]
    public async Task AddSmtpNotifier_validates_options_when_resolved_and_emails_alerts_from_the_engine()
    {
        var invalid = new ServiceCollection();
        invalid.AddSmtpNotifier(o => o.Port = 0);
        await using (var provider = invalid.BuildServiceProvider())
        {
            var ex = Assert.Throws<OptionsValidationException>(() => provider.GetServices<IAlertNotifier>().ToList());
            Assert.Contains("Smtp.Host: is required", ex.Failures);
            Assert.Contains("Smtp.Port: must be between 1 and 65535", ex.Failures);
        }

        await using var server = await SmtpTestServer.StartAsync();
        var services = new ServiceCollection();
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        services.AddSmtpNotifier(o =>
        {
            o.Host = "127.0.0.1";
            o.Port = server.Port;
            o.TlsMode = SmtpTlsMode.None;
            o.From = "alerts@contoso.com";
        });
        await using (var provider = services.BuildServiceProvider())
        {
            var engine = provider.GetRequiredService<IAlertEngine>();
            await engine.ProcessAsync(new Activity("a1", T0, "New-InboxRule") { UserId = "alice@contoso.com" }, Ct);
            var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
            await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);
            Assert.Equal(["SmtpAlertNotifier"], dispatcher.Notifiers);
        }

        var mail = Assert.Single(server.Received);
        Assert.Equal("[Informational] New alert: Forwarding rule created", mail.Message.Subject);
        Assert.Contains("Users: alice@contoso.com", mail.Message.TextBody, StringComparison.Ordinal);
    }

    private static AlertPolicy Policy() => new()
    {
        Id = "fwd",
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Notification = new NotificationSettings(true, ["soc@contoso.com"]),
    };

    private static AlertChange Change()
    {
        var activity = new Activity("a1", T0, "New-InboxRule") { UserId = "alice@contoso.com" };
        var detection = Detection.ForActivity(activity, "fwd");
        var alert = new Alert
        {
            Id = "fwd:a1",
            PolicyId = "fwd",
            PolicyName = "Forwarding rule created",
            Severity = AlertSeverity.Informational,
            Category = AlertCategory.ThreatManagement,
            CreatedAt = T0,
            FirstActivityAt = T0,
            LastActivityAt = T0,
            HitCount = 1,
            Users = ImmutableArray.Create("alice@contoso.com"),
            Activities = [AlertActivity.From(activity)],
        };
        return new AlertChange(AlertChangeKind.Created, alert, detection);
    }
}
