namespace AlertEngine;

/// <summary>Every matching activity is a detection.</summary>
internal sealed class EveryTimeDetector(string policyId) : IPolicyDetector
{
    public Detection? Observe(Activity activity) => Detection.ForActivity(activity, policyId);
}
