using System.Buffers;
using System.Text;
using System.Text.Json;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Tests.Serialization;

public class PolicySerializerPropertyTests
{
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Load_of_save_gives_the_same_policies_and_save_is_stable() =>
        Prop.ForAll(PolicyGenerators.PoliciesArbitrary(), policies =>
        {
            var json = PolicySerializer.Save(policies);
            var loaded = PolicySerializer.Load(json);
            Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors) + "\n" + json);
            Assert.Equal(policies, loaded.Value, PolicyComparer.Instance);
            Assert.Equal(json, PolicySerializer.Save(loaded.Value));
        });

    [FsCheck.Xunit.Property(MaxTest = 50)]
    public Property Stream_round_trip_matches_the_string_round_trip() =>
        Prop.ForAll(PolicyGenerators.PoliciesArbitrary(), policies =>
        {
            using var stream = new MemoryStream();
            PolicySerializer.Save(policies, stream);
            stream.Position = 0;
            var loaded = PolicySerializer.Load(stream);
            Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
            Assert.Equal(policies, loaded.Value, PolicyComparer.Instance);
        });

    [FsCheck.Xunit.Property(MaxTest = 50)]
    public Property Generated_standard_plan_policies_load_under_every_standard_plan() =>
        Prop.ForAll(PolicyGenerators.PoliciesArbitrary(advancedPlan: false), policies =>
        {
            var json = PolicySerializer.Save(policies);
            foreach (var plan in new[] { Plan.E1, Plan.F1, Plan.G1, Plan.E3, Plan.F3, Plan.G3 })
            {
                var loaded = PolicySerializer.Load(json, new PolicyLoadOptions { Plan = plan });
                Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
            }
        });

    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property Mutated_documents_never_crash_the_loader() =>
        Prop.ForAll(Mutated(), json =>
        {
            foreach (var plan in new[] { Plan.E5, Plan.E3 })
            {
                var result = PolicySerializer.Load(json, new PolicyLoadOptions { Plan = plan });
                if (result.IsValid)
                {
                    // What the loader accepts, the validator accepts and Save writes back to a document that loads the same.
                    Assert.Empty(PolicyValidator.Validate(result.Value, plan));
                    var saved = PolicySerializer.Save(result.Value);
                    Assert.Equal(result.Value, PolicySerializer.Load(saved).Value, PolicyComparer.Instance);
                }
                else
                {
                    Assert.NotEmpty(result.Errors);
                    Assert.All(result.Errors, e =>
                    {
                        Assert.False(string.IsNullOrWhiteSpace(e.Message));
                        Assert.True(e.Path.Length == 0 || e.Path.StartsWith("policies", StringComparison.Ordinal), e.Path);
                        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
                    });
                }

                // The stream overload agrees with the string overload (which alone can see an unpaired surrogate).
                var streamed = PolicySerializer.Load(new MemoryStream(new UTF8Encoding(false, false).GetBytes(json)), new PolicyLoadOptions { Plan = plan });
                if (HasLoneSurrogate(json))
                {
                    Assert.False(result.IsValid);
                }
                else
                {
                    Assert.Equal(result.Errors, streamed.Errors);
                }
            }
        });

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A saved valid document with one to three mutations applied, structural (on the JSON tree) or textual.</summary>
    private static Arbitrary<string> Mutated()
    {
        var mutation =
            from kind in Gen.Frequency((6, Gen.Choose(0, 3)), (1, Gen.Choose(4, 7))) // mostly structural: textual ones mostly break the syntax
            from a in Gen.Choose(0, int.MaxValue)
            from b in Gen.Choose(0, int.MaxValue)
            from text in Gen.ArrayOf(Gen.Elements(Noise)).Resize(4)
            select new Mutation(kind, a, b, string.Concat(text));
        var gen =
            from policies in PolicyGenerators.Policies()
            from mutations in Gen.NonEmptyListOf(mutation).Resize(3)
            select Apply(PolicySerializer.Save(policies), mutations);
        return Arb.From(gen);
    }

    private static readonly string[] Noise =
    [
        "\0", "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "1", "-", "e", ".", "true", "null", " ", "\n", "x",
        "é", "\ud800", "\udc00", "\U0001F600", "\u00ff", "PT", "/", "\u2028",
    ];

    private static readonly string[] WrongValues =
    [
        "0", "-1", "1.5", "1e400", "2147483648", "\"x\"", "\"\"", "true", "false", "null", "[]", "{}", "[1]", "{\"a\":1}",
        "\"PT0S\"", "\"P1M\"", "\"10.1.2.3/8\"", "\"\\u0000\"", "\"\\ud800\"", "[\"\"]", "[{}]", "{\"not\":{}}",
    ];

    private sealed record Mutation(int Kind, int A, int B, string Text);

    private static string Apply(string json, IEnumerable<Mutation> mutations)
    {
        foreach (var m in mutations)
        {
            json = m.Kind switch
            {
                <= 3 => Structural(json, m),
                4 => json.Length == 0 ? json : json.Remove(m.A % json.Length, Math.Min(m.B % 20, json.Length - (m.A % json.Length))),
                5 => json[..(m.A % (json.Length + 1))],
                _ => json.Insert(m.A % (json.Length + 1), m.Text),
            };
        }

        return json;
    }

    /// <summary>Rewrites the document with one change at the node numbered <c>A</c> in document order.</summary>
    private static string Structural(string json, Mutation m)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
            var target = m.A % Size(document.RootElement);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = 256, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                var index = 0;
                Write(writer, document.RootElement, m, target, ref index);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // An earlier textual mutation broke the document (syntax, unpaired surrogate): nothing structural to do.
            return json;
        }
    }

    private static void Count(JsonElement e, ref int count)
    {
        count++;
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                Count(p.Value, ref count);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                Count(item, ref count);
            }
        }
    }

    private static void Write(Utf8JsonWriter w, JsonElement e, Mutation m, int target, ref int index)
    {
        var isTarget = index++ == target;
        if (isTarget && m.Kind == 0)
        {
            w.WriteRawValue(WrongValues[m.B % WrongValues.Length], skipInputValidation: true);
            index += Size(e) - 1; // its descendants are gone
            return;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = e.EnumerateObject().ToList();
                var chosen = properties.Count == 0 ? -1 : m.B % properties.Count;
                w.WriteStartObject();
                for (var i = 0; i < properties.Count; i++)
                {
                    var p = properties[i];
                    var name = p.Name;
                    if (isTarget && i == chosen)
                    {
                        if (m.Kind == 3)
                        {
                            index += Size(p.Value); // delete the property
                            continue;
                        }

                        if (m.Kind == 2)
                        {
                            name = Rename(name, m);
                        }
                    }

                    w.WritePropertyName(name);
                    var before = index;
                    Write(w, p.Value, m, target, ref index);
                    if (isTarget && i == chosen && m.Kind == 1)
                    {
                        // duplicate the property, with the same or another casing of its name
                        w.WritePropertyName(m.A % 2 == 0 ? name : name.ToUpperInvariant());
                        var again = before;
                        Write(w, p.Value, m with { Kind = -1 }, -1, ref again);
                    }
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                var items = e.EnumerateArray().ToList();
                var drop = isTarget && m.Kind == 3 && items.Count > 0 ? m.B % items.Count : -1;
                w.WriteStartArray();
                for (var i = 0; i < items.Count; i++)
                {
                    if (i == drop)
                    {
                        index += Size(items[i]);
                        continue;
                    }

                    Write(w, items[i], m, target, ref index);
                }

                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }

    private static int Size(JsonElement e)
    {
        var count = 0;
        Count(e, ref count);
        return count;
    }

    private static string Rename(string name, Mutation m) => (m.A % 4) switch
    {
        0 => name.ToUpperInvariant(),
        1 => name.Length > 1 ? name.Remove(m.A % name.Length, 1) : name + "x",
        2 => name + m.Text,
        _ => m.Text,
    };
}
