using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Api;

/// <summary>Reads small JSON request bodies strictly (unknown members are errors), turning every problem into a validation error with its path.</summary>
internal static class JsonBody
{
    public const int MaxBytes = 256 * 1024;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 32,
    };

    public static async Task<(T? Value, List<ValidationError> Errors)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var bytes = await ReadBytesAsync(request, MaxBytes, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (null, [new("", $"the body is larger than {MaxBytes} bytes")]);
        }

        if (bytes.Length == 0)
        {
            return (null, [new("", "a JSON body is required")]);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, Options);
            return value is null ? (null, [new("", "a JSON object is required")]) : (value, []);
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path;
            var message = ex.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            return (null, [new(path, "is not valid: " + (cut > 0 ? message[..cut] : message))]);
        }
    }

    /// <summary>The whole body, or <see langword="null"/> when it is longer than <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]?> ReadBytesAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > max)
        {
            return null;
        }

        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > max)
            {
                return null;
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }
}
