using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>Notify</c> operator.</summary>
public static class NotifyObservable
{
    /// <summary>
    /// Hands each alert change to <paramref name="dispatcher"/> (which decides and queues the notification without
    /// waiting for delivery) and passes the change on with the alert's notification state recorded on it
    /// (<see cref="Alert.NotificationsSuppressed"/>, <see cref="Alert.SilencedBy"/>). A change of a policy not in
    /// <paramref name="policies"/> ends the stream with <c>OnError</c>.
    /// </summary>
    /// <param name="source">Alert changes.</param>
    /// <param name="dispatcher">The dispatcher.</param>
    /// <param name="policies">The policies of the alerts, by id.</param>
    /// <returns>The changes, after they were handed to the dispatcher.</returns>
    public static IObservable<AlertChange> Notify(this IObservable<AlertChange> source, NotificationDispatcher dispatcher, IEnumerable<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(policies);
        var byId = new Dictionary<string, AlertPolicy>(StringComparer.Ordinal);
        foreach (var policy in policies)
        {
            ArgumentNullException.ThrowIfNull(policy, nameof(policies));
            byId[policy.Id] = policy;
        }

        return source.Select(change =>
        {
            ArgumentNullException.ThrowIfNull(change);
            if (!byId.TryGetValue(change.Alert.PolicyId, out var policy))
            {
                throw new InvalidOperationException($"Alert '{change.Alert.Id}' belongs to policy '{change.Alert.PolicyId}', which the Notify operator was not given.");
            }

            var alert = dispatcher.Submit(change, policy).Apply(change.Alert);
            return ReferenceEquals(alert, change.Alert) ? change : change with { Alert = alert };
        });
    }
}
