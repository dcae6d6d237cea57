using System.Collections.Frozen;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Engine;

/// <summary>
/// <see cref="OperationLookup{T}"/> (the dispatch index with a cache keyed by the operation string's reference) against
/// the frozen index alone (the oracle): the same candidates for any sequence of lookups, whether the operations repeat
/// one instance (as the reader's interned ones do), come as new instances of the same text, differ in case, are
/// unknown, or share a cache slot (the same length and first character).
/// </summary>
public class OperationLookupTests
{
    // "FileAccessed" and "FileModified" share a cache slot (the same length and first letter), so do "F" and "f".
    private static readonly string[] Texts =
        ["FileDeleted", "FILEDELETED", "fileDeleted", "FileAccessed", "FileModified", "MailRedirect", "mailredirect", "UserLoggedIn", "Unknown", "F", "f"];

    private static readonly FrozenDictionary<string, int[]> Index = new Dictionary<string, int[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["FileDeleted"] = [0, 2],
        ["FileAccessed"] = [1],
        ["FileModified"] = [2],
        ["MailRedirect"] = [0, 1, 2],
        ["F"] = [3],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>A lookup: which text, and whether it comes as the shared instance or as a new copy of it.</summary>
    private static Gen<(int Text, bool Copy)[]> Lookups() =>
        Gen.Choose(0, Texts.Length - 1).Zip(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))).ArrayOf();

    [Property(MaxTest = 300)]
    public Property Any_sequence_of_lookups_finds_what_the_index_finds() =>
        Prop.ForAll(Lookups().ToArbitrary(), lookups =>
        {
            var lookup = new OperationLookup<int>(Index);
            foreach (var (text, copy) in lookups)
            {
                var operation = copy ? new string(Texts[text].AsSpan()) : Texts[text];
                var found = lookup.Candidates(operation);
                if (Index.TryGetValue(operation, out var expected))
                {
                    Assert.Same(expected, found);
                }
                else
                {
                    Assert.Empty(found);
                }
            }
        });

    [Fact]
    public void An_empty_index_finds_nothing()
    {
        var lookup = new OperationLookup<int>(FrozenDictionary<string, int[]>.Empty);
        Assert.Empty(lookup.Candidates("FileDeleted"));
        Assert.Empty(lookup.Candidates("FileDeleted"));
    }

    [Fact]
    public void Two_operations_in_one_slot_taking_turns_each_find_their_own_candidates()
    {
        var lookup = new OperationLookup<int>(Index);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal([1], lookup.Candidates("FileAccessed"));
            Assert.Equal([2], lookup.Candidates("FileModified"));
            Assert.Empty(lookup.Candidates("FileRenamed!"));
        }
    }
}
