using System.Globalization;

namespace AlertEngine.Replay;

/// <summary>
/// One run of the replay command: reads policies, then activities, and writes alerts (JSON Lines, ordered by
/// <c>createdAt</c>, <c>policyId</c>, <c>id</c>) and a one-line summary on stderr.
/// </summary>
/// <remarks>
/// Without <c>--sort</c> the input is streamed: an alert is written as soon as it is final and everything sorting
/// before it is written (see <see cref="AlertOrderBuffer"/>), so memory does not grow with the input for every-time
/// policies. With <c>--sort</c> all activities are read first and evaluated in time order (stable).
/// An invalid activity line (one the reader rejects, or one dated more than the future tolerance ahead of the wall
/// clock) without <c>--skip-invalid</c> stops evaluation (nothing after it is evaluated or
/// written, and <c>--out</c> is not created); the rest of the input is still read so that every invalid line is
/// reported at once; the exit code is 3.
/// </remarks>
internal sealed class ReplayCommand
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitInvalidArguments = 2;
    public const int ExitInvalidInput = 3;
    public const int ExitCancelled = 130;

    private const int ShownPerKind = 20;
    private const int ShownInvalidLines = 100;

    private readonly TextWriter _stderr;
    private readonly Dictionary<DiagnosticKind, long> _shown = [];
    private string _sourceName = "";
    private ReplayEngine? _engine;
    private long _read;
    private long _invalid;
    private long _invalidShown;
    private long _notes;
    private long _futureLimitTicks = long.MinValue;
    private bool _stopped;

    public ReplayCommand(TextWriter stderr) => _stderr = stderr;

    public ReplayReport Report { get; private set; } = new();

    /// <summary>Tests only (<see cref="Program.Run(string[], Stream, Stream, TextWriter, out ReplayReport, Action{AlertEngineOptions}?, CancellationToken)"/>):
    /// sets engine options the command line cannot set (e.g. <see cref="AlertEngineOptions.AnomalyModel"/>, issue 15's
    /// internal switches); none by default.</summary>
    internal Action<AlertEngineOptions>? ConfigureOptions { get; init; }

    /// <summary>Tests only, for <see cref="ConfigureOptions"/>: the anomaly dispersion grid with the population profile
    /// at its default fit limit set explicitly (issue 15's internal switches, which only this assembly can set; the same
    /// as the default model, <see cref="AnomalyModel.Population"/>).</summary>
    internal static void UseDispersionGrid(AlertEngineOptions options)
    {
        options.AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault;
        options.AnomalyDispersionGrid = true;
    }

    public int Execute(string[] args, Stream stdin, Stream stdout, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var arguments = ReplayArguments.Parse(args, errors);
        if (arguments.Help)
        {
            using var help = new StreamWriter(stdout, leaveOpen: true);
            help.Write(ReplayArguments.Usage.ReplaceLineEndings("\n") + "\n");
            return ExitOk;
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                Error(error);
            }

            _stderr.WriteLine(ReplayArguments.Usage);
            return ExitInvalidArguments;
        }

        if (!TryLoadPolicies(arguments, out var policies))
        {
            return ExitInvalidArguments;
        }

        if (arguments.ListPolicies)
        {
            if (!SigmaPolicies.CanWrite(policies, out var unwritable))
            {
                Error($"--list-policies: policy '{unwritable}' (from a Sigma rule) has a regex condition, a temporal trigger or a several-field group-by, which the JSON policy format cannot express");
                return ExitInvalidArguments;
            }

            PolicySerializer.Save(policies, stdout);
            stdout.Write("\n"u8);
            stdout.Flush();
            return ExitOk;
        }

        try
        {
            return Replay(arguments, policies, stdin, stdout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Error("cancelled; no output file was written");
            return ExitCancelled;
        }
        catch (IOException ex)
        {
            Error(ex.Message);
            return ExitFailure;
        }
    }

    private bool TryLoadPolicies(ReplayArguments arguments, out List<AlertPolicy> policies)
    {
        policies = [];
        if (arguments.PoliciesPath is { } path)
        {
            LoadResult<IReadOnlyList<AlertPolicy>> result;
            try
            {
                using var file = File.OpenRead(path);
                result = PolicySerializer.Load(file, new PolicyLoadOptions { Plan = arguments.Plan });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Error($"--policies: cannot read '{path}': {ex.Message}");
                return false;
            }

            if (!result.IsValid)
            {
                foreach (var error in result.Errors)
                {
                    _stderr.WriteLine($"{path}: {error}");
                }

                Error(string.Create(CultureInfo.InvariantCulture, $"{path}: {result.Errors.Count} problem(s) in the policies; nothing was evaluated"));
                return false;
            }

            policies.AddRange(result.Value);
        }

        if (arguments.SigmaPaths.Count > 0 && !SigmaPolicies.TryAdd(arguments, policies, _stderr, Error))
        {
            return false;
        }

        // System policies in the file must be built-in ones with only the changeable fields changed; with
        // --system-policies the catalog (for the plan) is added after the file's policies.
        var source = arguments.PoliciesPath ?? "--system-policies";
        IReadOnlyList<ValidationError> catalogErrors;
        if (arguments.SystemPolicies)
        {
            var merged = SystemPolicyCatalog.AddTo(policies, arguments.Plan);
            catalogErrors = merged.Errors;
            if (merged.IsValid)
            {
                policies = [.. merged.Value];
            }
        }
        else
        {
            catalogErrors = SystemPolicyCatalog.Validate(policies);
        }

        if (catalogErrors.Count > 0)
        {
            foreach (var error in catalogErrors)
            {
                _stderr.WriteLine($"{source}: {error}");
            }

            Error(string.Create(CultureInfo.InvariantCulture, $"{source}: {catalogErrors.Count} problem(s) in the policies; nothing was evaluated"));
            return false;
        }

        return true;
    }

    private int Replay(ReplayArguments arguments, List<AlertPolicy> policies, Stream stdin, Stream stdout, CancellationToken cancellationToken)
    {
        var activitiesPath = arguments.ActivitiesPath!;
        Stream input;
        if (activitiesPath == "-")
        {
            input = stdin;
            _sourceName = "stdin";
        }
        else
        {
            try
            {
                input = new FileStream(activitiesPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
                _sourceName = activitiesPath;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Error($"--activities: cannot read '{activitiesPath}': {ex.Message}");
                return ExitInvalidArguments;
            }
        }

        using var inputOwner = ReferenceEquals(input, stdin) ? null : input;
        AtomicFile? outFile = null;
        if (arguments.OutPath is { } outPath)
        {
            try
            {
                outFile = AtomicFile.Create(outPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Error($"--out: cannot write '{outPath}': {ex.Message}");
                return ExitInvalidArguments;
            }
        }

        using var outFileOwner = outFile;
        ReplayEngine pipeline;
        try
        {
            var options = new AlertEngineOptions { Plan = arguments.Plan };
            ConfigureOptions?.Invoke(options);
            pipeline = new ReplayEngine(policies, options, arguments.Threads, arguments.Silos);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            Error("cannot evaluate the policies: " + ex.Message);
            return ExitInvalidArguments;
        }

        using var pipelineOwner = pipeline;
        _engine = pipeline;
        if (arguments.StatePath is { } statePath && !TryResume(pipeline, statePath))
        {
            return ExitInvalidArguments;
        }

        var resumed = pipeline.Statistics;
        using var diagnostics = pipeline.Diagnostics.Subscribe(new DiagnosticPrinter(this));
        var output = outFile?.Stream ?? new BufferedStream(stdout, 64 * 1024);
        using var writer = new AlertWriter(output, leaveOpen: true);
        var buffer = new AlertOrderBuffer();
        var lateness = pipeline.Options.AllowedLateness;
        Func<Alert, bool> isFinal = pipeline.IsFinal;
        Action<Alert> write = writer.Write;
        List<(Activity Activity, long Line)>? all = arguments.Sort ? [] : null;
        long count = 0;

        // Parsing is most of a replay's work: with several threads, parse batches of lines on all of them too.
        // Each result is done with before the next is asked for (the loop below keeps activities and line numbers
        // only), so the reader may hand out one result object again and again.
        var readerOptions = new ActivityReaderOptions { MaxDegreeOfParallelism = arguments.Silos is null ? arguments.Threads : 1, ReuseResults = true };
        IEnumerable<ActivityReadResult> results = [];
        if (all is null && pipeline.Partitioned is { } partitioned)
        {
            // Streaming over the partitioned engine: every stage on every core at once (StagedReplay); the loop below
            // then has nothing to do.
            var stages = new Stages(this, pipeline, partitioned, buffer, lateness, write, arguments.SkipInvalid);
            new StagedReplay(
                partitioned,
                stages,
                input,
                (stream, next) => ActivityReader.ReadUnparsed(stream, _sourceName, ActivityReaderOptions.Default, next),
                Math.Min(arguments.Threads, Environment.ProcessorCount),
                () => new LineBatch(1, _sourceName, reuseResults: true),
                cancellationToken).Run();
        }
        else
        {
            results = ActivityReader.Read(input, _sourceName, readerOptions);
        }

        foreach (var result in results)
        {
            if ((++count & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // Indexed: a foreach over the interface asks the list for an enumerator on every line, notes or not.
            var notes = result.Notes;
            for (var i = 0; i < notes.Count; i++)
            {
                _notes++;
                Show(notes[i].Kind, "note: " + notes[i].Message);
            }

            if (!result.IsValid)
            {
                ReportInvalid(result);
                _stopped |= !arguments.SkipInvalid;
                continue;
            }

            if (IsBeyondFutureTolerance(pipeline, result))
            {
                _stopped |= !arguments.SkipInvalid;
                continue;
            }

            _read++;
            if (_stopped)
            {
                continue;
            }

            if (all is not null)
            {
                all.Add((result.Activity, result.LineNumber));
                continue;
            }

            Evaluate(pipeline, result.Activity, result.LineNumber, buffer, lateness, isFinal, write);
        }

        Flush(pipeline, buffer, lateness, isFinal, write);

        if (all is not null && !_stopped)
        {
            // Stable: equal times keep their input order.
            var order = new int[all.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (x, y) =>
            {
                var c = all[x].Activity.Time.UtcTicks.CompareTo(all[y].Activity.Time.UtcTicks);
                return c != 0 ? c : x.CompareTo(y);
            });
            for (var i = 0; i < order.Length; i++)
            {
                if ((i & 0xFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var (activity, line) = all[order[i]];
                Evaluate(pipeline, activity, line, buffer, lateness, isFinal, write);
            }

            Flush(pipeline, buffer, lateness, isFinal, write);
        }

        if (!_stopped)
        {
            buffer.ReleaseAll(write);
        }

        writer.Flush();
        output.Flush();
        ReportHidden();
        var statistics = pipeline.Statistics;
        Report = new ReplayReport
        {
            ActivitiesRead = _read,
            Duplicates = statistics.Duplicates - resumed.Duplicates,
            Late = statistics.Late - resumed.Late,
            Invalid = _invalid,
            Detections = statistics.Detections - resumed.Detections,
            Alerts = writer.AlertsWritten,
            UnparsableClientIps = _notes,
            MaxBufferedAlerts = buffer.HighWaterMark,
        };

        if (_stopped)
        {
            Error(outFile is null
                ? "invalid activity input: evaluation stopped at the first invalid line (use --skip-invalid to skip invalid lines)"
                : $"invalid activity input: evaluation stopped at the first invalid line and '{arguments.OutPath}' was not written (use --skip-invalid to skip invalid lines)");
            _stderr.WriteLine(Report.Summary);
            return ExitInvalidInput;
        }

        writer.Dispose();
        outFile?.Commit();

        // The output first, then the state: a crash between the two reruns this part from the earlier state, which
        // gives the same output again; the reverse order could lose this part's alerts.
        if (arguments.StatePath is { } path)
        {
            SaveState(pipeline, path);
        }

        _stderr.WriteLine(Report.Summary);
        return ExitOk;
    }

    /// <summary>Restores the engine state from <paramref name="path"/> when the file exists; lists the policies that
    /// start from empty state. A corrupt or unreadable file is an error and is left as it is.</summary>
    private bool TryResume(ReplayEngine pipeline, string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return true;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Error($"--state: cannot read '{path}': {ex.Message}");
            return false;
        }

        CheckpointRestoreResult result;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            result = pipeline.RestoreCheckpoint(stream);
        }
        catch (InvalidDataException ex)
        {
            Error($"--state: '{path}' is not a usable state file ({ex.Message}); it was left as it is");
            return false;
        }

        foreach (var skipped in result.Skipped)
        {
            _stderr.WriteLine($"--state: policy {skipped.Path}: {skipped.Message}");
        }

        return true;
    }

    private static void SaveState(ReplayEngine pipeline, string path)
    {
        using var checkpoint = new MemoryStream();
        pipeline.SaveCheckpoint(checkpoint);
        new FileEngineStateStore(path).SaveAsync(checkpoint.GetBuffer().AsMemory(0, (int)checkpoint.Length)).AsTask().GetAwaiter().GetResult();
    }

    private static void Evaluate(ReplayEngine pipeline, Activity activity, long line, AlertOrderBuffer buffer, TimeSpan lateness, Func<Alert, bool> isFinal, Action<Alert> write)
    {
        if (pipeline.Evaluated is null)
        {
            SetEvaluated(pipeline, buffer, lateness, isFinal, write);
        }

        pipeline.Add(activity, line);
    }

    private static void Flush(ReplayEngine pipeline, AlertOrderBuffer buffer, TimeSpan lateness, Func<Alert, bool> isFinal, Action<Alert> write)
    {
        if (pipeline.Evaluated is null)
        {
            SetEvaluated(pipeline, buffer, lateness, isFinal, write);
        }

        pipeline.Flush();
    }

    /// <summary>
    /// Sends the pipeline's changes to the order buffer. A method of its own on purpose: the lambda's captured
    /// parameters make the compiler allocate their closure object on entry to the method that declares them, whether
    /// or not the lambda is created, so with the lambda inside <see cref="Evaluate"/> every activity cost a 56-byte
    /// closure (issue 16, benchmarks/results/end-to-end.md "replay-8": 56 MB per 1M lines, a tenth of the replay's
    /// allocations).
    /// </summary>
    private static void SetEvaluated(ReplayEngine pipeline, AlertOrderBuffer buffer, TimeSpan lateness, Func<Alert, bool> isFinal, Action<Alert> write) =>
        pipeline.Evaluated = changes => Buffer(pipeline, changes, buffer, lateness, isFinal, write);

    private static void Buffer(ReplayEngine pipeline, IReadOnlyList<Alert> changes, AlertOrderBuffer buffer, TimeSpan lateness, Func<Alert, bool> isFinal, Action<Alert> write)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            buffer.Add(changes[i]);
        }

        if (buffer.Count > 0 && pipeline.Watermark is { } watermark)
        {
            buffer.Release(watermark - lateness, isFinal, write);
        }
    }

    /// <summary>
    /// An activity dated more than the engine's future tolerance ahead of the wall clock is an invalid line (file and
    /// line on stderr, exit code 3 unless <c>--skip-invalid</c>), checked here before the engine (which would also
    /// refuse it) so that it is handled exactly like a bad line, also with <c>--sort</c>.
    /// </summary>
    private bool IsBeyondFutureTolerance(ReplayEngine pipeline, ActivityReadResult result)
    {
        if (FutureProblem(pipeline, result) is not { } problem)
        {
            return false;
        }

        ReportFuture(problem);
        return true;
    }

    /// <summary>The message of an activity beyond the future tolerance, or <see langword="null"/> (counts nothing).</summary>
    private string? FutureProblem(ReplayEngine pipeline, ActivityReadResult result)
    {
        var time = result.Activity!.Time;
        if (time.UtcTicks <= _futureLimitTicks)
        {
            // Within the limit computed from an earlier reading of the clock (as the engine does): no clock read per line.
            return null;
        }

        var now = pipeline.TimeProvider.GetUtcNow();
        var tolerance = pipeline.Options.FutureTolerance;
        _futureLimitTicks = tolerance.Ticks > long.MaxValue - now.UtcTicks ? long.MaxValue : now.UtcTicks + tolerance.Ticks;
        return time.UtcTicks <= _futureLimitTicks
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{result.Location}: time: {time:O} is more than the future tolerance ({tolerance:c}) ahead of the wall clock ({now:O})");
    }

    private void ReportFuture(string problem)
    {
        _invalid++;
        if (++_invalidShown <= ShownInvalidLines)
        {
            _stderr.WriteLine(problem);
        }
    }

    private void ReportInvalid(ActivityReadResult result)
    {
        _invalid++;
        if (++_invalidShown <= ShownInvalidLines)
        {
            foreach (var error in result.Errors)
            {
                _stderr.WriteLine(error.ToString());
            }
        }
    }

    private void Show(DiagnosticKind kind, string message)
    {
        _shown.TryGetValue(kind, out var shown);
        _shown[kind] = shown + 1;
        if (shown < ShownPerKind)
        {
            _stderr.WriteLine(message);
        }
    }

    private void ReportHidden()
    {
        if (_invalidShown > ShownInvalidLines)
        {
            _stderr.WriteLine($"... {_invalidShown - ShownInvalidLines} more invalid lines not shown");
        }

        foreach (var (kind, shown) in _shown)
        {
            if (shown > ShownPerKind)
            {
                _stderr.WriteLine($"... {shown - ShownPerKind} more {Describe(kind)} not shown");
            }
        }
    }

    private static string Describe(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.Duplicate => "duplicates",
        DiagnosticKind.Late => "late activities",
        DiagnosticKind.UnparsableClientIp => "client IPs that are not addresses",
        _ => kind + " diagnostics",
    };

    private void Error(string message) => _stderr.WriteLine("error: " + message);

    /// <summary>
    /// The replay's own stages of <see cref="StagedReplay"/>: the checks of each line (front, in input order) and the
    /// output (apply, in input order). What the sequential loop prints as it goes (notes, invalid lines) is kept with
    /// the batch and printed at its apply stage, before the engine's diagnostics of the same batch, so that stderr
    /// stays in one deterministic order while the stages of different batches run at once.
    /// </summary>
    private sealed class Stages(
        ReplayCommand command,
        ReplayEngine pipeline,
        PartitionedAlertPipeline engine,
        AlertOrderBuffer buffer,
        TimeSpan lateness,
        Action<Alert> write,
        bool skipInvalid) : StagedReplay.IStages
    {
        private readonly HashSet<AlertOrderBuffer.AlertKey> _latestKeys = new(AlertOrderBuffer.AlertKeyComparer.Instance); // ReplayEngine.LatestAlerts' set
        private long _watermarkTicks = long.MinValue;
        private Func<Alert, bool>? _isFinal;

        public void TakeResults(StagedReplay.Slot slot)
        {
            var lines = slot.Lines;
            var activities = slot.Engine.Activities;
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i] is not { } result)
                {
                    continue;
                }

                if (!result.IsValid)
                {
                    slot.Messages.Add((result, null));
                    command._stopped |= !skipInvalid;
                    continue;
                }

                if (command.FutureProblem(pipeline, result) is { } problem)
                {
                    slot.Messages.Add((result, problem));
                    command._stopped |= !skipInvalid;
                    continue;
                }

                if (result.Notes.Count > 0)
                {
                    slot.Messages.Add((result, null));
                }

                command._read++;
                if (!command._stopped)
                {
                    activities.Add(result.Activity);
                    slot.LineNumbers.Add(result.LineNumber);
                }
            }
        }

        public void Apply(StagedReplay.Slot slot)
        {
            foreach (var (result, futureProblem) in slot.Messages)
            {
                foreach (var note in result.Notes)
                {
                    command._notes++;
                    command.Show(note.Kind, "note: " + note.Message);
                }

                if (!result.IsValid)
                {
                    command.ReportInvalid(result);
                }
                else if (futureProblem is not null)
                {
                    command.ReportFuture(futureProblem);
                }
            }

            slot.Messages.Clear();
            pipeline.LookUpLinesIn(slot.Engine.Activities, slot.LineNumbers);
            var changes = engine.StageApply(slot.Engine);
            pipeline.LookUpLinesIn(null, null);
            slot.LineNumbers.Clear();
            if (changes is not null)
            {
                foreach (var alert in ReplayEngine.LatestAlerts(changes, _latestKeys))
                {
                    buffer.Add(alert);
                }
            }

            if (buffer.Count > 0 && slot.Engine.WatermarkTicks != long.MinValue)
            {
                // Final as of this batch's clock: the next batches' admission may have moved the engine's already.
                if (_watermarkTicks != slot.Engine.WatermarkTicks || _isFinal is null)
                {
                    var watermarkTicks = _watermarkTicks = slot.Engine.WatermarkTicks;
                    _isFinal = alert => engine.IsFinal(alert, watermarkTicks);
                }

                buffer.Release(new DateTimeOffset(_watermarkTicks, TimeSpan.Zero) - lateness, _isFinal, write);
            }
        }
    }

    /// <summary>Prints engine diagnostics (duplicates, late activities, …) with the line being evaluated.</summary>
    private sealed class DiagnosticPrinter(ReplayCommand command) : IObserver<EngineDiagnostic>
    {
        public void OnNext(EngineDiagnostic value)
        {
            var kind = value.Kind switch
            {
                DiagnosticKind.Duplicate => "duplicate",
                DiagnosticKind.Late => "late",
                _ => value.Kind.ToString(),
            };
            var policy = value.PolicyId is null ? "" : $" (policy {value.PolicyId})";
            command.Show(value.Kind, string.Create(CultureInfo.InvariantCulture, $"{command._sourceName}:{command._engine?.LineOf(value.ActivityId)}: {kind}{policy}: {value.Message}"));
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
