using System.Net;
using System.Text;

namespace AlertEngine.Tests.Serialization;

public class PolicySaveTests
{
    private static readonly AlertPolicy Full = new()
    {
        Id = "mass-delete",
        Name = "Mass file deletion",
        Description = "A user deleted many files in a short time",
        Category = AlertCategory.InformationGovernance,
        Severity = AlertSeverity.High,
        Operations = ["FileDeleted", "FileRecycled"],
        Conditions = new AllCondition([
            new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("10.1.2.3/32")]),
            new NotCondition(new UsersCondition(["svc-backup@contoso.com"])),
            new PropertyCondition("Workload", PropertyOperator.In, ["SharePoint", "OneDrive"]),
        ]),
        Trigger = new ThresholdTrigger(100, TimeSpan.FromHours(1), TriggerScope.User),
        Aggregation = new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(1)),
        Notification = new NotificationSettings(true, ["soc@contoso.com"], 10),
    };

    [Fact]
    public void Writes_every_field_in_the_spec_order_indented_with_canonical_values()
    {
        const string expected = """
            [
              {
                "id": "mass-delete",
                "name": "Mass file deletion",
                "description": "A user deleted many files in a short time",
                "enabled": true,
                "type": "Custom",
                "category": "InformationGovernance",
                "severity": "High",
                "activities": [
                  "FileDeleted",
                  "FileRecycled"
                ],
                "conditions": {
                  "all": [
                    {
                      "ipAddresses": [
                        "10.0.0.0/8",
                        "10.1.2.3"
                      ]
                    },
                    {
                      "not": {
                        "users": [
                          "svc-backup@contoso.com"
                        ]
                      }
                    },
                    {
                      "property": "Workload",
                      "in": [
                        "SharePoint",
                        "OneDrive"
                      ]
                    }
                  ]
                },
                "trigger": {
                  "type": "threshold",
                  "count": 100,
                  "window": "PT1H",
                  "scope": "user"
                },
                "aggregation": {
                  "mode": "policy",
                  "interval": "PT1M"
                },
                "automatedInvestigation": false,
                "notification": {
                  "enabled": true,
                  "recipients": [
                    "soc@contoso.com"
                  ],
                  "dailyLimit": 10
                }
              }
            ]
            """;

        Assert.Equal(expected.ReplaceLineEndings("\n"), PolicySerializer.Save([Full]));
    }

    [Fact]
    public void Omits_absent_optional_parts_but_writes_defaults_explicitly()
    {
        var minimal = new AlertPolicy { Id = "p", Name = "P", Operations = ["x"] };
        Assert.Equal(
            """
            [
              {
                "id": "p",
                "name": "P",
                "enabled": true,
                "type": "Custom",
                "category": "Others",
                "severity": "Low",
                "activities": [
                  "x"
                ],
                "trigger": {
                  "type": "everyTime"
                },
                "automatedInvestigation": false
              }
            ]
            """.ReplaceLineEndings("\n"),
            PolicySerializer.Save([minimal]));
    }

    [Fact]
    public void Writes_anomaly_triggers_with_every_field()
    {
        var p = new AlertPolicy
        {
            Id = "p", Name = "P", Operations = ["x"],
            Trigger = new AnomalyTrigger(TriggerScope.Property("Recipient"), TimeSpan.FromDays(7), AnomalySensitivity.High, TimeSpan.FromMinutes(90)),
        };
        Assert.Contains(
            "\"trigger\": {\n      \"type\": \"anomaly\",\n      \"scope\": \"property:Recipient\",\n      \"learningPeriod\": \"P7D\",\n      \"sensitivity\": \"high\",\n      \"bucket\": \"PT1H30M\"\n    }",
            PolicySerializer.Save([p]), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_is_escaped_only_where_json_requires_it()
    {
        var p = new AlertPolicy { Id = "a+b<c>&'é", Name = "quote \" backslash \\ nul \0 😀", Operations = ["x"] };
        var json = PolicySerializer.Save([p]);
        Assert.Contains("\"id\": \"a+b<c>&'é\"", json, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"quote \\\" backslash \\\\ nul \\u0000 \\uD83D\\uDE00\"", json, StringComparison.Ordinal);
        Assert.Equal(p.Name, PolicySerializer.Load(json).Value[0].Name);
    }

    [Fact]
    public void Stream_save_writes_the_same_utf8_bytes_without_a_byte_order_mark_and_leaves_the_stream_open()
    {
        using var stream = new MemoryStream();
        PolicySerializer.Save([Full], stream);
        Assert.True(stream.CanWrite);
        Assert.Equal(Encoding.UTF8.GetBytes(PolicySerializer.Save([Full])), stream.ToArray());
        stream.Position = 0;
        Assert.Equal(PolicySerializer.Save([Full]), PolicySerializer.Save(PolicySerializer.Load(stream).Value));
    }

    [Fact]
    public void Invalid_policies_are_refused_with_every_error_listed()
    {
        var bad = Full with { Id = "", Trigger = new ThresholdTrigger(0, TimeSpan.FromHours(1), TriggerScope.User) };
        var ex = Assert.Throws<ArgumentException>(() => PolicySerializer.Save([bad]));
        Assert.Equal("policies", ex.ParamName);
        Assert.Contains("policies[0].id: must not be empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("policies[0].trigger.count: must be at least 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_arguments_are_programmer_errors()
    {
        Assert.Throws<ArgumentNullException>(() => PolicySerializer.Save(null!));
        Assert.Throws<ArgumentNullException>(() => PolicySerializer.Save([Full], null!));
    }
}
