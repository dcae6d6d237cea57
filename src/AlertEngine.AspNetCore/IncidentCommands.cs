namespace AlertEngine.AspNetCore;

/// <summary>
/// Runs an <see cref="IncidentManager"/> command and turns its documented exceptions into outcomes: an unknown
/// incident (<see cref="KeyNotFoundException"/>) is not found; a move the phase table or the incident's state forbids
/// (<see cref="InvalidIncidentTransitionException"/>, <see cref="InvalidOperationException"/>) is a conflict with the
/// manager's message; content the manager refuses is its list of errors. Nothing is changed in any of those cases.
/// </summary>
internal static class IncidentCommands
{
    public static async Task<Outcome> RunAsync(Func<ValueTask<LoadResult<Incident>>> command)
    {
        try
        {
            var result = await command().ConfigureAwait(false);
            return result.IsValid ? new Outcome(result.Value, null, false, null) : new Outcome(null, result.Errors, false, null);
        }
        catch (KeyNotFoundException)
        {
            return new Outcome(null, null, true, null);
        }
        catch (InvalidOperationException ex)
        {
            return new Outcome(null, null, false, ex.Message);
        }
    }

    internal sealed record Outcome(Incident? Incident, IReadOnlyList<ValidationError>? Errors, bool NotFound, string? Conflict);
}
