using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AlertEngine.AspNetCore.Tests.Api;

internal static class ApiTestHelpers
{
    public static string Url(string path) => TestApp.ApiPrefix + path;

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        if (text.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts a ProblemDetails response with the status, and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync(expected);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _));
        return problem;
    }

    /// <summary>The validation errors of a problem, by path.</summary>
    public static Dictionary<string, string[]> Errors(this JsonElement problem)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var property in problem.GetProperty("errors").EnumerateObject())
        {
            errors[property.Name] = property.Value.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        return errors;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(Url(path), new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, string json) =>
        client.PutAsync(Url(path), new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostLinesAsync(this HttpClient client, params string[] lines) =>
        client.PostAsync(Url("/activities"), new StringContent(string.Join("\n", lines), Encoding.UTF8, "application/x-ndjson"));

    public static Task<HttpResponseMessage> GetApiAsync(this HttpClient client, string path) => client.GetAsync(Url(path));

    public static async Task<List<string>> AlertIdsAsync(this HttpClient client, string query = "")
    {
        var page = await (await client.GetApiAsync("/alerts" + query)).JsonAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetString()!).ToList();
    }

    public static JsonContent Body(object value) => JsonContent.Create(value);
}
