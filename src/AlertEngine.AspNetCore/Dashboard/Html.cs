using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>
/// A small HTML builder: markup is appended as written, every value through <see cref="Text"/> or <see cref="Attr"/>
/// (HTML-encoded with <see cref="HtmlEncoder.Default"/>), so no user text is ever rendered unencoded. Not thread-safe.
/// </summary>
internal sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder _sb = new(16 * 1024);

    /// <summary>Appends markup written in this assembly (never user text).</summary>
    public Html Raw(string markup)
    {
        _sb.Append(markup);
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public Html Text(string? text)
    {
        if (text is not null)
        {
            Encoder.Encode(new StringWriter(_sb, CultureInfo.InvariantCulture), text);
        }

        return this;
    }

    /// <summary>Appends <c> name="value"</c>, the value encoded.</summary>
    public Html Attr(string name, string? value)
    {
        _sb.Append(' ').Append(name).Append("=\"");
        Text(value);
        _sb.Append('"');
        return this;
    }

    /// <summary>Appends an element with encoded text content: <c>&lt;tag class="…"&gt;text&lt;/tag&gt;</c>.</summary>
    public Html Element(string tag, string? text, string? cssClass = null)
    {
        _sb.Append('<').Append(tag);
        if (cssClass is not null)
        {
            Attr("class", cssClass);
        }

        _sb.Append('>');
        Text(text);
        _sb.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>Appends a link with encoded text and address.</summary>
    public Html Link(string href, string? text, string? cssClass = null)
    {
        _sb.Append("<a");
        Attr("href", href);
        if (cssClass is not null)
        {
            Attr("class", cssClass);
        }

        _sb.Append('>');
        Text(text);
        _sb.Append("</a>");
        return this;
    }

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? time) => time is { } t ? Time(t) : "—";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"61 h 59 min left", or "overdue by 2 h 5 min".</summary>
    public static string TimeLeft(TimeSpan left)
    {
        var span = left.Duration();
        var text = ((long)span.TotalHours).ToString(CultureInfo.InvariantCulture) + " h " + span.Minutes.ToString(CultureInfo.InvariantCulture) + " min";
        return left < TimeSpan.Zero ? "overdue by " + text : text + " left";
    }

    public override string ToString() => _sb.ToString();
}
