using System.Text;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>The last step of every anomaly evaluation command: the report on the console and, with <c>--out</c>, in a file.</summary>
internal static class EvaluationReport
{
    /// <summary>Prints <paramref name="report"/> and writes it to <paramref name="output"/> when given; returns exit code 0.</summary>
    public static int Publish(StringBuilder report, string? output)
    {
        var text = report.ToString();
        Console.Write(text);
        if (output is not null)
        {
            File.WriteAllText(output, text);
        }

        return 0;
    }
}
