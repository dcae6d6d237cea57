namespace AlertEngine.Tests.Conditions;

public class GlobPatternTests
{
    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything/at all?", true)]
    [InlineData("?", "", false)]
    [InlineData("?", "x", true)]
    [InlineData("?", "xy", false)]
    [InlineData("payroll.xlsx", "PAYROLL.XLSX", true)]
    [InlineData("payroll.xlsx", "payroll.xlsx.bak", false)]
    [InlineData("*.xlsx", "payroll.xlsx", true)]
    [InlineData("*.xlsx", ".xlsx", true)]
    [InlineData("*.xlsx", "payroll.xls", false)]
    [InlineData("payroll*", "Payroll 2026.xlsx", true)]
    [InlineData("payroll*", "my payroll", false)]
    [InlineData("report?.pdf", "report1.pdf", true)]
    [InlineData("report?.pdf", "report12.pdf", false)]
    [InlineData("report?.pdf", "report.pdf", false)]
    [InlineData("*roll*", "payroll.xlsx", true)]
    [InlineData("*roll*", "roll", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*b*c", "abcbc", true)]
    [InlineData("*ab*ab", "abab", true)]
    [InlineData("*ab*ab", "aab", false)]
    [InlineData("a**b", "ab", true)]
    [InlineData("*?*", "", false)]
    [InlineData("*?*", "z", true)]
    [InlineData("??*??", "abc", false)]
    [InlineData("??*??", "abcd", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/*", "https://CONTOSO.sharepoint.com/sites/HR/a/b.docx?web=1", true)]
    [InlineData("*/sites/??/*", "https://contoso.sharepoint.com/sites/it/x", true)]
    [InlineData("*/sites/??/*", "https://contoso.sharepoint.com/sites/hrx/x", false)]
    [InlineData("ÄPFEL*", "äpfel.txt", true)]
    [InlineData("*.TXT", "notes.txt", true)]
    public void Matches_stars_question_marks_and_ignores_case(string pattern, string text, bool expected) =>
        Assert.Equal(expected, GlobPattern.Create(pattern).IsMatch(text));

    [Fact]
    public void Case_folding_is_ordinal_not_cultural()
    {
        // OrdinalIgnoreCase does not fold the long s or the dotless i onto ASCII letters; neither does the glob.
        Assert.False(GlobPattern.Create("s").IsMatch("\u017F"));
        Assert.False(GlobPattern.Create("I").IsMatch("\u0131"));
        Assert.True(GlobPattern.Create("\u00E9*").IsMatch("\u00C9t\u00E9"));
    }

    [Fact]
    public void No_non_ascii_character_equals_an_ascii_character_ignoring_case()
    {
        // The glob jumps to candidate positions with an ASCII-only search for an ASCII first character; this pins the
        // property of OrdinalIgnoreCase that makes the jump safe.
        var offenders = new List<string>();
        for (var c = 0x80; c <= 0xFFFF; c++)
        {
            for (var a = 0; a < 0x80; a++)
            {
                if (GlobPattern.CharsEqualIgnoreCase((char)c, (char)a))
                {
                    offenders.Add($"U+{c:X4} = U+{a:X4}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void Pathological_pattern_against_a_long_name_is_answered_without_blowing_up()
    {
        // A backtracking matcher takes exponential time here; this one is linear. The test asserts the answers only:
        // a catastrophic algorithm would hang the run.
        var name = new string('a', 10_000);
        Assert.False(GlobPattern.Create("*a*a*a*a*a*b").IsMatch(name));
        Assert.False(GlobPattern.Create("*a*a*a*a*a*b*").IsMatch(name));
        Assert.False(GlobPattern.Create("*a?a*a?a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b*a").IsMatch(name));
        Assert.True(GlobPattern.Create("*a*a*a*a*a*a").IsMatch(name));
        Assert.False(GlobPattern.Create(string.Concat(Enumerable.Repeat("*a", 500)) + "*b*").IsMatch(name));
        Assert.True(GlobPattern.Create(string.Concat(Enumerable.Repeat("*a", 500)) + "*").IsMatch(name));
    }

    [Fact]
    public void Create_rejects_null() => Assert.Throws<ArgumentNullException>(() => GlobPattern.Create(null!));

    [Fact]
    public void Keeps_the_pattern_text()
    {
        var glob = GlobPattern.Create("*.Xlsx");
        Assert.Equal("*.Xlsx", glob.Pattern);
        Assert.Equal("*.Xlsx", glob.ToString());
    }
}
