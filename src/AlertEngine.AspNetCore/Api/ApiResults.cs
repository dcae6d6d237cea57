using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertEngine.AspNetCore.Api;

/// <summary>Maps domain outcomes to HTTP results: ProblemDetails for every failure, validation problems keyed by JSON path.</summary>
internal static class ApiResults
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem("Sign in to use the AlertEngine API.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem($"The request body is larger than {limit} bytes; nothing of it was evaluated. Split it into smaller requests.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");

    /// <summary>A 400 validation problem listing every error under its path (the empty path for the request as a whole).</summary>
    public static ValidationProblem Invalid(IEnumerable<ValidationError> errors, string title = "The request is not valid")
    {
        var byPath = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? first = null;
        foreach (var error in errors)
        {
            first ??= error.ToString();
            if (!byPath.TryGetValue(error.Path, out var messages))
            {
                byPath[error.Path] = messages = [];
            }

            messages.Add(error.Message);
        }

        var dictionary = new Dictionary<string, string[]>(byPath.Count, StringComparer.Ordinal);
        foreach (var (path, messages) in byPath)
        {
            dictionary[path] = [.. messages];
        }

        return TypedResults.ValidationProblem(dictionary, detail: first, title: title);
    }

    public static ValidationProblem Invalid(string path, string message) => Invalid([new ValidationError(path, message)]);

    /// <summary>The failure of a management call as a problem; a validation problem for <see cref="ManagementOutcome.Invalid"/>.</summary>
    public static Results<ProblemHttpResult, ValidationProblem> Failure<T>(ManagementResult<T> result)
    {
        var detail = result.Errors.Count == 0 ? result.Outcome.ToString() : string.Join("; ", result.Errors);
        return result.Outcome switch
        {
            ManagementOutcome.NotFound => NotFound(detail),
            ManagementOutcome.Forbidden => Forbidden(detail),
            ManagementOutcome.Conflict => Conflict(detail),
            _ => Invalid(result.Errors),
        };
    }
}
