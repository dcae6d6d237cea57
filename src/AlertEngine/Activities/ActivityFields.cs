namespace AlertEngine;

/// <summary>Reads a named field of an activity: a top-level field or, failing that, a property.</summary>
internal static class ActivityFields
{
    /// <summary>Returns a reader for <paramref name="name"/>, resolved once.</summary>
    public static Func<Activity, string?> Reader(string name)
    {
        if (name.Equals("userId", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.UserId;
        }

        if (name.Equals("clientIp", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.ClientIp?.ToString();
        }

        if (name.Equals("objectId", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.ObjectId;
        }

        if (name.Equals("workload", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.Workload;
        }

        if (name.Equals("operation", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.Operation;
        }

        if (name.Equals("id", StringComparison.OrdinalIgnoreCase))
        {
            return static a => a.Id;
        }

        return a => a.TryGetProperty(name, out var v) ? v : null;
    }

    /// <summary>The file name of an activity: property <c>FileName</c>, else the last path segment of the object id.</summary>
    public static ReadOnlySpan<char> FileName(Activity a)
    {
        if (a.TryGetProperty("FileName", out var fileName))
        {
            return fileName;
        }

        var obj = a.ObjectId;
        if (obj is null)
        {
            return default;
        }

        var span = obj.AsSpan();
        // Ignore a query string or fragment on URLs.
        var cut = span.IndexOfAny('?', '#');
        if (cut >= 0)
        {
            span = span[..cut];
        }

        span = span.TrimEnd('/');
        var slash = span.LastIndexOfAny('/', '\\');
        return slash >= 0 ? span[(slash + 1)..] : span;
    }
}
