namespace AlertEngine;

/// <summary>
/// Reads one string field of an activity. Implemented by structs, so that a leaf generic over its reader
/// (<see cref="FieldInSetLeaf{TReader}"/>) reads the field with no call and no switch: the JIT compiles one copy of the
/// leaf per reader type.
/// </summary>
internal interface IFieldReader
{
    /// <summary>The field's value; <see langword="null"/> when missing.</summary>
    string? Read(Activity activity);
}

/// <summary>Reads <see cref="Activity.UserId"/>.</summary>
internal readonly struct UserIdReader : IFieldReader
{
    public string? Read(Activity activity) => activity.UserId;
}

/// <summary>Reads <see cref="Activity.ObjectId"/>.</summary>
internal readonly struct ObjectIdReader : IFieldReader
{
    public string? Read(Activity activity) => activity.ObjectId;
}

/// <summary>Reads <see cref="Activity.Workload"/>.</summary>
internal readonly struct WorkloadReader : IFieldReader
{
    public string? Read(Activity activity) => activity.Workload;
}

/// <summary>Reads <see cref="Activity.Operation"/>.</summary>
internal readonly struct OperationReader : IFieldReader
{
    public string? Read(Activity activity) => activity.Operation;
}

/// <summary>Reads a property (key matched case-insensitively).</summary>
internal readonly struct PropertyReader(string name) : IFieldReader
{
    public string? Read(Activity activity) => activity.TryGetProperty(name, out var value) ? value : null;
}
