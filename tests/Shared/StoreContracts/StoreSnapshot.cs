using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace AlertEngine.StoreContracts;

/// <summary>
/// A canonical text of a stored object, field by field (records compare arrays and lists by reference, so a store
/// that reads back copies needs this): every public property, default and empty arrays told apart, times with their
/// offsets. Two objects with the same description are the same data.
/// </summary>
public static class StoreSnapshot
{
    public static string Describe(object? value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return builder.ToString();
    }

    private static void Write(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append('"');
                foreach (var c in s)
                {
                    sb.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : ((int)c).ToString("x4", CultureInfo.InvariantCulture) + ";");
                }

                sb.Append('"');
                return;
            case DateTimeOffset time:
                sb.Append(time.Ticks.ToString(CultureInfo.InvariantCulture)).Append('@').Append(time.Offset.ToString());
                return;
            case TimeSpan span:
                sb.Append(span.Ticks.ToString(CultureInfo.InvariantCulture)).Append("ticks");
                return;
            case IPAddress address:
                sb.Append(address).Append('%').Append(address.AddressFamily == AddressFamily.InterNetworkV6 ? address.ScopeId : 0);
                return;
            case Enum or bool or int or long or double:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
        }

        var type = value.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>)
            && (bool)type.GetProperty(nameof(ImmutableArray<int>.IsDefault))!.GetValue(value)!)
        {
            sb.Append("default");
            return;
        }

        if (value is IEnumerable items)
        {
            sb.Append('[');
            foreach (var item in items)
            {
                Write(sb, item);
                sb.Append(',');
            }

            sb.Append(']');
            return;
        }

        sb.Append(type.Name).Append('{');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0)
                     .OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append(property.Name).Append('=');
            Write(sb, property.GetValue(value));
            sb.Append(';');
        }

        sb.Append('}');
    }
}
