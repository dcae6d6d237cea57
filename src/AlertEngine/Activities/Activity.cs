using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// An audited user or admin action, shaped like a Microsoft 365 unified audit log record.
/// Immutable; safe to share between threads.
/// </summary>
/// <remarks>
/// <see cref="Time"/> is the event time: windows, baselines and aggregation run on it, never on the wall clock.
/// Property keys are matched case-insensitively.
/// </remarks>
public sealed class Activity
{
    private static readonly IReadOnlyDictionary<string, string> EmptyProperties =
        FrozenDictionary<string, string>.Empty;

    private readonly IReadOnlyList<string> _userTags = [];
    private readonly IReadOnlyDictionary<string, string> _properties = EmptyProperties;

    // Properties holding JSON, parsed the first time a dotted path reads them (copy-on-write, so readers never lock).
    private JsonPropertyTree[]? _jsonProperties;

    private readonly IPAddress? _clientIp;

    // The event time as UTC ticks: Time always has a zero offset, so the DateTimeOffset's offset and its 6 bytes of
    // padding (16 bytes in all) are not kept. With the codes below, an activity stays at 104 bytes (it was 112 with a
    // DateTimeOffset field and the IPv4 number; issue 16's *.docx first pass read 0.86-0.92x on a quiet machine after
    // that change, which a loaded machine could neither confirm nor pin on the size: end-to-end.md, activity-layout).
    private readonly long _utcTicks;

    // What conditions can test without loading another object (a cache miss of its own when the activity was parsed a
    // while ago), in one 64-bit field (with _utcTicks an activity stays at 104 bytes; one load for either test):
    // - bits 0-31: the IPv4 client address read when ClientIp was set (host order), valid with HasClientIpV4 (not when
    //   the address is unknown, IPv6, or IPv4-mapped IPv6 given by a caller: those are read from the object);
    // - bits 32-59 and HasObjectIdTail (bit 62): ObjectIdTail's code of the object id's last four characters.
    private readonly ulong _codes;
    private const ulong HasClientIpV4 = 1UL << 63;
    private const int ObjectIdTailShift = 32;
    private const ulong ObjectIdTailBits = (ulong)(ObjectIdTail.Known | ObjectIdTail.CodeMask) << ObjectIdTailShift;
    private const ulong HasObjectIdTail = (ulong)ObjectIdTail.Known << ObjectIdTailShift;

    private readonly string? _objectId;

