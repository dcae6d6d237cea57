namespace AlertEngine;

/// <summary>Reads the scope key of an activity for a threshold or anomaly trigger.</summary>
internal static class ScopeKeys
{
    private static readonly Func<Activity, string?> UserReader = static a => a.UserId;
    private static readonly Func<Activity, string?> ConstantReader = static _ => string.Empty;
    private static readonly Func<Activity, string?> MalwareFamilyReader =
        static a => a.TryGetProperty("MalwareFamily", out var v) ? v : null;
    private static readonly Func<Activity, string?> RecipientReader =
        static a => a.TryGetProperty("Recipient", out var v) ? v : null;

    /// <summary>
    /// Returns a reader for the scope, resolved once: user → user id; organization and all messages → the constant
    /// <c>""</c>; malware family → property <c>MalwareFamily</c>; recipient → property <c>Recipient</c>;
    /// <c>property:X</c> → field or property X. The reader returns <see langword="null"/> when the activity has no
    /// value; callers then count it under <c>""</c> and report <see cref="DiagnosticKind.MissingScopeKey"/>.
    /// </summary>
    public static Func<Activity, string?> Reader(TriggerScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Kind switch
        {
            TriggerScopeKind.User => UserReader,
            TriggerScopeKind.Organization or TriggerScopeKind.AllMessages => ConstantReader,
            TriggerScopeKind.MalwareFamily => MalwareFamilyReader,
            TriggerScopeKind.Recipient => RecipientReader,
            _ => ActivityFields.Reader(scope.PropertyName!),
        };
    }
}
