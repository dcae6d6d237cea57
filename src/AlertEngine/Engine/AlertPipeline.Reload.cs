using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

// Hot reload of the policy set: UpdatePolicies and TryGetPolicy. Kept apart from the evaluation path.
public sealed partial class AlertPipeline
{
    /// <summary>
    /// Replaces the policy set atomically while activities keep streaming (no restart): the change takes effect
    /// between two activities, never in the middle of one.
    /// </summary>
    /// <param name="policies">The new policy set; validated like the constructor's, against the pipeline's plan.</param>
    /// <returns>Which policies were added, removed, reset, updated with their state kept, or left unchanged.</returns>
    /// <remarks>
    /// <para>State is kept per policy id, as follows.</para>
    /// <list type="bullet">
    /// <item><b>Added</b> policies start with fresh state.</item>
    /// <item><b>Removed</b> (deleted) policies lose their state; their alerts stay in the store as they are.</item>
    /// <item>A policy whose <b>operations, conditions or trigger</b> changed is <b>reset</b>: its counters or baseline
    /// start from zero (a changed window or count starts counting again; a changed anomaly trigger learns again).</item>
    /// <item>A policy whose <b>name, description, severity, category or aggregation</b> (mode or interval) changed is
    /// also <b>reset</b> for alert grouping: its next detection opens a new alert carrying the new fields; the earlier
    /// alert stays as it is.</item>
    /// <item>Any other change (<b>enabled</b>, notification, automated investigation, type) keeps the state. A
    /// <b>disabled</b> policy stops detecting (activities no longer reach it) but keeps its state and its alerts;
    /// re-enabling it resumes with that state.</item>
    /// </list>
    /// <para>Global state (duplicate ids, the watermark, statistics) is not affected.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">A policy is invalid; the message lists every problem. The policy set is then unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The pipeline was disposed.</exception>
    public PolicyUpdateSummary UpdatePolicies(IEnumerable<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var list = policies.ToArray();
        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("The policy set contains null.", nameof(policies));
        }

        var errors = PolicyValidator.Validate(list, Options.Plan);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid policies:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(policies));
        }

        List<string> added = [], removed = [], reset = [], updated = [], unchanged = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var runtimes = new PolicyRuntime[list.Length];
            for (var i = 0; i < list.Length; i++)
            {
                var policy = list[i];
                if (!_byId.TryGetValue(policy.Id, out var old))
                {
                    runtimes[i] = NewRuntime(policy);
                    added.Add(policy.Id);
                    continue;
                }

                if (PolicyEquality.Same(old.Policy, policy))
                {
                    runtimes[i] = old with { Policy = policy };
                    unchanged.Add(policy.Id);
                    continue;
                }

                var sameDetection = PolicyEquality.SameDetection(old.Policy, policy);
                var sameAlerting = PolicyEquality.SameAlerting(old.Policy, policy, Options.Plan);
                runtimes[i] = new PolicyRuntime(
                    policy,
                    sameDetection ? old.Matches : ConditionCompiler.Compile(policy.Conditions),
                    sameDetection ? old.Detector : CreateDetector(policy),
                    sameAlerting ? old.Aggregator : NewAggregator(policy));
                (sameDetection && sameAlerting ? updated : reset).Add(policy.Id);
            }

            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var policy in list)
            {
                ids.Add(policy.Id);
            }

            foreach (var id in _byId.Keys)
            {
                if (!ids.Contains(id))
                {
                    removed.Add(id);
                }
            }

            _byId.Clear();
            foreach (var runtime in runtimes)
            {
                _byId.Add(runtime.Policy.Id, runtime);
            }

            _byOperation = NewLookup(runtimes);
            _clockDriven = ClockDriven(runtimes);
            Policies = list;
        }

        removed.Sort(StringComparer.Ordinal);
        var summary = new PolicyUpdateSummary(added, removed, reset, updated, unchanged);
        LogPoliciesUpdated(_logger, added.Count, removed.Count, reset.Count, updated.Count, unchanged.Count);
        return summary;
    }

    /// <summary>Gets a policy of the current set by id.</summary>
    /// <param name="id">The policy id (ordinal).</param>
    /// <param name="policy">The policy when found.</param>
    /// <returns>Whether the current set has the policy.</returns>
    public bool TryGetPolicy(string id, [NotNullWhen(true)] out AlertPolicy? policy)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            policy = _byId.TryGetValue(id, out var runtime) ? runtime.Policy : null;
            return policy is not null;
        }
    }

    private PolicyRuntime NewRuntime(AlertPolicy policy) =>
        new(policy, ConditionCompiler.Compile(policy.Conditions), CreateDetector(policy), NewAggregator(policy));

    private AlertAggregator NewAggregator(AlertPolicy policy) =>
        new(policy, AlertAggregator.ResolveInterval(policy, Options.Plan), Options.MaxActivitiesPerAlert);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Policy set updated: {Added} added, {Removed} removed, {Reset} reset, {Updated} updated with state kept, {Unchanged} unchanged")]
    private static partial void LogPoliciesUpdated(ILogger logger, int added, int removed, int reset, int updated, int unchanged);
}

/// <summary>What <see cref="AlertPipeline.UpdatePolicies"/> did, by policy id.</summary>
/// <param name="Added">New policies (fresh state).</param>
/// <param name="Removed">Deleted policies (state dropped; their alerts stay), in ordinal order.</param>
/// <param name="Reset">Changed policies whose detection state or alert grouping started again.</param>
/// <param name="Updated">Changed policies whose state was kept (e.g. enabled, notification).</param>
/// <param name="Unchanged">Policies identical to before.</param>
public sealed record PolicyUpdateSummary(
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Reset,
    IReadOnlyList<string> Updated,
    IReadOnlyList<string> Unchanged);
