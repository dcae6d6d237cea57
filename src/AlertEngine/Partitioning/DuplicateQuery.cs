namespace AlertEngine;

/// <summary>One duplicate-filter question for the partition that owns the id's digest.</summary>
/// <param name="Index">The activity's index in its batch.</param>
/// <param name="Digest">The 128-bit digest of the activity id.</param>
/// <param name="FilterClockTicks">The single filter's newest time at this activity (the running maximum of the times
/// of every valid activity so far, this one included): entries older than it minus the horizon are forgotten.</param>
internal readonly record struct DuplicateQuery(int Index, UInt128 Digest, long FilterClockTicks);
