using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Ata.Gateway.Incidents;

/// <summary>
/// The fault relay's e-mail channel, through MailKit (System.Net.Mail's SmtpClient is marked not
/// recommended for new development): STARTTLS whenever the server offers it, and then the server's
/// certificate checked against the system's authorities and <see cref="RelayOptions.SmtpTrustedCertificate"/>.
/// </summary>
public static class MailChannel
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Sends one report.</summary>
    /// <param name="options">Where it goes.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="body">The plain-text body.</param>
    /// <param name="idempotencyKey">The report's key: its Message-ID and <see cref="FaultRelay.IdempotencyHeader"/>.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    public static async Task SendAsync(RelayOptions options, string subject, string body, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = options.SmtpHost ?? throw new InvalidOperationException("Relay:SmtpHost is not set any more.");
        using var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(options.MailFrom));
        foreach (var to in (options.MailTo ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            mail.To.Add(MailboxAddress.Parse(to));
        }

        mail.Subject = subject;
        mail.MessageId = $"{idempotencyKey}@ata-gateway";
        mail.Headers.Add(FaultRelay.IdempotencyHeader, idempotencyKey);
        var text = new TextPart(MimeKit.Text.TextFormat.Plain);
        text.SetText("utf-8", body);
        mail.Body = text;

        using var smtp = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        var trusted = TrustedCertificate(options);
        if (trusted is not null)
        {
            smtp.ServerCertificateValidationCallback = (_, certificate, _, errors) => ChainsTo(certificate, errors, trusted);
        }

        await smtp.ConnectAsync(host, options.SmtpPort, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken).ConfigureAwait(false);
        await smtp.SendAsync(mail, cancellationToken).ConfigureAwait(false);
        await smtp.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="exception"/> is a failed delivery (retried later), not a bug.</summary>
    /// <param name="exception">What <see cref="SendAsync"/> threw.</param>
    public static bool IsDeliveryFailure(Exception exception) =>
        exception is MailKit.CommandException or MailKit.ProtocolException or MailKit.ServiceNotConnectedException
            or SslHandshakeException or AuthenticationException or MimeKit.ParseException or SocketException or IOException or TimeoutException;

    private static X509Certificate2? TrustedCertificate(RelayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SmtpTrustedCertificate))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(options.SmtpTrustedCertificate));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new IOException($"Relay:SmtpTrustedCertificate '{options.SmtpTrustedCertificate}' cannot be read as a PEM certificate: {exception.Message}", exception);
        }
    }

    private static bool ChainsTo(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 trusted)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server) || server.Thumbprint == trusted.Thumbprint;
    }
}
