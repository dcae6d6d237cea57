// The smallest embedding of AlertEngine, the same code as the README's first snippet.
using AlertEngine;
using Microsoft.Extensions.DependencyInjection;

var services = new ServiceCollection();
services.AddAlertEngine(options =>
{
    options.Policies.Add(new AlertPolicy
    {
        Id = "forwarding-rule",
        Name = "Creation of forwarding/redirect rule",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule", "Set-InboxRule", "MailRedirect"],
    });
});
await using var provider = services.BuildServiceProvider();

var engine = provider.GetRequiredService<IAlertEngine>();
await engine.ProcessAsync(new Activity("a1", DateTimeOffset.Parse("2026-03-01T09:00:00Z"), "MailRedirect")
{
    UserId = "alice@contoso.com",
});

foreach (var alert in await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All))
{
    Console.WriteLine($"{alert.Id}: {alert.PolicyName} ({alert.Severity}), {alert.HitCount} activity, users {string.Join(", ", alert.Users)}");
}
