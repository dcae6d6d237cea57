using System.Collections.Frozen;
using System.Security.Claims;

namespace AlertEngine;

/// <summary>The alert roles a role group holds.</summary>
[Flags]
public enum AlertRoles
{
    /// <summary>No alert role.</summary>
    None = 0,

    /// <summary><c>View-Only Manage Alerts</c>: view alert policies.</summary>
    ViewOnlyManageAlerts = 1,

    /// <summary><c>Manage Alerts</c>: view, create, edit, enable, disable and delete alert policies.</summary>
    ManageAlerts = 2,
}

/// <summary>A role group of the role table: which alert categories its members see (and may manage), and which alert roles it holds.</summary>
/// <param name="Name">The role group name, matched case-insensitively against the caller's role claims.</param>
/// <param name="Categories">The alert categories members see; the same permission lets them change those alerts (status, suppression).</param>
/// <param name="Roles">The alert roles: viewing policies needs <see cref="AlertRoles.ViewOnlyManageAlerts"/> or
/// <see cref="AlertRoles.ManageAlerts"/>; creating and editing them needs <see cref="AlertRoles.ManageAlerts"/>.</param>
public sealed record AlertRoleGroup(string Name, IReadOnlyCollection<AlertCategory> Categories, AlertRoles Roles);

/// <summary>
/// Maps role groups to the alert categories their members see and the alert roles they hold. A caller's permissions
/// are the union over the role groups named by the caller's role claims. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>The <see cref="Default"/> table follows the Microsoft 365 examples: Records Management sees only Information
/// governance; Compliance Administrator (and Compliance Data Administrator) see everything but Threat management;
/// eDiscovery Manager sees no alerts; Organization Management and Security Administrator see everything. Build your
/// own table with the constructor, or derive one with <see cref="With"/> and <see cref="Without"/>.</para>
/// <para>An unauthenticated principal has no permissions, whatever its claims.</para>
/// </remarks>
public sealed class AlertRoleTable
{
    private static readonly AlertCategory[] AllCategories = Enum.GetValues<AlertCategory>();

    private readonly FrozenDictionary<string, AlertRoleGroup> _groups;

    /// <summary>Creates a table.</summary>
    /// <param name="groups">The role groups; names must be unique (case-insensitive) and not blank.</param>
    /// <exception cref="ArgumentException">A name is blank or repeated, or a category or role is not a defined value.</exception>
    public AlertRoleTable(IEnumerable<AlertRoleGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = new List<AlertRoleGroup>();
        var byName = new Dictionary<string, AlertRoleGroup>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            if (string.IsNullOrWhiteSpace(group.Name))
            {
                throw new ArgumentException("A role group name must not be blank.", nameof(groups));
            }

            ArgumentNullException.ThrowIfNull(group.Categories, nameof(groups));
            foreach (var category in group.Categories)
            {
                if (!Enum.IsDefined(category))
                {
                    throw new ArgumentException($"Role group '{group.Name}' names an undefined category ({(int)category}).", nameof(groups));
                }
            }

            if ((group.Roles & ~(AlertRoles.ViewOnlyManageAlerts | AlertRoles.ManageAlerts)) != 0)
            {
                throw new ArgumentException($"Role group '{group.Name}' names undefined roles ({(int)group.Roles}).", nameof(groups));
            }

            if (!byName.TryAdd(group.Name, group))
            {
                throw new ArgumentException($"Role group '{group.Name}' is listed twice.", nameof(groups));
            }

            list.Add(group);
        }

        Groups = list;
        _groups = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The default table (see the remarks).</summary>
    public static AlertRoleTable Default { get; } = new(
    [
        new("Organization Management", AllCategories, AlertRoles.ManageAlerts | AlertRoles.ViewOnlyManageAlerts),
        new("Security Administrator", AllCategories, AlertRoles.ManageAlerts | AlertRoles.ViewOnlyManageAlerts),
        new("Compliance Administrator", AllBut(AlertCategory.ThreatManagement), AlertRoles.ManageAlerts | AlertRoles.ViewOnlyManageAlerts),
        new("Compliance Data Administrator", AllBut(AlertCategory.ThreatManagement), AlertRoles.ManageAlerts | AlertRoles.ViewOnlyManageAlerts),
        new("Records Management", [AlertCategory.InformationGovernance], AlertRoles.ViewOnlyManageAlerts),
        new("eDiscovery Manager", [], AlertRoles.None),
    ]);

    /// <summary>The role groups, in the order given.</summary>
    public IReadOnlyList<AlertRoleGroup> Groups { get; }

