using System.Net;
using System.Text.RegularExpressions;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

/// <summary>Posting the dashboard's forms over HTTP as a browser would: the antiforgery token taken from a page's form.</summary>
internal static partial class DashboardForms
{
    public static string Url(string path) => TestApp.DashboardPrefix + path;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    public static partial Regex TokenField();

    /// <summary>The antiforgery token of the first form of <paramref name="page"/> (empty when it has none).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string page) =>
        WebUtility.HtmlDecode(TokenField().Match(await client.GetStringAsync(Url(page))).Groups[1].Value);

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string pageWithForm, string action, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await TokenAsync(client, pageWithForm);
        return await client.PostAsync(Url(action), new FormUrlEncodedContent(fields));
    }
}
