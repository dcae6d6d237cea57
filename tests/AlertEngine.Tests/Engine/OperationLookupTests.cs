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

/// <summary>Which operations make the pipeline prefetch an activity's user id (only those a user-keyed policy tracks:
/// a prefetch for the others fetches lines nothing reads). A hint, so pinned through the index's answer.</summary>
public class UserIdPrefetchTests
{
    private const string Policies = """
        [
          { "id": "t-user", "name": "t", "category": "ThreatManagement", "severity": "High", "activities": ["FileDeleted"], "trigger": { "type": "threshold", "count": 20, "window": "PT10M", "scope": "user" } },
          { "id": "t-org", "name": "t", "category": "ThreatManagement", "severity": "High", "activities": ["FileAccessed"], "trigger": { "type": "threshold", "count": 20, "window": "PT10M", "scope": "organization" } },
          { "id": "d-prop", "name": "d", "category": "ThreatManagement", "severity": "High", "activities": ["UserLoggedIn"], "trigger": { "type": "distinct", "field": "clientIp", "count": 5, "window": "PT1H", "scope": "property:UserId" } },
          { "id": "d-ip", "name": "d", "category": "ThreatManagement", "severity": "High", "activities": ["MailItemsAccessed"], "trigger": { "type": "distinct", "field": "objectId", "count": 5, "window": "PT1H", "scope": "property:clientIp" } },
          { "id": "a-user", "name": "a", "category": "ThreatManagement", "severity": "High", "activities": ["FileDownloaded", "FileAccessed"], "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "medium", "bucket": "PT1H" } },
          { "id": "e", "name": "e", "category": "ThreatManagement", "severity": "High", "activities": ["MailRedirect", "FileDeleted"], "trigger": { "type": "everyTime" } },
          { "id": "off", "name": "off", "category": "ThreatManagement", "severity": "High", "enabled": false, "activities": ["FileModified"], "trigger": { "type": "threshold", "count": 2, "window": "PT10M", "scope": "user" } }
        ]
        """;

    private static bool TracksUserId(AlertPipeline pipeline, string operation)
    {
        var lookup = typeof(AlertPipeline).GetField("_byOperation", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(pipeline)!;
        return (bool)lookup.GetType().GetMethod("TracksUserId")!.Invoke(lookup, [operation])!;
    }

    [Fact]
    public void Only_operations_a_user_keyed_policy_tracks_prefetch_the_user_id()
    {
        var load = PolicySerializer.Load(Policies);
        Assert.True(load.IsValid, string.Join("; ", load.Errors));
        using var pipeline = new AlertPipeline(load.Value);
        Assert.True(TracksUserId(pipeline, "FileDeleted")); // a user-scoped threshold beside an every-time policy
        Assert.True(TracksUserId(pipeline, "filedeleted")); // operations compare ignoring case
        Assert.True(TracksUserId(pipeline, "FileDownloaded"));
        Assert.True(TracksUserId(pipeline, "FileAccessed")); // the organization threshold does not, the anomaly does
        Assert.True(TracksUserId(pipeline, "UserLoggedIn")); // keyed by the userId field named as a property
        Assert.False(TracksUserId(pipeline, "MailItemsAccessed"));
        Assert.False(TracksUserId(pipeline, "MailRedirect"));
        Assert.False(TracksUserId(pipeline, "FileModified")); // disabled
        Assert.False(TracksUserId(pipeline, "Unknown"));

        // A reload with the user-keyed policies gone answers again.
        pipeline.UpdatePolicies([load.Value[5]]);
        Assert.False(TracksUserId(pipeline, "FileDeleted"));
    }
}
