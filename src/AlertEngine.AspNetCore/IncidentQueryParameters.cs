using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore;

/// <summary>Reads an <see cref="IncidentQuery"/> from query string parameters: <c>phase</c> (repeatable or comma-separated),
/// <c>includeClosed</c> and <c>securityOnly</c>.</summary>
internal static class IncidentQueryParameters
{
    public static IncidentQuery Parse(IQueryCollection query, List<ValidationError> errors)
    {
        List<IncidentPhase>? phases = null;
        foreach (var value in query["phase"])
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Api.EnumText.TryParse<IncidentPhase>(part, out var phase))
                {
                    (phases ??= []).Add(phase);
                }
                else
                {
                    errors.Add(new("phase", Api.EnumText.Allowed<IncidentPhase>()));
                }
            }
        }

        return new IncidentQuery
        {
            Phases = phases,
            IncludeClosed = AlertQueryParameters.Bool(query, "includeClosed", errors),
            SecurityIncidentsOnly = AlertQueryParameters.Bool(query, "securityOnly", errors),
        };
    }
}
