using Orleans;

namespace AlertEngine;

/// <summary><see cref="CheckpointRestoreResult"/> across a grain boundary.</summary>
[GenerateSerializer]
[Immutable]
internal sealed class CheckpointRestoreReply
{
    [Id(0)]
    public string[] Restored { get; set; } = [];

    [Id(1)]
    public string[] SkippedPaths { get; set; } = [];

    [Id(2)]
    public string[] SkippedMessages { get; set; } = [];

    public static CheckpointRestoreReply From(CheckpointRestoreResult result)
    {
        var reply = new CheckpointRestoreReply
        {
            Restored = [.. result.Restored],
            SkippedPaths = new string[result.Skipped.Count],
            SkippedMessages = new string[result.Skipped.Count],
        };
        for (var i = 0; i < result.Skipped.Count; i++)
        {
            reply.SkippedPaths[i] = result.Skipped[i].Path;
            reply.SkippedMessages[i] = result.Skipped[i].Message;
        }

        return reply;
    }

    public CheckpointRestoreResult ToResult()
    {
        var skipped = new ValidationError[SkippedPaths.Length];
        for (var i = 0; i < skipped.Length; i++)
        {
            skipped[i] = new ValidationError(SkippedPaths[i], SkippedMessages[i]);
        }

        return new CheckpointRestoreResult(Restored, skipped);
    }
}
