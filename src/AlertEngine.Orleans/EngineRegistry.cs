using System.Collections.Concurrent;

namespace AlertEngine;

/// <summary>The engines a silo hosts, by name: those registered with <c>AddAlertEngine</c>, plus any added later
/// (tests add engines to a running cluster). Thread-safe.</summary>
internal sealed class EngineRegistry
{
    private readonly ConcurrentDictionary<string, EngineDefinition> _engines = new(StringComparer.Ordinal);

    public EngineRegistry(IEnumerable<EngineDefinition> registered)
    {
        foreach (var definition in registered)
        {
            Add(definition);
        }
    }

    /// <summary>Adds an engine; the same name twice is an error.</summary>
    /// <exception cref="ArgumentException">An engine of that name exists.</exception>
    public void Add(EngineDefinition definition)
    {
        if (!_engines.TryAdd(definition.Name, definition))
        {
            throw new ArgumentException($"An alert engine named '{definition.Name}' is already registered.", nameof(definition));
        }
    }

    /// <summary>The engine of that name.</summary>
    /// <exception cref="InvalidOperationException">No engine of that name is registered on this silo.</exception>
    public EngineDefinition Get(string name) => _engines.TryGetValue(name, out var definition)
        ? definition
        : throw new InvalidOperationException($"No alert engine named '{name}' is registered on this silo (siloBuilder.AddAlertEngine(\"{name}\", …)).");
}
