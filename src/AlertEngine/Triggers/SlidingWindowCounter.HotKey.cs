using System.Runtime.CompilerServices;

namespace AlertEngine;

// The hot key (see the fields _hotKey and _hotState): the table read through Table writes the hot key's state back first.
public sealed partial class SlidingWindowCounter<TItem>
{
    /// <summary>The key table, up to date (the hot key's state written back).</summary>
    private KeyTable<CounterKeyState> Table
    {
        get
        {
            if (_hotKey is not null)
            {
                FlushHot();
            }

            return _keys;
        }
    }

    /// <summary>Writes the hot key's state back into the table; there is no hot key afterwards.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FlushHot()
    {
        _keys.FindValue(_hotKey!) = _hotState;
        _hotKey = null;
        _hotState = default;
    }
}
