using System.Globalization;
using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace AlertEngine;

/// <summary>
/// An <see cref="IAlertNotifier"/> that emails each notification to its recipients over SMTP (MailKit): a plain-text
/// and an HTML body with the policy, severity, category, users, hit count, summary and the first activities.
/// One connection per notification. Failures throw (MailKit's <see cref="SmtpCommandException"/>,
/// <see cref="SmtpProtocolException"/>, <see cref="IOException"/>, …) so the <see cref="NotificationDispatcher"/>
/// retries them and records a failed delivery when they persist. Thread-safe.
/// </summary>
public sealed partial class SmtpAlertNotifier : IAlertNotifier
{
    /// <summary>The header carrying <see cref="AlertNotification.Id"/>, for de-duplication by receivers.</summary>
    public const string NotificationIdHeader = "X-AlertEngine-Notification-Id";

    /// <summary>The header carrying <see cref="AlertNotification.IdempotencyKey"/>. The key also makes the email's
    /// <c>Message-Id</c> (<c>{key, with characters other than letters, digits, '-' and '_' written =XX per UTF-8
    /// byte}.alertengine@{sender domain}</c>), so every attempt and re-send of one alert change is the same message for
    /// mail servers and clients that de-duplicate by <c>Message-Id</c>.</summary>
    public const string IdempotencyKeyHeader = "X-AlertEngine-Idempotency-Key";

    private readonly SmtpNotifierOptions _options;
    private readonly MailboxAddress _from;
    private readonly ILogger _logger;

