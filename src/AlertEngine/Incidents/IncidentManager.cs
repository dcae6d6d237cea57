using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// Runs incident response on top of alerts: groups alerts into incidents (<see cref="IncidentCorrelator"/>), moves
/// incidents through the response phases recording who, when and why, escalates through an
/// <see cref="IEscalationHandler"/>, tracks the 72-hour customer-notification clock of declared security incidents,
/// validates and records customer notifications and postmortems, and raises an alert when a notification deadline is
/// missed.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> All members are safe to call concurrently; changes are applied one at a time. Each
/// change is written to the <see cref="IIncidentStore"/> and then published on <see cref="Changes"/>, in order, after
/// the manager's internal lock is released, so observers may call back into the manager.</para>
/// <para><b>Time.</b> Grouping runs on the alerts' event times. Transitions, declarations, deadlines, notifications
/// and postmortems use the injected <see cref="TimeProvider"/> (UTC instants).</para>
/// <para><b>Errors.</b> Unknown incident ids throw <see cref="KeyNotFoundException"/>; moves the phase table or the
/// incident's state forbid throw <see cref="InvalidIncidentTransitionException"/>; other state errors (declaring
/// twice, notifying before declaring) throw <see cref="InvalidOperationException"/>. Notification and postmortem
/// content is user input: incomplete content is refused with a result listing every missing part.</para>
/// <para><b>Grouping state</b> lives in memory: after a restart, call <see cref="RestoreGroupingAsync"/> so new
/// alerts can join incidents opened before it. If the store fails while an alert is grouped, retrying the same alert
/// stores the incident.</para>
/// </remarks>
public sealed partial class IncidentManager : IDisposable
{
    /// <summary>The <see cref="Alert.PolicyId"/> of the alert raised when a notification deadline is missed.</summary>
    public const string OverdueNotificationPolicyId = "incident-notification-overdue";

    /// <summary>The <see cref="Alert.Source"/> of alerts raised by the manager.</summary>
    public const string AlertSource = "AlertEngine.Incidents";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IEscalationHandler _escalation;
    private readonly IAlertStore? _alertStore;
    private readonly ILogger _logger;
    private readonly IncidentCorrelator _correlator;
    private readonly int _maxEntities;
    private readonly Subject<IncidentChange> _changes = new();
    private readonly Lock _outboxGate = new();
    private readonly Queue<IncidentChange> _outbox = new();
    private readonly HashSet<string> _escalating = new(StringComparer.Ordinal);
    private bool _draining;
    private bool _disposed;

    /// <summary>Creates a manager.</summary>
    /// <param name="store">Where incidents are kept; a new <see cref="InMemoryIncidentStore"/> by default.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults. Validated; the manager keeps its own copy.</param>
    /// <param name="timeProvider">The wall clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="escalationHandler">Escalates incidents; a <see cref="LoggingEscalationHandler"/> by default.</param>
    /// <param name="alertStore">Where the alert for a missed notification deadline is written; when
    /// <see langword="null"/> that alert is only returned and published on <see cref="Changes"/>.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public IncidentManager(
        IIncidentStore? store = null,
        IncidentManagerOptions? options = null,
        TimeProvider? timeProvider = null,
        IEscalationHandler? escalationHandler = null,
        IAlertStore? alertStore = null,
        ILogger<IncidentManager>? logger = null)
    {
        var source = options ?? new IncidentManagerOptions();
        var errors = source.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid incident manager options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(options));
        }

        Store = store ?? new InMemoryIncidentStore();
        NotificationPeriod = source.NotificationPeriod;
        _correlator = new IncidentCorrelator(source.Grouping);
        _maxEntities = source.Grouping.MaxEntitiesPerIncident;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _escalation = escalationHandler ?? new LoggingEscalationHandler();
        _alertStore = alertStore;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The incident store.</summary>
    public IIncidentStore Store { get; }

    /// <summary>The wall clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>How long after declaration customers must be notified (72 hours by default).</summary>
    public TimeSpan NotificationPeriod { get; }

    /// <summary>Every change, after it is stored, in the order the changes were applied. Hot: subscribe before use.
    /// An observer that throws is logged and does not undo the change.</summary>
    public IObservable<IncidentChange> Changes => _changes;

    /// <summary>Gets an incident.</summary>
    /// <param name="incidentId">The incident id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The incident, or <see langword="null"/>.</returns>
    public ValueTask<Incident?> GetAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        return Store.GetAsync(incidentId, cancellationToken);
    }

    /// <summary>Completes <see cref="Changes"/>. Further calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _changes.OnCompleted();
        _changes.Dispose();
    }

    private async ValueTask<Incident> LoadAsync(string incidentId, CancellationToken cancellationToken) =>
        await Store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false)
        ?? throw new KeyNotFoundException($"There is no incident {incidentId}.");

    private async ValueTask<IncidentChange> SaveAsync(IncidentChangeKind kind, Incident incident, Alert? alert, CancellationToken cancellationToken)
    {
        await Store.UpsertAsync(incident, cancellationToken).ConfigureAwait(false);
        var change = new IncidentChange(kind, incident, alert);
        IncidentLog.Changed(_logger, incident.Id, kind, incident.Phase);
        lock (_outboxGate)
        {
            _outbox.Enqueue(change);
        }

        return change;
    }

    private async ValueTask<T> WithGateAsync<T>(Func<ValueTask<T>> body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await body().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            Drain();
        }
    }

    /// <summary>Publishes queued changes in order. One caller drains at a time; re-entrant calls only enqueue.</summary>
    private void Drain()
    {
        lock (_outboxGate)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        while (true)
        {
            IncidentChange next;
            lock (_outboxGate)
            {
                if (!_outbox.TryDequeue(out next!))
                {
                    _draining = false;
                    return;
                }
            }

            if (_disposed)
            {
                continue;
            }

            try
            {
                _changes.OnNext(next);
            }
#pragma warning disable CA1031 // An observer's failure must not undo or block a stored change.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                IncidentLog.ObserverFailed(_logger, ex, next.Kind, next.Incident.Id);
            }
        }
    }
}
