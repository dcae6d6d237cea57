using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace AlertEngine;

/// <summary>
/// The built-in (<see cref="PolicyType.System"/>) alert policies, modelled on the Microsoft 365 default alert policies.
/// Every policy is enabled by default, has a stable kebab-case id, and watches the audit operations named in
/// <c>docs/catalog.md</c>. Only <see cref="AlertPolicy.Enabled"/> and the notification settings of a built-in policy may
/// change (see <see cref="PolicyChange"/>). A few policies are extensions of the catalog (<see cref="IsExtension"/>):
/// Microsoft 365 has the idea (in Entra ID Protection, Defender for Cloud Apps or Sentinel) but no such default alert
/// policy; they use the distinct-count, first-seen and absence triggers, and are last in catalog order.
/// </summary>
/// <remarks>
/// Policies with any trigger but every-time need an advanced plan (E5/G5); <see cref="ForPlan"/> leaves them out
/// under a standard plan. The catalog is immutable: safe to use from any thread. Notifications are off by default (there are no recipients to send to until an
/// administrator sets them). Aggregation follows the plan (1 minute advanced, 15 minutes standard), except the
/// malicious-URL-click policy, which is never aggregated (one alert per click, that is per user and message).
/// </remarks>
public static class SystemPolicyCatalog
{
    private static readonly FrozenDictionary<string, AlertPolicy> ById;
    private static readonly IReadOnlyList<AlertPolicy> Standard;

    private static readonly FrozenSet<string> ExtensionIds = FrozenSet.Create(
        StringComparer.Ordinal,
        "admin-activity-from-new-ip-address",
        "sign-ins-from-many-ip-addresses",
        "audit-events-stopped-for-workload");

