using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// A condition on one field, as a struct: nodes generic over their leaves (<see cref="LeafNode{TLeaf}"/>,
/// <see cref="AllOfTwoNode{TFirst, TSecond}"/>) get one compiled copy per leaf type, in which the leaf's test is inlined,
/// so <c>all</c> of two leaves costs one delegate call, as a hand-written lambda does, instead of a virtual call per node.
/// </summary>
internal interface IConditionLeaf
{
    /// <summary>Whether the activity matches (the activity is not null).</summary>
    bool Matches(Activity activity);
}

/// <summary>A string field or property (not the client IP) equals one value, ignoring case.</summary>
internal readonly struct FieldEqualsLeaf<TReader>(TReader reader, string value) : IConditionLeaf
    where TReader : struct, IFieldReader
{
    public bool Matches(Activity activity) => string.Equals(reader.Read(activity), value, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A string field or property (not the client IP) is in a set of two or more values, ignoring case.</summary>
internal readonly struct FieldInSetLeaf<TReader>(TReader reader, FrozenSet<string> values) : IConditionLeaf
    where TReader : struct, IFieldReader
{
    public bool Matches(Activity activity) => reader.Read(activity) is { } value && values.Contains(value);
}

/// <summary>A string field or property (not the client IP) matches one of the globs.</summary>
internal readonly struct FieldGlobLeaf<TReader>(TReader reader, GlobPattern[] globs) : IConditionLeaf
    where TReader : struct, IFieldReader
{
    public bool Matches(Activity activity) => reader.Read(activity) is { } value && GlobPattern.AnyMatch(globs, value);
}

/// <summary>
/// The object id ends with an ASCII suffix, ignoring case: <c>objectId</c> matching one glob <c>*</c> + ASCII suffix
/// (<see cref="GlobPattern.AsciiSuffix"/>, <c>*.docx</c>). The activity's code of the object id's last four characters
/// (<see cref="ObjectIdTail"/>) rejects most object ids without loading the string; the others are compared as
/// <see cref="FieldGlobLeaf{TReader}"/> does.
/// </summary>
internal readonly struct ObjectIdSuffixLeaf : IConditionLeaf
{
    private readonly string _suffix;
    private readonly uint _code;
    private readonly uint _mask;

    public ObjectIdSuffixLeaf(string suffix)
    {
        _suffix = suffix;
        (_code, _mask) = ObjectIdTail.OfSuffix(suffix);
    }

    public bool Matches(Activity activity)
    {
        if (activity.TryGetObjectIdTail(out var tail) && (tail & _mask) != _code)
        {
            return false;
        }

        return activity.ObjectId is { } value && value.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The client IP lies in a set of networks.</summary>
internal readonly struct ClientIpInRangesLeaf(IpRangeSet ranges) : IConditionLeaf
{
    // An IPv4 address is tested as the number the activity keeps with it, without loading the IPAddress object.
    public bool Matches(Activity activity) => activity.TryGetClientIpV4(out var v4)
        ? ranges.ContainsV4(v4)
        : activity.ClientIp is { } ip && ranges.Contains(ip);
}

/// <summary>The activity's file name (<see cref="ActivityFields.FileName"/>) matches one of the globs.</summary>
internal readonly struct FileNameGlobLeaf(GlobPattern[] globs) : IConditionLeaf
{
    public bool Matches(Activity activity)
    {
        var name = ActivityFields.FileName(activity);
        return !name.IsEmpty && GlobPattern.AnyMatch(globs, name);
    }
}

/// <summary>
/// The activity's file name ends with a suffix, ignoring case: the file-name condition with one glob
/// <c>*</c> + ASCII suffix (<see cref="GlobPattern.AsciiSuffix"/>), the commonest shape (<c>*.docx</c>), without the
/// glob machinery.
/// </summary>
internal readonly struct FileNameSuffixLeaf(string suffix) : IConditionLeaf
{
    public bool Matches(Activity activity)
    {
        var name = ActivityFields.FileName(activity);
        return !name.IsEmpty && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }
}
