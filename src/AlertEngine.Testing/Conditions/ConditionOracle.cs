using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AlertEngine.Testing;

/// <summary>
/// A deliberately naive interpreter of the condition semantics that <c>ConditionCompiler</c> documents: plain loops,
/// string allocations, a memoised recursive glob, bit-by-bit network comparison. It is slow and obviously correct, and
/// exists to be compared with the compiled predicate in property tests (yours included).
/// </summary>
public static class ConditionOracle
{
    private static readonly string[] TopLevelFields = ["userId", "clientIp", "objectId", "workload", "operation"];

    /// <summary>Evaluates <paramref name="condition"/> against <paramref name="activity"/>.</summary>
    /// <param name="condition">The condition; <see langword="null"/> matches every activity.</param>
    /// <param name="activity">The activity.</param>
    /// <returns>Whether the activity matches.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="activity"/> is null.</exception>
    public static bool Evaluate(Condition? condition, Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        switch (condition)
        {
            case null:
                return true;

            case AllCondition all:
                foreach (var child in all.Conditions)
                {
                    if (!Evaluate(child, activity))
                    {
                        return false;
                    }
                }

                return true;

            case AnyCondition any:
                foreach (var child in any.Conditions)
                {
                    if (Evaluate(child, activity))
                    {
                        return true;
                    }
                }

                return false;

            case NotCondition not:
                return !Evaluate(not.Condition, activity);

            case UsersCondition users:
                return activity.UserId is not null && ContainsIgnoreCase(users.Users, activity.UserId);

            case IpAddressesCondition ips:
                if (activity.ClientIp is null)
                {
                    return false;
                }

                foreach (var range in ips.Ranges)
                {
                    if (InNetwork(activity.ClientIp, range.BaseAddress, range.PrefixLength))
                    {
                        return true;
                    }
                }

                return false;

            case FileNamesCondition files:
                var fileName = FileName(activity);
                return fileName.Length > 0 && AnyGlobMatches(files.Patterns, fileName);

            case UrlsCondition urls:
                return activity.ObjectId is not null && AnyGlobMatches(urls.Patterns, activity.ObjectId);

            case UserTagsCondition tags:
                foreach (var tag in activity.UserTags)
                {
                    if (ContainsIgnoreCase(tags.Tags, tag))
                    {
                        return true;
                    }
                }

                return false;

            case PropertyCondition property:
                return EvaluateProperty(property, activity);

            default:
                throw new ArgumentException($"Unknown condition type {condition.GetType().Name}.", nameof(condition));
        }
    }

    /// <summary>
    /// The file name a <c>fileNames</c> condition looks at: property <c>FileName</c> when present and not empty, else the
    /// last non-empty path segment of the object id (for a URL: of its path, without query string or fragment).
    /// The empty string means there is none.
    /// </summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The file name, or the empty string.</returns>
    public static string FileName(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.TryGetProperty("FileName", out var fromProperty) && fromProperty.Length > 0)
        {
            return fromProperty;
        }

        var path = activity.ObjectId;
        if (path is null)
        {
            return string.Empty;
        }

        var schemeEnd = path.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            var afterScheme = path.Substring(schemeEnd + 3);
            afterScheme = afterScheme.Split('?', '#')[0];
            var firstSeparator = afterScheme.IndexOfAny(['/', '\\']);
            if (firstSeparator < 0)
            {
                return string.Empty;
            }

