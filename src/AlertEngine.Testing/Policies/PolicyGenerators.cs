using System.Net;
using System.Net.Sockets;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing;

/// <summary>
/// FsCheck generators of valid alert policies: every condition kind, every trigger type (every time, threshold, anomaly,
/// distinct, newValue, absence, spike, sum) and scope, numbers at their edges, durations with fractional seconds, IPv4
/// and IPv6 ranges, notification settings with and without a throttle and (on threshold triggers) an early warning, and
/// text with JSON-awkward characters (quotes, backslashes, control characters, null,
/// non-ASCII, surrogate pairs). Every generated policy passes <see cref="PolicyValidator"/>.
/// </summary>
/// <remarks>
/// Use <see cref="PoliciesArbitrary"/> (or <see cref="PolicyArbitrary"/>) in properties: its shrinker removes policies
/// and simplifies the rest (drops conditions, optional parts and extra operations, falls back to an every-time trigger)
/// so a failure is reported on a small case. Generated ids are unique within a list.
/// </remarks>
public static class PolicyGenerators
{
    private static readonly string[] Operations =
    [
        "FileDeleted", "FileRecycled", "FileSharedExternally", "MailRedirect", "Add-RoleGroupMember", "MalwareDetected",
        "AnonymousLinkCreated", "New-InboxRule", "SearchStarted",
    ];

    private static readonly string[] Pieces =
    [
        "a", "b", "z", "A", "Q", "0", "7", "-", "_", ".", "@", " ", "/", ":", "+", "<", "&", "'", "\"", "\\", "\0", "\n", "\t",
        "\u007f", "é", "ß", "日本", "\u2028", "\U0001F600", "%", "{", "}", "[", "]", ",",
    ];

    private static readonly string[] GlobPieces = ["*", "?", "a", "B", ".", "/", "docx", "payroll", "-", " ", "é", "\\", "\""];

    /// <summary>Non-blank text: a letter, then any mix of letters, digits, punctuation, control and non-ASCII characters.</summary>
    /// <returns>The generator.</returns>
    public static Gen<string> Text() =>
        from first in Gen.Elements("a", "B", "x", "Z", "é")
        from rest in Gen.ArrayOf(Gen.Elements(Pieces)).Resize(8)
        select first + string.Concat(rest);

    /// <summary>Any text, possibly empty (values of <c>equals</c> and <c>in</c>).</summary>
    /// <returns>The generator.</returns>
    public static Gen<string> AnyText() => Gen.Frequency((1, Gen.Constant(string.Empty)), (6, Text()));

    /// <summary>An operation name: a well-known one or arbitrary text.</summary>
    /// <returns>The generator.</returns>
    public static Gen<string> Operation() => Gen.Frequency((3, Gen.Elements(Operations)), (1, Text()));

    /// <summary>A glob: non-empty, with <c>*</c> and <c>?</c>, sometimes exactly 1,000 characters (the longest accepted).</summary>
    /// <returns>The generator.</returns>
    public static Gen<string> Glob() => Gen.Frequency(
        (20, from pieces in Gen.NonEmptyListOf(Gen.Elements(GlobPieces)).Resize(6) select string.Concat(pieces)),
        (1, Gen.Constant("*" + new string('a', 998) + "?")));

    /// <summary>A positive duration: whole units (seconds to weeks), fractional seconds, or the largest TimeSpan.</summary>
    /// <returns>The generator.</returns>
    public static Gen<TimeSpan> PositiveDuration() => Gen.Frequency(
        (4, from n in Gen.Choose(1, 120) from unit in Gen.Elements(TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour, TimeSpan.TicksPerDay, TimeSpan.TicksPerDay * 7)
            select new TimeSpan(n * unit)),
        (2, from hi in Gen.Choose(0, 100_000) from lo in Gen.Choose(1, int.MaxValue)
            select new TimeSpan((hi * (long)int.MaxValue) + lo)),
        (1, Gen.Constant(TimeSpan.MaxValue)));

