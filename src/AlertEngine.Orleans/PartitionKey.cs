using System.Globalization;

namespace AlertEngine;

/// <summary>The grain key of a partition: <c>{engine}/{partition}</c>.</summary>
internal static class PartitionKey
{
    public static string Of(string engine, int partition) => engine + "/" + partition.ToString(CultureInfo.InvariantCulture);

    public static (string Engine, int Partition) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], int.Parse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