    /// <summary>Looks up a role group by name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <param name="group">The group when found.</param>
    /// <returns>Whether the table has the group.</returns>
    public bool TryGetGroup(string name, out AlertRoleGroup group)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _groups.TryGetValue(name, out group!);
    }

    /// <summary>A copy of this table with <paramref name="group"/> added, or replacing the group of the same name.</summary>
    /// <param name="group">The group.</param>
    /// <returns>The new table.</returns>
    public AlertRoleTable With(AlertRoleGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var groups = new List<AlertRoleGroup>(Groups.Count + 1);
        var replaced = false;
        foreach (var g in Groups)
        {
            if (string.Equals(g.Name, group.Name, StringComparison.OrdinalIgnoreCase))
            {
                groups.Add(group);
                replaced = true;
            }
            else
            {
                groups.Add(g);
            }
        }

        if (!replaced)
        {
            groups.Add(group);
        }

        return new AlertRoleTable(groups);
    }

    /// <summary>A copy of this table without the named group.</summary>
    /// <param name="name">The group name (case-insensitive).</param>
    /// <returns>The new table.</returns>
    public AlertRoleTable Without(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var groups = new List<AlertRoleGroup>(Groups.Count);
        foreach (var g in Groups)
        {
            if (!string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                groups.Add(g);
            }
        }

        return new AlertRoleTable(groups);
    }

    /// <summary>
    /// The permissions of a caller: the union over the table's role groups that the caller's role claims name (each
    /// identity's <see cref="ClaimsIdentity.RoleClaimType"/>, compared case-insensitively). Role claims that name no
    /// group of the table grant nothing; an unauthenticated principal gets nothing.
    /// </summary>
    /// <param name="principal">The caller.</param>
    /// <returns>The permissions.</returns>
    public AlertPermissions Resolve(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var name = NameOf(principal);
        if (principal.Identity is not { IsAuthenticated: true })
        {
            return new AlertPermissions(name, [], [], AlertRoles.None);
        }

        var groups = new List<string>();
        var categories = new HashSet<AlertCategory>();
        var roles = AlertRoles.None;
        foreach (var identity in principal.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            foreach (var claim in identity.FindAll(identity.RoleClaimType))
            {
                if (!_groups.TryGetValue(claim.Value, out var group) || groups.Contains(group.Name))
                {
                    continue;
                }

                groups.Add(group.Name);
                categories.UnionWith(group.Categories);
                roles |= group.Roles;
            }
        }

        return new AlertPermissions(name, groups, categories, roles);
    }

    private static string NameOf(ClaimsPrincipal principal) =>
        principal.Identity?.Name is { Length: > 0 } name ? name
        : principal.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } id ? id
        : "(unknown)";

    private static AlertCategory[] AllBut(AlertCategory excluded) => Array.FindAll(AllCategories, c => c != excluded);
}

/// <summary>What one caller may do, resolved from the role table.</summary>
public sealed class AlertPermissions
{
    private readonly FrozenSet<AlertCategory> _categories;

    internal AlertPermissions(string name, IReadOnlyList<string> roleGroups, IEnumerable<AlertCategory> categories, AlertRoles roles)
    {
        Name = name;
        RoleGroups = roleGroups;
        _categories = categories.ToFrozenSet();
        Roles = roles;
    }

    /// <summary>The caller's name, as recorded in alert history: the identity name, else the name identifier claim, else <c>(unknown)</c>.</summary>
    public string Name { get; }

    /// <summary>The role groups of the table the caller belongs to.</summary>
    public IReadOnlyList<string> RoleGroups { get; }

    /// <summary>The alert categories the caller sees and may manage.</summary>
    public IReadOnlySet<AlertCategory> Categories => _categories;

    /// <summary>The caller's alert roles.</summary>
    public AlertRoles Roles { get; }

    /// <summary>Whether the caller may view alert policies (View-Only Manage Alerts or Manage Alerts).</summary>
    public bool CanViewPolicies => (Roles & (AlertRoles.ViewOnlyManageAlerts | AlertRoles.ManageAlerts)) != 0;

    /// <summary>Whether the caller may create and edit alert policies (Manage Alerts).</summary>
    public bool CanManagePolicies => (Roles & AlertRoles.ManageAlerts) != 0;

    /// <summary>Whether the caller sees, and may manage, alerts of a category.</summary>
    /// <param name="category">The category.</param>
    /// <returns><see langword="true"/> when the category is visible.</returns>
    public bool CanSee(AlertCategory category) => _categories.Contains(category);
}
