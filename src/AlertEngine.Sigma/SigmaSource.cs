namespace AlertEngine.Sigma;

/// <summary>The YAML text of one Sigma file (one or more rules as YAML documents separated by <c>---</c>).</summary>
/// <param name="File">The name errors report, usually the file path.</param>
/// <param name="Text">The YAML text.</param>
public sealed record SigmaSource(string File, string Text);
