using static AlertEngine.Tests.Incidents.IncidentData;

namespace AlertEngine.Tests.Incidents;

public class IncidentPhaseTests
{
    private static readonly HashSet<(IncidentPhase, IncidentPhase)> Allowed =
    [
        (IncidentPhase.Detected, IncidentPhase.Escalated),
        (IncidentPhase.Escalated, IncidentPhase.Assessed),
        (IncidentPhase.Assessed, IncidentPhase.Contained),
        (IncidentPhase.Assessed, IncidentPhase.Closed),
        (IncidentPhase.Contained, IncidentPhase.Eradicated),
        (IncidentPhase.Eradicated, IncidentPhase.Recovered),
        (IncidentPhase.Recovered, IncidentPhase.Closed),
        (IncidentPhase.Closed, IncidentPhase.Detected),
    ];

    public static TheoryData<IncidentPhase, IncidentPhase> AllPairs()
    {
        var data = new TheoryData<IncidentPhase, IncidentPhase>();
        foreach (var from in Enum.GetValues<IncidentPhase>())
        {
            foreach (var to in Enum.GetValues<IncidentPhase>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void The_table_allows_exactly_the_main_path_false_positive_close_and_reopen(IncidentPhase from, IncidentPhase to) =>
        Assert.Equal(Allowed.Contains((from, to)), IncidentPhases.CanTransition(from, to));

    [Theory]
    [MemberData(nameof(AllPairs))]
    public async Task The_manager_applies_allowed_moves_and_refuses_the_rest_with_a_clear_error(IncidentPhase from, IncidentPhase to)
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, from);
        time.Advance(TimeSpan.FromMinutes(5));

        if (Allowed.Contains((from, to)))
        {
            var moved = await manager.TransitionAsync(incident.Id, to, "responder", "note", Ct);
            Assert.Equal(to, moved.Phase);
            var last = moved.Transitions[^1];
            Assert.Equal(new IncidentTransition(from, to, time.GetUtcNow(), "responder", "note"), last);
            Assert.Equal(moved, await manager.GetAsync(incident.Id, Ct));
        }
        else
        {
            var ex = await Assert.ThrowsAsync<InvalidIncidentTransitionException>(() => manager.TransitionAsync(incident.Id, to, "responder", cancellationToken: Ct).AsTask());
            Assert.Equal(incident.Id, ex.IncidentId);
            Assert.Equal(from, ex.From);
            Assert.Equal(to, ex.To);
            Assert.Contains($"cannot move from {from} to {to}", ex.Message, StringComparison.Ordinal);
            Assert.Equal(incident, await manager.GetAsync(incident.Id, Ct));
        }
    }

    [Fact]
    public void Next_phases_lists_the_allowed_moves()
    {
        Assert.Equal([IncidentPhase.Contained, IncidentPhase.Closed], IncidentPhases.NextPhases(IncidentPhase.Assessed));
        Assert.Equal([IncidentPhase.Detected], IncidentPhases.NextPhases(IncidentPhase.Closed));
    }

    [Fact]
    public async Task A_refused_move_names_the_allowed_next_phase()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, IncidentPhase.Detected);
        var ex = await Assert.ThrowsAsync<InvalidIncidentTransitionException>(() => manager.TransitionAsync(incident.Id, IncidentPhase.Contained, "x", cancellationToken: Ct).AsTask());
        Assert.Equal("Incident inc:a1 cannot move from Detected to Contained: from Detected the only allowed phase is Escalated.", ex.Message);
    }

    [Fact]
    public async Task Every_transition_on_the_way_is_recorded_with_who_and_when()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        var incident = await manager.CreateAsync([Alert("a1", 0)], "analyst", cancellationToken: Ct);
        Assert.Equal(time.GetUtcNow(), incident.CreatedAt);
        Assert.Equal("analyst", incident.CreatedBy);

        IncidentPhase[] path = [IncidentPhase.Escalated, IncidentPhase.Assessed, IncidentPhase.Contained, IncidentPhase.Eradicated, IncidentPhase.Recovered, IncidentPhase.Closed];
        foreach (var next in path)
        {
            time.Advance(TimeSpan.FromHours(1));
            incident = await manager.TransitionAsync(incident.Id, next, "user-" + next, cancellationToken: Ct);
        }

        Assert.Equal(6, incident.Transitions.Count);
        for (var i = 0; i < path.Length; i++)
        {
            Assert.Equal(i == 0 ? IncidentPhase.Detected : path[i - 1], incident.Transitions[i].From);
            Assert.Equal(path[i], incident.Transitions[i].To);
            Assert.Equal(T0.AddHours(2 + i), incident.Transitions[i].At);
            Assert.Equal("user-" + path[i], incident.Transitions[i].By);
        }

        Assert.Equal(T0.AddHours(7), incident.ClosedAt);
    }
}
