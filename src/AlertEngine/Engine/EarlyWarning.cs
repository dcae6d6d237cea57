namespace AlertEngine;

/// <summary>The first match of a threshold policy for a scope key, before the threshold is reached.</summary>
/// <param name="Policy">The threshold policy (with <see cref="NotificationSettings.EarlyWarning"/> on).</param>
/// <param name="Activity">The first activity counted for the key in the current window.</param>
/// <param name="ScopeKey">The scope key.</param>
public sealed record EarlyWarning(AlertPolicy Policy, Activity Activity, string ScopeKey);
