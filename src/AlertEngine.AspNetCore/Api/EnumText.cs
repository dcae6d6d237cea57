namespace AlertEngine.AspNetCore.Api;

/// <summary>Parses enum names from requests: case-insensitive names only (no numbers), with a message listing the allowed names.</summary>
internal static class EnumText
{
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || char.IsDigit(text.Trim()[0]) || text.Trim()[0] is '-' or '+')
        {
            return false;
        }

        return Enum.TryParse(text.Trim(), ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    public static string Allowed<T>()
        where T : struct, Enum => "must be one of " + string.Join(", ", Enum.GetNames<T>());
}
