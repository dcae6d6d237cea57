namespace AlertEngine;

/// <summary>
/// A detector whose detections fire on the clock (absence). The engine calls <see cref="AdvanceClock"/> with the engine
/// clock (the newest valid activity time) every time it moves forward, before evaluating the activity that moved it.
/// </summary>
internal interface IClockDrivenDetector : IPolicyDetector
{
    /// <summary>Appends, in firing order, every detection due at or before <paramref name="now"/>.</summary>
    void AdvanceClock(DateTimeOffset now, List<Detection> fired);
}
