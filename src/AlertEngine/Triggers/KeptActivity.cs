using System.Net;

namespace AlertEngine;

/// <summary>
/// How a threshold window keeps the activities it carries into detections, and how it checkpoints them.
/// </summary>
/// <typeparam name="TItem">What the window keeps per counted activity.</typeparam>
internal interface IActivityKeeper<TItem>
{
    /// <summary>What the window keeps of <paramref name="activity"/>.</summary>
    static abstract TItem Keep(Activity activity);

    /// <summary>The detection's activity list of the kept <paramref name="items"/> (in order), the last counted of which
    /// may be <paramref name="triggering"/>.</summary>
    static abstract Activity[] Activities(ReadOnlySpan<TItem> items, Activity triggering);

    /// <summary>Writes a kept item as the checkpoint's activity.</summary>
    static abstract void Write(CheckpointWriter writer, TItem item);

    /// <summary>Reads a checkpoint's activity into what the window keeps.</summary>
    static abstract TItem Read(CheckpointReader reader);
}

/// <summary>The window keeps the whole <see cref="Activity"/>: detections carry the very instances that were counted.
/// The engine's choice wherever a <see cref="Detection"/> reaches a caller (<see cref="AlertPipeline"/>,
/// <see cref="PartitionedAlertPipeline"/>, the Rx operators): <see cref="Detection.Activities"/> is public.</summary>
internal readonly struct WholeActivities : IActivityKeeper<Activity>
{
    public static Activity Keep(Activity activity) => activity;

    public static Activity[] Activities(ReadOnlySpan<Activity> items, Activity triggering) => items.ToArray();

    public static void Write(CheckpointWriter writer, Activity item) => writer.WriteActivity(item);

    public static Activity Read(CheckpointReader reader) => reader.ReadActivity();
}

/// <summary>
/// The window keeps what an alert lists of an activity (<see cref="KeptActivity"/>), inline in its own arrays, instead
/// of the <see cref="Activity"/> object: for an engine whose detections never reach a caller, only alerts (the Orleans
/// partitions, whose detections are serialized to the coordinator and aggregated there). The decoded activity then
/// dies young: a gen0 collection no longer finds and copies the activities the windows keep for their whole window
/// (issue 17: ~80 % of each gen0 collection of a silo survived, half of each pause marking and half copying them).
/// </summary>
/// <remarks>A detection's activities are made again from the kept fields, with no <see cref="Activity.Workload"/>
/// and no <see cref="Activity.Properties"/> (nothing an alert reads: <see cref="AlertAggregator"/> reads the id, time,
/// operation, user, object, client IP and user tags); its triggering activity is the activity itself. The checkpoint's
/// kept activities are written as such activities, in the same format, so either kind of window reads the other's
/// state; an activity read with a workload or properties keeps neither.</remarks>
internal readonly struct AlertFields : IActivityKeeper<KeptActivity>
{
    public static KeptActivity Keep(Activity activity) => new(activity);

    public static Activity[] Activities(ReadOnlySpan<KeptActivity> items, Activity triggering)
    {
        var list = new Activity[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            ref readonly var item = ref items[i];

            // The activity that completed the detection is the one being observed: give the instance itself.
            list[i] = ReferenceEquals(item.Id, triggering.Id) && item.UtcTicks == triggering.UtcTicks ? triggering : item.ToActivity();
        }

        return list;
    }

    public static void Write(CheckpointWriter writer, KeptActivity item) =>
        writer.WriteActivityFields(item.Id, item.UtcTicks, item.Operation, item.UserId, item.ClientIp, item.ObjectId, workload: null, item.UserTags, properties: null);

    public static KeptActivity Read(CheckpointReader reader) => new(reader.ReadActivity());
}

/// <summary>What an alert lists of an activity (<see cref="AlertActivity"/>, the alert's users, operations and tags),
/// kept inline in a threshold window's item array instead of a reference to the <see cref="Activity"/>.</summary>
internal readonly struct KeptActivity
{
    public KeptActivity(Activity activity)
    {
        Id = activity.Id;
        UtcTicks = activity.UtcTicks;
        Operation = activity.Operation;
        UserId = activity.UserId;
        ObjectId = activity.ObjectId;
        ClientIp = activity.ClientIp;
        UserTags = activity.UserTags;
    }

    public string Id { get; }

    public long UtcTicks { get; }

    public string Operation { get; }

    public string? UserId { get; }

    public string? ObjectId { get; }

    public IPAddress? ClientIp { get; }

    public IReadOnlyList<string> UserTags { get; }

    /// <summary>An activity with the kept fields (no workload, no properties).</summary>
    public Activity ToActivity() => new(Id, new DateTimeOffset(UtcTicks, TimeSpan.Zero), Operation)
    {
        UserId = UserId,
        ObjectId = ObjectId,
        ClientIp = ClientIp,
        UserTags = UserTags,
    };
}
