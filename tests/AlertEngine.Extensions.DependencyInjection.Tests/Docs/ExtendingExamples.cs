// The code of docs/extending.md. The regions between "snippet:" and "end snippet" are copied into the document
// verbatim; DocSnippetTests fails when they differ. ExtendingExampleTests runs them.
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

// snippet: store
/// <summary>
/// A small alert store over a dictionary: the contract of <see cref="IAlertStore"/> in a few lines. A real store
/// does the same against its database (the comments say how).
/// </summary>
public sealed class DictionaryAlertStore : IAlertStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);

    public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate)
        {
            // The engine writes content (hit count, activities, users, …). For an alert already stored, keep the
            // management fields an administrator set: status, history, notification suppression.
            _alerts[alert.Id] = _alerts.TryGetValue(alert.Id, out var stored)
                ? alert with { Status = stored.Status, History = stored.History, NotificationsSuppressed = stored.NotificationsSuppressed }
                : alert;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(updated);
        lock (_gate)
        {
            // Compare-and-set on (status, suppression, history length); in SQL:
            // UPDATE alerts SET … WHERE id = @id AND status = @status AND suppressed = @suppressed AND history_count = @count
            if (!_alerts.TryGetValue(current.Id, out var stored)
                || stored.Status != current.Status
                || stored.NotificationsSuppressed != current.NotificationsSuppressed
                || stored.History.Length != current.History.Length)
            {
                return ValueTask.FromResult<Alert?>(null); // changed meanwhile: the caller reads again and retries
            }

            // Management fields from the caller, content as stored (the engine may have grown the alert since).
            var next = stored with { Status = updated.Status, History = updated.History, NotificationsSuppressed = updated.NotificationsSuppressed };
            _alerts[current.Id] = next;
            return ValueTask.FromResult<Alert?>(next);
        }
    }

    public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_alerts.GetValueOrDefault(id));
        }
    }

    public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<Alert> matching;
        lock (_gate)
        {
            // AlertQuery.Matches is the reference filter; a database translates it into WHERE clauses.
            matching = _alerts.Values.Where(query.Matches).ToList();
        }

        // Order by (createdAt, policyId, id), keyset paging after the cursor, at most Take alerts:
        // ORDER BY created_at, policy_id, id … WHERE (created_at, policy_id, id) > (@c, @p, @i) LIMIT @take
        matching.Sort(AlertOrder.Instance);
        IEnumerable<Alert> page = matching;
        if (query.After is { } after)
        {
            page = page.Where(alert => after.CompareTo(alert) < 0);
        }

        if (query.Take is int take)
        {
            page = page.Take(take);
        }

        return ValueTask.FromResult<IReadOnlyList<Alert>>(page.ToList());
    }
}
// end snippet

// snippet: notifier
/// <summary>Where <see cref="WebhookNotifier"/> posts.</summary>
public sealed class WebhookNotifierOptions
{
    public Uri? Endpoint { get; set; }
}

/// <summary>Posts each notification as JSON to a webhook (a chat channel, a ticketing system, …).</summary>
public sealed class WebhookNotifier(HttpClient http, IOptions<WebhookNotifierOptions> options) : IAlertNotifier
{
    public async ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        var endpoint = options.Value.Endpoint
            ?? throw new InvalidOperationException("WebhookNotifierOptions.Endpoint is not set.");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = JsonContent.Create(new
            {
                id = notification.Id,
                kind = notification.Kind.ToString(),
                alertId = notification.AlertId,
                policy = notification.PolicyName,
                severity = notification.Severity.ToString(),
                category = notification.Category.ToString(),
                users = notification.Users,
                hitCount = notification.HitCount,
                summary = notification.Summary,
                recipients = notification.Recipients,
            }),
        };

        // The same alert change always has the same id: the receiver can drop a repeated delivery.
        request.Headers.Add("Idempotency-Key", notification.Id);

        // Honour the token: it is cancelled when the attempt times out or the dispatcher stops.
        using var response = await http.SendAsync(request, cancellationToken);

        // Throwing reports the failure: the dispatcher retries with backoff, then keeps a FailedDelivery to re-send.
        response.EnsureSuccessStatusCode();
    }
}
// end snippet

public static class ExtendingExamples
{
    // snippet: register
    /// <summary>The engine with a durable store and a webhook notifier.</summary>
    /// <param name="services">The services.</param>
    /// <param name="http">The HttpClient for the webhook (one shared instance, or one from IHttpClientFactory).</param>
    /// <param name="policies">The policies.</param>
    public static IServiceCollection AddAlertingWithWebhook(this IServiceCollection services, HttpClient http, IEnumerable<AlertPolicy> policies)
    {
        // Your store replaces the in-memory one, whether registered before or after AddAlertEngine.
        services.AddSingleton<IAlertStore, DictionaryAlertStore>();
        services.AddAlertEngine(options =>
        {
            foreach (var policy in policies)
            {
                options.Policies.Add(policy);
            }

            options.Notifications.MaxRetryAttempts = 4;               // then the delivery is kept as failed
            options.Notifications.AttemptTimeout = TimeSpan.FromSeconds(30);
        });

        services.AddSingleton(http);
        services.Configure<WebhookNotifierOptions>(o => o.Endpoint = new Uri("https://hooks.contoso.com/alerts"));
        services.AddAlertNotifier<WebhookNotifier>();             // any number of notifiers; each gets every notification
        return services;
    }
    // end snippet
}
