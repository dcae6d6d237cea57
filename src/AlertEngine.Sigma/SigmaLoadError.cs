using System.Globalization;

namespace AlertEngine.Sigma;

/// <summary>
/// Why a Sigma rule (or a whole file) could not be loaded. A rule with an error yields no policy at all: nothing is
/// half-loaded.
/// </summary>
/// <param name="File">The file (or source name) the rule came from.</param>
/// <param name="Line">The 1-based YAML line of the problem, when known.</param>
/// <param name="RuleId">The rule's <c>id</c> (or <c>name</c>), when it has one and the YAML could be read that far.</param>
/// <param name="Title">The rule's <c>title</c>, when known.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
public sealed record SigmaLoadError(string File, int? Line, string? RuleId, string? Title, string Message)
{
    /// <summary>The error as one line: <c>file:line: rule id "title": message</c> (absent parts left out).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var where = Line is { } line ? File + ":" + line.ToString(CultureInfo.InvariantCulture) : File;
        var rule = (RuleId, Title) switch
        {
            (null, null) => string.Empty,
            (_, null) => $" rule {RuleId}:",
            (null, _) => $" rule \"{Title}\":",
            _ => $" rule {RuleId} \"{Title}\":",
        };
        return $"{where}:{rule} {Message}";
    }
}
