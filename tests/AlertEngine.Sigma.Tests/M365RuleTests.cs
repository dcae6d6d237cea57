namespace AlertEngine.Sigma.Tests;

/// <summary>Rules written for this project in the shape of the SigmaHQ Microsoft 365 rules (Rules/*.yml), evaluated over
/// unified-audit-log records shaped like real ones, read by the engine's own activity reader. Nested values
/// (<c>Parameters</c>, <c>ModifiedProperties</c>) are reached as their JSON text here; the dotted-path forms are in
/// <see cref="SigmaNestedFieldTests"/>.</summary>
public sealed class M365RuleTests
{
    internal static readonly string[] Records =
    [
        // 0: inbox rule forwarding to an outside address (New-InboxRule, Parameters list) → forwarding rule
        """{"CreationTime":"2026-03-01T09:00:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000001","Operation":"New-InboxRule","OrganizationId":"d1b3c4f5-0000-4000-8000-00000000c0de","RecordType":1,"ResultStatus":"True","UserKey":"10032001A1B2C3D4","UserType":2,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"alice","UserId":"alice@contoso.com","AppId":"","ClientAppId":"","ExternalAccess":false,"OrganizationName":"contoso.onmicrosoft.com","OriginatingServer":"AM6PR01MB1234 (15.20.7000.000)","Parameters":[{"Name":"Mailbox","Value":"alice"},{"Name":"Name","Value":"sync"},{"Name":"ForwardTo","Value":"drop@evil.example"},{"Name":"StopProcessingRules","Value":"True"}],"SessionId":"5c1e0f3a-7d2b-4c8e-9f10-aaaaaaaaaaaa"}""",
        // 1: inbox rule forwarding inside the organization → filtered out
        """{"CreationTime":"2026-03-01T09:01:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000002","Operation":"Set-InboxRule","RecordType":1,"ResultStatus":"True","UserType":2,"Version":1,"Workload":"Exchange","ClientIP":"10.1.2.3","ObjectId":"bob","UserId":"bob@contoso.com","Parameters":[{"Name":"Identity","Value":"bob\\rule1"},{"Name":"RedirectTo","Value":"carol@contoso.com"}]}""",
        // 2: inbox rule that only moves mail → no forwarding
        """{"CreationTime":"2026-03-01T09:02:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000003","Operation":"New-InboxRule","RecordType":1,"Workload":"Exchange","ClientIP":"[2001:db8::7]:443","UserId":"alice@contoso.com","Parameters":[{"Name":"MoveToFolder","Value":"Archive"},{"Name":"From","Value":"news@vendor.example"}]}""",
        // 3: MFA requirement removed (Azure AD "Update user.", ModifiedProperties) → MFA disabled
        """{"CreationTime":"2026-03-01T09:03:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000004","Operation":"Update user.","OrganizationId":"d1b3c4f5-0000-4000-8000-00000000c0de","RecordType":8,"ResultStatus":"Success","UserKey":"Not Available","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"bob@contoso.com","UserId":"admin@contoso.com","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"additionalDetails","Value":"{}"},{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[{"Name":"StrongAuthenticationRequirement","NewValue":"[]","OldValue":"[{\"RelyingParty\":\"*\",\"State\":1,\"RememberDevicesNotIssuedBefore\":\"2026-01-01T00:00:00Z\"}]"},{"Name":"Included Updated Properties","NewValue":"StrongAuthenticationRequirement","OldValue":""}],"Actor":[{"ID":"admin@contoso.com","Type":5}],"Target":[{"ID":"User_8a1f","Type":2},{"ID":"bob@contoso.com","Type":5}]}""",
        // 4: MFA requirement added → not disabled
        """{"CreationTime":"2026-03-01T09:04:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000005","Operation":"Update user.","RecordType":8,"Workload":"AzureActiveDirectory","ObjectId":"carol@contoso.com","UserId":"admin@contoso.com","ModifiedProperties":[{"Name":"StrongAuthenticationRequirement","NewValue":"[{\"RelyingParty\":\"*\",\"State\":1}]","OldValue":"[]"}]}""",
        // 5: PST export of a compliance search → PST export
        """{"CreationTime":"2026-03-01T09:05:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000006","Operation":"New-ComplianceSearchAction","RecordType":18,"ResultStatus":"True","UserType":2,"Version":1,"Workload":"SecurityComplianceCenter","ObjectId":"all-mail_Export","UserId":"admin@contoso.com","ClientIP":"198.51.100.20","Parameters":"-SearchName \"all-mail\" -Export -Format \"FxStream\" -ArchiveFormat \"PerUserPst\"","SessionId":"x"}""",
        // 6: federated domain authentication → federated domain
        """{"CreationTime":"2026-03-01T09:06:00","Id":"0d3f7a52-1c8e-4f6b-9a0e-000000000007","Operation":"Set domain authentication.","RecordType":8,"Workload":"AzureActiveDirectory","ObjectId":"evil-contoso.com","UserId":"admin@contoso.com","ModifiedProperties":[{"Name":"LiveType","NewValue":"Federated","OldValue":"Managed"}]}""",
        // 7-12: six deletions by dave within ten minutes → mass deletion (fires at the fifth)
        """{"CreationTime":"2026-03-01T09:10:00","Id":"del-1","Operation":"FileDeleted","RecordType":6,"Workload":"SharePoint","UserId":"dave@contoso.com","ClientIP":"10.9.9.9","ObjectId":"https://contoso.sharepoint.com/sites/hr/a.docx","SourceFileName":"a.docx"}""",
        """{"CreationTime":"2026-03-01T09:11:00","Id":"del-2","Operation":"FileDeleted","RecordType":6,"Workload":"SharePoint","UserId":"dave@contoso.com","ObjectId":"https://contoso.sharepoint.com/sites/hr/b.docx"}""",
        """{"CreationTime":"2026-03-01T09:12:00","Id":"del-3","Operation":"FileRecycled","RecordType":6,"Workload":"OneDrive","UserId":"dave@contoso.com","ObjectId":"https://contoso-my.sharepoint.com/personal/dave/c.docx"}""",
        """{"CreationTime":"2026-03-01T09:13:00","Id":"del-4","Operation":"FileDeleted","RecordType":6,"Workload":"SharePoint","UserId":"dave@contoso.com","ObjectId":"https://contoso.sharepoint.com/sites/hr/d.docx"}""",
        """{"CreationTime":"2026-03-01T09:14:00","Id":"del-5","Operation":"FileDeleted","RecordType":6,"Workload":"SharePoint","UserId":"dave@contoso.com","ObjectId":"https://contoso.sharepoint.com/sites/hr/e.docx"}""",
        """{"CreationTime":"2026-03-01T09:15:00","Id":"del-6","Operation":"FileDeleted","RecordType":6,"Workload":"SharePoint","UserId":"dave@contoso.com","ObjectId":"https://contoso.sharepoint.com/sites/hr/f.docx"}""",
    ];

