using System.Globalization;
using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing;

/// <summary>
/// FsCheck generators for <see cref="Activity"/> values drawn from small pools (operations, users, addresses, object
/// ids, tags, properties), so that conditions built from <see cref="ConditionGenerators"/> match a good share of them.
/// Strings come in random letter case, addresses as IPv4, IPv6 and IPv4-mapped IPv6, object ids as URLs (with and
/// without query strings), Windows and Unix paths and mailboxes, and properties sometimes in a case-sensitive
/// dictionary with differently cased keys. Every optional field is sometimes missing.
/// </summary>
/// <remarks>
/// Use <see cref="Activities"/> as a generator, or register the class with FsCheck
/// (<c>[Property(Arbitrary = [typeof(ActivityGenerators)])]</c>) to get <see cref="ArbitraryActivity"/>, which shrinks
/// an activity by dropping its optional fields one at a time.
/// </remarks>
public static class ActivityGenerators
{
    /// <summary>The first event time generated; times fall in the following 7 days.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The operations activities use.</summary>
    public static IReadOnlyList<string> Operations { get; } =
        ["FileDeleted", "FileAccessed", "FileSharedExternally", "MailRedirect", "MalwareDetected", "Add-RoleGroupMember"];

    /// <summary>The user ids activities use.</summary>
    public static IReadOnlyList<string> Users { get; } =
        ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "svc-backup@contoso.com"];

    /// <summary>The workloads activities use.</summary>
    public static IReadOnlyList<string> Workloads { get; } = ["SharePoint", "OneDrive", "Exchange", "AzureActiveDirectory"];

    /// <summary>The user tags activities carry.</summary>
    public static IReadOnlyList<string> UserTags { get; } = ["Priority account", "Admin", "Contractor"];

    /// <summary>The file names object ids and the <c>FileName</c> property use.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["payroll.xlsx", "report1.pdf", "report22.pdf", "Budget.DOCX", "notes.txt", "archive.tar.gz", "README"];

    /// <summary>The SharePoint sites URLs point into.</summary>
    public static IReadOnlyList<string> Sites { get; } = ["hr", "finance", "it"];

    /// <summary>The malware families of property <c>MalwareFamily</c>.</summary>
    public static IReadOnlyList<string> MalwareFamilies { get; } = ["Emotet", "Qakbot", "AgentTesla"];

    /// <summary>The client addresses activities use, as text: IPv4, IPv6 (one with a scope id) and IPv4-mapped IPv6.</summary>
    public static IReadOnlyList<string> IpAddresses { get; } =
    [
        "10.1.2.3", "10.1.9.9", "10.200.0.1", "192.168.0.7", "172.16.0.1", "8.8.8.8",
        "2001:db8::1", "2001:db8:1::5", "2001:db8:2::7", "fe80::1%3", "::1",
        "::ffff:10.1.2.3", "::ffff:192.168.0.7",
    ];

    /// <summary>Letter-case variants of <paramref name="value"/>: as is, lower, upper, or inverted.</summary>
    /// <param name="value">The text.</param>
    /// <returns>A generator of the same text in various cases.</returns>
    public static Gen<string> AnyCase(string value) => Gen.Elements(
        value,
        value.ToLowerInvariant(),
        value.ToUpperInvariant(),
        string.Concat(value.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))));

    /// <summary>An element of <paramref name="pool"/> in a random letter case.</summary>
    /// <param name="pool">The pool.</param>
    /// <returns>The generator.</returns>
    public static Gen<string> FromPool(IReadOnlyList<string> pool) => Gen.Elements(pool.ToArray()).SelectMany(AnyCase);

    /// <summary>Client addresses from <see cref="IpAddresses"/>.</summary>
    public static Gen<IPAddress> ClientIps { get; } = Gen.Elements(IpAddresses.ToArray()).Select(IPAddress.Parse);

    /// <summary>
    /// Object ids: SharePoint URLs to files (sometimes with a query string or fragment), folder URLs with a trailing
    /// slash, a bare host URL, Windows and Unix paths, and mailboxes.
    /// </summary>
    public static Gen<string> ObjectIds { get; } = Gen.OneOf(
        from site in FromPool(Sites)
        from file in FromPool(FileNames)
        from suffix in Gen.Elements(string.Empty, string.Empty, "?web=1", "?d=w1&csf=1#page=2", "#top")
        select $"https://contoso.sharepoint.com/sites/{site}/Shared Documents/{file}{suffix}",
        from site in FromPool(Sites)
        select $"https://contoso.sharepoint.com/sites/{site}/",
        Gen.Elements("https://contoso.sharepoint.com", "https://contoso.sharepoint.com/?q=payroll.xlsx"),
        from site in Gen.Elements(Sites.ToArray())
        from file in FromPool(FileNames)
        select $@"C:\share\{site}\{file}",
        from file in FromPool(FileNames)
        select $"/srv/share/{file}",
        FromPool(Users));

    /// <summary>Properties: sometimes <c>FileName</c>, <c>MalwareFamily</c>, <c>Recipient</c>, in a case-insensitive
    /// dictionary or a case-sensitive one whose keys may be cased differently.</summary>
    public static Gen<IReadOnlyDictionary<string, string>> Properties { get; } =
        from fileName in Optional(FromPool(FileNames))
        from family in Optional(FromPool(MalwareFamilies))
        from recipient in Optional(FromPool(Users))
        from caseInsensitive in Gen.Elements(true, false)
        from fileNameKey in AnyCase("FileName")
        from familyKey in AnyCase("MalwareFamily")
        select (IReadOnlyDictionary<string, string>)BuildProperties(caseInsensitive, (fileNameKey, fileName), (familyKey, family), ("Recipient", recipient));

    /// <summary>Activities built from the pools; every optional field is sometimes missing.</summary>
    public static Gen<Activity> Activities { get; } =
        from number in Gen.Choose(1, 100_000)
        from minutes in Gen.Choose(0, 7 * 24 * 60)
        from operation in FromPool(Operations)
        from userId in Optional(FromPool(Users))
        from clientIp in Optional(ClientIps)
        from objectId in Optional(ObjectIds)
        from workload in Optional(FromPool(Workloads))
        from tags in Gen.SubListOf(UserTags.ToArray()).SelectMany(t => Gen.CollectToArray(t, AnyCase))
        from properties in Properties
        select new Activity("a" + number.ToString(CultureInfo.InvariantCulture), Epoch.AddMinutes(minutes), operation)
        {
            UserId = userId,
            ClientIp = clientIp,
            ObjectId = objectId,
            Workload = workload,
            UserTags = tags,
            Properties = properties,
        };

    /// <summary>The FsCheck arbitrary: <see cref="Activities"/> with <see cref="Shrink"/>.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<Activity> ArbitraryActivity() => Arb.From(Activities, Shrink);

    /// <summary>Smaller versions of <paramref name="activity"/>: each with one optional field, tag or property removed.</summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The shrink candidates, simplest first.</returns>
    public static IEnumerable<Activity> Shrink(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.UserId is not null)
        {
            yield return Copy(activity, a => a.UserId = null);
        }

        if (activity.ClientIp is not null)
        {
            yield return Copy(activity, a => a.ClientIp = null);
        }

        if (activity.ObjectId is not null)
        {
            yield return Copy(activity, a => a.ObjectId = null);
        }

        if (activity.Workload is not null)
        {
            yield return Copy(activity, a => a.Workload = null);
        }

        for (var i = 0; i < activity.UserTags.Count; i++)
        {
            var tags = activity.UserTags.ToList();
            tags.RemoveAt(i);
            yield return Copy(activity, a => a.UserTags = tags);
        }

        foreach (var key in activity.Properties.Keys)
        {
            var comparer = activity.Properties is Dictionary<string, string> d ? d.Comparer : StringComparer.Ordinal;
            var properties = new Dictionary<string, string>(comparer);
            foreach (var pair in activity.Properties)
            {
                if (pair.Key != key)
                {
                    properties.Add(pair.Key, pair.Value);
                }
            }

            yield return Copy(activity, a => a.Properties = properties);
        }
    }

    /// <summary><paramref name="value"/> three times out of four, <see langword="null"/> otherwise.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The generator of present values.</param>
    /// <returns>The generator.</returns>
    public static Gen<T?> Optional<T>(Gen<T> value)
        where T : class =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (3, value.Select(v => (T?)v)));

    private static Dictionary<string, string> BuildProperties(bool caseInsensitive, params (string Key, string? Value)[] entries)
    {
        var properties = new Dictionary<string, string>(caseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                properties[key] = value;
            }
        }

        return properties;
    }

    private static Activity Copy(Activity source, Action<ActivityFieldsBuilder> change)
    {
        var builder = new ActivityFieldsBuilder(source);
        change(builder);
        return new Activity(source.Id, source.Time, source.Operation)
        {
            UserId = builder.UserId,
            ClientIp = builder.ClientIp,
            ObjectId = builder.ObjectId,
            Workload = builder.Workload,
            UserTags = builder.UserTags,
            Properties = builder.Properties,
        };
    }

    /// <summary>The optional fields of an activity, mutable, for building shrunk copies.</summary>
    private sealed class ActivityFieldsBuilder(Activity source)
    {
        public string? UserId { get; set; } = source.UserId;

        public IPAddress? ClientIp { get; set; } = source.ClientIp;

        public string? ObjectId { get; set; } = source.ObjectId;

        public string? Workload { get; set; } = source.Workload;

        public IReadOnlyList<string> UserTags { get; set; } = source.UserTags;

        public IReadOnlyDictionary<string, string> Properties { get; set; } = source.Properties;
    }
}
