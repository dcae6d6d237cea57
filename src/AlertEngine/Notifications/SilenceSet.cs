using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>The silences of a <see cref="NotificationGate"/>, in the order added, with their matchers compiled once.
/// Silences run on the wall clock: one that has ended is dropped the next time the set is looked at. Not thread-safe.</summary>
internal sealed class SilenceSet
{
    private readonly List<CompiledSilence> _silences = [];

    /// <summary>Adds a silence, or replaces the one with the same id.</summary>
    /// <exception cref="ArgumentException">The silence is invalid; the message lists every problem.</exception>
    public void Add(Silence silence)
    {
        var errors = silence.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid silence:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(silence));
        }

        var compiled = new CompiledSilence(silence);
        var index = IndexOf(silence.Id);
        if (index >= 0)
        {
            _silences[index] = compiled;
        }
        else
        {
            _silences.Add(compiled);
        }
    }

    /// <summary>Removes a silence; <see langword="true"/> when it was there and had not ended at <paramref name="now"/>.</summary>
    public bool End(string silenceId, DateTimeOffset now)
    {
        var index = IndexOf(silenceId);
        if (index < 0)
        {
            return false;
        }

        var wasInForce = _silences[index].Silence.EndsAt > now;
        _silences.RemoveAt(index);
        return wasInForce;
    }

    /// <summary>The silences not expired at <paramref name="now"/>, in the order added (expired ones are dropped).</summary>
    public Silence[] Current(DateTimeOffset now)
    {
        DropExpired(now);
        return All();
    }

    /// <summary>Every silence kept, expired or not, in the order added.</summary>
    public Silence[] All()
    {
        var result = new Silence[_silences.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _silences[i].Silence;
        }

        return result;
    }

    /// <summary>Replaces every silence; validates all of them first, so an invalid one changes nothing.</summary>
    /// <exception cref="ArgumentException">A silence is invalid (<paramref name="paramName"/> names the argument).</exception>
    public void ReplaceAll(IEnumerable<Silence> silences, string paramName)
    {
        var compiled = new List<CompiledSilence>();
        foreach (var s in silences)
        {
            var errors = s.Validate();
            if (errors.Count > 0)
            {
                throw new ArgumentException($"Invalid silence '{s.Id}' in the snapshot:" + Environment.NewLine + string.Join(Environment.NewLine, errors), paramName);
            }

            compiled.Add(new CompiledSilence(s));
        }

        _silences.Clear();
        _silences.AddRange(compiled);
    }

    /// <summary>Whether an active silence matches; adds the ids of those that do to <paramref name="ids"/> (once each).</summary>
    public bool Match(string policyId, AlertSeverity severity, AlertCategory category, Activity activity, DateTimeOffset now, ref ImmutableArray<string> ids)
    {
        DropExpired(now);
        var matched = false;
        foreach (var s in _silences)
        {
            if (s.Silence.IsActiveAt(now) && s.Matches(policyId, severity, category, activity))
            {
                matched = true;
                if (!ids.Contains(s.Silence.Id))
                {
                    ids = ids.Add(s.Silence.Id);
                }
            }
        }

        return matched;
    }

    private void DropExpired(DateTimeOffset now)
    {
        for (var i = _silences.Count - 1; i >= 0; i--)
        {
            if (_silences[i].Silence.EndsAt <= now)
            {
                _silences.RemoveAt(i);
            }
        }
    }

    private int IndexOf(string id)
    {
        for (var i = 0; i < _silences.Count; i++)
        {
            if (string.Equals(_silences[i].Silence.Id, id, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
