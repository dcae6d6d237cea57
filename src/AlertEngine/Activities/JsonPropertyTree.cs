using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AlertEngine;

/// <summary>
/// A property value that holds a JSON object or array, parsed once into a flat array of entries in document order, so
/// that <see cref="FieldPath"/> can walk it any number of times without parsing again and without allocating.
/// Immutable once built; safe to share between threads.
/// </summary>
/// <remarks>
/// Each entry is one JSON value. A container's children follow it; <see cref="Entry.End"/> is the index just past its
/// last descendant, so a subtree is skipped in one step. Strings are kept unescaped, numbers and booleans as their JSON
/// text, and a container as the range of its raw JSON text in <see cref="Source"/>. A text that is not one JSON object
/// or array (or is nested deeper than 64 levels) gives an empty tree: no path reaches anything in it.
/// </remarks>
internal sealed class JsonPropertyTree
{
    private const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth };

    private JsonPropertyTree(string source, Entry[] entries)
    {
        Source = source;
        Entries = entries;
    }

    /// <summary>The property value this tree was parsed from (the very string instance).</summary>
    public string Source { get; }

    /// <summary>The values in document order; empty when <see cref="Source"/> is not a JSON object or array.</summary>
    public Entry[] Entries { get; }

    /// <summary>Whether <paramref name="text"/> may hold a JSON object or array (its first non-white-space character).</summary>
    public static bool LooksLikeContainer(string text)
    {
        var span = text.AsSpan().TrimStart();
        return !span.IsEmpty && span[0] is '{' or '[';
    }

    /// <summary>Parses <paramref name="source"/>; never throws for bad JSON (the tree is then empty).</summary>
    public static JsonPropertyTree Parse(string source)
    {
        if (!LooksLikeContainer(source))
        {
            return new JsonPropertyTree(source, []);
        }

        var byteCount = Encoding.UTF8.GetMaxByteCount(source.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            int length;
            try
            {
                length = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(source, buffer);
            }
            catch (EncoderFallbackException)
            {
                // A lone surrogate: not JSON text.
                return new JsonPropertyTree(source, []);
            }

            var bytes = buffer.AsSpan(0, length);
            var entries = Build(bytes, ascii: length == source.Length);
            return new JsonPropertyTree(source, entries ?? []);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The text of a scalar entry, or the raw JSON of a container entry.</summary>
    public ReadOnlySpan<char> Text(in Entry entry) => entry.Text is { } text ? text : Source.AsSpan(entry.RawStart, entry.RawLength);

    private static Entry[]? Build(ReadOnlySpan<byte> bytes, bool ascii)
    {
        var reader = new Utf8JsonReader(bytes, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        var entries = new List<Entry>(16);
        Span<int> open = stackalloc int[MaxDepth + 1];
        var depth = 0;
        string? name = null;
        var offsets = new CharOffsets(ascii);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        name = reader.GetString();
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        open[depth++] = entries.Count;
                        entries.Add(new Entry(
                            reader.TokenType == JsonTokenType.StartObject ? JsonValueKind.Object : JsonValueKind.Array,
                            name,
                            null,
                            offsets.CharOffset(bytes, (int)reader.TokenStartIndex),
                            0,
                            0));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        var index = open[--depth];
                        var start = entries[index];
                        var end = offsets.CharOffset(bytes, (int)reader.BytesConsumed);
                        entries[index] = start with { End = entries.Count, RawLength = end - start.RawStart };
                        break;
                    default:
                        entries.Add(new Entry(Kind(reader.TokenType), name, ScalarText(ref reader), 0, 0, entries.Count + 1));
                        break;
                }

                name = null;
            }

            if (depth != 0 || entries.Count == 0)
            {
                return null;
            }

            return entries.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // GetString of a string escaping a lone surrogate.
            return null;
        }
    }

    private static JsonValueKind Kind(JsonTokenType type) => type switch
    {
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        _ => JsonValueKind.Null,
    };

    private static string? ScalarText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => Encoding.UTF8.GetString(reader.ValueSpan),
    };

    /// <summary>One JSON value.</summary>
    /// <param name="Kind">Object, array, string, number, true, false or null.</param>
    /// <param name="Name">The member name when the value is a member of an object; otherwise <see langword="null"/>.</param>
    /// <param name="Text">The text of a scalar (strings unescaped); <see langword="null"/> for containers and null.</param>
    /// <param name="RawStart">A container's first character in <see cref="Source"/>.</param>
    /// <param name="RawLength">A container's length in characters.</param>
    /// <param name="End">The index just past this value's last descendant.</param>
    internal readonly record struct Entry(JsonValueKind Kind, string? Name, string? Text, int RawStart, int RawLength, int End);

    /// <summary>Maps UTF-8 byte offsets, asked for in increasing order, to UTF-16 char offsets.</summary>
    private struct CharOffsets(bool ascii)
    {
        private int _byte;
        private int _char;

        public int CharOffset(ReadOnlySpan<byte> bytes, int byteOffset)
        {
            if (ascii)
            {
                return byteOffset;
            }

            _char += Encoding.UTF8.GetCharCount(bytes[_byte..byteOffset]);
            _byte = byteOffset;
            return _char;
        }
    }
}