    /// <summary>An IPv4 or IPv6 network with host bits clear, often a single address.</summary>
    /// <returns>The generator.</returns>
    public static Gen<IPNetwork> IpRange() =>
        from v6 in Gen.Elements(false, true)
        from bytes in Gen.ArrayOf(Gen.Choose(0, 255), v6 ? 16 : 4)
        from single in Gen.Elements(true, false)
        from prefix in Gen.Choose(0, v6 ? 128 : 32)
        select Network(bytes, single ? bytes.Length * 8 : prefix);

    /// <summary>A trigger scope: each named scope, or <c>property:&lt;Name&gt;</c>.</summary>
    /// <returns>The generator.</returns>
    public static Gen<TriggerScope> Scope() => Gen.OneOf(
        Gen.Elements(TriggerScope.User, TriggerScope.Organization, TriggerScope.MalwareFamily, TriggerScope.Recipient, TriggerScope.AllMessages),
        Text().Select(TriggerScope.Property));

    /// <summary>A trigger of every type: every time, threshold, anomaly, distinct, newValue, absence, spike or sum; only
    /// every time when <paramref name="advancedPlan"/> is false. Numbers reach their edges (a ratio just above 1, the
    /// smallest and largest finite sum thresholds, counts of 1 and <see cref="int.MaxValue"/>), fields are top-level
    /// fields in any case or property keys, and a newValue learning period may exceed its lookback.</summary>
    /// <param name="advancedPlan">Whether the triggers that need an advanced plan (all but every time) may appear.</param>
    /// <returns>The generator.</returns>
    public static Gen<Trigger> Trigger(bool advancedPlan = true)
    {
        var everyTime = Gen.Constant<Trigger>(EveryTimeTrigger.Instance);
        if (!advancedPlan)
        {
            return everyTime;
        }

        var threshold =
            from count in Count()
            from window in PositiveDuration()
            from scope in Scope()
            select (Trigger)new ThresholdTrigger(count, window, scope);
        var anomaly =
            from scope in Scope()
            from bucketSeconds in Gen.Choose(1, 86_400)
            from extraMinutes in Gen.Choose(0, 30 * 24 * 60)
            from fraction in Gen.Choose(0, 9_999_999)
            from sensitivity in Gen.Elements(AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High)
            let bucket = TimeSpan.FromSeconds(bucketSeconds) + TimeSpan.FromTicks(fraction)
            select (Trigger)new AnomalyTrigger(scope, bucket + TimeSpan.FromMinutes(extraMinutes), sensitivity, bucket);
        var distinct =
            from field in Field()
            from count in Count()
            from window in PositiveDuration()
            from scope in Scope()
            select (Trigger)new DistinctTrigger(field, count, window, scope);
        var newValue =
            from field in Field()
            from scope in Scope()
            from lookback in Gen.Frequency((1, Gen.Constant(NewValueTrigger.DefaultLookback)), (3, PositiveDuration()))
            from learningPeriod in Gen.Frequency((1, Gen.Constant(NewValueTrigger.DefaultLearningPeriod)), (3, PositiveDuration()))
            select (Trigger)new NewValueTrigger(field, scope, lookback, learningPeriod);
        var absence =
            from window in PositiveDuration()
            from scope in Scope()
            select (Trigger)new AbsenceTrigger(window, scope);
        var spike =
            from ratio in Ratio()
            from window in PositiveDuration()
            from minCount in Gen.Frequency((2, Gen.Constant(1)), (3, Count()))
            from minReference in Gen.Frequency((2, Gen.Constant(1)), (3, Count()))
            from scope in Scope()
            select (Trigger)new SpikeTrigger(ratio, window, minCount, minReference, scope);
        var sum =
            from field in Field()
            from sumThreshold in PositiveNumber()
            from window in PositiveDuration()
            from scope in Scope()
            select (Trigger)new SumTrigger(field, sumThreshold, window, scope);
        return Gen.OneOf(everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum);
    }

    /// <summary>A condition tree of every kind (all, any, not, users, IP ranges, file names, URLs, user tags, property
    /// equals/in/matches), a few levels deep.</summary>
    /// <returns>The generator.</returns>
    public static Gen<Condition> Condition() => Gen.Sized(size => ConditionOfDepth(Math.Min(3, size / 10)));