    /// <summary>Creates the notifier.</summary>
    /// <param name="options">The options; validated, and copied.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public SmtpAlertNotifier(SmtpNotifierOptions options, ILogger<SmtpAlertNotifier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SMTP notifier options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(options));
        }

        _options = options.Copy();
        _from = MailboxAddress.Parse(_options.From);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No recipient is a valid email address (not retried usefully).</exception>
    public async ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        using var message = CreateMessage(notification);
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, _options.Timeout.TotalMilliseconds) };
        await client.ConnectAsync(_options.Host, _options.Port, SocketOptions(_options.TlsMode), cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(_options.UserName))
        {
            await client.AuthenticateAsync(_options.UserName, _options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        LogSent(_logger, notification.Id, message.To.Count, _options.Host, _options.Port);
    }

    /// <summary>Builds the email of a notification.</summary>
    /// <param name="notification">The notification.</param>
    /// <returns>The message.</returns>
    internal MimeMessage CreateMessage(AlertNotification notification)
    {
        var message = new MimeMessage();
        message.From.Add(_from);
        foreach (var recipient in notification.Recipients)
        {
            if (SmtpNotifierOptions.TryParseAddress(recipient, out var address))
            {
                message.To.Add(address);
            }
            else
            {
                LogBadRecipient(_logger, recipient, notification.Id);
            }
        }

        if (message.To.Count == 0)
        {
            message.Dispose();
            throw new InvalidOperationException($"Notification {notification.Id} has no valid recipient address.");
        }

        message.Subject = SubjectRenderer.Render(_options.SubjectTemplate, notification);
        message.Headers.Add(NotificationIdHeader, notification.Id);
        message.Headers.Add(IdempotencyKeyHeader, notification.IdempotencyKey);
        message.MessageId = MessageIdFor(notification.IdempotencyKey, _from.Domain);
        message.Date = notification.EventTime;
        message.Body = new BodyBuilder { TextBody = TextBody(notification), HtmlBody = HtmlBody(notification) }.ToMessageBody();
        return message;
    }

    /// <summary>A Message-Id (without angle brackets) that depends only on the idempotency key and the sender domain:
    /// the key with every character but ASCII letters, digits, '-' and '_' written as <c>=XX</c> per UTF-8 byte (a valid
    /// dot-atom), then <c>.alertengine@</c> and the domain.</summary>
    internal static string MessageIdFor(string idempotencyKey, string domain)
    {
        var local = new StringBuilder(idempotencyKey.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(idempotencyKey))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                local.Append(c);
            }
            else
            {
                local.Append('=').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return local.Append(".alertengine@").Append(string.IsNullOrEmpty(domain) ? "localhost" : domain).ToString();
    }

    private static SecureSocketOptions SocketOptions(SmtpTlsMode mode) => mode switch
    {
        SmtpTlsMode.None => SecureSocketOptions.None,
        SmtpTlsMode.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpTlsMode.Implicit => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    private static IEnumerable<(string Name, string Value)> Fields(AlertNotification n)
    {
        yield return ("Policy", $"{n.PolicyName} ({n.PolicyId})");
        if (n.AlertId is not null)
        {
            yield return ("Alert", n.AlertId);
        }

        yield return ("Severity", n.Severity.ToString());
        yield return ("Category", n.Category.ToString());
        yield return ("Users", n.Users.IsDefaultOrEmpty ? "(none)" : string.Join(", ", n.Users));
        yield return ("Hit count", n.HitCount.ToString(CultureInfo.InvariantCulture));
        yield return ("Time", Time(n.EventTime));
        if (!string.IsNullOrEmpty(n.Description))
        {
            yield return ("Description", n.Description);
        }
    }

    private static string TextBody(AlertNotification n)
    {
        var text = new StringBuilder();
        text.Append(SubjectRenderer.KindText(n.Kind)).Append(": ").AppendLine(n.PolicyName).AppendLine();
        foreach (var (name, value) in Fields(n))
        {
            text.Append(name).Append(": ").AppendLine(value);
        }

        text.AppendLine().AppendLine(n.Summary);
        if (!n.Activities.IsDefaultOrEmpty)
        {
            text.AppendLine().AppendLine(ActivitiesHeading(n));
            foreach (var a in n.Activities)
            {
                text.Append("- ").Append(Time(a.Time)).Append("  ").Append(a.Operation)
                    .Append("  ").Append(a.UserId ?? "-")
                    .Append("  ").Append(a.ObjectId ?? "-")
                    .Append("  ").AppendLine(a.ClientIp ?? "-");
            }
        }

        text.AppendLine().Append("Notification ").AppendLine(n.Id);
        return text.ToString();
    }

    private static string HtmlBody(AlertNotification n)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "-");
        var html = new StringBuilder();
        html.Append("<html><body><h2>").Append(E(SubjectRenderer.KindText(n.Kind))).Append(": ").Append(E(n.PolicyName)).Append("</h2><table>");
        foreach (var (name, value) in Fields(n))
        {
            html.Append("<tr><th align=\"left\">").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
        }

        html.Append("</table><p>").Append(E(n.Summary)).Append("</p>");
        if (!n.Activities.IsDefaultOrEmpty)
        {
            html.Append("<h3>").Append(E(ActivitiesHeading(n))).Append("</h3><table><tr><th>Time</th><th>Operation</th><th>User</th><th>Object</th><th>IP</th></tr>");
            foreach (var a in n.Activities)
            {
                html.Append("<tr><td>").Append(E(Time(a.Time))).Append("</td><td>").Append(E(a.Operation)).Append("</td><td>").Append(E(a.UserId))
                    .Append("</td><td>").Append(E(a.ObjectId)).Append("</td><td>").Append(E(a.ClientIp)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<p><small>Notification ").Append(E(n.Id)).Append("</small></p></body></html>");
        return html.ToString();
    }

    private static string ActivitiesHeading(AlertNotification n) => n.Activities.Length < n.HitCount
        ? string.Create(CultureInfo.InvariantCulture, $"Activities (first {n.Activities.Length} of {n.HitCount}):")
        : "Activities:";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "Notification {NotificationId} emailed to {Count} recipient(s) through {Host}:{Port}")]
    private static partial void LogSent(ILogger logger, string notificationId, int count, string host, int port);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Recipient '{Recipient}' of notification {NotificationId} is not an email address; skipped")]
    private static partial void LogBadRecipient(ILogger logger, string recipient, string notificationId);
}
