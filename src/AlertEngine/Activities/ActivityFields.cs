namespace AlertEngine;

/// <summary>The top-level activity fields a condition or scope can name; anything else is a property key.</summary>
internal enum ActivityField
{
    /// <summary>Not a top-level field: the name is a key of <see cref="Activity.Properties"/>.</summary>
    Property,

    /// <summary><see cref="Activity.UserId"/>.</summary>
    UserId,

    /// <summary><see cref="Activity.ClientIp"/>.</summary>
    ClientIp,

    /// <summary><see cref="Activity.ObjectId"/>.</summary>
    ObjectId,

    /// <summary><see cref="Activity.Workload"/>.</summary>
    Workload,

    /// <summary><see cref="Activity.Operation"/>.</summary>
    Operation,
}

/// <summary>Reads a named field of an activity: a top-level field or, failing that, a property.</summary>
internal static class ActivityFields
{
    /// <summary>The name of the property that, when present, is an activity's file name.</summary>
    public const string FileNameProperty = "FileName";

    /// <summary>
    /// Resolves a name to a top-level field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>,
    /// <c>operation</c>, case-insensitively) or <see cref="ActivityField.Property"/> for any other name.
    /// </summary>
    public static ActivityField Resolve(string name) => name switch
    {
        _ when name.Equals("userId", StringComparison.OrdinalIgnoreCase) => ActivityField.UserId,
        _ when name.Equals("clientIp", StringComparison.OrdinalIgnoreCase) => ActivityField.ClientIp,
        _ when name.Equals("objectId", StringComparison.OrdinalIgnoreCase) => ActivityField.ObjectId,
        _ when name.Equals("workload", StringComparison.OrdinalIgnoreCase) => ActivityField.Workload,
        _ when name.Equals("operation", StringComparison.OrdinalIgnoreCase) => ActivityField.Operation,
        _ => ActivityField.Property,
    };

    /// <summary>
    /// Returns a reader for <paramref name="name"/>, resolved once. <c>clientIp</c> is read as its text form
    /// (an IPv4-mapped IPv6 address as IPv4), which allocates; conditions compare addresses without it.
    /// </summary>
    public static Func<Activity, string?> Reader(string name)
    {
        var field = Resolve(name);
        return a => Read(a, field, name);
    }

    /// <summary>
    /// Reads field <paramref name="field"/>, or property <paramref name="name"/> when the field is
    /// <see cref="ActivityField.Property"/>; <see langword="null"/> when missing. Only <c>clientIp</c> allocates (its text).
    /// </summary>
    public static string? Read(Activity a, ActivityField field, string name) => field switch
    {
        ActivityField.UserId => a.UserId,
        ActivityField.ObjectId => a.ObjectId,
        ActivityField.Workload => a.Workload,
        ActivityField.Operation => a.Operation,
        ActivityField.ClientIp => a.ClientIp is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null,
        _ => a.TryGetProperty(name, out var value) ? value : null,
    };

    /// <summary>
    /// The file name of an activity, without allocating: property <c>FileName</c> when present and not empty;
    /// otherwise the last path segment of the object id. For a URL (an object id containing <c>://</c>) the query
    /// string and fragment are ignored and a URL without a path has no file name; trailing <c>/</c> and <c>\</c> are
    /// ignored; segments are separated by <c>/</c> or <c>\</c>. An empty span means the activity has no file name.
    /// </summary>
    public static ReadOnlySpan<char> FileName(Activity a)
    {
        if (a.TryGetProperty(FileNameProperty, out var fileName) && fileName.Length != 0)
        {
            return fileName;
        }

        return LastPathSegment(a.ObjectId);
    }

    /// <summary>The last path segment of an object id, as described for <see cref="FileName"/>.</summary>
    public static ReadOnlySpan<char> LastPathSegment(string? objectId)
    {
        if (objectId is null)
        {
            return default;
        }

        var span = objectId.AsSpan();

        // In a URL, separators up to the "//" of "scheme://" are not path separators, and the query string and
        // fragment are not part of the path.
        var authorityFloor = -1;
        var scheme = span.IndexOf("://".AsSpan());
        if (scheme >= 0)
        {
            authorityFloor = scheme + 2;
            var cut = span[(scheme + 3)..].IndexOfAny('?', '#');
            if (cut >= 0)
            {
                span = span[..(scheme + 3 + cut)];
            }
        }

        while (span.Length > authorityFloor + 1 && span[^1] is '/' or '\\')
        {
            span = span[..^1];
        }

        var slash = span.LastIndexOfAny('/', '\\');
        if (scheme >= 0 && slash <= authorityFloor)
        {
            // A URL without a path.
            return default;
        }

        return span[(slash + 1)..];
    }
}
