using System.Net;
using System.Net.Sockets;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing.Tests.Conditions;

public class GeneratorTests
{
    private const int Samples = 2000;

    private static T[] Sample<T>(Gen<T> gen, ulong seed = 42) => gen.Sample(Samples, new Rnd(seed), 20);

    [Fact]
    public void Activities_cover_every_kind_of_client_ip_and_missing_fields()
    {
        var activities = Sample(ActivityGenerators.Activities);
        Assert.Contains(activities, a => a.ClientIp is null);
        Assert.Contains(activities, a => a.ClientIp?.AddressFamily == AddressFamily.InterNetwork);
        Assert.Contains(activities, a => a.ClientIp is { AddressFamily: AddressFamily.InterNetworkV6, IsIPv4MappedToIPv6: false });
        Assert.Contains(activities, a => a.ClientIp is { IsIPv4MappedToIPv6: true });
        Assert.Contains(activities, a => a.UserId is null);
        Assert.Contains(activities, a => a.ObjectId is null);
        Assert.Contains(activities, a => a.ObjectId?.Contains('?', StringComparison.Ordinal) == true);
        Assert.Contains(activities, a => a.ObjectId?.Contains('\\', StringComparison.Ordinal) == true);
        Assert.Contains(activities, a => a.UserTags.Count == 0);
        Assert.Contains(activities, a => a.UserTags.Count > 1);
        Assert.Contains(activities, a => a.TryGetProperty("FileName", out _));
        Assert.Contains(activities, a => a.Properties.ContainsKey("filename"));
    }

    [Fact]
    public void Activities_use_the_pools_in_mixed_letter_case()
    {
        var activities = Sample(ActivityGenerators.Activities);
        Assert.All(activities, a => Assert.Contains(a.Operation, ActivityGenerators.Operations, StringComparer.OrdinalIgnoreCase));
        Assert.Contains(activities, a => a.UserId is not null && !ActivityGenerators.Users.Contains(a.UserId));
        Assert.All(activities, a => Assert.True(a.Time >= ActivityGenerators.Epoch && a.Time <= ActivityGenerators.Epoch.AddDays(7)));
    }

    [Fact]
    public void Conditions_cover_every_kind_and_respect_the_depth_bound()
    {
        var conditions = Sample(ConditionGenerators.ConditionsOfDepth(2));
        foreach (var kind in new[]
                 {
                     typeof(AllCondition), typeof(AnyCondition), typeof(NotCondition), typeof(UsersCondition),
                     typeof(IpAddressesCondition), typeof(FileNamesCondition), typeof(UrlsCondition),
                     typeof(UserTagsCondition), typeof(PropertyCondition),
                 })
        {
            Assert.Contains(conditions, c => c.GetType() == kind);
        }

        Assert.All(conditions, c => Assert.InRange(Depth(c), 0, 2));
        Assert.Contains(conditions, c => c is PropertyCondition { Operator: PropertyOperator.Matches });
        Assert.Contains(conditions, c => c is PropertyCondition { Operator: PropertyOperator.In });
    }

    [Fact]
    public void Generated_conditions_match_a_fair_share_of_generated_activities()
    {
        var pairs = Sample(Gen.Zip(ConditionGenerators.Conditions, ActivityGenerators.Activities));
        var matches = pairs.Count(p => ConditionOracle.Evaluate(p.Item1, p.Item2));
        Assert.InRange(matches, Samples / 5, Samples * 4 / 5);

        // Leaves alone, too: otherwise "not" could produce all the matches.
        var leaves = Sample(Gen.Zip(ConditionGenerators.Leaves, ActivityGenerators.Activities));
        Assert.InRange(leaves.Count(p => ConditionOracle.Evaluate(p.Item1, p.Item2)), Samples / 5, Samples * 4 / 5);
    }

    [Fact]
    public void Condition_shrinks_are_smaller()
    {
        foreach (var condition in Sample(ConditionGenerators.Conditions).Take(300))
        {
            Assert.All(ConditionGenerators.Shrink(condition), smaller => Assert.True(Size(smaller) < Size(condition)));
        }
    }

    [Fact]
    public void Activity_shrinks_drop_one_thing_each()
    {
        var activity = new Activity("a1", ActivityGenerators.Epoch, "FileDeleted")
        {
            UserId = "alice@contoso.com",
            ClientIp = IPAddress.Parse("10.1.2.3"),
            ObjectId = "/srv/a.txt",
            Workload = "SharePoint",
            UserTags = ["Admin", "Contractor"],
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["FileName"] = "a.txt" },
        };

        var shrinks = ActivityGenerators.Shrink(activity).ToList();
        Assert.Equal(7, shrinks.Count);
        Assert.Contains(shrinks, a => a.UserId is null && a.ClientIp is not null);
        Assert.Contains(shrinks, a => a.UserTags.SequenceEqual(["Contractor"]));
        Assert.Contains(shrinks, a => a.Properties.Count == 0 && a.UserTags.Count == 2);
        Assert.All(shrinks, a => Assert.Equal("a1", a.Id));
    }

    private static int Depth(Condition c) => c switch
    {
        AllCondition all => 1 + all.Conditions.Select(Depth).DefaultIfEmpty(0).Max(),
        AnyCondition any => 1 + any.Conditions.Select(Depth).DefaultIfEmpty(0).Max(),
        NotCondition not => 1 + Depth(not.Condition),
        _ => 0,
    };

    private static int Size(Condition c) => c switch
    {
        AllCondition all => 1 + all.Conditions.Sum(Size),
        AnyCondition any => 1 + any.Conditions.Sum(Size),
        NotCondition not => 1 + Size(not.Condition),
        UsersCondition u => 1 + u.Users.Count,
        IpAddressesCondition i => 1 + i.Ranges.Count,
        FileNamesCondition f => 1 + f.Patterns.Count,
        UrlsCondition u => 1 + u.Patterns.Count,
        UserTagsCondition t => 1 + t.Tags.Count,
        PropertyCondition p => 1 + p.Values.Count,
        _ => 1,
    };
}
