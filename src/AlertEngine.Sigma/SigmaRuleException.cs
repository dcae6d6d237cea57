using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>A problem with one rule, at a YAML line when known. Caught by the loader and turned into a
/// <see cref="SigmaLoadError"/>; never escapes the package.</summary>
internal sealed class SigmaRuleException : Exception
{
    public SigmaRuleException(YamlNode? at, string message)
        : base(message)
    {
        Line = at is null ? null : (int)at.Start.Line;
    }

    public SigmaRuleException()
    {
    }

    public SigmaRuleException(string message)
        : base(message)
    {
    }

    public SigmaRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The 1-based line, when known.</summary>
    public int? Line { get; }
}
