using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

/// <summary>
/// An alert keeps its policy and management fields (policy id and name, severity, category, status, source,
/// description, notifications suppressed, history, silenced by) in one object its snapshots share, copied on write. Its
/// record semantics must be those of separate fields (the naive oracle): equal exactly when every property is, the
/// same hash code when equal, and <c>with</c> changes only the copy and only the property it names.
/// </summary>
public class AlertSharedFieldsTests
{
    private static readonly ImmutableArray<AlertStatusChange> OneChange =
        [new AlertStatusChange(AlertStatus.Active, AlertStatus.Resolved, "admin", T0, "done")];

    private static readonly ImmutableArray<string> Silences = ["s1"];
    private static readonly ImmutableList<AlertActivity> NoActivities = [];
    private static readonly ImmutableArray<string> Users = ["bob"];

    /// <summary>An alert whose shared fields take one of two values each, chosen by the bits of <paramref name="bits"/>
    /// (the strings are fresh instances, so that equality is by value, not by reference).</summary>
    private static Alert Make(int bits) => new()
    {
        Id = "p1:a",
        PolicyId = (bits & 1) == 0 ? new string("p1") : "p2",
        PolicyName = (bits & 2) == 0 ? new string("Policy p1") : "Other",
        Severity = (bits & 4) == 0 ? AlertSeverity.High : AlertSeverity.Low,
        Category = (bits & 8) == 0 ? AlertCategory.ThreatManagement : AlertCategory.DataLossPrevention,
        Status = (bits & 16) == 0 ? AlertStatus.Active : AlertStatus.Resolved,
        Source = (bits & 32) == 0 ? new string(Alert.EngineSource) : "Other",
        Description = (bits & 64) == 0 ? null : "d",
        NotificationsSuppressed = (bits & 128) != 0,
        History = (bits & 256) == 0 ? [] : OneChange,
        SilencedBy = (bits & 512) == 0 ? [] : Silences,
        CreatedAt = T0,
        FirstActivityAt = T0,
        LastActivityAt = T0,
        HitCount = 1,
        Users = Users,
        Activities = NoActivities,
    };

    /// <summary>The naive oracle: every property compared as the record compares a field of its type.</summary>
    private static bool SameProperties(Alert a, Alert b) =>
        a.Id == b.Id && a.PolicyId == b.PolicyId && a.PolicyName == b.PolicyName && a.Severity == b.Severity
        && a.Category == b.Category && a.Status == b.Status && a.Source == b.Source && a.Description == b.Description
        && a.NotificationsSuppressed == b.NotificationsSuppressed && a.History.Equals(b.History)
        && a.SilencedBy.Equals(b.SilencedBy) && a.CreatedAt == b.CreatedAt && a.FirstActivityAt == b.FirstActivityAt
        && a.LastActivityAt == b.LastActivityAt && a.HitCount == b.HitCount && a.DetectionCount == b.DetectionCount
        && a.Users.Equals(b.Users) && a.Operations.Equals(b.Operations) && a.Tags.Equals(b.Tags)
        && ReferenceEquals(a.Activities, b.Activities) && a.ActivitiesTruncated == b.ActivitiesTruncated;

    [Property(MaxTest = 1000)]
    public Property Equality_is_that_of_separate_fields(ushort left, ushort right)
    {
        var a = Make(left & 1023);
        var b = Make(right & 1023);
        var expected = SameProperties(a, b);
        return (a.Equals(b) == expected && (a == b) == expected && (!expected || a.GetHashCode() == b.GetHashCode()))
            .Label($"bits {left & 1023} and {right & 1023}: equal {a.Equals(b)}, oracle {expected}");
    }

    [Property(MaxTest = 1000)]
    public Property With_changes_only_the_copy_and_only_the_named_property(ushort bits, ushort change)
    {
        var original = Make(bits & 1023);
        var before = original.ToString();
        var other = Make((bits & 1023) ^ (1 << (change % 10))); // differs in exactly one shared field
        var copy = (change % 10) switch
        {
            0 => original with { PolicyId = other.PolicyId },
            1 => original with { PolicyName = other.PolicyName },
            2 => original with { Severity = other.Severity },
            3 => original with { Category = other.Category },
            4 => original with { Status = other.Status },
            5 => original with { Source = other.Source },
            6 => original with { Description = other.Description },
            7 => original with { NotificationsSuppressed = other.NotificationsSuppressed },
            8 => original with { History = other.History },
            _ => original with { SilencedBy = other.SilencedBy },
        };
        return (original.ToString() == before && copy.ToString() == other.ToString() && copy.Equals(other)
                && !copy.Equals(original) && SameProperties(copy, other))
            .Label($"bits {bits & 1023}, field {change % 10}: copy {copy}, expected {other}");
    }

    [Fact]
    public void A_management_change_of_one_engine_snapshot_leaves_the_open_alert_and_later_snapshots_alone()
    {
        var aggregator = new AlertAggregator(EveryTime("p1"), TimeSpan.FromMinutes(1));
        var first = aggregator.Add(Detection.ForActivity(Act("a", 0), "p1")).Alert;
        var resolved = first with { Status = AlertStatus.Resolved, History = OneChange, NotificationsSuppressed = true };
        var second = aggregator.Add(Detection.ForActivity(Act("b", 1), "p1")).Alert;
        var third = new AlertAggregator(EveryTime("p1"), TimeSpan.FromMinutes(1)).Add(Detection.ForActivity(Act("c", 120), "p1")).Alert;
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        foreach (var alert in new[] { first, second, third, aggregator.OpenAlert! })
        {
            Assert.Equal(AlertStatus.Active, alert.Status);
            Assert.Empty(alert.History);
            Assert.False(alert.NotificationsSuppressed);
            Assert.Equal(("p1", "Policy p1", AlertSeverity.High, AlertCategory.ThreatManagement, Alert.EngineSource, (string?)null),
                (alert.PolicyId, alert.PolicyName, alert.Severity, alert.Category, alert.Source, alert.Description));
        }

        Assert.Equal(2, second.DetectionCount);
        Assert.Equal(1, third.DetectionCount);
    }
}
