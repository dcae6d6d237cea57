using System.Text;

namespace AlertEngine.Sigma.Tests;

/// <summary>The string modifiers of the modifiers appendix that transform values: windash, base64, base64offset, the
/// utf16 family; applied in key order.</summary>
public sealed class EncodingModifierTests
{
    private const string Op = "sel:\n    Operation: Set-Mailbox\n";

    private static bool Matches(string entry, string value) =>
        Sigma.Compile(Op + "    " + entry + "\ncondition: sel")(Sigma.Audit("Set-Mailbox", properties: ("CommandLine", value)));

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    [Theory]
    [InlineData("CommandLine|base64: cmd", "Y21k", true)]
    [InlineData("CommandLine|base64: cmd", "Y21kCg==", false)]
    [InlineData("CommandLine|base64|contains: Invoke-Mimikatz", "powershell -enc SW52b2tlLU1pbWlrYXR6 x", true)]
    [InlineData("CommandLine|base64|startswith: Invoke", "SW52b2tlxyz", true)]
    [InlineData("CommandLine|utf16le|base64: cmd", "YwBtAGQA", true)]
    [InlineData("CommandLine|wide|base64: cmd", "YwBtAGQA", true)]
    [InlineData("CommandLine|utf16be|base64: cmd", "AGMAbQBk", true)]
    [InlineData("CommandLine|utf16|base64: cmd", "//5jAG0AZAA=", true)]
    [InlineData("CommandLine|utf16le|base64: cmd", "Y21k", false)]
    public void Base64_and_utf16_encode_the_value(string entry, string value, bool expected) =>
        Assert.Equal(expected, Matches(entry, value));

    [Theory]
    [InlineData("dGVzdA==", false)] // base64 of "test": contains no encoding of "-"
    [InlineData("LQ==", true)] // "-" itself
    public void Base64offset_of_a_one_byte_value_does_not_match_everything(string value, bool expected) =>
        Assert.Equal(expected, Matches("CommandLine|base64offset|contains: '-'", value));

    [Fact]
    public void Base64offset_gives_the_three_shifted_encodings()
    {
        // The appendix's example: /bin/sh at any offset in a base64 string.
        Assert.Equal(["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"], DetectionCompiler.Base64Offsets(Encoding.UTF8.GetBytes("/bin/sh")));
        foreach (var prefix in new[] { "", "a", "ab", "abc" })
        {
            var encoded = B64(Encoding.UTF8.GetBytes(prefix + "/bin/sh -c id"));
            Assert.True(Matches("CommandLine|base64offset|contains: /bin/sh", "echo " + encoded + " | base64 -d"), prefix);
            Assert.False(Matches("CommandLine|base64offset|contains: /bin/zsh", "echo " + encoded), prefix);
        }
    }

    [Fact]
    public void Wide_base64offset_contains_finds_utf16_text_at_any_offset()
    {
        foreach (var prefix in new[] { "", "x", "xy" })
        {
            var encoded = B64(Encoding.Unicode.GetBytes(prefix + "IEX (New-Object Net.WebClient)"));
            Assert.True(Matches("CommandLine|wide|base64offset|contains: New-Object", "powershell -e " + encoded), prefix);
            Assert.False(Matches("CommandLine|base64offset|contains: New-Object", "powershell -e " + encoded), prefix);
        }
    }

    [Theory]
    [InlineData(" -enc ", true)]
    [InlineData(" /enc ", true)]
    [InlineData(" \u2013enc ", true)]
    [InlineData(" \u2014enc ", true)]
    [InlineData(" \u2015enc ", true)]
    [InlineData(" +enc ", false)]
    [InlineData(" enc ", false)]
    public void Windash_treats_the_five_dashes_alike(string flag, bool expected) =>
        Assert.Equal(expected, Matches("CommandLine|windash|contains: ' -enc '", "powershell" + flag + "abc"));

    [Fact]
    public void Windash_with_many_dashes_is_one_expression_and_still_exact()
    {
        // Four dashes: 625 variants, compiled as one regular expression with a class of the five dashes.
        const string Entry = "CommandLine|windash|contains: '-a -b -c -d'";
        Assert.True(Matches(Entry, "x /a \u2013b -c \u2015d y"));
        Assert.True(Matches(Entry, "x -A /B /C /D"));
        Assert.False(Matches(Entry, "x -a -b -c +d"));
        Assert.False(Matches("CommandLine|windash|contains|cased: '-a -b -c -d'", "x -A /B /C /D"));
    }

    [Fact]
    public void Windash_then_base64_encodes_every_variant() =>
        Assert.True(Matches("CommandLine|windash|base64: '-e'", B64(Encoding.UTF8.GetBytes("\u2013e"))));
}