    /// <summary>A valid policy.</summary>
    /// <param name="advancedPlan">Whether the triggers that need an advanced plan (all but every time) may appear (E5/G5); otherwise every time only.</param>
    /// <returns>The generator.</returns>
    public static Gen<AlertPolicy> Policy(bool advancedPlan = true) =>
        from id in Text()
        from name in Text()
        from description in Gen.Frequency((1, Gen.Constant<string?>(null)), (2, AnyText().Select(s => (string?)s)))
        from enabled in Gen.Elements(true, false)
        from type in Gen.Elements(PolicyType.Custom, PolicyType.System)
        from category in Gen.Elements(Enum.GetValues<AlertCategory>())
        from severity in Gen.Elements(Enum.GetValues<AlertSeverity>())
        from operations in Gen.NonEmptyListOf(Operation()).Resize(3)
        from conditions in Gen.Frequency((1, Gen.Constant<Condition?>(null)), (3, Condition().Select(c => (Condition?)c)))
        from trigger in Trigger(advancedPlan)
        from aggregation in Aggregation()
        from automatedInvestigation in Gen.Elements(true, false)
        from notification in Notification(trigger)
        select new AlertPolicy
        {
            Id = id,
            Name = name,
            Description = description,
            Enabled = enabled,
            Type = type,
            Category = category,
            Severity = severity,
            Operations = [.. operations],
            Conditions = conditions,
            Trigger = trigger,
            Aggregation = aggregation,
            AutomatedInvestigation = automatedInvestigation,
            Notification = notification,
        };

    /// <summary>A list of valid policies (possibly empty) with unique ids.</summary>
    /// <param name="advancedPlan">Whether the triggers that need an advanced plan (all but every time) may appear.</param>
    /// <returns>The generator.</returns>
    public static Gen<IReadOnlyList<AlertPolicy>> Policies(bool advancedPlan = true) =>
        Gen.ListOf(Policy(advancedPlan)).Resize(4).Select(UniqueIds);

    /// <summary><see cref="Policy"/> with a shrinker.</summary>
    /// <param name="advancedPlan">Whether the triggers that need an advanced plan (all but every time) may appear.</param>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<AlertPolicy> PolicyArbitrary(bool advancedPlan = true) => Arb.From(Policy(advancedPlan), Shrink);

    /// <summary><see cref="Policies"/> with a shrinker that removes policies, then simplifies each.</summary>
    /// <param name="advancedPlan">Whether the triggers that need an advanced plan (all but every time) may appear.</param>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<IReadOnlyList<AlertPolicy>> PoliciesArbitrary(bool advancedPlan = true) => Arb.From(Policies(advancedPlan), Shrink);

    /// <summary>Simpler variants of a policy list: one policy fewer, or one policy simplified.</summary>
    /// <param name="policies">The list.</param>
    /// <returns>The candidates, simplest first.</returns>
    public static IEnumerable<IReadOnlyList<AlertPolicy>> Shrink(IReadOnlyList<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        for (var i = 0; i < policies.Count; i++)
        {
            var fewer = new List<AlertPolicy>(policies);
            fewer.RemoveAt(i);
            yield return fewer;
        }

        for (var i = 0; i < policies.Count; i++)
        {
            foreach (var simpler in Shrink(policies[i]))
            {
                var list = new List<AlertPolicy>(policies) { [i] = simpler };
                yield return list;
            }
        }
    }

    /// <summary>Simpler variants of a policy, each valid and strictly simpler (the id is kept).</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>The candidates.</returns>
    public static IEnumerable<AlertPolicy> Shrink(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Conditions is { } conditions)
        {
            yield return policy with { Conditions = null };
            foreach (var simpler in Shrink(conditions))
            {
                yield return policy with { Conditions = simpler };
            }
        }

        if (policy.Trigger is not EveryTimeTrigger)
        {
            // An early warning needs a threshold trigger: drop it with the trigger so the candidate stays valid.
            yield return policy with
            {
                Trigger = EveryTimeTrigger.Instance,
                Notification = policy.Notification is { EarlyWarning: true } n ? n with { EarlyWarning = false } : policy.Notification,
            };
        }

        if (policy.Operations.Count > 1)
        {
            yield return policy with { Operations = [policy.Operations[0]] };
        }

        if (policy.Description is not null)
        {
            yield return policy with { Description = null };
        }

        if (policy.Aggregation is not null)
        {
            yield return policy with { Aggregation = null };
        }