    internal static List<Activity> Activities() =>
        Records.Select((line, i) => ActivityReader.ParseLine(line, "audit.jsonl", i + 1).Activity ?? throw new InvalidOperationException("line " + (i + 1))).ToList();

    internal static string RulesFolder => Path.Combine(AppContext.BaseDirectory, "Rules");

    [Fact]
    public void The_rule_files_load()
    {
        var result = SigmaRuleLoader.LoadPaths([RulesFolder]);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.Equal(6, result.Policies.Count);
        Assert.Empty(PolicyValidator.Validate(result.Policies, Plan.E5));
    }

    [Fact]
    public void Each_rule_alerts_on_exactly_its_records()
    {
        var policies = SigmaRuleLoader.LoadPaths([RulesFolder]).Policies.Select(p => p with { Aggregation = new AggregationSettings(AggregationMode.None) });
        using var pipeline = new AlertPipeline(policies);
        var alerts = new List<(string Policy, string Activity)>();
        foreach (var activity in Activities())
        {
            foreach (var change in pipeline.Process(activity))
            {
                alerts.Add((change.Alert.PolicyName, activity.Id));
            }
        }

        Assert.Equal(
        [
            ("Inbox Rule Forwarding Mail Outside The Organization", "0d3f7a52-1c8e-4f6b-9a0e-000000000001"),
            ("Multi-Factor Authentication Disabled For A User", "0d3f7a52-1c8e-4f6b-9a0e-000000000004"),
            ("Compliance Search Exported To PST", "0d3f7a52-1c8e-4f6b-9a0e-000000000006"),
            ("Federated Domain Added Or Authentication Changed", "0d3f7a52-1c8e-4f6b-9a0e-000000000007"),
            ("Mass File Deletion By One User", "del-5"),
        ], alerts);
    }
}
