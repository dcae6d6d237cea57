using System.Diagnostics.CodeAnalysis;
using MimeKit;

namespace AlertEngine;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpTlsMode
{
    /// <summary>No TLS (only for a trusted relay on localhost or a private network).</summary>
    None,
    /// <summary>Connect in plain text and upgrade with STARTTLS; fail if the server does not offer it (port 587). Default.</summary>
    StartTls,
    /// <summary>Upgrade with STARTTLS when the server offers it, otherwise stay in plain text.</summary>
    StartTlsWhenAvailable,
    /// <summary>TLS from the first byte (SMTPS, port 465).</summary>
    Implicit,
}

/// <summary>Options of the <see cref="SmtpAlertNotifier"/>. Validated once, listing every problem
/// (<see cref="Validate"/>), when the notifier is created and at host start.</summary>
public sealed class SmtpNotifierOptions
{
    /// <summary>The placeholders <see cref="SubjectTemplate"/> may use.</summary>
    public static IReadOnlyList<string> Placeholders { get; } = SubjectRenderer.Names;

    /// <summary>The SMTP server host name or address. Required.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>The port. Default 587 (submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary>How the connection is secured. Default <see cref="SmtpTlsMode.StartTls"/>.</summary>
    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.StartTls;

    /// <summary>User name for SMTP authentication; <see langword="null"/> for none. Set together with <see cref="Password"/>.</summary>
    public string? UserName { get; set; }

    /// <summary>Password for SMTP authentication.</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>AlertEngine &lt;alerts@contoso.com&gt;</c>. Required.</summary>
    public string From { get; set; } = string.Empty;

    /// <summary>
    /// The subject, with placeholders in braces: <c>{Kind}</c>, <c>{PolicyName}</c>, <c>{PolicyId}</c>, <c>{AlertId}</c>,
    /// <c>{Severity}</c>, <c>{Category}</c>, <c>{HitCount}</c>, <c>{Users}</c>. Default
    /// <c>[{Severity}] {Kind}: {PolicyName}</c>.
    /// </summary>
    public string SubjectTemplate { get; set; } = "[{Severity}] {Kind}: {PolicyName}";

    /// <summary>Timeout of each SMTP operation (connect, authenticate, send). Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add(new(nameof(Host), "is required"));
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add(new(nameof(Port), "must be between 1 and 65535"));
        }

        if (!Enum.IsDefined(TlsMode))
        {
            errors.Add(new(nameof(TlsMode), "must be one of " + string.Join(", ", Enum.GetNames<SmtpTlsMode>())));
        }

        if (string.IsNullOrWhiteSpace(From))
        {
            errors.Add(new(nameof(From), "is required"));
        }
        else if (!TryParseAddress(From, out _))
        {
            errors.Add(new(nameof(From), $"'{From}' is not an email address"));
        }

        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            errors.Add(new(string.IsNullOrEmpty(UserName) ? nameof(UserName) : nameof(Password), "user name and password must be set together"));
        }

        if (string.IsNullOrWhiteSpace(SubjectTemplate))
        {
            errors.Add(new(nameof(SubjectTemplate), "is required"));
        }
        else
        {
            foreach (var problem in SubjectRenderer.Check(SubjectTemplate))
            {
                errors.Add(new(nameof(SubjectTemplate), problem));
            }
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(Timeout), "must be greater than zero"));
        }

        return errors;
    }

    /// <summary>Parses a mailbox (<c>user@domain</c> or <c>Name &lt;user@domain&gt;</c>); a bare local part is not an address.</summary>
    internal static bool TryParseAddress(string? text, [NotNullWhen(true)] out MailboxAddress? address)
    {
        if (text is not null && MailboxAddress.TryParse(text, out var parsed) && parsed.Address.Contains('@', StringComparison.Ordinal))
        {
            address = parsed;
            return true;
        }

        address = null;
        return false;
    }

    internal SmtpNotifierOptions Copy() => (SmtpNotifierOptions)MemberwiseClone();
}