        if (policy.Notification is { } notification)
        {
            yield return policy with { Notification = null };
            if (notification.Throttle is not null)
            {
                yield return policy with { Notification = notification with { Throttle = null } };
            }

            if (notification.EarlyWarning)
            {
                yield return policy with { Notification = notification with { EarlyWarning = false } };
            }
        }

        if (policy.Name != "n")
        {
            yield return policy with { Name = "n" };
        }
    }

    /// <summary>Simpler variants of a condition: its children, or the node with one child removed.</summary>
    /// <param name="condition">The condition.</param>
    /// <returns>The candidates.</returns>
    public static IEnumerable<Condition> Shrink(Condition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        switch (condition)
        {
            case NotCondition not:
                yield return not.Condition;
                break;
            case AllCondition all:
                foreach (var child in all.Conditions)
                {
                    yield return child;
                }

                for (var i = 0; i < all.Conditions.Count; i++)
                {
                    yield return all with { Conditions = Without(all.Conditions, i) };
                }

                break;
            case AnyCondition any:
                foreach (var child in any.Conditions)
                {
                    yield return child;
                }

                for (var i = 0; i < any.Conditions.Count; i++)
                {
                    yield return any with { Conditions = Without(any.Conditions, i) };
                }

                break;
        }
    }

    private static List<Condition> Without(IReadOnlyList<Condition> children, int index)
    {
        var list = new List<Condition>(children);
        list.RemoveAt(index);
        return list;
    }

    private static IReadOnlyList<AlertPolicy> UniqueIds(List<AlertPolicy> policies)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            var id = policies[i].Id;
            var n = 2;
            while (!seen.Add(id))
            {
                id = policies[i].Id + "#" + n++;
            }

            if (id != policies[i].Id)
            {
                policies[i] = policies[i] with { Id = id };
            }
        }

        return policies;
    }

    private static Gen<Condition> ConditionOfDepth(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.NonEmptyListOf(Text()).Resize(3).Select(l => (Condition)new UsersCondition([.. l])),
            Gen.NonEmptyListOf(IpRange()).Resize(3).Select(l => (Condition)new IpAddressesCondition([.. l])),
            Gen.NonEmptyListOf(Glob()).Resize(3).Select(l => (Condition)new FileNamesCondition([.. l])),
            Gen.NonEmptyListOf(Glob()).Resize(3).Select(l => (Condition)new UrlsCondition([.. l])),
            Gen.NonEmptyListOf(Text()).Resize(3).Select(l => (Condition)new UserTagsCondition([.. l])),
            from property in Gen.OneOf(Gen.Elements("userId", "clientIp", "objectId", "workload", "operation"), Text())
            from value in AnyText()
            select (Condition)new PropertyCondition(property, PropertyOperator.Equals, [value]),
            from property in Text()
            from values in Gen.NonEmptyListOf(AnyText()).Resize(3)
            select (Condition)new PropertyCondition(property, PropertyOperator.In, [.. values]),
            from property in Text()
            from glob in Glob()
            select (Condition)new PropertyCondition(property, PropertyOperator.Matches, [glob]));
        if (depth <= 0)
        {
            return leaf;
        }

        var child = ConditionOfDepth(depth - 1);
        return Gen.Frequency(
            (3, leaf),
            (1, Gen.ListOf(child).Resize(3).Select(l => (Condition)new AllCondition([.. l]))),
            (1, Gen.ListOf(child).Resize(3).Select(l => (Condition)new AnyCondition([.. l]))),
            (1, child.Select(c => (Condition)new NotCondition(c))));
    }

    /// <summary>A count of at least 1: small, or the extremes.</summary>
    private static Gen<int> Count() => Gen.Frequency((4, Gen.Choose(1, 200)), (1, Gen.Elements(1, int.MaxValue)));

    /// <summary>A field a trigger reads: a top-level field (in its spelling or another case) or a property key.</summary>
    private static Gen<string> Field() => Gen.Frequency(
        (2, Gen.Elements("userId", "clientIp", "ClientIP", "objectId", "workload", "operation", "BytesTransferred", "FileSize")),
        (1, Text()));

    /// <summary>A finite ratio greater than 1: whole, fractional, just above 1, the largest double, or any such bits.</summary>
    private static Gen<double> Ratio() => Gen.Frequency(
        (3, Gen.Choose(2, 20).Select(n => (double)n)),
        (3, Gen.Choose(1, 1_000_000).Select(n => 1 + (n / 1e6))),
        (1, Gen.Elements(Math.BitIncrement(1.0), double.MaxValue, 1.5, 1e20)),
        (2, from hi in Gen.Choose(0x3FF00000, 0x7FEFFFFF)
            from lo in Gen.Choose(int.MinValue, int.MaxValue)
            let x = Bits(hi, lo)
            select x > 1 ? x : Math.BitIncrement(1.0)));

    /// <summary>A finite number greater than zero: whole, fractional, the smallest and largest doubles, or any such bits.</summary>
    private static Gen<double> PositiveNumber() => Gen.Frequency(
        (3, Gen.Choose(1, 1_000_000).Select(n => (double)n)),
        (3, Gen.Choose(1, 1_000_000).Select(n => n / 1000.0)),
        (1, Gen.Elements(double.Epsilon, double.MaxValue, 1e10, 0.1)),
        (2, from hi in Gen.Choose(0, 0x7FEFFFFF)
            from lo in Gen.Choose(int.MinValue, int.MaxValue)
            let x = Bits(hi, lo)
            select x > 0 ? x : double.Epsilon));

    private static double Bits(int hi, int lo) => BitConverter.Int64BitsToDouble(((long)hi << 32) | (uint)lo);

    private static Gen<AggregationSettings?> Aggregation() => Gen.Frequency(
        (1, Gen.Constant<AggregationSettings?>(null)),
        (2, from mode in Gen.Elements(AggregationMode.Policy, AggregationMode.None)
            from interval in Gen.Frequency((1, Gen.Constant<TimeSpan?>(null)), (2, AggregationInterval().Select(d => (TimeSpan?)d)))
            select (AggregationSettings?)new AggregationSettings(mode, interval)));

    /// <summary>An aggregation interval within the validator's bound: whole seconds, minutes or hours up to one day, or exactly one day.</summary>
    private static Gen<TimeSpan> AggregationInterval() => Gen.Frequency(
        (4, from n in Gen.Choose(1, 24) from unit in Gen.Elements(TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour)
            select new TimeSpan(n * unit)),
        (1, Gen.Choose(1, int.MaxValue).Select(ticks => new TimeSpan(ticks))),
        (1, Gen.Constant(PolicyValidator.MaxAggregationInterval)));

    /// <summary>Notification settings valid with <paramref name="trigger"/>: an early warning only on a threshold trigger.</summary>
    private static Gen<NotificationSettings?> Notification(Trigger trigger) => Gen.Frequency(
        (1, Gen.Constant<NotificationSettings?>(null)),
        (2, from enabled in Gen.Elements(true, false)
            from recipients in Gen.ListOf(Text()).Resize(3)
            from limit in Gen.Frequency((1, Gen.Constant<int?>(null)), (2, Gen.Choose(1, 1000).Select(n => (int?)n)), (1, Gen.Constant<int?>(int.MaxValue)))
            from earlyWarning in trigger is ThresholdTrigger ? Gen.Elements(false, true) : Gen.Constant(false)
            from throttle in Gen.Frequency((1, Gen.Constant<NotificationThrottle?>(null)), (1, Throttle().Select(t => (NotificationThrottle?)t)))
            select (NotificationSettings?)new NotificationSettings(enabled, [.. recipients], limit) { EarlyWarning = earlyWarning, Throttle = throttle }));

    /// <summary>A throttle: a small or extreme count, any positive window.</summary>
    private static Gen<NotificationThrottle> Throttle() =>
        from count in Gen.Frequency((4, Gen.Choose(1, 100)), (1, Gen.Elements(1, int.MaxValue)))
        from window in PositiveDuration()
        select new NotificationThrottle(count, window);

    private static IPNetwork Network(int[] values, int prefix)
    {
        var bytes = new byte[values.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] = (byte)(values[i] & (0xFF << (8 - keep)));
        }

        var address = new IPAddress(bytes);
        return new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? Math.Min(prefix, 32) : prefix);
    }
}
