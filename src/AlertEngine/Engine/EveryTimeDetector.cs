namespace AlertEngine;

/// <summary>Every matching activity is a detection. Stateless: its checkpoint holds no keys.</summary>
internal sealed class EveryTimeDetector(string policyId) : IPolicyDetector
{
    public Detection? Observe(Activity activity) => Detection.ForActivity(activity, policyId);

    public void Pass(Activity activity)
    {
    }

    public void WriteState(CheckpointWriter writer) => writer.BeginKeys(0);

    public void ReadState(CheckpointReader reader)
    {
        if (reader.BeginKeys() != 0)
        {
            throw CheckpointReader.Corrupt("an every-time policy has keyed state");
        }
    }
}