            path = afterScheme.Substring(firstSeparator);
        }

        var last = string.Empty;
        foreach (var segment in path.Split('/', '\\'))
        {
            if (segment.Length > 0)
            {
                last = segment;
            }
        }

        return last;
    }

    /// <summary>Whether <paramref name="text"/> matches the glob <paramref name="pattern"/> (<c>*</c>, <c>?</c>, case-insensitive).</summary>
    /// <param name="pattern">The glob.</param>
    /// <param name="text">The text.</param>
    /// <returns>Whether the whole text matches.</returns>
    public static bool GlobMatches(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);

        // memo[i, j]: null = not computed yet, else whether pattern[i..] matches text[j..].
        var memo = new bool?[pattern.Length + 1, text.Length + 1];
        return Match(0, 0);

        bool Match(int i, int j)
        {
            if (memo[i, j] is { } known)
            {
                return known;
            }

            bool result;
            if (i == pattern.Length)
            {
                result = j == text.Length;
            }
            else if (pattern[i] == '*')
            {
                // The star matches nothing, or one more character.
                result = Match(i + 1, j) || (j < text.Length && Match(i, j + 1));
            }
            else if (j == text.Length)
            {
                result = false;
            }
            else
            {
                result = (pattern[i] == '?' || SameCharIgnoringCase(pattern[i], text[j])) && Match(i + 1, j + 1);
            }

            memo[i, j] = result;
            return result;
        }
    }

    private static bool EvaluateProperty(PropertyCondition property, Activity activity)
    {
        var field = Array.Find(TopLevelFields, f => string.Equals(f, property.Property, StringComparison.OrdinalIgnoreCase));
        if (field == "clientIp")
        {
            if (activity.ClientIp is null)
            {
                return false;
            }

            if (property.Operator == PropertyOperator.Matches)
            {
                return GlobMatches(property.Values[0], Unmapped(activity.ClientIp).ToString());
            }

            foreach (var value in property.Values)
            {
                if (IPAddress.TryParse(value, out var address) && SameAddress(address, activity.ClientIp))
                {
                    return true;
                }
            }

            return false;
        }

        string? actual = field switch
        {
            "userId" => activity.UserId,
            "objectId" => activity.ObjectId,
            "workload" => activity.Workload,
            "operation" => activity.Operation,
            _ => activity.TryGetProperty(property.Property, out var v) ? v : null,
        };

        if (actual is not null)
        {
            return ValueMatches(property, actual);
        }

        if (field is not null)
        {
            return false;
        }

        foreach (var reached in PathValues(activity, property.Property))
        {
            if (ValueMatches(property, reached))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The values a dotted path (<c>Parameters.Name</c>) reaches in an activity whose properties have no key equal to
    /// the whole name: the first segment names a property holding a JSON object or array, the other segments members
    /// (case-insensitive), arrays are passed through (every element), a path ending on an array reaches its elements,
    /// one ending on an object its raw JSON text, strings unescaped, numbers and booleans as JSON text, null nothing.
    /// Walks a <see cref="JsonDocument"/> parsed on every call.
    /// </summary>
    /// <param name="activity">The activity.</param>
    /// <param name="path">The dotted path.</param>
    /// <returns>Every value reached, in document order; empty when the name is not a dotted path.</returns>
    public static IReadOnlyList<string> PathValues(Activity activity, string path)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('.');
        var values = new List<string>();
        if (segments.Length < 2 || Array.Exists(segments, s => s.Length == 0) || !activity.TryGetProperty(segments[0], out var json))
        {
            return values;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return values;
        }

        using (document)
        {
            if (document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                Reach(document.RootElement, segments, 1, values);
            }
        }

        return values;
    }

    private static void Reach(JsonElement element, string[] segments, int next, List<string> values)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Reach(item, segments, next, values);
            }

            return;
        }

        if (next == segments.Length)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Null:
                    return;
                case JsonValueKind.String:
                    values.Add(element.GetString()!);
                    return;
                default:
                    values.Add(element.GetRawText());
                    return;
            }
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var member in element.EnumerateObject())
        {
            if (string.Equals(member.Name, segments[next], StringComparison.OrdinalIgnoreCase))
            {
                Reach(member.Value, segments, next + 1, values);
            }
        }
    }

    private static bool ValueMatches(PropertyCondition property, string actual) => property.Operator switch
    {
        PropertyOperator.Equals => string.Equals(actual, property.Values[0], StringComparison.OrdinalIgnoreCase),
        PropertyOperator.In => ContainsIgnoreCase(property.Values, actual),
        PropertyOperator.Matches => GlobMatches(property.Values[0], actual),
        _ => throw new ArgumentException($"Unknown operator {property.Operator}.", nameof(property)),
    };

    private static bool ContainsIgnoreCase(IReadOnlyList<string> values, string value)
    {
        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyGlobMatches(IReadOnlyList<string> patterns, string text)
    {
        foreach (var pattern in patterns)
        {
            if (GlobMatches(pattern, text))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameCharIgnoringCase(char a, char b) =>
        string.Equals(a.ToString(), b.ToString(), StringComparison.OrdinalIgnoreCase);

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Same family and same bytes once unmapped; IPv6 scope ids are ignored.</summary>
    private static bool SameAddress(IPAddress a, IPAddress b)
    {
        var x = Unmapped(a);
        var y = Unmapped(b);
        return x.AddressFamily == y.AddressFamily && x.GetAddressBytes().AsSpan().SequenceEqual(y.GetAddressBytes());
    }

    /// <summary>Whether the first <paramref name="prefixLength"/> bits of the address and the network base agree,
    /// both taken as IPv4 when they are IPv4-mapped IPv6 (a mapped network loses the 96 bits of its mapping prefix).</summary>
    private static bool InNetwork(IPAddress address, IPAddress networkBase, int prefixLength)
    {
        var a = Unmapped(address);
        var n = networkBase;
        if (n.IsIPv4MappedToIPv6)
        {
            n = n.MapToIPv4();
            prefixLength -= 96;
        }

        if (a.AddressFamily != n.AddressFamily)
        {
            return false;
        }

        var aBytes = a.GetAddressBytes();
        var nBytes = n.GetAddressBytes();
        prefixLength = Math.Clamp(prefixLength, 0, aBytes.Length * 8);
        for (var bit = 0; bit < prefixLength; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((aBytes[bit / 8] & mask) != (nBytes[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
