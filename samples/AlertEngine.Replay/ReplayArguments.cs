namespace AlertEngine.Replay;

/// <summary>The parsed command line of the replay command.</summary>
internal sealed class ReplayArguments
{
    public const string Usage =
        """
        usage: alertengine-replay --policies <file> --activities <file|-> [--plan E5|E3|…] [--system-policies] [--sigma <file|folder>]… [--sigma-options <file>] [--out <file>] [--skip-invalid] [--sort] [--state <file>] [--threads <N>] [--silos <N>]
               alertengine-replay --list-policies [--policies <file>] [--system-policies] [--sigma <file|folder>]… [--plan …]

          --policies <file>     policies: one JSON array of policies
          --activities <file>   activities: JSON Lines (native or unified audit log records); '-' reads stdin
          --plan <plan>         E1 F1 G1 E3 F3 G3 (standard: every-time policies only) or E5 G5 (advanced); default E5
          --system-policies     add the built-in policy catalog (under a standard plan, its every-time policies)
          --sigma <file|folder> load Sigma rules (.yml/.yaml; a folder: every such file under it) as policies next to
                                --policies; repeatable. With --skip-invalid a rule that cannot be loaded is reported and
                                skipped; otherwise it is exit code 2
          --sigma-options <file> Sigma options (YAML): placeholders for the expand modifier, field mappings, products
          --out <file>          write alerts to this file (atomically) instead of stdout
          --skip-invalid        report invalid activity lines and skip them (exit code 0)
          --sort                read all activities first and evaluate them in time order (for audit exports)
          --state <file>        resume from this engine state if it exists, save the state there (atomically) at the
                                end of a successful run, and output only the alerts created or changed in this run
          --threads <N>         evaluate with the engine state partitioned over N single-threaded shards (default: the
                                number of cores; 1 is the plain single-threaded engine); the output is the same for every N
          --silos <N>           evaluate on an Orleans cluster of N silos started in this process on localhost (state
                                partitioned by scope key over the silos; --threads is then ignored); the output is the same as without it
          --list-policies       write the effective policy set as a policies file to stdout, and exit
        exit codes: 0 ok, 2 invalid arguments or policies, 3 invalid activity input
        """;

    private static readonly string[] PlanNames = Enum.GetNames<Plan>();

    public bool ListPolicies { get; private set; }

    public string? PoliciesPath { get; private set; }

    public string? ActivitiesPath { get; private set; }

    public Plan Plan { get; private set; } = Plan.E5;

    public bool SystemPolicies { get; private set; }

    public string? OutPath { get; private set; }

    public bool SkipInvalid { get; private set; }

    public bool Sort { get; private set; }

    public string? StatePath { get; private set; }

    /// <summary>The number of engine partitions (<c>--threads</c>); the number of cores by default.</summary>
    public int Threads { get; private set; } = Environment.ProcessorCount;

    /// <summary>With <c>--silos N</c>: the number of silos of the localhost Orleans cluster; otherwise null.</summary>
    public int? Silos { get; private set; }

    public bool Help { get; private set; }

    public List<string> SigmaPaths { get; } = [];

    public string? SigmaOptionsPath { get; private set; }

    /// <summary>Parses the arguments; every problem is listed.</summary>
    public static ReplayArguments Parse(IReadOnlyList<string> args, List<string> errors) => Parse(args, errors, ReplayBuild.HasSilos);

    /// <summary>Parses the arguments for a build with or without <c>--silos</c>; every problem is listed.</summary>
    internal static ReplayArguments Parse(IReadOnlyList<string> args, List<string> errors, bool silosAvailable)
    {
        var result = new ReplayArguments();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            if (arg is "--help" or "-h" or "-?")
            {
                result.Help = true;
                continue;
            }

            if (!IsKnown(arg))
            {
                errors.Add($"unknown argument '{args[i]}'");
                continue;
            }

            if (!seen.Add(arg) && arg != "--sigma")
            {
                errors.Add($"{arg} is given more than once");
            }

            if (TakesValue(arg))
            {
                string? value = inlineValue;
                if (value is null)
                {
                    if (i + 1 < args.Count && !(args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                    {
                        value = args[++i];
                    }
                }

                if (string.IsNullOrEmpty(value))
                {
                    errors.Add($"{arg} needs a value");
                    continue;
                }

                switch (arg)
                {
                    case "--policies": result.PoliciesPath = value; break;
                    case "--activities": result.ActivitiesPath = value; break;
                    case "--out": result.OutPath = value; break;
                    case "--state": result.StatePath = value; break;
                    case "--sigma": result.SigmaPaths.Add(value); break;
                    case "--sigma-options": result.SigmaOptionsPath = value; break;
                    case "--silos":
                        if (!silosAvailable)
                        {
                            errors.Add(ReplayBuild.NoSilos);
                        }
                        else if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var silos) && silos >= 1 && silos <= 64)
                        {
                            result.Silos = silos;
                        }
                        else
                        {
                            errors.Add($"--silos: '{value}' is not a number of silos from 1 to 64");
                        }

                        break;
                    case "--threads":
                        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var threads) && threads >= 1)
                        {
                            result.Threads = threads;
                        }
                        else
                        {
                            errors.Add($"--threads: '{value}' is not a whole number of at least 1");
                        }

                        break;
                    case "--plan":
                        var plan = Array.Find(PlanNames, n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
                        if (plan is null)
                        {
                            errors.Add($"--plan: unknown plan '{value}' (expected one of {string.Join(", ", PlanNames)})");
                        }
                        else
                        {
                            result.Plan = Enum.Parse<Plan>(plan);
                        }

                        break;
                }

                continue;
            }

            if (inlineValue is not null)
            {
                errors.Add($"{arg} does not take a value");
                continue;
            }

            switch (arg)
            {
                case "--list-policies": result.ListPolicies = true; break;
                case "--system-policies": result.SystemPolicies = true; break;
                case "--skip-invalid": result.SkipInvalid = true; break;
                case "--sort": result.Sort = true; break;
            }
        }

        if (result.Help)
        {
            return result;
        }

        if (result.ListPolicies)
        {
            foreach (var (given, name) in new[] { (result.ActivitiesPath is not null, "--activities"), (result.OutPath is not null, "--out"), (result.SkipInvalid, "--skip-invalid"), (result.Sort, "--sort"), (result.StatePath is not null, "--state"), (seen.Contains("--threads"), "--threads"), (seen.Contains("--silos"), "--silos") })
            {
                if (given)
                {
                    errors.Add($"{name} cannot be used with --list-policies");
                }
            }

            if (result.PoliciesPath is null && !result.SystemPolicies && result.SigmaPaths.Count == 0)
            {
                errors.Add("--list-policies needs --policies <file>, --sigma <file|folder> or --system-policies");
            }
        }
        else
        {
            if (result.ActivitiesPath is null && !seen.Contains("--activities"))
            {
                errors.Add("--activities <file|-> is required");
            }

            if (result.PoliciesPath is null && !result.SystemPolicies && !seen.Contains("--policies") && !seen.Contains("--sigma"))
            {
                errors.Add("--policies <file> is required (or --sigma, or --system-policies)");
            }
        }

        return result;
    }

    private static bool IsKnown(string arg) => arg is "--policies" or "--activities" or "--plan" or "--system-policies"
        or "--out" or "--skip-invalid" or "--sort" or "--list-policies" or "--state" or "--threads" or "--sigma" or "--sigma-options" or "--silos";

    private static bool TakesValue(string arg) =>
        arg is "--policies" or "--activities" or "--plan" or "--out" or "--state" or "--threads" or "--sigma" or "--sigma-options" or "--silos";
}