    /// <summary>Creates an activity.</summary>
    /// <param name="id">The unique activity id (audit record id). Must not be empty.</param>
    /// <param name="time">The event time. Stored as UTC.</param>
    /// <param name="operation">The audited operation, e.g. <c>FileDeleted</c>. Must not be empty.</param>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public Activity(string id, DateTimeOffset time, string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        Id = id;
        _utcTicks = time.UtcTicks;
        Operation = operation;
    }

    /// <summary>The unique activity id. Duplicates within the duplicate horizon are evaluated once.</summary>
    public string Id { get; }

    /// <summary>The event time, in UTC.</summary>
    public DateTimeOffset Time
    {
        // Inlined: the constructor's range checks would otherwise keep this getter out of line (a call per read).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_utcTicks, TimeSpan.Zero);
    }

    /// <summary><see cref="Time"/>'s UTC ticks, read without making the <see cref="DateTimeOffset"/>.</summary>
    internal long UtcTicks => _utcTicks;

    /// <summary>The audited operation, e.g. <c>FileDeleted</c> or <c>MailRedirect</c>.</summary>
    public string Operation { get; }

    /// <summary>The user who performed the action, usually a UPN; <see langword="null"/> when unknown.</summary>
    public string? UserId { get; init; }

    /// <summary>The client IP address (IPv4-mapped IPv6 addresses are stored as IPv4); <see langword="null"/> when unknown.</summary>
    /// <remarks>An IPv4 address is also read once when it is set, and conditions on the client IP test that number: an
    /// <see cref="IPAddress"/> changed afterwards through its obsolete <see cref="IPAddress.Address"/> setter is not
    /// seen by them (an activity is immutable; so should its address be).</remarks>
    public IPAddress? ClientIp
    {
        get => _clientIp;
        init
        {
            _clientIp = value;
            var codes = _codes & ~(HasClientIpV4 | uint.MaxValue);
            if (value is { AddressFamily: AddressFamily.InterNetwork } && BitConverter.IsLittleEndian)
            {
#pragma warning disable CS0618 // Type or member is obsolete: for an IPv4 address it is the four bytes in network order
                codes |= HasClientIpV4 | BinaryPrimitives.ReverseEndianness((uint)value.Address);
#pragma warning restore CS0618
            }

            _codes = codes;
        }
    }

    /// <summary>The client IPv4 address as a number, when <see cref="ClientIp"/> is an IPv4 address: lets a condition on
    /// it test the activity's own field instead of loading the <see cref="IPAddress"/> object (a cache miss of its own
    /// when the activity was parsed a while ago; issue 16's not-in-range policy spent ~150 ns per activity there).</summary>
    /// <param name="address">The address, in host order.</param>
    /// <returns><see langword="false"/> when the client IP is unknown or not IPv4 (then read <see cref="ClientIp"/>).</returns>
    internal bool TryGetClientIpV4(out uint address)
    {
        var codes = _codes;
        address = (uint)codes;
        return (codes & HasClientIpV4) != 0;
    }

    /// <summary>The object acted on: a file path or URL, a mailbox, an eDiscovery case…</summary>
    public string? ObjectId
    {
        get => _objectId;
        init
        {
            _objectId = value;
            _codes = (_codes & ~ObjectIdTailBits) | ((ulong)ObjectIdTail.Of(value) << ObjectIdTailShift);
        }
    }

    /// <summary>The code of <see cref="ObjectId"/>'s last four characters (<see cref="ObjectIdTail"/>), made when it was
    /// set: lets a suffix condition (<c>*.docx</c>) reject most object ids without loading the string (two dependent
    /// cache misses, its length and then its end, when the activity was parsed a while ago).</summary>
    /// <param name="tail">The code, when known.</param>
    /// <returns><see langword="false"/> when the object id is null, shorter than four characters, or ends with a
    /// non-ASCII character among its last four (then read <see cref="ObjectId"/>).</returns>
    internal bool TryGetObjectIdTail(out uint tail)
    {
        var codes = _codes;
        tail = (uint)(codes >> ObjectIdTailShift) & ObjectIdTail.CodeMask;
        return (codes & HasObjectIdTail) != 0;
    }

    /// <summary>The workload, e.g. <c>SharePoint</c> or <c>Exchange</c>.</summary>
    public string? Workload { get; init; }

    /// <summary>User tags, system or custom (e.g. <c>Priority account</c>). Never <see langword="null"/>.</summary>
    public IReadOnlyList<string> UserTags
    {
        get => _userTags;
        init => _userTags = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Free-form properties (e.g. <c>MalwareFamily</c>, <c>Recipient</c>, <c>FileName</c>). Never <see langword="null"/>.
    /// Keys compare case-insensitively (a dictionary with another comparer is copied once on init).
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get => _properties;
        init => _properties = Normalize(value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Looks up a property by name, case-insensitively. Never allocates.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value when found.</param>
    /// <returns><see langword="true"/> when the property is present.</returns>
    public bool TryGetProperty(string name, out string value)
    {
        if (_properties.TryGetValue(name, out var v))
        {
            value = v;
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>
    /// The value of property <paramref name="name"/> parsed as JSON, parsed on the first call and kept: later calls,
    /// from any thread, return the same tree without parsing or allocating. <see langword="null"/> when the property
    /// is missing or does not start like a JSON object or array.
    /// </summary>
    internal JsonPropertyTree? JsonProperty(string name)
    {
        if (!_properties.TryGetValue(name, out var value) || !JsonPropertyTree.LooksLikeContainer(value))
        {
            return null;
        }

        var cached = Volatile.Read(ref _jsonProperties);
        if (cached is not null)
        {
            foreach (var tree in cached)
            {
                if (ReferenceEquals(tree.Source, value))
                {
                    return tree;
                }
            }
        }

        var parsed = JsonPropertyTree.Parse(value);
        while (true)
        {
            JsonPropertyTree[] next;
            if (cached is null)
            {
                next = [parsed];
            }
            else
            {
                foreach (var tree in cached)
                {
                    if (ReferenceEquals(tree.Source, value))
                    {
                        // Another thread parsed it first.
                        return tree;
                    }
                }

                next = [.. cached, parsed];
            }

            var seen = Interlocked.CompareExchange(ref _jsonProperties, next, cached);
            if (ReferenceEquals(seen, cached))
            {
                return parsed;
            }

            cached = seen;
        }
    }

    /// <remarks>
    /// Properties are kept with a case-insensitive comparer so lookups never scan. A dictionary built with
    /// <see cref="StringComparer.OrdinalIgnoreCase"/> is kept as given; any other is copied once (keys that differ only
    /// by case: the first one enumerated wins).
    /// </remarks>
    private static IReadOnlyDictionary<string, string> Normalize(IReadOnlyDictionary<string, string> d)
    {
        switch (d)
        {
            case { Count: 0 }:
                return EmptyProperties;
            case Dictionary<string, string> x when ReferenceEquals(x.Comparer, StringComparer.OrdinalIgnoreCase):
                return d;
            case FrozenDictionary<string, string> f when ReferenceEquals(f.Comparer, StringComparer.OrdinalIgnoreCase):
                return d;
            case Utf8Properties:
                // The reader's lazily decoded audit-record properties: case-insensitive by construction.
                return d;
        }

        var copy = new Dictionary<string, string>(d.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var pair in d)
        {
            ArgumentNullException.ThrowIfNull(pair.Key, nameof(d));
            copy.TryAdd(pair.Key, pair.Value ?? throw new ArgumentException($"Property '{pair.Key}' has a null value.", nameof(d)));
        }

        return copy;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} {Time:O} {Operation} {UserId}";
}