    static SystemPolicyCatalog()
    {
        var all = Build();
        All = all;
        Standard = all.RemoveAll(p => p.Trigger.RequiresAdvancedPlan);
        ById = all.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);
    }

    /// <summary>Every built-in policy, in catalog order.</summary>
    public static IReadOnlyList<AlertPolicy> All { get; }

    /// <summary>The built-in policies available under a plan: all of them on advanced plans (E5/G5); under a
    /// standard plan, only those with an every-time trigger.</summary>
    /// <param name="plan">The plan.</param>
    /// <returns>The policies, in catalog order.</returns>
    public static IReadOnlyList<AlertPolicy> ForPlan(Plan plan)
    {
        if (!Enum.IsDefined(plan))
        {
            throw new ArgumentOutOfRangeException(nameof(plan), plan, "Not a defined plan.");
        }

        return plan.IsAdvanced() ? All : Standard;
    }

    /// <summary>Looks up a built-in policy by id.</summary>
    /// <param name="id">The id (ordinal).</param>
    /// <param name="policy">The policy when found.</param>
    /// <returns>Whether the catalog has the id.</returns>
    public static bool TryGet(string id, [NotNullWhen(true)] out AlertPolicy? policy)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ById.TryGetValue(id, out policy);
    }

    /// <summary>Whether a built-in policy is an extension of the catalog: not one of the Microsoft 365 default alert
    /// policies, but a detection Microsoft 365 has an equivalent idea for elsewhere (docs/catalog.md lists them).</summary>
    /// <param name="id">The id (ordinal).</param>
    /// <returns><see langword="true"/> for an extension's id; <see langword="false"/> for any other id, built-in or not.</returns>
    public static bool IsExtension(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ExtensionIds.Contains(id);
    }

    /// <summary>
    /// Checks the <see cref="PolicyType.System"/> policies of a set against the catalog: each must be a catalog policy
    /// with only its enabled flag and notification settings changed. Custom policies are not checked.
    /// </summary>
    /// <param name="policies">The policies.</param>
    /// <param name="path">Prefix of the error paths; each error is <c>{path}[i].field</c>. Default <c>policies</c>.</param>
    /// <returns>Every problem found; empty when the set is consistent with the catalog.</returns>
    public static IReadOnlyList<ValidationError> Validate(IReadOnlyList<AlertPolicy> policies, string path = "policies")
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<ValidationError>();
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            if (policy is null || policy.Type != PolicyType.System)
            {
                continue;
            }

            var at = $"{path}[{i}]";
            if (policy.Id is null || !ById.TryGetValue(policy.Id, out var builtIn))
            {
                errors.Add(new(at + ".type", $"'{policy.Id}' is not a built-in policy; policies you define have type Custom"));
                continue;
            }

            errors.AddRange(PolicyChange.Validate(builtIn, policy, at));
        }

        return errors;
    }

    /// <summary>
    /// The effective policy set of the replay command's <c>--system-policies</c>: the given policies, in their order,
    /// followed by the built-in policies available under <paramref name="plan"/> (<see cref="ForPlan"/>) that the given
    /// set does not already contain. A given System policy (for example one exported with <c>--list-policies</c> and
    /// then given other recipients) replaces the built-in one of the same id.
    /// </summary>
    /// <param name="policies">The policies from the policies file (may be empty).</param>
    /// <param name="plan">The plan.</param>
    /// <param name="path">Prefix of the error paths. Default <c>policies</c>.</param>
    /// <returns>The merged set; or every problem: a given System policy that is not a catalog policy or changes a
    /// read-only field, or a given Custom policy that uses a built-in policy's id.</returns>
    public static LoadResult<IReadOnlyList<AlertPolicy>> AddTo(IReadOnlyList<AlertPolicy> policies, Plan plan, string path = "policies")
    {
        ArgumentNullException.ThrowIfNull(policies);
        var errors = new List<ValidationError>(Validate(policies, path));
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            if (policy?.Id is null)
            {
                continue;
            }

            given.Add(policy.Id);
            if (policy.Type == PolicyType.Custom && ById.ContainsKey(policy.Id))
            {
                errors.Add(new($"{path}[{i}].id", $"'{policy.Id}' is the id of a built-in policy; rename the policy, or give it type System to edit the built-in one"));
            }
        }

        if (errors.Count > 0)
        {
            return LoadResult.Failure<IReadOnlyList<AlertPolicy>>(errors);
        }

        var result = new List<AlertPolicy>(policies);
        foreach (var builtIn in ForPlan(plan))
        {
            if (!given.Contains(builtIn.Id))
            {
                result.Add(builtIn);
            }
        }

        return LoadResult.Success<IReadOnlyList<AlertPolicy>>(result);
    }

    private static ImmutableArray<AlertPolicy> Build()
    {
        var oneHour = TimeSpan.FromHours(1);
        var perUserAnomaly = new AnomalyTrigger(TriggerScope.User, AnomalyTrigger.DefaultLearningPeriod, AnomalySensitivity.Medium, AnomalyTrigger.DefaultBucket);
        var maliciousVerdict = Property("Verdict", PropertyOperator.In, "Malware", "Phish");
        return
        [
            Policy(
                "elevation-of-exchange-admin-privilege",
                "Elevation of Exchange admin privilege",
                "Generates an alert when someone is assigned administrative permissions in Exchange Online, for example added to the Organization Management role group or given a management role assignment.",
                AlertCategory.Permissions,
                AlertSeverity.Low,
                ["Add-RoleGroupMember", "New-ManagementRoleAssignment"]),
            Policy(
                "forwarding-redirect-rule-created",
                "Creation of forwarding/redirect rule",
                "Generates an alert when someone creates or changes an inbox rule, or sets mailbox forwarding, so that messages are forwarded or redirected to another email account.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["New-InboxRule", "Set-InboxRule", "Set-Mailbox"],
                conditions: new AnyCondition(
                [
                    Property("Parameters", PropertyOperator.Matches, "*ForwardTo*"),
                    Property("Parameters", PropertyOperator.Matches, "*ForwardAsAttachmentTo*"),
                    Property("Parameters", PropertyOperator.Matches, "*RedirectTo*"),
                    Property("Parameters", PropertyOperator.Matches, "*ForwardingSmtpAddress*"),
                    Property("Parameters", PropertyOperator.Matches, "*ForwardingAddress*"),
                ])),
            Policy(
                "suspicious-email-forwarding",
                "Suspicious email forwarding activity",
                "Generates an alert when a user's mailbox redirects 10 or more messages to other accounts within one hour, which may mean the account is compromised.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["MailRedirect"],
                trigger: new ThresholdTrigger(10, oneHour, TriggerScope.User)),
            Policy(
                "suspicious-email-sending-patterns",
                "Suspicious email sending patterns detected",
                "Generates an alert when a user sends 500 or more messages within one hour, an early warning that the account may be compromised and about to be restricted from sending email.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["Send", "SendAs", "SendOnBehalf"],
                trigger: new ThresholdTrigger(500, oneHour, TriggerScope.User)),
            Policy(
                "email-sending-limit-exceeded",
                "Email sending limit exceeded",
                "Generates an alert when a user exceeds the service's outbound sending limits (the service records SendingLimitExceeded).",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["SendingLimitExceeded"]),
            Policy(
                "messages-have-been-delayed",
                "Messages have been delayed",
                "Generates an alert when 2,000 or more messages have been queued for more than one hour: each MessageDelayed record is one message queued for more than an hour, counted for the whole organization within one hour.",
                AlertCategory.MailFlow,
                AlertSeverity.High,
                ["MessageDelayed"],
                trigger: new ThresholdTrigger(2000, oneHour, TriggerScope.Organization)),
            Policy(
                "reply-all-storm-detected",
                "Reply-all storm detected",
                "Generates an alert when reply-all storm protection detects a reply-all storm and blocks further replies to the thread.",
                AlertCategory.MailFlow,
                AlertSeverity.High,
                ["ReplyAllStormDetected"]),
            Policy(
                "malicious-url-click",
                "A potentially malicious URL click was detected",
                "Generates an alert when a user protected by Safe Links clicks a malicious link: clicks through a Safe Links warning page, or clicks a link whose verdict is malicious. One alert per user and message; never aggregated.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["TIUrlClickData"],
                conditions: new AnyCondition(
                [
                    Property("UrlClickAction", PropertyOperator.In, "BlockPageOverride", "PendingDetonationPageOverride"),
                    Property("Verdict", PropertyOperator.In, "Malicious", "Malware", "Phish"),
                ]),
                automatedInvestigation: true,
                aggregation: new AggregationSettings(AggregationMode.None)),
            Policy(
                "malware-phish-campaign-removed-after-delivery",
                "Malware/Phish campaign removed after delivery",
                "Generates an alert when zero-hour auto purge (ZAP) removes messages containing malware or phishing from mailboxes after delivery.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["TIMailData"],
                conditions: new AllCondition([maliciousVerdict, Property("PostDeliveryAction", PropertyOperator.Equals, "ZAP")])),
            Policy(
                "malicious-entity-not-removed-after-delivery",
                "Email messages containing malicious entity not removed after delivery",
                "Generates an alert when messages containing malware or phishing were delivered to mailboxes and could not be removed after delivery (zero-hour auto purge failed or was off).",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["TIMailData"],
                conditions: new AllCondition([maliciousVerdict, Property("PostDeliveryAction", PropertyOperator.In, "ZAPFailed", "None")]),
                automatedInvestigation: true),
            Policy(
                "email-reported-by-user-as-malware-or-phish",
                "Email reported by user as malware or phish",
                "Generates an alert when a user reports a message as malware or phishing (Report button or Report Message add-in).",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["UserSubmission"],
                conditions: Property("SubmissionType", PropertyOperator.In, "Malware", "Phish")),
            Policy(
                "email-reported-by-user-as-not-junk",
                "Email reported by user as not junk",
                "Generates an alert when a user reports a message as not junk.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Low,
                ["UserSubmission"],
                conditions: Property("SubmissionType", PropertyOperator.Equals, "NotJunk")),
            Policy(
                "tenant-allow-block-list-entry-found-malicious",
                "Tenant Allow/Block List entry found malicious",
                "Generates an alert when filtering finds that an allow entry of the Tenant Allow/Block List lets malicious content through.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["TenantAllowBlockListItemFoundMalicious"]),
            Policy(
                "tenant-allow-block-list-entry-removed",
                "Tenant Allow/Block List entry removed",
                "Generates an alert when an entry is removed from the Tenant Allow/Block List, by an administrator or by the service.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["Remove-TenantAllowBlockListItems"]),
            Policy(
                "tenant-allow-block-list-entry-about-to-expire",
                "Tenant Allow/Block List entry about to expire",
                "Generates an alert 7 days before an entry of the Tenant Allow/Block List expires (the service records TenantAllowBlockListItemExpiring at that time).",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["TenantAllowBlockListItemExpiring"]),
            Policy(
                "ediscovery-search-started-or-exported",
                "eDiscovery search started or exported",
                "Generates an alert when someone starts a content search or eDiscovery search, or exports its results.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["SearchStarted", "SearchExported"]),
            Policy(
                "admin-triggered-user-compromise-investigation",
                "Admin triggered user compromise investigation",
                "Generates an alert when an administrator starts a manual user compromise investigation of a user or an email.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["AirManualInvestigationData"],
                conditions: Property("InvestigationType", PropertyOperator.Equals, "UserCompromise")),
            Policy(
                "remediation-action-taken-by-admin",
                "Remediation action taken by admin",
                "Generates an alert when an administrator takes a remediation action on emails, URLs or senders (for example soft delete or block sender).",
                AlertCategory.ThreatManagement,
                AlertSeverity.Informational,
                ["AirAdminActionInvestigationData"],
                automatedInvestigation: true),
            Policy(
                "user-restricted-from-sending-email",
                "User restricted from sending email",
                "Generates an alert when a user is restricted from sending email because their outbound mail looked like spam or a compromise.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["UserRestrictedFromSendingEmail"]),
            Policy(
                "user-restricted-from-sharing-forms",
                "User restricted from sharing forms and collecting responses",
                "Generates an alert when a user is restricted from sharing Microsoft Forms and collecting responses because of repeated phishing attempts.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["UserRestrictedFromSharingForms"]),
            Policy(
                "tenant-restricted-from-sending-email",
                "Tenant restricted from sending email",
                "Generates an alert when most of the organization's outbound email was found suspicious and the organization is restricted from sending email.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["TenantRestrictedFromSendingEmail"]),
            Policy(
                "suspicious-connector-activity",
                "Suspicious connector activity",
                "Generates an alert when an inbound connector of the organization is found suspicious and is restricted from sending email.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["InboundConnectorRestricted"]),
            Policy(
                "potential-nation-state-activity",
                "Potential nation-state activity",
                "Generates an alert when threat intelligence detects an attempt by a nation-state actor to compromise the organization.",
                AlertCategory.ThreatManagement,
                AlertSeverity.High,
                ["NationStateActivityDetected"]),
            Policy(
                "unusual-external-file-sharing",
                "Unusual external file sharing volume",
                "Generates an alert when a user shares files with people outside the organization (external sharing, anonymous links, guest invitations) significantly more than their learned baseline.",
                AlertCategory.InformationGovernance,
                AlertSeverity.Medium,
                ["FileSharedExternally", "AnonymousLinkCreated", "SharingInvitationCreated", "SharingSet"],
                trigger: perUserAnomaly,
                conditions: new AnyCondition(
                [
                    Property("operation", PropertyOperator.In, "FileSharedExternally", "AnonymousLinkCreated"),
                    Property("TargetUserOrGroupType", PropertyOperator.Equals, "Guest"),
                ])),
            Policy(
                "unusual-file-deletion",
                "Unusual volume of file deletion",
                "Generates an alert when a user deletes files in SharePoint or OneDrive significantly more than their learned baseline.",
                AlertCategory.InformationGovernance,
                AlertSeverity.Medium,
                ["FileDeleted", "FileRecycled", "FileDeletedFirstStageRecycleBin"],
                trigger: perUserAnomaly),

            // Extensions of the catalog (IsExtension): no Microsoft 365 default alert policy, an equivalent idea elsewhere.
            Policy(
                "admin-activity-from-new-ip-address",
                "Activity from a new IP address for an admin",
                "Catalog extension (not a Microsoft 365 default policy). Generates an alert when an administrative action (role or permission assignment, mail flow rule, audit configuration, Tenant Allow/Block List change) comes from an IP address the user has not used for administrative actions in the last 30 days. Nothing fires during the first 7 days after the user's first such action.",
                AlertCategory.Permissions,
                AlertSeverity.Medium,
                ["Add-RoleGroupMember", "New-ManagementRoleAssignment", "Add member to role.", "New-TransportRule", "Set-TransportRule", "Set-AdminAuditLogConfig", "Remove-TenantAllowBlockListItems"],
                trigger: new NewValueTrigger("clientIp", TriggerScope.User, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod)),
            Policy(
                "sign-ins-from-many-ip-addresses",
                "Sign-ins from many IP addresses",
                "Catalog extension (not a Microsoft 365 default policy). Generates an alert when a user signs in from 5 or more different IP addresses within one hour, which may mean the account's credentials are used from several places.",
                AlertCategory.ThreatManagement,
                AlertSeverity.Medium,
                ["UserLoggedIn"],
                trigger: new DistinctTrigger("clientIp", 5, oneHour, TriggerScope.User)),
            Policy(
                "audit-events-stopped-for-workload",
                "Audit events stopped arriving for a workload",
                "Catalog extension (not a Microsoft 365 default policy). Generates an alert when a workload (Exchange, SharePoint, OneDrive, Entra ID, Teams) that has produced routine audit events (sign-ins, mail and file access, messages) produces none for 24 hours of event time, which may mean auditing or the audit feed stopped.",
                AlertCategory.Others,
                AlertSeverity.Medium,
                ["UserLoggedIn", "MailItemsAccessed", "FileAccessed", "FileModified", "MessageSent"],
                trigger: new AbsenceTrigger(TimeSpan.FromHours(24), TriggerScope.Property("workload"))),
        ];
    }

    private static AlertPolicy Policy(
        string id,
        string name,
        string description,
        AlertCategory category,
        AlertSeverity severity,
        ImmutableArray<string> operations,
        Trigger? trigger = null,
        Condition? conditions = null,
        bool automatedInvestigation = false,
        AggregationSettings? aggregation = null) => new()
        {
            Id = id,
            Name = name,
            Description = description,
            Enabled = true,
            Type = PolicyType.System,
            Category = category,
            Severity = severity,
            Operations = operations,
            Conditions = conditions,
            Trigger = trigger ?? EveryTimeTrigger.Instance,
            Aggregation = aggregation,
            AutomatedInvestigation = automatedInvestigation,
        };

    private static PropertyCondition Property(string name, PropertyOperator op, params string[] values) =>
        new(name, op, ImmutableArray.Create(values));
}
