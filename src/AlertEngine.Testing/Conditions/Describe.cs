using System.Globalization;
using System.Text;

namespace AlertEngine.Testing;

/// <summary>
/// Readable one-line text for conditions and activities, for property-test labels and assertion messages (records and
/// <see cref="Activity.ToString"/> leave out list contents and most fields). The condition text follows the JSON policy
/// format; it is meant for people, not for parsing.
/// </summary>
public static class Describe
{
    /// <summary>The condition as JSON-like text, e.g. <c>{"all": [{"users": ["alice"]}, {"not": {"urls": ["*"]}}]}</c>.</summary>
    /// <param name="condition">The condition; <see langword="null"/> gives <c>null</c>.</param>
    /// <returns>The text.</returns>
    public static string Of(Condition? condition)
    {
        var text = new StringBuilder();
        Append(text, condition);
        return text.ToString();
    }

    /// <summary>Every field of the activity, properties and tags included.</summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The text.</returns>
    public static string Of(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{{\"id\": {Quote(activity.Id)}, \"time\": \"{activity.Time:O}\", \"operation\": {Quote(activity.Operation)}");
        text.Append(CultureInfo.InvariantCulture, $", \"userId\": {Quote(activity.UserId)}, \"clientIp\": {Quote(activity.ClientIp?.ToString())}");
        text.Append(CultureInfo.InvariantCulture, $", \"objectId\": {Quote(activity.ObjectId)}, \"workload\": {Quote(activity.Workload)}");
        text.Append(", \"userTags\": ");
        AppendList(text, activity.UserTags);
        text.Append(", \"properties\": {");
        var first = true;
        foreach (var pair in activity.Properties)
        {
            text.Append(first ? string.Empty : ", ").Append(Quote(pair.Key)).Append(": ").Append(Quote(pair.Value));
            first = false;
        }

        text.Append('}');
        if (activity.Properties.Count > 0)
        {
            var caseInsensitive = activity.Properties is Dictionary<string, string> d && ReferenceEquals(d.Comparer, StringComparer.OrdinalIgnoreCase);
            text.Append(caseInsensitive ? " (keys ignore case)" : " (keys case-sensitive)");
        }

        return text.Append('}').ToString();
    }

    private static void Append(StringBuilder text, Condition? condition)
    {
        switch (condition)
        {
            case null:
                text.Append("null");
                break;
            case AllCondition all:
                AppendComposite(text, "all", all.Conditions);
                break;
            case AnyCondition any:
                AppendComposite(text, "any", any.Conditions);
                break;
            case NotCondition not:
                text.Append("{\"not\": ");
                Append(text, not.Condition);
                text.Append('}');
                break;
            case UsersCondition users:
                AppendLeaf(text, "users", users.Users);
                break;
            case IpAddressesCondition ips:
                AppendLeaf(text, "ipAddresses", ips.Ranges.Select(r => r.ToString()).ToList());
                break;
            case FileNamesCondition files:
                AppendLeaf(text, "fileNames", files.Patterns);
                break;
            case UrlsCondition urls:
                AppendLeaf(text, "urls", urls.Patterns);
                break;
            case UserTagsCondition tags:
                AppendLeaf(text, "userTags", tags.Tags);
                break;
            case PropertyCondition property:
                text.Append("{\"property\": ").Append(Quote(property.Property)).Append(", ");
                if (property.Operator == PropertyOperator.In)
                {
                    text.Append("\"in\": ");
                    AppendList(text, property.Values);
                }
                else
                {
                    var op = property.Operator == PropertyOperator.Equals ? "equals" : "matches";
                    text.Append(CultureInfo.InvariantCulture, $"\"{op}\": ");
                    if (property.Values.Count == 1)
                    {
                        text.Append(Quote(property.Values[0]));
                    }
                    else
                    {
                        AppendList(text, property.Values);
                    }
                }

                text.Append('}');
                break;
            default:
                text.Append(condition.ToString());
                break;
        }
    }

    private static void AppendComposite(StringBuilder text, string name, IReadOnlyList<Condition> children)
    {
        text.Append(CultureInfo.InvariantCulture, $"{{\"{name}\": [");
        for (var i = 0; i < children.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ");
            Append(text, children[i]);
        }

        text.Append("]}");
    }

    private static void AppendLeaf(StringBuilder text, string name, IReadOnlyList<string> values)
    {
        text.Append(CultureInfo.InvariantCulture, $"{{\"{name}\": ");
        AppendList(text, values);
        text.Append('}');
    }

    private static void AppendList(StringBuilder text, IReadOnlyList<string> values)
    {
        text.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(Quote(values[i]));
        }

        text.Append(']');
    }

    private static string Quote(string? value) => value is null
        ? "null"
        : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
