namespace AlertEngine;

/// <summary>Reads the scope key of an activity for a <see cref="TriggerScope"/>.</summary>
internal static class ScopeKeys
{
    private static readonly Func<Activity, string?> Single = static _ => string.Empty;
    private static readonly Func<Activity, string?> User = static a => NullIfEmpty(a.UserId);
    private static readonly Func<Activity, string?> MalwareFamily = static a => Property(a, "MalwareFamily");
    private static readonly Func<Activity, string?> Recipient = static a => Property(a, "Recipient");

    /// <summary>
    /// Returns the key reader for <paramref name="scope"/>, resolved once. Organization and all-messages scopes read
    /// the constant key <c>""</c>; the others return <see langword="null"/> when the activity has no (or an empty)
    /// value, which the caller counts under <c>""</c> and reports as <see cref="DiagnosticKind.MissingScopeKey"/>.
    /// </summary>
    public static Func<Activity, string?> Reader(TriggerScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        switch (scope.Kind)
        {
            case TriggerScopeKind.Organization:
            case TriggerScopeKind.AllMessages:
                return Single;
            case TriggerScopeKind.User:
                return User;
            case TriggerScopeKind.MalwareFamily:
                return MalwareFamily;
            case TriggerScopeKind.Recipient:
                return Recipient;
            case TriggerScopeKind.Property:
                var field = ActivityFields.Reader(scope.PropertyName!);
                return a => NullIfEmpty(field(a));
            case TriggerScopeKind.Properties:
                return Composite(scope.PropertyNames);
            default:
                throw new ArgumentOutOfRangeException(nameof(scope), scope.Kind, "Unknown scope kind.");
        }
    }

    /// <summary>The values of several fields joined with U+001F; null when one has no value. Allocation-free for a key
    /// seen before (<see cref="CompositeScopeKey"/>).</summary>
    private static Func<Activity, string?> Composite(IReadOnlyList<string> names) => new CompositeScopeKey(names).Read;

    private static string? Property(Activity a, string name) => a.TryGetProperty(name, out var v) ? NullIfEmpty(v) : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
