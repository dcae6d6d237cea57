using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Conditions;

/// <summary>
/// An activity keeps a code of its object id's last four characters (<see cref="ObjectIdTail"/>), and an
/// <c>objectId</c> condition with one <c>*</c> + ASCII suffix glob (<c>*.docx</c>) rejects object ids by that code
/// before reading the string: it must decide exactly as the glob does on the text (the leaf it replaces), for texts
/// with both cases, characters that differ from letters by the case bit only (<c>@</c>/<c>`</c>, <c>[</c>/<c>{</c>),
/// non-ASCII characters whose case folds to ASCII (<c>ı</c>, the Kelvin sign), short texts and none.
/// </summary>
public class ObjectIdTailTests
{
    private static readonly char[] TextChars = ['a', 'A', 'x', 'X', '.', 'd', 'D', '@', '`', '[', '{', 'z', 'Z', 'é', 'ı', 'I', 'i', '\u212A', 'k', 'K', '\0'];
    private static readonly char[] SuffixChars = ['a', 'A', 'x', 'X', '.', 'd', 'D', '@', '`', '[', '{', 'z', 'Z', 'I', 'i', 'k', 'K'];

    private static Activity WithObject(string? objectId) =>
        new("a1", new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), "FileSharedExternally") { ObjectId = objectId };

    [Property(MaxTest = 3000)]
    public Property A_suffix_glob_on_the_object_id_decides_as_the_glob_on_the_text()
    {
        var suffixes = Gen.Elements(SuffixChars).ArrayOf().Select(c => new string(c)).Where(s => s.Length <= 7);
        // Texts that end with the suffix (in another case, or with one character changed) as often as texts that do not.
        var cases = from suffix in suffixes
                    from prefix in Gen.Elements(TextChars).ArrayOf().Select(c => new string(c))
                    from shape in Gen.Choose(0, 3)
                    from flip in Gen.Choose(0, 7)
                    select (suffix, Text(prefix, suffix, shape, flip));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (suffix, text) = c;
            var pattern = "*" + suffix;
            var compiled = new PropertyCondition("objectId", PropertyOperator.Matches, [pattern]).Compile()(WithObject(text));
            var expected = text is not null && GlobPattern.Create(pattern).IsMatch(text);
            return (compiled == expected && expected == (text is not null && text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)))
                .Label($"pattern '{pattern}', object id '{text}': compiled {compiled}, glob {expected}");
        });
    }

    /// <summary>The prefix alone, the prefix and the suffix, the same with the suffix's case swapped, or with one of its
    /// characters changed; or no object id.</summary>
    private static string? Text(string prefix, string suffix, int shape, int flip) => shape switch
    {
        0 => flip == 0 ? null : prefix,
        1 => prefix + suffix,
        2 => prefix + SwapCase(suffix),
        _ => suffix.Length == 0 ? prefix : prefix + suffix.Remove(flip % suffix.Length, 1).Insert(flip % suffix.Length, "K"),
    };

    private static string SwapCase(string s) =>
        new([.. s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]);

    [Fact]
    public void The_code_is_known_only_for_four_or_more_characters_ending_in_ASCII()
    {
        Assert.True(WithObject("a.DOCX").TryGetObjectIdTail(out var docx));
        Assert.Equal(ObjectIdTail.OfSuffix(".docx").Code & ObjectIdTail.OfSuffix(".docx").Mask, docx & ObjectIdTail.OfSuffix(".docx").Mask);
        Assert.False(WithObject("doc").TryGetObjectIdTail(out _));
        Assert.False(WithObject(null).TryGetObjectIdTail(out _));
        Assert.False(WithObject("report.döcx").TryGetObjectIdTail(out _));
        Assert.True(WithObject("rëport.docx").TryGetObjectIdTail(out _));
    }

    [Fact]
    public void The_object_id_and_the_client_ip_keep_their_codes_whatever_the_order_they_are_set_in()
    {
        var ip = System.Net.IPAddress.Parse("10.1.2.3");
        var first = new Activity("a1", DateTimeOffset.UnixEpoch, "X") { ObjectId = "a.docx", ClientIp = ip };
        var second = new Activity("a1", DateTimeOffset.UnixEpoch, "X") { ClientIp = ip, ObjectId = "a.docx" };
        foreach (var a in new[] { first, second })
        {
            Assert.True(a.TryGetClientIpV4(out var v4));
            Assert.Equal(0x0A010203u, v4);
            Assert.True(a.TryGetObjectIdTail(out var tail));
            Assert.Equal(ObjectIdTail.Of("a.docx") & ObjectIdTail.CodeMask, tail);
        }
    }
}
