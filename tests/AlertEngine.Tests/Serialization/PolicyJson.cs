namespace AlertEngine.Tests.Serialization;

/// <summary>Builds small policies documents and asserts on the errors they load with.</summary>
internal static class PolicyJson
{
    /// <summary>The required properties of a minimal valid policy with id <c>p</c>.</summary>
    public const string Required =
        "\"id\": \"p\", \"name\": \"P\", \"category\": \"Others\", \"severity\": \"Low\", \"activities\": [\"FileDeleted\"]";

    /// <summary>A document with one policy made of <paramref name="members"/> exactly.</summary>
    public static string Only(string members) => "[{" + members + "}]";

    /// <summary>A document with one minimal policy plus <paramref name="extra"/> members.</summary>
    public static string With(string extra) => Only(Required + ", " + extra);

    /// <summary>A document with one minimal policy whose conditions are <paramref name="conditions"/>.</summary>
    public static string Conditions(string conditions) => With("\"conditions\": " + conditions);

    /// <summary>A document with one minimal policy whose trigger is <paramref name="trigger"/>.</summary>
    public static string Trigger(string trigger) => With("\"trigger\": " + trigger);

    public static AlertPolicy LoadOne(string json, Plan plan = Plan.E5)
    {
        var result = PolicySerializer.Load(json, new PolicyLoadOptions { Plan = plan });
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return Assert.Single(result.Value);
    }

    public static IReadOnlyList<ValidationError> Errors(string json, Plan plan = Plan.E5)
    {
        var result = PolicySerializer.Load(json, new PolicyLoadOptions { Plan = plan });
        Assert.False(result.IsValid, "expected the document to be invalid");
        Assert.Throws<InvalidOperationException>(() => result.Value);
        return result.Errors;
    }

    /// <summary>Asserts the document fails with exactly one error, at <paramref name="path"/>, whose message contains <paramref name="message"/>.</summary>
    public static ValidationError SingleError(string json, string path, string message, Plan plan = Plan.E5)
    {
        var errors = Errors(json, plan);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        return error;
    }
}
