using System.Reflection;
using Microsoft.Extensions.Logging;

namespace AlertEngine.Tests.Engine;

public class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_the_core_has_its_own_event_id()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var byId = new Dictionary<int, List<string>>();
        foreach (var type in typeof(AlertPipeline).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all))
            {
                if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } message)
                {
                    if (!byId.TryGetValue(message.EventId, out var names))
                    {
                        byId.Add(message.EventId, names = []);
                    }

                    names.Add(type.Name + "." + method.Name);
                }
            }
        }

        Assert.True(byId.Count >= 20, $"only {byId.Count} log messages found");
        Assert.All(byId, pair => Assert.True(pair.Key > 0 && pair.Value.Count == 1, $"event id {pair.Key}: {string.Join(", ", pair.Value)}"));
    }
}
