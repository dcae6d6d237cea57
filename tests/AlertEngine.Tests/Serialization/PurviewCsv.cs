using System.Text;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// Writes audit records as the Microsoft Purview portal's audit search export does: a CSV file (RFC 4180) with the
/// columns RecordId, CreationDate, RecordType, Operation, UserId, AuditData, AssociatedAdminUnits,
/// AssociatedAdminUnitsNames; fields quoted when they hold a comma, quote or line break (or always), quotes doubled.
/// Records are shaped like real unified-audit-log records.
/// </summary>
internal static class PurviewCsv
{
    public const string Header = "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames";

    /// <summary>Real-shaped records: SharePoint, Exchange (Parameters), Entra ID (ModifiedProperties, Actor, Target), a sign-in.</summary>
    public static readonly string[] Records =
    [
        """{"CreationTime":"2026-03-01T09:00:00","Id":"8f3c1e2a-0000-4000-8000-000000000001","Operation":"FileDeleted","OrganizationId":"d1b3c4f5","RecordType":6,"UserKey":"i:0h.f|membership|alice","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"[2001:db8::1]:443","ObjectId":"https://contoso.sharepoint.com/sites/hr/payroll, final.xlsx","UserId":"alice@contoso.com","IsManagedDevice":false,"SourceFileName":"payroll, final.xlsx","AppAccessContext":{"AADSessionId":"s1"},"ModifiedProperties":[],"Site":null}""",
        """{"CreationTime":"2026-03-01T09:01:00","Id":"5a1d2c3e-0000-4000-8000-000000000002","Operation":"Set-Mailbox","OrganizationId":"d1b3c4f5","RecordType":1,"ResultStatus":"True","UserKey":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)","UserType":3,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"contoso.onmicrosoft.com/Users/alice","UserId":"alice@contoso.com","OriginatingServer":"AM0PR01MB1234 (15.20.7000.000)","Parameters":[{"Name":"Identity","Value":"alice@contoso.com"},{"Name":"ForwardingSmtpAddress","Value":"smtp:exfil@gmail.com"},{"Name":"DeliverToMailboxAndForward","Value":"True"}]}""",
        """{"CreationTime":"2026-03-01T09:02:00","Id":"7b2e3d4f-0000-4000-8000-000000000003","Operation":"Update user.","OrganizationId":"d1b3c4f5","RecordType":8,"ResultStatus":"Success","UserKey":"10032001@contoso.onmicrosoft.com","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"bob@contoso.com","UserId":"admin@contoso.com","ExtendedProperties":[{"Name":"additionalDetails","Value":"{\"UserType\":\"Member\"}"}],"ModifiedProperties":[{"Name":"StrongAuthenticationMethod","NewValue":"[]","OldValue":"[{\"MethodType\":6,\"Default\":true}]"}],"Actor":[{"ID":"admin@contoso.com","Type":5}],"Target":[{"ID":"bob@contoso.com","Type":5}]}""",
        """{"CreationTime":"2026-03-01T09:03:00","Id":"9c4f5e6a-0000-4000-8000-000000000004","Operation":"UserLoggedIn","OrganizationId":"d1b3c4f5","RecordType":15,"ResultStatus":"Success","UserKey":"a1b2c3","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ClientIP":"198.51.100.23","ObjectId":"00000003-0000-0ff1-ce00-000000000000","UserId":"carol@contoso.com","ExtendedProperties":[{"Name":"UserAgent","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) \"quoted\", with commas"},{"Name":"RequestType","Value":"OAuth2:Authorize"}],"ErrorNumber":"0"}""",
        """{"CreationTime":"2026-03-01T09:04:00","Id":"ab5f6e7b-0000-4000-8000-000000000005","Operation":"New-InboxRule","RecordType":1,"Workload":"Exchange","UserId":"dave@contoso.com","ClientIP":"localhost","ObjectId":"dave@contoso.com\\Move to RSS","Parameters":[{"Name":"Name","Value":"Move to RSS"},{"Name":"MoveToFolder","Value":"RSS Feeds"},{"Name":"SubjectContainsWords","Value":"invoice;payment"}]}""",
    ];

    /// <summary>One CSV field, quoted when needed (or always).</summary>
    public static string Field(string value, bool alwaysQuote = false) =>
        alwaysQuote || value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>A whole export of <paramref name="auditData"/> values.</summary>
    public static string Write(IEnumerable<string> auditData, string newline = "\r\n", bool alwaysQuote = false, string? header = null)
    {
        var sb = new StringBuilder();
        sb.Append(header ?? Header).Append(newline);
        var n = 0;
        foreach (var record in auditData)
        {
            n++;
            string[] fields =
            [
                $"rec-{n}",
                "2026-03-01T09:00:00.0000000Z",
                "SharePointFileOperation",
                "Some \"Operation\", with comma",
                "alice@contoso.com",
                record,
                "",
                "",
            ];
            sb.AppendJoin(',', fields.Select(f => Field(f, alwaysQuote))).Append(newline);
        }

        return sb.ToString();
    }

    public static byte[] Utf8(string text, bool bom = false) =>
        bom ? [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);

    /// <summary>What a result says, without its location: for comparing the CSV and the JSON Lines readings.</summary>
    public static string Describe(ActivityReadResult r)
    {
        if (!r.IsValid)
        {
            return "invalid: " + string.Join(" | ", r.Errors.Select(e => e.Message));
        }

        var a = r.Activity;
        var properties = string.Join(";", a.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        var notes = string.Join(";", r.Notes.Select(n => n.Kind + ":" + n.Message[n.Message.IndexOf(": ", StringComparison.Ordinal)..]));
        return $"{a.Id}|{a.Time:O}|{a.Operation}|{a.UserId}|{a.ClientIp}|{a.ObjectId}|{a.Workload}|{string.Join(",", a.UserTags)}|{properties}|{notes}";
    }
}
