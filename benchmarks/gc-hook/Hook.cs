// A startup hook (DOTNET_STARTUP_HOOKS=.../GcHook.dll, GCHOOK_LOG=FILE) that writes every event of the runtime's GC
// keyword (verbose level) to FILE, one line each: CLOCK_MONOTONIC ns (mapped from the event's time stamp, so it can
// be compared with the "timed window (monotonic ns)" the orleans benchmark prints), the event name, its payload.
// Measurement tool only; see README.md.
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Text;

internal class StartupHook
{
    static GcListener _listener;
    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable("GCHOOK_LOG");
        if (string.IsNullOrEmpty(path)) return;
        _listener = new GcListener(path);
    }
}

sealed class GcListener : EventListener
{
    readonly StreamWriter _w;
    readonly long _utc0Ticks;
    readonly double _mono0Ns;
    public GcListener(string path)
    {
        _w = new StreamWriter(path) { AutoFlush = false };
        _utc0Ticks = DateTime.UtcNow.Ticks;
        _mono0Ns = Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (_w) _w.Flush(); };
        var t = new Thread(() => { while (true) { Thread.Sleep(1000); lock (_w) _w.Flush(); } }) { IsBackground = true };
        t.Start();
    }
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (_w == null) return;
        var ns = (long)(_mono0Ns + (e.TimeStamp.ToUniversalTime().Ticks - _utc0Ticks) * 100.0);
        var sb = new StringBuilder();
        sb.Append(ns).Append(' ').Append(e.EventName);
        if (e.PayloadNames != null)
            for (int i = 0; i < e.PayloadNames.Count; i++)
                sb.Append(' ').Append(e.PayloadNames[i]).Append('=').Append(e.Payload[i]);
        lock (_w) _w.WriteLine(sb.ToString());
    }
}
