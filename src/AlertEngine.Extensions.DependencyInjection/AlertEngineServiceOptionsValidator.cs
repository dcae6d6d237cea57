using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>Validates <see cref="AlertEngineServiceOptions"/> once, listing every problem (options and policies).</summary>
internal sealed class AlertEngineServiceOptionsValidator : IValidateOptions<AlertEngineServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertEngineServiceOptions options)
    {
        var failures = new List<string>();
        foreach (var error in options.Engine.Validate())
        {
            failures.Add($"Engine.{error}");
        }

        foreach (var error in options.Notifications.Validate())
        {
            failures.Add($"Notifications.{error}");
        }

        if (options.MaxPendingStoreWrites < 1)
        {
            failures.Add("MaxPendingStoreWrites: must be at least 1");
        }

        if (options.StoreRetryDelay <= TimeSpan.Zero)
        {
            failures.Add("StoreRetryDelay: must be greater than zero");
        }

        if (options.MaxStoreRetryDelay < options.StoreRetryDelay || options.MaxStoreRetryDelay <= TimeSpan.Zero)
        {
            failures.Add("MaxStoreRetryDelay: must be at least StoreRetryDelay");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero && options.ShutdownTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add("ShutdownTimeout: must be greater than zero (or Timeout.InfiniteTimeSpan)");
        }

        if (!Enum.IsDefined(options.StoreBackpressure))
        {
            failures.Add("StoreBackpressure: must be Wait or Fail");
        }

        if (options.CheckpointEveryActivities < 0)
        {
            failures.Add("CheckpointEveryActivities: must not be negative (0 turns checkpoints by count off)");
        }

        if (options.CheckpointInterval < TimeSpan.Zero)
        {
            failures.Add("CheckpointInterval: must not be negative (zero turns checkpoints by time off)");
        }

        if (Enum.IsDefined(options.Engine.Plan))
        {
            var policies = options.Policies.ToArray();
            foreach (var error in PolicyValidator.Validate(policies, options.Engine.Plan))
            {
                failures.Add(error.ToString());
            }

            if (Array.IndexOf(policies, null) < 0)
            {
                foreach (var error in SystemPolicyCatalog.Validate(policies))
                {
                    failures.Add(error.ToString());
                }
            }
        }

        if (options.RoleTable is null)
        {
            failures.Add("RoleTable: is required");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
