namespace Ata.Gateway.Incidents;

/// <summary>Where reports go, bound from the <c>Relay</c> configuration section. A channel without its address is off.</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Relay";

    /// <summary>The webhook channel's name.</summary>
    public const string Webhook = "webhook";

    /// <summary>The e-mail channel's name.</summary>
    public const string Email = "email";

    /// <summary>The URL reports are POSTed to as JSON.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The key of the <c>X-Ata-Signature</c> HMAC-SHA256 over <c>{timestamp}.{body}</c>. Never logged.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The SMTP server's host.</summary>
    public string? SmtpHost { get; set; }

    /// <summary>The SMTP server's port. Default 25.</summary>
    public int SmtpPort { get; set; } = 25;

    /// <summary>
    /// A PEM file with the certificate authority (or the server's own certificate) an SMTP server's
    /// STARTTLS certificate may also chain to, besides the system's trusted authorities: for a mail
    /// server with a private CA. The gateway uses STARTTLS whenever the server offers it and then
    /// always checks its certificate.
    /// </summary>
    public string? SmtpTrustedCertificate { get; set; }

    /// <summary>The sender address.</summary>
    public string MailFrom { get; set; } = "ata-gateway@localhost";

    /// <summary>Where e-mail reports go (comma-separated).</summary>
    public string? MailTo { get; set; }

    /// <summary>How often the relay looks for due messages, in milliseconds. Default 500.</summary>
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>The longest wait between two attempts at one message, in seconds. Default 300.</summary>
    public int MaxBackoffSeconds { get; set; } = 300;

    /// <summary>The channels that are configured.</summary>
    public IReadOnlyList<string> Channels =>
        [.. new[] { WebhookUrl is { Length: > 0 } ? Webhook : null, SmtpHost is { Length: > 0 } && MailTo is { Length: > 0 } ? Email : null }.OfType<string>()];
}
